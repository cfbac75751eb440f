//! `duly serve`: the HTTP service that case systems call.

use duly_server::rules::{RulesSource, script_plugins};
use duly_server::tokens::Tokens;
use duly_server::{Config, Service, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Serve events, cases and reports over HTTP.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database file (created if missing).
    #[arg(long, value_name = "FILE", default_value = "duly.db")]
    pub db: PathBuf,
    /// The rules: a folder of `.duly` files, or one file.
    #[arg(long, value_name = "DIR")]
    pub rules: PathBuf,
    /// A folder to look for plugin scripts in.
    #[arg(long = "plugins", value_name = "DIR")]
    pub plugins: Vec<PathBuf>,
    /// The tokens file: one `role token` pair a line (roles `reader`,
    /// `writer`, `admin`).
    #[arg(long, value_name = "FILE")]
    pub tokens: PathBuf,
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// `text` logs for people, `json` logs for collectors.
    #[arg(long = "log-format", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The largest request body, in bytes.
    #[arg(long = "max-body-bytes", value_name = "BYTES", default_value_t = duly_server::DEFAULT_MAX_BODY)]
    pub max_body_bytes: usize,
    /// Memory, in MiB, for the checked events of cases read recently, so
    /// that reading a case again skips the store (0: none). A case's state
    /// is still worked out afresh on every read.
    #[arg(long = "case-cache-mib", value_name = "MIB", default_value_t = duly_server::cache::DEFAULT_BUDGET >> 20)]
    pub case_cache_mib: usize,
}

/// How the service logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line an event, for people.
    Text,
    /// One JSON object a line.
    Json,
}

/// Runs `duly serve`.
pub fn run(args: Args) -> ExitCode {
    init_logs(args.log_format);
    let tokens = match Tokens::read(&args.tokens) {
        Ok(tokens) => tokens,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the service: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args, tokens))
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn serve(args: Args, tokens: Tokens) -> ExitCode {
    let db = args.db.clone();
    let store = match tokio::task::spawn_blocking(move || duly_store::SqliteStore::open(db)).await {
        Ok(Ok(store)) => Arc::new(store),
        Ok(Err(err)) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
        Err(_) => return ExitCode::FAILURE,
    };
    let config = Config {
        rules: RulesSource {
            roots: vec![args.rules.clone()],
            plugin_dirs: args.plugins.clone(),
        },
        plugins: script_plugins(),
        tokens,
        clock: Arc::new(SystemClock),
        max_body_bytes: args.max_body_bytes,
        timer: true,
        case_cache_bytes: args.case_cache_mib.saturating_mul(1 << 20),
    };
    let service = match Service::start(config, store).await {
        Ok(service) => service,
        Err(err) => {
            eprintln!("error: the service cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {}: {}", args.listen, err.kind());
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().unwrap_or(args.listen);
    // The first line on standard output says where the service listens
    // (useful with port 0).
    println!("listening on {address}");
    tracing::info!(%address, "listening");
    reload_on_hangup(service.clone());
    match duly_server::serve(service, listener, stopped()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: the service stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// SIGHUP reloads the rules, like `POST /v1/admin/reload`.
fn reload_on_hangup(service: Service) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: reload with POST /v1/admin/reload");
            return;
        };
        while hangups.recv().await.is_some() {
            if let Err(err) = service.reload().await {
                tracing::error!(
                    error = %err.to_api().message,
                    "the rules were not reloaded; the rules in force stay"
                );
            }
        }
    });
    #[cfg(not(unix))]
    let _ = service;
}

/// Completes on Ctrl-C or SIGTERM.
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}
