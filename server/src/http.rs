//! The HTTP interface: routes, access, and the JSON each answers.

use crate::Service;
use crate::cache::{Answer, Checked, Held};
use crate::error::{self, ApiError};
use crate::reports::{self, Format, ReportQuery};
use crate::tokens::Role;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use duly_engine::AsOf;
use duly_events::{Event, EventError};
use duly_report::Section;
use duly_store::{Appended, Rejection};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Every route and its methods, as the OpenAPI document lists them.
pub const ROUTES: &[(&str, &str)] = &[
    ("/v1/health", "get"),
    ("/v1/openapi.json", "get"),
    ("/v1/events", "post"),
    ("/v1/cases/{id}", "get"),
    ("/v1/cases/{id}/events", "get"),
    ("/v1/reports/{section}", "get"),
    ("/v1/admin/reload", "post"),
];

/// The OpenAPI 3 document, as served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The service's routes, with access checks, limits, tracing and JSON errors.
pub fn router(service: Service) -> Router {
    let limit = axum::extract::DefaultBodyLimit::max(service.inner.max_body_bytes);
    let readers = Router::new()
        .route("/v1/cases/{id}", get(case))
        .route("/v1/cases/{id}/events", get(case_events))
        .route("/v1/reports/{section}", get(report))
        .route_layer(middleware::from_fn_with_state(
            (service.clone(), Role::Reader),
            authorize,
        ));
    let writers = Router::new()
        .route("/v1/events", post(post_events))
        .route_layer(middleware::from_fn_with_state(
            (service.clone(), Role::Writer),
            authorize,
        ));
    let admins = Router::new()
        .route("/v1/admin/reload", post(reload))
        .route_layer(middleware::from_fn_with_state(
            (service.clone(), Role::Admin),
            authorize,
        ));
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .merge(readers)
        .merge(writers)
        .merge(admins)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(service)
        .layer(limit)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        route,
                        status = tracing::field::Empty,
                        latency_us = tracing::field::Empty,
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, span: &Span| {
                    span.record("status", response.status().as_u16());
                    span.record(
                        "latency_us",
                        u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
                    );
                    tracing::info!("answered");
                })
                .on_failure(()),
        )
        .layer(middleware::from_fn(error::json_errors))
        .layer(CatchPanicLayer::custom(error::panic_response))
}

async fn not_found() -> ApiError {
    error::for_status(StatusCode::NOT_FOUND)
}

async fn method_not_allowed() -> ApiError {
    error::for_status(StatusCode::METHOD_NOT_ALLOWED)
}

/// Lets the request through if it carries a token whose role is at least
/// `needed`: 401 without a valid token, 403 with a weaker role.
async fn authorize(
    State((service, needed)): State<(Service, Role)>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .map(<[u8]>::trim_ascii);
    let Some(presented) = presented else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send a token: `Authorization: Bearer <token>`",
        )
        .into_response();
    };
    match service.inner.tokens.role_of(presented) {
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the token is not known: check the tokens file",
        )
        .into_response(),
        Some(role) if role < needed => ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "a `{}` token cannot do this: it needs a `{}` token",
                role.as_str(),
                needed.as_str()
            ),
        )
        .into_response(),
        Some(_) => next.run(request).await,
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI.to_owned(),
    )
        .into_response()
}

/// What happened to one posted event.
#[derive(Debug, Serialize)]
struct Outcome {
    /// The event id, when it could be read.
    id: Option<String>,
    /// `accepted`, `duplicate` or `rejected`.
    status: &'static str,
    /// The field at fault, for a rejected event.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize)]
struct Outcomes {
    results: Vec<Outcome>,
}

fn rejected(error: EventError) -> Outcome {
    Outcome {
        id: error.id,
        status: "rejected",
        field: error.field,
        reason: Some(error.message),
    }
}

/// Reads the body: one event object, or an array of them.
fn split(body: &[u8]) -> Result<Vec<&RawValue>, ApiError> {
    let not_json = |err: serde_json::Error| {
        ApiError::bad_request(
            "malformed_json",
            format!(
                "the body is not valid JSON (line {}, column {}): send one event object or an array of them",
                err.line(),
                err.column()
            ),
        )
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => serde_json::from_slice::<Vec<&RawValue>>(body).map_err(not_json),
        Some(b'{') => serde_json::from_slice::<&RawValue>(body)
            .map(|one| vec![one])
            .map_err(not_json),
        Some(_) => {
            // Valid JSON of the wrong kind, or not JSON at all.
            match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => Err(ApiError::bad_request(
                    "not_an_event",
                    "the body must be one event object or an array of event objects",
                )),
                Err(err) => Err(not_json(err)),
            }
        }
        None => Err(ApiError::bad_request(
            "empty_body",
            "the body is empty: send one event object or an array of them",
        )),
    }
}

