//! Every error the service answers is a JSON body with a code and a message:
//! `{"code": "unauthorized", "message": "…"}`. Messages carry ids, never
//! the content of an event.

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable code (`unauthorized`).
    pub code: &'static str,
    /// What is wrong and what to do, in plain words.
    pub message: String,
    /// More detail for programs (the diagnostics of rules that failed).
    pub detail: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Body_<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// Adds detail (a JSON object whose fields join the body).
    pub fn with_detail(mut self, detail: serde_json::Value) -> ApiError {
        self.detail = Some(detail);
        self
    }

    /// 400: the request cannot be read.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404: no such thing.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 503 or 500 from the store.
    pub fn store(err: &duly_store::StoreError) -> ApiError {
        match err {
            duly_store::StoreError::Busy { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_busy",
                "the store is busy with another writer: try again shortly",
            ),
            _ => {
                tracing::error!(error = %err, "the store failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store_failed",
                    "the store could not be used: the service log says why",
                )
            }
        }
    }

    /// 500: something inside the service went wrong.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body_ {
            code: self.code,
            message: &self.message,
            detail: self.detail.as_ref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The code and message for an error status that came without a JSON body
/// (axum's own rejections, the body limit, a panic caught).
pub fn for_status(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "the request cannot be read"),
        StatusCode::UNAUTHORIZED => (
            "unauthorized",
            "send a valid token: `Authorization: Bearer <token>`",
        ),
        StatusCode::FORBIDDEN => ("forbidden", "this token's role cannot do that"),
        StatusCode::NOT_FOUND => ("not_found", "there is nothing at this address"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this address does not take that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is too large: send fewer events per request",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send the body as JSON (`Content-Type: application/json`)",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ("unprocessable", "the request cannot be carried out"),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("unavailable", "the service is busy: try again shortly")
        }
        s if s.is_client_error() => ("bad_request", "the request cannot be carried out"),
        _ => (
            "internal",
            "the service failed to answer: the service log says why",
        ),
    };
    ApiError::new(status, code, message)
}

/// Middleware: turns any error answer without a JSON body into one with
/// a code and a message, so that no client ever sees bare text or HTML.
pub async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, _body) = response.into_parts();
    let mut fixed = for_status(status).into_response();
    // Keep headers such as `Allow` on a 405.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}

/// What a caught panic answers: a 500 with a JSON body.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler stopped unexpectedly");
    ApiError::internal("the service failed to answer: the service log says why").into_response()
}
