//! `GET /v1/reports/{section}`: `duly report`'s sections over the store,
//! each case judged by the rules generation it runs under, with its plugins.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

async fn get(service: &duly_server::Service, uri: &str) -> Answer {
    call(service, "GET", uri, Some(READER), "").await
}

/// C1: ICPC due 8 May 2019, held 9 May (late by 1 working day).
/// C2: ICPC due 9 May 2019, held that day (met).
/// C3: ICPC due 10 May 2019, not held (overdue).
async fn three_cases(service: &duly_server::Service) {
    let posted = post(
        service,
        &json!([
            s47("e-1", "C1", "2019-04-12"),
            event("e-2", "C1", "2019-05-09", "icpc", "complete", None),
            s47("e-3", "C2", "2019-04-15"),
            event("e-4", "C2", "2019-05-09", "icpc", "complete", None),
            s47("e-5", "C3", "2019-04-16"),
        ]),
    )
    .await;
    assert!(
        statuses(&posted).iter().all(|s| s == "accepted"),
        "{}",
        posted.text
    );
}

/// The `case` of each row of a JSON section, in order.
fn cases(rows: &serde_json::Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["case"].as_str().unwrap())
        .collect()
}

/// Three text fields of each row of a JSON section, in order.
fn triples<'a>(rows: &'a serde_json::Value, names: [&str; 3]) -> Vec<(&'a str, &'a str, &'a str)> {
    let text = |row: &'a serde_json::Value, name: &str| row[name].as_str().unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (text(r, names[0]), text(r, names[1]), text(r, names[2])))
        .collect()
}

#[tokio::test]
async fn a_section_holds_what_duly_report_counts() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    three_cases(&service).await;

    let breaches = get(&service, "/v1/reports/breaches?as_of=2019-06-30").await;
    assert_eq!(breaches.status, StatusCode::OK, "{}", breaches.text);
    assert_eq!(breaches.content_type, "application/json");
    let rows = breaches.json.as_array().unwrap();
    let found = triples(&breaches.json, ["case", "due", "status"]);
    assert_eq!(
        found,
        [
            ("C1", "2019-05-08", "late"),
            ("C3", "2019-05-10", "overdue")
        ]
    );
    assert_eq!(rows[0]["late"], 1);

    let timeliness = get(&service, "/v1/reports/timeliness?as_of=2019-06-30").await;
    let icpc = &timeliness.json[0];
    assert_eq!(icpc["step"], "icpc", "{}", timeliness.text);
    assert_eq!(
        (
            &icpc["all"]["due"],
            &icpc["all"]["met"],
            &icpc["all"]["late"],
            &icpc["all"]["overdue"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1))
    );
    assert_eq!(icpc["limit"], json!({"count": 15, "unit": "working_days"}));

    // Only events up to the as-of day count, and the period ends there.
    let early = get(&service, "/v1/reports/breaches?as_of=2019-05-09").await;
    let found = cases(&early.json);
    assert_eq!(found, ["C1"], "{}", early.text);
    let at_risk = get(&service, "/v1/reports/at_risk?as_of=2019-05-09").await;
    let found = cases(&at_risk.json);
    assert_eq!(found, ["C3"], "{}", at_risk.text);

    // A period that leaves the breaches out.
    let none = get(
        &service,
        "/v1/reports/breaches?as_of=2019-06-30&from=2019-06-01&to=2019-06-30",
    )
    .await;
    assert_eq!(none.json, json!([]));
}

#[tokio::test]
async fn every_section_is_served_as_json_csv_and_a_table() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    three_cases(&service).await;
    for section in duly_report::Section::ALL {
        let name = section.name();
        let json = get(&service, &format!("/v1/reports/{name}?as_of=2019-06-30")).await;
        assert_eq!(json.status, StatusCode::OK, "{name}: {}", json.text);
        assert!(json.json.is_array(), "{name}: {}", json.text);

        let csv = get(
            &service,
            &format!("/v1/reports/{name}?as_of=2019-06-30&format=csv"),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{name}: {}", csv.text);
        assert_eq!(csv.content_type, "text/csv; charset=utf-8");
        let header = csv.text.lines().next().unwrap();
        let columns = duly_report::render::columns(section);
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        assert_eq!(header, names.join(","), "{name}");

        let table = get(
            &service,
            &format!("/v1/reports/{name}?as_of=2019-06-30&format=table"),
        )
        .await;
        assert_eq!(table.status, StatusCode::OK, "{name}: {}", table.text);
        assert_eq!(table.content_type, "text/plain; charset=utf-8");
        assert!(
            table.text.contains(section.title()),
            "{name}: {}",
            table.text
        );
    }
    // Timeliness by team in CSV: the split is a column.
    let csv = get(
        &service,
        "/v1/reports/timeliness?as_of=2019-06-30&format=csv&by=team",
    )
    .await;
    assert!(
        csv.text
            .lines()
            .skip(1)
            .any(|l| l.starts_with("icpc,") && l.contains(",team,")),
        "{}",
        csv.text
    );
}