async fn post_events(
    State(service): State<Service>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Outcomes>, ApiError> {
    let body = body.map_err(|r| error::for_status(r.status()))?;
    let inner = service.inner.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let raw = split(&body)?;
        let mut results: Vec<Option<Outcome>> = Vec::with_capacity(raw.len());
        let mut valid: Vec<Event> = Vec::with_capacity(raw.len());
        // Checked and queued under the pins, so that a reload cannot come
        // between the check and the write.
        let pinned = inner.generations.read();
        for (index, raw) in raw.iter().enumerate() {
            let line = index + 1;
            let event = match duly_events::parse_line(line, raw.get()) {
                Ok(event) => event,
                Err(error) => {
                    results.push(Some(rejected(error)));
                    continue;
                }
            };
            let rules = pinned.rules_for(&event.case);
            match rules.engine.check_event(line, event.clone()) {
                Ok(_) => {
                    results.push(None);
                    valid.push(event);
                }
                Err(mut error) => {
                    error.id = Some(event.id);
                    results.push(Some(rejected(error)));
                }
            }
        }
        let ids: Vec<String> = valid.iter().map(|e| e.id.clone()).collect();
        let answer = (!valid.is_empty()).then(|| inner.writer.append(valid));
        drop(pinned);
        Ok::<_, ApiError>((results, ids, answer))
    })
    .await
    .map_err(|_| ApiError::internal("the request stopped unexpectedly"))??;
    let (mut results, ids, answer) = answer;
    let stored = match answer {
        Some(answer) => answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped: the service log says why"))??,
        None => Vec::new(),
    };
    let mut stored = ids.into_iter().zip(stored);
    for slot in &mut results {
        if slot.is_none()
            && let Some((id, appended)) = stored.next()
        {
            *slot = Some(match appended {
                Appended::Accepted => Outcome {
                    id: Some(id),
                    status: "accepted",
                    field: None,
                    reason: None,
                },
                Appended::Duplicate => Outcome {
                    id: Some(id),
                    status: "duplicate",
                    field: None,
                    reason: None,
                },
                Appended::Rejected(rejection @ Rejection::Conflict { .. }) => Outcome {
                    id: Some(id),
                    status: "rejected",
                    field: Some("id".into()),
                    reason: Some(rejection.to_string()),
                },
            });
        }
    }
    let results = results
        .into_iter()
        .map(|r| {
            r.unwrap_or(Outcome {
                id: None,
                status: "rejected",
                field: None,
                reason: Some("the store gave no answer for this event".into()),
            })
        })
        .collect();
    Ok(Json(Outcomes { results }))
}

#[derive(Deserialize)]
struct CaseQuery {
    as_of: Option<String>,
}

/// `YYYY-MM-DD` (the end of that day in London) or an RFC 3339 moment.
fn parse_as_of(text: Option<&str>, now: jiff::Timestamp) -> Result<AsOf, ApiError> {
    let Some(text) = text else {
        return Ok(AsOf::instant(now));
    };
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return Ok(AsOf::end_of(date));
    }
    if let Ok(moment) = text.parse::<jiff::Timestamp>() {
        return Ok(AsOf::instant(moment));
    }
    Err(ApiError::bad_request(
        "bad_as_of",
        "`as_of` must be a day (`2019-06-30`) or a moment (`2019-06-30T17:00:00Z`)",
    ))
}

fn bad_query(_: QueryRejection) -> ApiError {
    ApiError::bad_request(
        "bad_query",
        "the query string cannot be read: see /v1/openapi.json for the parameters",
    )
}

fn bad_path(_: PathRejection) -> ApiError {
    ApiError::bad_request("bad_path", "the case id in the address cannot be read")
}

fn no_case(id: &str) -> ApiError {
    ApiError::not_found(
        "case_not_found",
        format!("no events are stored for case `{}`", shorten(id)),
    )
}

/// An id cut to a length fit for a message.
fn shorten(id: &str) -> String {
    let mut out: String = id.chars().take(64).collect();
    if out.len() < id.len() {
        out.push('…');
    }
    out
}

