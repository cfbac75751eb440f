//! The HTTP contract: results per event, cases, access, and a JSON error for
//! every bad request — never a 5xx.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::prelude::*;
use serde_json::json;

#[tokio::test]
async fn each_event_gets_a_result_in_order() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    let batch = json!([
        s47("e-1", "C1", "2019-04-12"),
        event("e-2", "C1", "2019-04-13", "icpcc", "complete", None),
        event("e-3", "C1", "2019-04-13", "strategy_discussion", "complete", Some("maybe")),
        {"id": "e-4", "case": "C1", "at": "not a date", "step": "icpc", "action": "complete"},
        s47("e-1", "C1", "2019-04-12"),
        s47("e-1", "C1", "2019-04-15"),
        [1, 2],
        event("e-5", "C1", "2019-05-09", "icpc", "complete", None),
    ]);
    let answer = post(&service, &batch).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        statuses(&answer),
        [
            "accepted",
            "rejected",
            "rejected",
            "rejected",
            "duplicate",
            "rejected",
            "rejected",
            "accepted"
        ]
    );
    let results = answer.json["results"].as_array().unwrap();
    assert_eq!(results[1]["field"], "step");
    assert_eq!(
        results[1]["reason"],
        "unknown step `icpcc`: did you mean `icpc`?"
    );
    assert_eq!(results[1]["id"], "e-2");
    assert_eq!(results[2]["field"], "outcome");
    assert_eq!(results[3]["field"], "at");
    assert_eq!(results[5]["field"], "id");
    assert!(
        results[5]["reason"]
            .as_str()
            .unwrap()
            .contains("different content")
    );
    assert_eq!(results[6]["id"], serde_json::Value::Null);
    assert!(results[0].get("reason").is_none());

    // Rejected events were not stored.
    let events = call(&service, "GET", "/v1/cases/C1/events", Some(READER), "").await;
    assert_eq!(events.status, StatusCode::OK);
    let ids: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e-1", "e-5"]);

    // One event alone, not in an array.
    let one = post(
        &service,
        &event(
            "e-6",
            "C2",
            "2019-04-12",
            "strategy_discussion",
            "start",
            None,
        ),
    )
    .await;
    assert_eq!(statuses(&one), ["accepted"]);
}

#[tokio::test]
async fn a_case_has_the_fields_of_duly_run() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    let case = call(
        &service,
        "GET",
        "/v1/cases/C1?as_of=2019-06-30",
        Some(READER),
        "",
    )
    .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text);
    assert_eq!(case.content_type, "application/json");
    let d = &case.json["deadlines"][0];
    assert_eq!(case.json["case"], "C1");
    assert_eq!(case.json["as_of"], "2019-06-30");
    assert_eq!(d["step"], "icpc");
    assert_eq!(d["due"], "2019-05-08");
    assert_eq!(d["status"], "overdue");
    assert!(
        d["explanation"]
            .as_str()
            .unwrap()
            .starts_with("due Wed 8 May 2019: 15 working days")
    );
    assert_eq!(case.json["episodes"][0]["version"], "2018.1");
    assert_eq!(case.json["open_steps"][0]["step"], "icpc");

    // As of a moment, and as of now (the test clock: 1 April, before anything).
    let before = call(
        &service,
        "GET",
        "/v1/cases/C1?as_of=2019-05-01T12:00:00Z",
        Some(READER),
        "",
    )
    .await;
    assert_eq!(before.json["deadlines"][0]["status"], "open");
    assert_eq!(before.json["deadlines"][0]["approaching"], true);
    let now = call(&service, "GET", "/v1/cases/C1", Some(READER), "").await;
    assert_eq!(now.json["as_of"], "2019-04-01");
    assert_eq!(now.json["deadlines"], json!([]));
}

struct Bad {
    method: &'static str,
    uri: &'static str,
    token: Option<&'static str>,
    body: &'static str,
    status: StatusCode,
    code: &'static str,
}

const fn bad(
    method: &'static str,
    uri: &'static str,
    token: Option<&'static str>,
    body: &'static str,
    status: StatusCode,
    code: &'static str,
) -> Bad {
    Bad {
        method,
        uri,
        token,
        body,
        status,
        code,
    }
}

