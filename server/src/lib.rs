//! The Duly service: case systems send events as they happen and ask for a
//! child's deadlines; managers get reports; escalations fire on time, once.
//!
//! HTTP and JSON on axum and tokio, over any [`ServiceStore`] (the embedded
//! SQLite store by default). `docs/service.md` documents the endpoints, access,
//! errors and operations; the OpenAPI document is [`http::OPENAPI`].
//!
//! - Writes: `POST /v1/events` checks each event against the rules its case
//!   runs under (an unknown step or outcome is rejected, never stored) and
//!   answers once the accepted ones are durable. One writer thread stores
//!   the batches of concurrent requests together ([`writer`]).
//! - Reads: a case is replayed from its stored events on each request, as
//!   of the moment asked; the events, checked against the case's rules, are
//!   kept for the next read of the case while the store says they are still
//!   all of them ([`cache`]).
//! - Rules: every rule set loaded is kept as a generation, and a case keeps
//!   the one it started under unless a newer version takes it over
//!   ([`rules`]).
//! - Escalations: a timer replays cases when their next warning or due
//!   moment passes and records each plugin action once ([`escalate`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use duly_server::{Config, Service, rules::RulesSource};
//! use std::sync::Arc;
//!
//! let store = Arc::new(duly_store::SqliteStore::open("duly.db")?);
//! let config = Config::new(
//!     RulesSource { roots: vec!["rules".into()], plugin_dirs: vec![] },
//!     duly_server::tokens::Tokens::read("tokens".as_ref())?,
//! );
//! let service = Service::start(config, store).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! duly_server::serve(service, listener, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

pub mod cache;
pub mod error;
pub mod escalate;
pub mod http;
pub mod reports;
pub mod rules;
pub mod tokens;
pub mod writer;

pub use escalate::{Clock, ManualClock, Sweep, SystemClock};
pub use rules::{Reloaded, ServiceStore, StartError};

use crate::error::ApiError;
use crate::escalate::Escalator;
use crate::rules::{Generations, PluginLoader, ReloadError, RulesSource};
use crate::tokens::Tokens;
use crate::writer::Writer;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The largest request body taken by default: 16 MiB, some 80,000 events.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// How many reads replay at once; more wait their turn. Matches the store's
/// idle reader connections, so that reads reuse them.
const READERS: usize = 4;

/// How the service is set up.
pub struct Config {
    /// Where the rules are.
    pub rules: RulesSource,
    /// How plugin scripts become plugins.
    pub plugins: PluginLoader,
    /// Who may do what.
    pub tokens: Tokens,
    /// Where the time comes from.
    pub clock: Arc<dyn Clock>,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Whether the escalation timer runs by itself (tests that move their
    /// clock turn it off and call [`Service::sweep`]).
    pub timer: bool,
    /// How many bytes of checked events are kept for the cases read
    /// recently (about; 0 keeps none): [`cache`].
    pub case_cache_bytes: usize,
}

impl Config {
    /// A service for these rules and tokens, on the system clock, running
    /// the plugin scripts the rules name and those of the `--plugins`
    /// folders.
    pub fn new(rules: RulesSource, tokens: Tokens) -> Config {
        Config {
            rules,
            plugins: rules::script_plugins(),
            tokens,
            clock: Arc::new(SystemClock),
            max_body_bytes: DEFAULT_MAX_BODY,
            timer: true,
            case_cache_bytes: cache::DEFAULT_BUDGET,
        }
    }
}

/// A running service: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<dyn ServiceStore>,
    generations: Arc<Generations>,
    writer: Writer,
    escalator: Arc<Escalator>,
    clock: Arc<dyn Clock>,
    tokens: Tokens,
    reads: Semaphore,
    cases: Arc<cache::CaseCache>,
    reports: Semaphore,
    max_body_bytes: usize,
    timer: Option<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(timer) = &self.timer {
            timer.abort();
        }
    }
}

