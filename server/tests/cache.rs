//! Reading a case again uses its events as checked at the last read, never
//! a stale state: a new event, from this service or another process, and a
//! reload that changes the case's rules, show at the next read.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use axum::http::StatusCode;
use common::*;
use duly_store::EventStore;
use serde_json::json;

async fn case_as_of(service: &duly_server::Service, id: &str, as_of: &str) -> serde_json::Value {
    let uri = format!("/v1/cases/{id}?as_of={as_of}");
    let answer = call(service, "GET", &uri, Some(READER), "").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json
}

async fn case(service: &duly_server::Service, id: &str) -> serde_json::Value {
    case_as_of(service, id, "2019-06-30").await
}

fn icpc(id: &str, case: &str, day: &str) -> serde_json::Value {
    event(id, case, day, "icpc", "complete", None)
}

#[tokio::test]
async fn a_posted_event_shows_at_the_next_read_of_its_case() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    post(&service, &json!([s47("e-2", "C2", "2019-04-12")])).await;
    // Read twice: the second read comes from the kept events.
    for _ in 0..2 {
        assert_eq!(
            case(&service, "C1").await["deadlines"][0]["status"],
            "overdue"
        );
    }
    // Each read is as of its own moment.
    assert_eq!(
        case_as_of(&service, "C1", "2019-04-20").await["deadlines"][0]["status"],
        "open"
    );
    let answer = post(&service, &json!([icpc("e-3", "C1", "2019-05-01")])).await;
    assert_eq!(statuses(&answer), ["accepted"]);
    assert_eq!(case(&service, "C1").await["deadlines"][0]["status"], "met");
    // Another case's event changes nothing for C1, and C2 sees its own.
    post(&service, &json!([icpc("e-4", "C2", "2019-05-20")])).await;
    assert_eq!(case(&service, "C1").await["deadlines"][0]["status"], "met");
    assert_eq!(case(&service, "C2").await["deadlines"][0]["status"], "late");
}

#[tokio::test]
async fn an_event_stored_by_another_process_shows_at_the_next_read() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    assert_eq!(
        case(&service, "C1").await["deadlines"][0]["status"],
        "overdue"
    );
    // `duly ingest` on the same database, say.
    let other = duly_store::SqliteStore::open(setup.db()).unwrap();
    let line = icpc("e-2", "C1", "2019-05-01").to_string();
    other
        .append(&[duly_events::parse_line(1, &line).unwrap()])
        .unwrap();
    assert_eq!(case(&service, "C1").await["deadlines"][0]["status"], "met");
}

#[tokio::test]
async fn a_reload_that_changes_a_cases_rules_shows_at_the_next_read() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    for _ in 0..2 {
        assert_eq!(
            case(&service, "C1").await["deadlines"][0]["due"],
            "2019-05-08"
        );
    }
    // The same version, corrected: 10 working days, and a new first step,
    // which numbers the steps differently from the rules the events were
    // first checked against.
    let corrected = rules("2018.1", "")
        .replace("due 15 working days", "due 10 working days")
        .replace(
            "starts with strategy_discussion",
            "starts with home_visit, strategy_discussion",
        )
        .replace(
            "  step strategy_discussion {",
            "  step home_visit {\n    title \"Home visit\"\n    on complete end\n  }\n\n  step strategy_discussion {",
        );
    setup.write_rules(&corrected);
    let answer = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(answer.json["status"], "reloaded", "{}", answer.text);
    let after = case(&service, "C1").await;
    assert_eq!(after["deadlines"][0]["due"], "2019-04-30", "{after}");
    assert_eq!(after["deadlines"][0]["step"], "icpc", "{after}");
    assert_eq!(after["episodes"][0]["workflow"], "child_protection");
    assert!(after.get("errors").is_none(), "{after}");
}

#[tokio::test]
async fn a_case_with_no_events_is_not_found_with_or_without_the_cache() {
    let setup = Setup::new(&rules("2018.1", ""));
    for budget in [0, 1 << 20] {
        let mut config = setup.config();
        config.case_cache_bytes = budget;
        let service = setup.start_with(config).await;
        let answer = call(&service, "GET", "/v1/cases/nobody", Some(READER), "").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
        assert_eq!(answer.json["code"], "case_not_found", "{}", answer.text);
    }
}

/// A workflow with an hour-based deadline, beside the child protection one.
const MISSING: &str = r#"workflow missing {
  title "Missing from home or care"
  version "1"
  source "Statutory guidance on children who run away or go missing from home or care"
  calendar england_and_wales
  starts with missing_episode

  step missing_episode {
    title "Missing episode"
    on complete open rhi
  }

  step rhi {
    title "Return home interview"
    due 72 hours after missing_episode completed
      warn 24 hours before
    on complete end
  }
}
"#;

#[tokio::test]
async fn a_kept_answer_is_the_answer_a_fresh_read_gives_as_time_passes() {
    let setup = Setup::new(&rules("2018.1", ""));
    std::fs::write(setup.rules_dir().join("missing.duly"), MISSING).unwrap();
    let kept = setup.start().await;
    let mut config = setup.config();
    config.case_cache_bytes = 0;
    let fresh = setup.start_with(config).await;
    setup.set_time("2019-04-12T09:00:00Z");
    let returned = event(
        "e-2",
        "C1",
        "2019-04-15T10:30:00+01:00",
        "missing_episode",
        "complete",
        None,
    );
    post(&kept, &json!([s47("e-1", "C1", "2019-04-12"), returned])).await;
    // Every moment where something changes, and moments either side: the
    // event's day and instant, the warning, the due moment, hours late, the
    // ICPC's warning and due days, ends of days.
    let mut moments = vec![
        "2019-04-12T09:00:00Z",
        "2019-04-12T22:59:59Z",
        "2019-04-12T23:00:00Z",
        "2019-04-15T09:29:59.999999999Z",
        "2019-04-15T09:30:00Z",
        "2019-04-15T09:30:00.000000001Z",
        "2019-04-17T09:29:59Z",
        "2019-04-17T09:30:00Z",
        "2019-04-18T09:30:00Z",
        "2019-04-18T09:30:00.000000001Z",
        "2019-04-18T10:29:59Z",
        "2019-04-18T10:30:00.000000001Z",
        "2019-04-18T12:00:00Z",
        "2019-04-18T22:59:59.999999999Z",
        "2019-04-18T23:00:00Z",
        "2019-04-26T12:00:00Z",
        "2019-05-02T12:00:00Z",
        "2019-05-08T12:00:00Z",
        "2019-05-08T22:59:59.999999999Z",
        "2019-05-08T23:00:00Z",
    ];
    // Each moment read twice (from the answer the timer kept), then
    // again after the clock was set back: an answer kept from a later
    // moment must not serve an earlier one.
    let mut back = moments.clone();
    back.reverse();
    moments.extend(back);
    let mut seen = std::collections::HashSet::new();
    for moment in moments {
        setup.set_time(moment);
        let want = call(&fresh, "GET", "/v1/cases/C1", Some(READER), "").await;
        assert_eq!(want.status, StatusCode::OK, "{}", want.text);
        seen.insert(want.text.clone());
        // The escalation timer replays the case as of now, and keeps the
        // answer it worked out: the reads below are served from it.
        kept.sweep().await.unwrap();
        for _ in 0..2 {
            let got = call(&kept, "GET", "/v1/cases/C1", Some(READER), "").await;
            assert_eq!(got.text, want.text, "at {moment}");
        }
    }
    assert!(
        seen.len() >= 10,
        "the moments show the case changing: {}",
        seen.len()
    );
}
