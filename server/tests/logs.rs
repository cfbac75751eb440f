//! Logs carry ids, never names, free text or the values of facts; each
//! request's span says its method, route template, status and latency.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use common::*;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_routes_and_ids_never_child_data() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();
    let setup = Setup::new(&rules("2018.1", ""));
    setup.set_time("2019-06-01T08:00:00Z");
    let service = setup.start().await;
    let mut e = s47("e-1", "C1", "2019-04-12");
    e["facts"] = json!({"name": "Jane Smith", "note": "FREE TEXT ABOUT THE CHILD"});
    let bad = json!({"id": "e-2", "case": "C1", "at": "2019-04-12", "step": "Jane Smith", "action": "start", "facts": {"name": "Jane Smith"}});
    post(&service, &json!([e, bad])).await;
    call(&service, "GET", "/v1/cases/C1", Some(READER), "").await;
    call(
        &service,
        "GET",
        "/v1/cases/C1/events",
        Some("wrong-token-but-long"),
        "",
    )
    .await;
    assert!(service.sweep().await.unwrap().carried_out > 0);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!text.contains("Jane"), "{text}");
    assert!(!text.contains("FREE TEXT"), "{text}");
    assert!(text.contains("\"route\":\"/v1/cases/{id}\""), "{text}");
    assert!(text.contains("\"route\":\"/v1/events\""), "{text}");
    assert!(
        text.contains("\"route\":\"/v1/cases/{id}/events\""),
        "{text}"
    );
    assert!(text.contains("\"status\":401"), "{text}");
    assert!(text.contains("latency_us"), "{text}");
    assert!(text.contains("escalation carried out"), "{text}");
    assert!(
        !text.contains("/v1/cases/C1"),
        "the raw address is never logged: {text}"
    );
}
