//! A service on a temporary database, with a test clock and a Rust plugin.

#![allow(dead_code, reason = "each test file uses part of this")]
#![allow(clippy::unwrap_used, reason = "test helpers stop at the first failure")]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use duly_dsl::{Checked, SourceLoader};
use duly_engine::plugin::{CaseView, HookResult};
use duly_engine::{Deadline, Plugin, PluginAction};
use duly_server::rules::{PluginLoader, RulesSource};
use duly_server::tokens::Tokens;
use duly_server::{Config, ManualClock, Service};
use http_body_util::BodyExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

pub const WRITER: &str = "writer-token-0123456789";
pub const READER: &str = "reader-token-0123456789";
pub const ADMIN: &str = "admin-token-01234567890";

/// A child protection workflow of a given version, whose ICPC is due 15
/// working days after the strategy discussion, and whose breaches the
/// `escalator` plugin escalates.
pub fn rules(version: &str, extra: &str) -> String {
    format!(
        r#"workflow child_protection {{
  title "Child protection"
  version "{version}"
{extra}  source "Working Together"
  calendar england_and_wales
  starts with strategy_discussion
  plugins escalator

  step strategy_discussion {{
    title "Strategy discussion"
    outcomes s47, no_s47
    on s47 open icpc
    on no_s47 end
  }}

  step icpc {{
    title "Initial child protection conference"
    due 15 working days after strategy_discussion completed
      warn 5 working days before
      source "Working Together, chapter 1"
    on complete end
  }}
}}
"#
    )
}

/// Escalates every breach to the team manager, and notes each warning.
pub struct Escalator;

impl Plugin for Escalator {
    fn name(&self) -> &str {
        "escalator"
    }
    fn content_hash(&self) -> &str {
        "test"
    }
    fn on_breach(&self, _case: &CaseView<'_>, deadline: &Deadline) -> HookResult {
        Ok(vec![PluginAction::Escalate {
            to: "team_manager".into(),
            reason: format!("{} overdue", deadline.step),
        }])
    }
    fn on_approaching(&self, _case: &CaseView<'_>, _deadline: &Deadline) -> HookResult {
        Ok(vec![PluginAction::Note {
            text: "due soon".into(),
        }])
    }
}

pub fn plugins() -> PluginLoader {
    Arc::new(
        |_checked: &mut Checked, _loader: &dyn SourceLoader, _dirs: &[PathBuf]| {
            Ok(vec![Arc::new(Escalator) as Arc<dyn Plugin>])
        },
    )
}

pub struct Setup {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
}

impl Setup {
    pub fn new(rules_text: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rules")).unwrap();
        std::fs::write(
            dir.path().join("rules/escalator.rhai"),
            "// a test plugin\n",
        )
        .unwrap();
        let setup = Setup {
            dir,
            clock: Arc::new(ManualClock::new("2019-04-01T09:00:00Z".parse().unwrap())),
        };
        setup.write_rules(rules_text);
        setup
    }

    pub fn write_rules(&self, text: &str) {
        std::fs::write(self.rules_dir().join("cp.duly"), text).unwrap();
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.dir.path().join("rules")
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("duly.db")
    }

    pub fn config(&self) -> Config {
        let tokens = Tokens::parse(
            "tokens",
            &format!("writer {WRITER}\nreader {READER}\nadmin {ADMIN}\n"),
        )
        .unwrap();
        let mut config = Config::new(
            RulesSource {
                roots: vec![self.rules_dir()],
                plugin_dirs: vec![],
            },
            tokens,
        );
        config.plugins = plugins();
        config.clock = self.clock.clone();
        config.timer = false;
        config
    }

    pub async fn start(&self) -> Service {
        self.start_with(self.config()).await
    }

    pub async fn start_with(&self, config: Config) -> Service {
        let store = Arc::new(duly_store::SqliteStore::open(self.db()).unwrap());
        Service::start(config, store).await.unwrap()
    }

    pub fn set_time(&self, moment: &str) {
        self.clock.set(moment.parse().unwrap());
    }
}

pub fn dir_of(path: &Path) -> &Path {
    path.parent().unwrap()
}

/// An answer: status, content type and body as JSON (`null` if not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub json: serde_json::Value,
    pub text: String,
}

pub async fn call(
    service: &Service,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: impl Into<Body>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = service
        .router()
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer {
        status,
        content_type,
        json,
        text,
    }
}

pub fn event(
    id: &str,
    case: &str,
    at: &str,
    step: &str,
    action: &str,
    outcome: Option<&str>,
) -> serde_json::Value {
    let mut e =
        serde_json::json!({"id": id, "case": case, "at": at, "step": step, "action": action});
    if let Some(outcome) = outcome {
        e["outcome"] = outcome.into();
    }
    e
}

/// A strategy discussion on `day` that leads to an ICPC.
pub fn s47(id: &str, case: &str, day: &str) -> serde_json::Value {
    event(
        id,
        case,
        day,
        "strategy_discussion",
        "complete",
        Some("s47"),
    )
}

pub async fn post(service: &Service, body: &serde_json::Value) -> Answer {
    call(
        service,
        "POST",
        "/v1/events",
        Some(WRITER),
        body.to_string(),
    )
    .await
}

pub fn statuses(answer: &Answer) -> Vec<String> {
    answer.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}
