//! Real plugins in the service: the example council's rhai scripts, loaded
//! as `duly run` loads them, fire their escalations once, across restarts;
//! scripts that do not compile refuse the rules, with their diagnostics.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests stop at the first failure"
)]

mod common;

use axum::http::StatusCode;
use common::*;
use duly_server::rules::{RulesSource, script_plugins};
use duly_server::{Service, StartError};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn example_council() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rules/local/example-council"
    ))
}

/// The actions recorded in the store for `case`: (plugin, hook, occurrence, moment).
fn recorded_actions(setup: &Setup, case: &str) -> Vec<(String, String, String, String)> {
    let db = rusqlite::Connection::open(setup.db()).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT plugin, hook, occurrence, moment FROM actions WHERE case_id = ?1 ORDER BY moment",
        )
        .unwrap();
    stmt.query_map([case], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("waited 10 s for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_example_council_escalation_fires_once_and_not_again_after_a_restart() {
    let setup = Setup::new(&rules("2018.1", ""));
    let config = || {
        let mut config = setup.config();
        config.rules = RulesSource {
            roots: vec![example_council()],
            plugin_dirs: vec![],
        };
        config.plugins = script_plugins();
        config.timer = true;
        config
    };
    setup.set_time("2024-04-01T10:00:00Z");
    let service = setup.start_with(config()).await;

    // Referred on Monday 1 April 2024, an assessment opened: due 5 June,
    // warned from the start of Tuesday 21 May, the 35th working day
    // (`assessment_at_35_days.rhai` and its scenario).
    let posted = post(
        &service,
        &json!([
            event("a-1", "C1", "2024-04-01", "referral", "start", None),
            event(
                "a-2",
                "C1",
                "2024-04-01",
                "referral",
                "complete",
                Some("assessment")
            ),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&posted),
        ["accepted", "accepted"],
        "{}",
        posted.text
    );
    // The timer replays the new case by itself and waits for a moment.
    wait_for("the timer to see the case", || {
        service.next_escalation().is_some()
    })
    .await;
    assert!(recorded_actions(&setup, "C1").is_empty(), "nothing yet");

    setup.set_time("2024-05-21T08:00:00Z");
    service.nudge();
    wait_for("the escalation", || {
        !recorded_actions(&setup, "C1").is_empty()
    })
    .await;
    let escalation = (
        "assessment_at_35_days".to_owned(),
        "on_approaching".to_owned(),
        "assessment#1/1".to_owned(),
        "2024-05-20T23:00:00Z".to_owned(),
    );
    assert_eq!(
        recorded_actions(&setup, "C1"),
        std::slice::from_ref(&escalation)
    );

    // The case says what the plugin did, as `duly run` would.
    let case = call(&service, "GET", "/v1/cases/C1", Some(READER), "").await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text);
    let actions = case.json["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{}", case.text);
    assert_eq!(actions[0]["plugin"], "assessment_at_35_days");
    assert_eq!(actions[0]["kind"], "escalate");
    assert_eq!(actions[0]["to"], "team_manager");

    // And the report counts it.
    let report = call(
        &service,
        "GET",
        "/v1/reports/plugin_actions?as_of=2024-05-31",
        Some(READER),
        "",
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let rows = report.json.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", report.text);
    assert_eq!(
        (&rows[0]["case"], &rows[0]["plugin"], &rows[0]["subject"]),
        (
            &json!("C1"),
            &json!("assessment_at_35_days"),
            &json!("team_manager")
        )
    );

    // Swept again, and after a restart: found already done, never repeated.
    let swept = service.sweep().await.unwrap();
    assert_eq!(swept.carried_out, 0);
    drop(service);
    let mut again = config();
    again.timer = false;
    let service = setup.start_with(again).await;
    let swept = service.sweep().await.unwrap();
    assert_eq!((swept.cases, swept.carried_out, swept.already), (1, 0, 1));
    assert_eq!(recorded_actions(&setup, "C1"), [escalation]);
}

fn with_script(script: &str) -> Setup {
    let setup = Setup::new(&rules("2018.1", ""));
    std::fs::write(setup.rules_dir().join("escalator.rhai"), script).unwrap();
    setup
}

const GOOD: &str = r#"
fn on_breach(case, deadline) {
    escalate("team_manager", "overdue");
}
"#;

const BROKEN: &str = r#"
fn on_breach(case, deadline) {
    escalate("team_manager", "overdue"
}
"#;

fn scripted(setup: &Setup) -> duly_server::Config {
    let mut config = setup.config();
    config.plugins = script_plugins();
    config
}

#[tokio::test]
async fn a_script_that_does_not_compile_stops_the_service_at_start_with_its_diagnostics() {
    let setup = with_script(BROKEN);
    let store = Arc::new(duly_store::SqliteStore::open(setup.db()).unwrap());
    let Err(StartError::Rules(failure)) = Service::start(scripted(&setup), store).await else {
        panic!("the service started with a broken script");
    };
    assert!(
        failure.rendered.contains("escalator.rhai"),
        "{}",
        failure.rendered
    );
    let codes: Vec<&str> = failure.diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["plugin-syntax"], "{}", failure.diagnostics);
}

#[tokio::test]
async fn a_script_that_does_not_compile_is_refused_on_reload_and_the_rules_in_force_stay() {
    let setup = with_script(GOOD);
    let service = setup.start_with(scripted(&setup)).await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;

    std::fs::write(setup.rules_dir().join("escalator.rhai"), BROKEN).unwrap();
    let answer = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.json["code"], "rules_invalid");
    let diagnostic = &answer.json["diagnostics"][0];
    assert_eq!(diagnostic["code"], "plugin-syntax", "{}", answer.text);
    assert!(
        diagnostic["file"]
            .as_str()
            .unwrap()
            .ends_with("escalator.rhai"),
        "{}",
        answer.text
    );

    // The compiled script still runs: the ICPC breach is escalated.
    setup.set_time("2019-05-09T08:00:00Z");
    let swept = service.sweep().await.unwrap();
    assert_eq!(swept.carried_out, 1);

    // A changed script that compiles is a new generation.
    std::fs::write(
        setup.rules_dir().join("escalator.rhai"),
        GOOD.replace("overdue", "overdue: the team manager decides"),
    )
    .unwrap();
    let answer = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json["status"], "reloaded");
    assert_eq!(answer.json["generation"], 2);
}

