//! Reloading rules: only rules that check clean take effect; a case keeps
//! the version it started under unless the new version moves it; the choice
//! survives a restart.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

/// The 2023 rules: the ICPC within 10 working days instead of 15.
fn rules_2023(extra: &str) -> String {
    rules("2023.1", extra).replace("due 15 working days", "due 10 working days")
}

async fn case(service: &duly_server::Service, id: &str) -> serde_json::Value {
    let uri = format!("/v1/cases/{id}?as_of=2019-06-30");
    let answer = call(service, "GET", &uri, Some(READER), "").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json
}

async fn reload(service: &duly_server::Service) -> Answer {
    call(service, "POST", "/v1/admin/reload", Some(ADMIN), "").await
}

#[tokio::test]
async fn rules_that_do_not_check_are_refused_and_the_old_ones_stay() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    setup.write_rules(&rules("2018.1", "").replace("on complete end", "on complete open nowhere"));
    let answer = reload(&service).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.json["code"], "rules_invalid");
    assert!(
        answer.json["message"]
            .as_str()
            .unwrap()
            .contains("keeps the rules it had")
    );
    let diagnostic = &answer.json["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-step");
    assert!(diagnostic["file"].as_str().unwrap().ends_with("cp.duly"));
    assert!(diagnostic["line"].as_u64().is_some());
    // The old rules still run.
    let posted = post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    assert_eq!(statuses(&posted), ["accepted"]);
    assert_eq!(
        case(&service, "C1").await["deadlines"][0]["due"],
        "2019-05-08"
    );
}

#[tokio::test]
async fn a_case_keeps_the_version_it_started_under_also_after_a_restart() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;

    setup.write_rules(&rules_2023(""));
    let answer = reload(&service).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json["status"], "reloaded");
    assert_eq!(answer.json["generation"], 2);
    assert_eq!(
        answer.json["workflows"],
        json!([{"workflow": "child_protection", "version": "2023.1"}])
    );
    assert_eq!(
        (
            answer.json["moved_cases"].clone(),
            answer.json["kept_cases"].clone()
        ),
        (json!(0), json!(1))
    );

    // C1 keeps 2018.1 (15 working days); a new case runs under 2023.1.
    post(
        &service,
        &json!([
            s47("e-2", "C1", "2019-05-20"),
            s47("e-3", "C2", "2019-04-12")
        ]),
    )
    .await;
    let c1 = case(&service, "C1").await;
    assert_eq!(c1["episodes"][0]["version"], "2018.1");
    assert_eq!(c1["deadlines"][0]["due"], "2019-05-08");
    let c2 = case(&service, "C2").await;
    assert_eq!(c2["episodes"][0]["version"], "2023.1");
    assert_eq!(c2["deadlines"][0]["due"], "2019-04-30");

    // Reloading the same rules changes nothing.
    assert_eq!(reload(&service).await.json["status"], "unchanged");

    // After a restart (the files on disk say 2023.1), C1 still runs under 2018.1.
    drop(service);
    let service = setup.start().await;
    assert_eq!(
        case(&service, "C1").await["episodes"][0]["version"],
        "2018.1"
    );
    assert_eq!(
        case(&service, "C2").await["episodes"][0]["version"],
        "2023.1"
    );
}

#[tokio::test]
async fn events_of_a_case_on_older_rules_are_checked_against_those_rules() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    setup.write_rules(&rules_2023("").replace("icpc", "initial_conference"));
    assert_eq!(reload(&service).await.status, StatusCode::OK);
    let posted = post(
        &service,
        &json!([
            event("e-2", "C1", "2019-05-01", "icpc", "complete", None),
            s47("e-3", "C2", "2019-04-12"),
            event("e-4", "C2", "2019-05-01", "icpc", "complete", None),
        ]),
    )
    .await;
    assert_eq!(statuses(&posted), ["accepted", "accepted", "rejected"]);
    assert_eq!(case(&service, "C1").await["deadlines"][0]["status"], "met");
}

#[tokio::test]
async fn a_new_version_that_says_so_takes_over_cases_of_the_old_one() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    setup.write_rules(&rules_2023("  moves cases from \"2018.1\"\n"));
    let answer = reload(&service).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json["kept_cases"], 0);
    let c1 = case(&service, "C1").await;
    assert_eq!(c1["episodes"][0]["version"], "2023.1");
    assert_eq!(c1["deadlines"][0]["due"], "2019-04-30");
    drop(service);
    let service = setup.start().await;
    assert_eq!(
        case(&service, "C1").await["episodes"][0]["version"],
        "2023.1"
    );
}

#[tokio::test]
async fn a_change_that_keeps_the_version_applies_to_every_case() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    // A correction under the same version: the warning moves.
    setup.write_rules(&rules("2018.1", "").replace("warn 5 working days", "warn 3 working days"));
    let answer = reload(&service).await;
    assert_eq!(
        (
            answer.json["status"].clone(),
            answer.json["kept_cases"].clone()
        ),
        (json!("reloaded"), json!(0))
    );
    assert_eq!(
        case(&service, "C1").await["deadlines"][0]["warn_from"],
        "2019-05-02"
    );
}

#[tokio::test]
async fn a_case_with_no_episode_of_a_changed_workflow_moves() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([
        s47("e-1", "C1", "2019-04-12"),
        {"id": "e-2", "case": "C2", "at": "2019-04-12", "action": "record", "facts": {"team": "North"}},
    ]))
    .await;
    setup.write_rules(&rules_2023(""));
    let answer = reload(&service).await;
    assert_eq!(
        (
            answer.json["moved_cases"].clone(),
            answer.json["kept_cases"].clone()
        ),
        (json!(1), json!(1))
    );
    post(&service, &json!([s47("e-3", "C2", "2019-04-15")])).await;
    assert_eq!(
        case(&service, "C2").await["episodes"][0]["version"],
        "2023.1"
    );
    assert_eq!(
        case(&service, "C1").await["episodes"][0]["version"],
        "2018.1"
    );
}