impl Service {
    /// Loads the rules (saving them as a new generation if they changed),
    /// starts the writer and the escalation timer, which first catches up on
    /// everything that passed while the service was down.
    pub async fn start(
        config: Config,
        store: Arc<dyn ServiceStore>,
    ) -> Result<Service, StartError> {
        let now = config.clock.now();
        let (generations, reloaded) = {
            let store = store.clone();
            let source = config.rules.clone();
            let plugins = config.plugins.clone();
            tokio::task::spawn_blocking(move || Generations::open(source, plugins, store, now))
                .await
                .map_err(|_| StartError::Rules(rules_stopped()))??
        };
        tracing::info!(
            generation = reloaded.generation,
            status = reloaded.status,
            moved_cases = reloaded.moved_cases,
            kept_cases = reloaded.kept_cases,
            "rules loaded"
        );
        let cases = Arc::new(cache::CaseCache::new(config.case_cache_bytes));
        let escalator = Arc::new(Escalator::new(
            store.clone(),
            cases.clone(),
            config.clock.clone(),
        ));
        let touched = escalator.clone();
        let writer = Writer::start(store.clone(), Box::new(move |cases| touched.touched(cases)))
            .map_err(|e| {
                StartError::Store(duly_store::StoreError::Backend {
                    db: String::new(),
                    source: Box::new(e),
                })
            })?;
        let generations = Arc::new(generations);
        let timer = config
            .timer
            .then(|| tokio::spawn(escalator.clone().run(generations.clone())).abort_handle());
        Ok(Service {
            inner: Arc::new(Inner {
                store,
                generations,
                writer,
                escalator,
                clock: config.clock,
                tokens: config.tokens,
                reads: Semaphore::new(READERS),
                cases,
                reports: Semaphore::new(1),
                max_body_bytes: config.max_body_bytes,
                timer,
            }),
        })
    }

    /// The routes, ready to serve.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    /// Reads the rules again; if they check and differ, they become the
    /// current generation and cases move as their versions allow. On failure
    /// the rules in force stay.
    pub async fn reload(&self) -> Result<Reloaded, ReloadError> {
        let inner = self.inner.clone();
        let now = inner.clock.now();
        let reloaded = tokio::task::spawn_blocking(move || {
            inner
                .generations
                .reload(now, || inner.writer.flush_blocking())
        })
        .await
        .map_err(|_| ReloadError::Rules(rules_stopped()))??;
        tracing::info!(
            generation = reloaded.generation,
            status = reloaded.status,
            moved_cases = reloaded.moved_cases,
            kept_cases = reloaded.kept_cases,
            "rules reloaded"
        );
        if reloaded.status == "reloaded" {
            // Its entries are of older generations: they would not be used
            // again, only take room.
            self.inner.cases.clear();
            self.inner.escalator.everything();
        }
        Ok(reloaded)
    }

    /// Runs the escalation timer's work now (cases due, touched, or all
    /// after a start or reload) and says what it did. The timer does this
    /// by itself; tests call it after moving their clock.
    pub async fn sweep(&self) -> Result<Sweep, duly_store::StoreError> {
        self.inner.escalator.sweep(&self.inner.generations).await
    }

    /// The next moment the escalation timer wakes for, if any.
    pub fn next_escalation(&self) -> Option<jiff::Timestamp> {
        self.inner.escalator.next_moment()
    }

    /// Tells the escalation timer to look at the clock again.
    pub fn nudge(&self) {
        self.inner.escalator.nudge();
    }

    /// Runs `read` on a blocking thread, a few at a time.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        blocking(&self.inner.reads, read).await
    }

    /// Runs `report` on a blocking thread, one at a time: each reads every
    /// stored event.
    async fn report<T: Send + 'static>(
        &self,
        report: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        blocking(&self.inner.reports, report).await
    }
}

/// Runs `work` on a blocking thread once `gate` lets it in.
async fn blocking<T: Send + 'static>(
    gate: &Semaphore,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = gate
        .acquire()
        .await
        .map_err(|_| ApiError::internal("the service is stopping"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::internal("the request stopped unexpectedly"))?
}

fn rules_stopped() -> rules::RulesFailure {
    rules::RulesFailure {
        message: "loading the rules stopped unexpectedly".into(),
        rendered: String::new(),
        diagnostics: serde_json::json!({"diagnostics": [], "errors": 1, "warnings": 0}),
    }
}

/// Serves `service` on `listener` until `shutdown` completes, then finishes
/// the requests in flight.
pub async fn serve(
    service: Service,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, service.router())
        .with_graceful_shutdown(shutdown)
        .await
}