#[tokio::test]
async fn a_script_from_a_plugins_folder_acts_for_every_workflow_and_belongs_to_its_generation() {
    // A script no workflow names, from `--plugins`, acts for every
    // workflow, and its text is saved with the rules: the same text is the
    // same generation, another text a new one.
    let setup = Setup::new(&rules("2018.1", "").replace("  plugins escalator\n", ""));
    let folder = setup.dir.path().join("local-plugins");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("breaches.rhai"), GOOD).unwrap();
    let config = || {
        let mut config = scripted(&setup);
        config.rules.plugin_dirs = vec![folder.clone()];
        config
    };
    let service = setup.start_with(config()).await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    setup.set_time("2019-05-09T08:00:00Z");
    assert_eq!(service.sweep().await.unwrap().carried_out, 1);
    drop(service);

    // The folder's script now fails to compile: the rules on disk are
    // refused, so the service does not start on them.
    std::fs::write(folder.join("breaches.rhai"), BROKEN).unwrap();
    let store = Arc::new(duly_store::SqliteStore::open(setup.db()).unwrap());
    assert!(matches!(
        Service::start(config(), store).await,
        Err(StartError::Rules(_))
    ));
    // Put back as it was: the same generation, nothing carried out twice.
    std::fs::write(folder.join("breaches.rhai"), GOOD).unwrap();
    let service = setup.start_with(config()).await;
    let swept = service.sweep().await.unwrap();
    assert_eq!((swept.carried_out, swept.already), (0, 1));
    let reloaded = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(reloaded.json["status"], "unchanged", "{}", reloaded.text);
    assert_eq!(reloaded.json["generation"], 1);
    std::fs::write(
        folder.join("breaches.rhai"),
        GOOD.replace("overdue", "late"),
    )
    .unwrap();
    let reloaded = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(reloaded.json["status"], "reloaded", "{}", reloaded.text);
    assert_eq!(reloaded.json["generation"], 2);
}
