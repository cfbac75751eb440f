//! Escalations fire when their moment passes, once, across restarts; the
//! timer wakes for the next moment only.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use common::*;
use duly_store::{ActionKey, ActionRecorded, EventStore, SqliteStore};
use serde_json::json;

fn recorded(setup: &Setup, key_about: &str, hook: &str, moment: &str) -> bool {
    let store = SqliteStore::open(setup.db()).unwrap();
    let key = ActionKey {
        case: "C1".into(),
        plugin: "escalator".into(),
        hook: hook.into(),
        occurrence: key_about.into(),
        moment: moment.parse().unwrap(),
    };
    // Recording again says whether it was there.
    store.record_action(&key, &json!({})).unwrap() == ActionRecorded::AlreadyRecorded
}

#[tokio::test]
async fn a_breach_is_escalated_once_when_its_moment_passes_and_not_again_after_a_restart() {
    let setup = Setup::new(&rules("2018.1", ""));
    setup.set_time("2019-04-12T10:00:00Z");
    let service = setup.start().await;
    assert_eq!(service.sweep().await.unwrap().carried_out, 0);
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;

    // The ICPC is due at the end of 8 May, warned from the start of 1 May
    // (5 working days before): the timer waits for the warning first.
    let swept = service.sweep().await.unwrap();
    assert_eq!((swept.cases, swept.carried_out), (1, 0));
    let warn: jiff::Timestamp = "2019-04-29T23:00:00Z".parse().unwrap();
    assert_eq!(service.next_escalation(), Some(warn));

    setup.set_time("2019-05-01T08:00:00Z");
    let swept = service.sweep().await.unwrap();
    assert_eq!(swept.carried_out, 1, "the warning note");
    let breach: jiff::Timestamp = "2019-05-08T23:00:00Z".parse().unwrap();
    assert_eq!(service.next_escalation(), Some(breach));

    // Nothing is due in between: a sweep replays nothing.
    setup.set_time("2019-05-05T08:00:00Z");
    assert_eq!(service.sweep().await.unwrap().cases, 0);

    setup.set_time("2019-05-09T08:00:00Z");
    let swept = service.sweep().await.unwrap();
    assert_eq!(swept.carried_out, 1, "the breach");
    assert_eq!(service.next_escalation(), None, "nothing more will fire");
    assert!(recorded(
        &setup,
        "icpc#1/1",
        "on_breach",
        "2019-05-08T23:00:00Z"
    ));
    assert!(recorded(
        &setup,
        "icpc#1/1",
        "on_approaching",
        "2019-04-29T23:00:00Z"
    ));

    // A restart catches up on every case and carries nothing out twice.
    drop(service);
    let again = setup.start().await;
    let swept = again.sweep().await.unwrap();
    assert_eq!((swept.cases, swept.carried_out, swept.already), (1, 0, 2));
}

#[tokio::test]
async fn on_start_the_service_catches_up_on_what_passed_while_it_was_down() {
    let setup = Setup::new(&rules("2018.1", ""));
    setup.set_time("2019-04-12T10:00:00Z");
    let service = setup.start().await;
    post(
        &service,
        &json!([
            s47("e-1", "C1", "2019-04-12"),
            s47("e-2", "C2", "2019-04-15")
        ]),
    )
    .await;
    service.sweep().await.unwrap();
    drop(service);

    // Down from 12 April to 1 June: both breaches passed meanwhile.
    setup.set_time("2019-06-01T08:00:00Z");
    let service = setup.start().await;
    let swept = service.sweep().await.unwrap();
    assert_eq!(
        (swept.cases, swept.carried_out),
        (2, 4),
        "a warning and a breach each"
    );
    assert_eq!(service.sweep().await.unwrap().carried_out, 0);
}

#[tokio::test]
async fn a_completed_deadline_stops_the_timer_for_its_case() {
    let setup = Setup::new(&rules("2018.1", ""));
    setup.set_time("2019-04-12T10:00:00Z");
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    service.sweep().await.unwrap();
    assert!(service.next_escalation().is_some());
    setup.set_time("2019-04-21T10:00:00Z");
    post(
        &service,
        &json!([event("e-2", "C1", "2019-04-20", "icpc", "complete", None)]),
    )
    .await;
    service.sweep().await.unwrap();
    assert_eq!(service.next_escalation(), None);
}

#[tokio::test]
async fn the_running_timer_fires_without_being_asked() {
    let setup = Setup::new(&rules("2018.1", ""));
    setup.set_time("2019-04-12T10:00:00Z");
    let mut config = setup.config();
    config.timer = true;
    let service = setup.start_with(config).await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    // The timer replays the new case by itself, then waits.
    let mut waited = 0;
    while service.next_escalation().is_none() && waited < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        waited += 1;
    }
    assert!(
        service.next_escalation().is_some(),
        "the timer saw the new deadline"
    );
    setup.set_time("2019-05-09T08:00:00Z");
    service.nudge();
    let mut fired = false;
    for _ in 0..200 {
        if recorded(&setup, "icpc#1/1", "on_breach", "2019-05-08T23:00:00Z") {
            fired = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(fired, "the timer carried out the breach by itself");
}

#[tokio::test]
async fn without_plugins_there_is_no_timer() {
    let setup = Setup::new(&rules("2018.1", "").replace("  plugins escalator\n", ""));
    let mut config = setup.config();
    config.plugins = duly_server::rules::script_plugins();
    let service = setup.start_with(config).await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    assert_eq!(
        service.sweep().await.unwrap(),
        duly_server::Sweep::default()
    );
    assert_eq!(service.next_escalation(), None);
    let store = SqliteStore::open(setup.db()).unwrap();
    assert_eq!(store.count().unwrap(), 1);
}