#[tokio::test]
async fn every_bad_request_is_a_4xx_with_a_json_code_and_message() {
    let setup = Setup::new(&rules("2018.1", ""));
    let mut config = setup.config();
    config.max_body_bytes = 4096;
    let service = setup.start_with(config).await;
    let big: &'static str = Box::leak(format!("[{}]", vec!["{}"; 2000].join(",")).into_boxed_str());
    let w = Some(WRITER);
    let r = Some(READER);
    let table = [
        bad(
            "POST",
            "/v1/events",
            w,
            "{\"id\": ",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "not json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "",
            StatusCode::BAD_REQUEST,
            "empty_body",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "   ",
            StatusCode::BAD_REQUEST,
            "empty_body",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "42",
            StatusCode::BAD_REQUEST,
            "not_an_event",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "\"event\"",
            StatusCode::BAD_REQUEST,
            "not_an_event",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "[1, 2",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            "{} {}",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        bad(
            "POST",
            "/v1/events",
            w,
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        bad(
            "POST",
            "/v1/events",
            None,
            "[]",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        bad(
            "POST",
            "/v1/events",
            Some("not-a-known-token-at-all"),
            "[]",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        bad(
            "POST",
            "/v1/events",
            r,
            "[]",
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        bad(
            "POST",
            "/v1/admin/reload",
            w,
            "",
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        bad(
            "GET",
            "/v1/cases/C1",
            None,
            "",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        bad(
            "GET",
            "/v1/cases/C1",
            Some(""),
            "",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        bad(
            "GET",
            "/v1/cases/nobody",
            r,
            "",
            StatusCode::NOT_FOUND,
            "case_not_found",
        ),
        bad(
            "GET",
            "/v1/cases/nobody/events",
            r,
            "",
            StatusCode::NOT_FOUND,
            "case_not_found",
        ),
        bad(
            "GET",
            "/v1/cases/C1?as_of=yesterday",
            r,
            "",
            StatusCode::BAD_REQUEST,
            "bad_as_of",
        ),
        bad(
            "GET",
            "/v1/cases/C1?as_of=2019-02-30",
            r,
            "",
            StatusCode::BAD_REQUEST,
            "bad_as_of",
        ),
        bad(
            "GET",
            "/v1/cases/%FF%FE",
            r,
            "",
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
        bad(
            "GET",
            "/v1/nothing",
            r,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        bad("GET", "/", None, "", StatusCode::NOT_FOUND, "not_found"),
        bad(
            "GET",
            "/v1/cases",
            r,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        bad(
            "DELETE",
            "/v1/health",
            None,
            "",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        bad(
            "GET",
            "/v1/events",
            w,
            "",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        bad(
            "PUT",
            "/v1/cases/C1",
            r,
            "",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    for case in table {
        let answer = call(&service, case.method, case.uri, case.token, case.body).await;
        let what = format!(
            "{} {} {:?}",
            case.method,
            case.uri,
            &case.body[..case.body.len().min(20)]
        );
        assert_eq!(answer.status, case.status, "{what}: {}", answer.text);
        assert_eq!(answer.content_type, "application/json", "{what}");
        assert_eq!(answer.json["code"], case.code, "{what}: {}", answer.text);
        let message = answer.json["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.ends_with('.'),
            "{what}: {message}"
        );
    }
}

#[tokio::test]
async fn the_health_check_needs_no_token_and_the_openapi_document_matches_the_routes() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    let health = call(&service, "GET", "/v1/health", None, "").await;
    assert_eq!(
        (health.status, &health.json),
        (StatusCode::OK, &json!({"status": "ok"}))
    );

    let doc = call(&service, "GET", "/v1/openapi.json", None, "").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc.json["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((path.clone(), method.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = duly_server::http::ROUTES
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every route is served: the method listed answers something other than
    // 404 or 405 (with the admin token, which may do everything).
    for (path, method) in &routed {
        let uri = path.replace("{id}", "C1").replace("{section}", "breaches");
        let answer = call(&service, &method.to_uppercase(), &uri, Some(ADMIN), "[]").await;
        assert!(
            answer.status != StatusCode::METHOD_NOT_ALLOWED
                && (answer.status != StatusCode::NOT_FOUND
                    || answer.json["code"] == "case_not_found"),
            "{method} {path}: {}",
            answer.status
        );
        // The documented statuses include the one given.
        let statuses = &doc.json["paths"][path][method]["responses"];
        assert!(
            statuses.get(answer.status.as_str()).is_some(),
            "{method} {path}: {}",
            answer.status
        );
    }
    // Every documented error status of the events route has the error schema.
    for (status, response) in doc.json["paths"]["/v1/events"]["post"]["responses"]
        .as_object()
        .unwrap()
    {
        if status != "200" {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Error"
            );
        }
    }
}

#[tokio::test]
async fn the_documented_schemas_name_the_fields_the_service_answers() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    let doc: serde_json::Value = serde_json::from_str(duly_server::http::OPENAPI).unwrap();
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let check = |value: &serde_json::Value, name: &str| {
        let schema = schema(name);
        let props = schema["properties"].as_object().unwrap();
        for required in schema["required"].as_array().unwrap() {
            assert!(
                value.get(required.as_str().unwrap()).is_some(),
                "{name} lacks {required}: {value}"
            );
        }
        for key in value.as_object().unwrap().keys() {
            assert!(props.contains_key(key), "{name} does not document `{key}`");
        }
    };
    let posted = post(
        &service,
        &json!([
            s47("e-1", "C1", "2019-04-12"),
            event("e-2", "C1", "2019-04-12", "x", "start", None)
        ]),
    )
    .await;
    check(&posted.json, "Results");
    for result in posted.json["results"].as_array().unwrap() {
        check(result, "Result");
    }
    let case = call(
        &service,
        "GET",
        "/v1/cases/C1?as_of=2019-06-30",
        Some(READER),
        "",
    )
    .await;
    check(&case.json, "Case");
    check(&case.json["deadlines"][0], "Deadline");
    check(&case.json["episodes"][0], "Episode");
    check(&case.json["open_steps"][0], "OpenStep");
    let events = call(&service, "GET", "/v1/cases/C1/events", Some(READER), "").await;
    check(&events.json, "CaseEvents");
    check(&events.json["events"][0], "Event");
    let reloaded = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    check(&reloaded.json, "Reloaded");
    for uri in ["/v1/reports/nope", "/v1/reports/breaches?from=x"] {
        check(
            &call(&service, "GET", uri, Some(READER), "").await.json,
            "Error",
        );
    }
    check(
        &call(&service, "GET", "/v1/health", None, "").await.json,
        "Health",
    );
    check(
        &call(&service, "GET", "/v1/nope", None, "").await.json,
        "Error",
    );
}

fn arbitrary_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
    ];
    let json_value = leaf
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
        .prop_map(|v| v.to_string().into_bytes());
    let near_event = (
        prop::option::of("[a-z0-9-]{0,8}"),
        prop::option::of("[A-Z0-9]{0,4}"),
        prop::option::of(prop_oneof![Just("2019-04-12".to_owned()), "[0-9T:-]{0,12}"]),
        prop::option::of(prop_oneof![
            Just("strategy_discussion".to_owned()),
            Just("icpc".to_owned()),
            "[a-z_]{0,10}"
        ]),
        prop::option::of(prop_oneof![
            Just("start".to_owned()),
            Just("complete".to_owned()),
            "[a-z]{0,8}"
        ]),
        prop::option::of(prop_oneof![Just("s47".to_owned()), "[a-z0-9]{0,4}"]),
    )
        .prop_map(|(id, case, at, step, action, outcome)| {
            let mut e = serde_json::Map::new();
            for (k, v) in [
                ("id", id),
                ("case", case),
                ("at", at),
                ("step", step),
                ("action", action),
                ("outcome", outcome),
            ] {
                if let Some(v) = v {
                    e.insert(k.into(), v.into());
                }
            }
            serde_json::Value::Object(e)
        });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        "\\PC{0,200}".prop_map(String::into_bytes),
        json_value,
        prop::collection::vec(near_event, 0..8).prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_never_get_a_5xx(bodies in prop::collection::vec(arbitrary_body(), 1..6)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            thread_local! {
                static SETUP: Setup = Setup::new(&rules("2018.1", ""));
            }
            let config = SETUP.with(Setup::config);
            let store = std::sync::Arc::new(duly_store::SqliteStore::open(SETUP.with(Setup::db)).unwrap());
            let service = duly_server::Service::start(config, store).await.unwrap();
            for body in bodies {
                let answer = call(&service, "POST", "/v1/events", Some(WRITER), body.clone()).await;
                prop_assert!(answer.status.is_success() || answer.status.is_client_error(), "{}: {}", answer.status, answer.text);
                prop_assert_eq!(answer.content_type.as_str(), "application/json");
                if answer.status.is_success() {
                    let results = answer.json["results"].as_array().unwrap();
                    for r in results {
                        let status = r["status"].as_str().unwrap();
                        prop_assert!(["accepted", "duplicate", "rejected"].contains(&status));
                        if status == "rejected" {
                            prop_assert!(r["reason"].as_str().is_some_and(|m| !m.is_empty()));
                        }
                    }
                } else {
                    prop_assert!(answer.json["code"].is_string() && answer.json["message"].is_string());
                }
            }
            Ok(())
        })?;
    }
}