fn json_bytes(bytes: impl Into<Bytes>) -> Response {
    let bytes: Bytes = bytes.into();
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

async fn case(
    State(service): State<Service>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(bad_path)?;
    let Query(query) = query.map_err(bad_query)?;
    let as_of = parse_as_of(query.as_of.as_deref(), service.inner.clock.now())?;
    let inner = service.inner.clone();
    let body = service
        .read(move || case_answer(&inner, &id, as_of))
        .await?;
    Ok(json_bytes(body))
}

/// The answer for case `id` as of `as_of`: kept from an earlier read while
/// the store's tally of the case is unchanged and the answer still holds
/// ([`crate::cache`]); else worked out from the checked events (kept, or
/// read and checked) and kept.
fn case_answer(inner: &crate::Inner, id: &str, as_of: AsOf) -> Result<Bytes, ApiError> {
    let rules = inner.generations.rules_for(id);
    let cache = &inner.cases;
    let mut held = None;
    // A case not held is read at once: its tally comes with its events.
    if cache.holds(id, rules.number) {
        let tally = inner
            .store
            .case_tally(id)
            .map_err(|e| ApiError::store(&e))?;
        if tally.events == 0 {
            return Err(no_case(id));
        }
        match cache.get(id, rules.number, tally, as_of.instant) {
            Some(Held::Answer(body)) => return Ok(body),
            Some(Held::Checked(checked)) => held = Some((tally, checked)),
            None => {}
        }
    }
    let (tally, checked) = match held {
        Some(held) => held,
        None => {
            let events = inner
                .store
                .case_events(id)
                .map_err(|e| ApiError::store(&e))?;
            if events.is_empty() {
                return Err(no_case(id));
            }
            // The tally of exactly the events read, whatever was stored since.
            Checked::of(&rules.engine, id, events)
        }
    };
    let state = checked.replay(&rules.engine, id, as_of);
    let answer = Answer::of(&state, as_of.instant)
        .map_err(|_| ApiError::internal("the case could not be written as JSON"))?;
    let body = answer.body.clone();
    cache.put(id, rules.number, tally, checked, answer);
    Ok(body)
}

#[derive(Serialize)]
struct EventsOut<'a> {
    case: &'a str,
    events: Vec<&'a Event>,
}

async fn case_events(
    State(service): State<Service>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(bad_path)?;
    let inner = service.inner.clone();
    let bytes = service
        .read(move || {
            let events = inner
                .store
                .case_events(&id)
                .map_err(|e| ApiError::store(&e))?;
            if events.is_empty() {
                return Err(no_case(&id));
            }
            serde_json::to_vec(&EventsOut {
                case: &id,
                events: events.iter().map(|s| &s.event).collect(),
            })
            .map_err(|_| ApiError::internal("the events could not be written as JSON"))
        })
        .await?;
    Ok(json_bytes(bytes))
}

/// `GET /v1/reports/{section}`: one section of the compliance report of
/// every stored case ([`crate::reports`]).
async fn report(
    State(service): State<Service>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(|_| {
        ApiError::bad_request("bad_path", "the section in the address cannot be read")
    })?;
    let section: Section = name.parse().map_err(|_| reports::unknown_section(&name))?;
    let Query(pairs) = query.map_err(bad_query)?;
    let query = ReportQuery::parse(&pairs, service.inner.clock.now())?;
    let inner = service.inner.clone();
    let options = query.options;
    let report = service
        .report(move || {
            let assignment = inner.generations.assignment();
            reports::compute(inner.store.as_ref(), &assignment, options)
                .map_err(|e| ApiError::store(&e))
        })
        .await?;
    let mut body = Vec::new();
    let written = match query.format {
        Format::Json => serde_json::to_writer(&mut body, &report.section_json(section))
            .map_err(std::io::Error::other),
        Format::Csv => duly_report::render::csv(&report, section, query.by, &mut body),
        Format::Table => duly_report::render::table(&report, &[section], query.by, &mut body),
    };
    written.map_err(|_| ApiError::internal("the report could not be written"))?;
    Ok(([(header::CONTENT_TYPE, query.format.content_type())], body).into_response())
}

async fn reload(State(service): State<Service>) -> Result<Response, ApiError> {
    let reloaded = service.reload().await.map_err(|e| e.to_api())?;
    Ok(Json(reloaded).into_response())
}