#[tokio::test]
async fn without_parameters_a_report_is_as_of_today_in_london_over_twelve_months() {
    let setup = Setup::new(&rules("2018.1", ""));
    // 23:30 in UTC on 30 June is 00:30 on 1 July in London (summer time).
    setup.set_time("2019-06-30T23:30:00Z");
    let service = setup.start().await;
    three_cases(&service).await;
    let table = get(&service, "/v1/reports/measures?format=table").await;
    assert!(
        table
            .text
            .starts_with("Timescale compliance as of 2019-07-01: period 2018-07-02 to 2019-07-01"),
        "{}",
        table.text
    );
    let json = get(&service, "/v1/reports/breaches").await;
    assert_eq!(json.json.as_array().unwrap().len(), 2, "{}", json.text);
    // `to` alone: the 12 months ending there.
    let table = get(&service, "/v1/reports/measures?format=table&to=2019-03-31").await;
    assert!(
        table
            .text
            .starts_with("Timescale compliance as of 2019-07-01: period 2018-04-01 to 2019-03-31"),
        "{}",
        table.text
    );
}

#[tokio::test]
async fn a_bad_parameter_is_a_400_naming_it_and_an_unknown_section_a_404_listing_the_known_ones() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    three_cases(&service).await;
    let table = [
        ("as_of=yesterday", "bad_as_of", "as_of"),
        ("as_of=2019-06-30T12:00:00Z", "bad_as_of", "as_of"),
        ("as_of=2019-02-30", "bad_as_of", "as_of"),
        ("from=2019-13-01", "bad_parameter", "from"),
        ("to=", "bad_parameter", "to"),
        ("from=2019-07-01&to=2019-06-30", "bad_parameter", "from"),
        ("format=xlsx", "bad_parameter", "format"),
        ("format=html", "bad_parameter", "format"),
        ("by=colour", "bad_parameter", "by"),
        ("at_risk_days=-1", "bad_parameter", "at_risk_days"),
        ("at_risk_days=1001", "bad_parameter", "at_risk_days"),
        ("drift_days=soon", "bad_parameter", "drift_days"),
        ("asof=2019-06-30", "bad_parameter", "asof"),
        ("as_of=2019-06-30&as_of=2019-06-29", "bad_as_of", "as_of"),
        ("from=2019-06-01&from=2019-06-02", "bad_parameter", "from"),
    ];
    for (query, code, parameter) in table {
        let answer = get(&service, &format!("/v1/reports/breaches?{query}")).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            answer.text
        );
        assert_eq!(answer.content_type, "application/json", "{query}");
        assert_eq!(answer.json["code"], code, "{query}: {}", answer.text);
        assert_eq!(
            answer.json["parameter"], parameter,
            "{query}: {}",
            answer.text
        );
        let message = answer.json["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{parameter}`")) && !message.ends_with('.'),
            "{query}: {message}"
        );
    }

    let answer = get(&service, "/v1/reports/breachs?as_of=2019-06-30").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    assert_eq!(answer.json["code"], "unknown_section");
    let known: Vec<&str> = duly_report::Section::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(answer.json["sections"], json!(known));
    assert!(
        answer.json["message"]
            .as_str()
            .unwrap()
            .contains("`breachs`: choose one of measures, breaches,")
    );

    // Reports are for readers: a token is needed.
    let answer = call(&service, "GET", "/v1/reports/breaches", None, "").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let answer = call(&service, "GET", "/v1/reports/breaches", Some(WRITER), "").await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn plugin_actions_are_those_of_the_rules_each_case_runs_under() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    three_cases(&service).await;
    let actions = get(&service, "/v1/reports/plugin_actions?as_of=2019-06-30").await;
    let found = triples(&actions.json, ["case", "plugin", "action"]);
    // The test plugin escalates each breach when its due moment passes: C1
    // (held a day late) and C3 (never held); its notes are not listed.
    assert_eq!(
        found,
        [
            ("C1", "escalator", "escalate"),
            ("C3", "escalator", "escalate")
        ],
        "{}",
        actions.text
    );
    let summary = get(&service, "/v1/reports/plugin_summary?as_of=2019-06-30").await;
    assert!(
        summary
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["plugin"] == "escalator"),
        "{}",
        summary.text
    );
}

#[tokio::test]
async fn a_case_on_older_rules_is_judged_by_them_in_the_report() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    post(&service, &json!([s47("e-1", "C1", "2019-04-12")])).await;
    // The 2023 rules: the ICPC within 10 working days. C1 keeps 2018.1.
    setup.write_rules(&rules("2023.1", "").replace("due 15 working days", "due 10 working days"));
    let reloaded = call(&service, "POST", "/v1/admin/reload", Some(ADMIN), "").await;
    assert_eq!(reloaded.json["kept_cases"], 1, "{}", reloaded.text);
    post(&service, &json!([s47("e-2", "C2", "2019-04-12")])).await;

    let breaches = get(&service, "/v1/reports/breaches?as_of=2019-06-30").await;
    let found: Vec<(&str, &str)> = breaches
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["case"].as_str().unwrap(), r["due"].as_str().unwrap()))
        .collect();
    // C1 under 2018.1: 15 working days after 12 April 2019; C2 under
    // 2023.1: 10 (Easter skipped by both).
    assert_eq!(
        found,
        [("C1", "2019-05-08"), ("C2", "2019-04-30")],
        "{}",
        breaches.text
    );

    // Timeliness adds both; the ICPC's timescale differs between the
    // generations, so it has no single limit.
    let timeliness = get(&service, "/v1/reports/timeliness?as_of=2019-06-30").await;
    let icpc = &timeliness.json[0];
    assert_eq!(icpc["all"]["overdue"], 2, "{}", timeliness.text);
    assert_eq!(icpc["limit"], serde_json::Value::Null);
    assert_eq!(
        icpc["timescale"],
        "10 working days; earlier rules 15 working days"
    );
}
