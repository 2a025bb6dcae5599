//! The page's files, embedded at build time so that the binary serves them with nothing else
//! installed. Plain HTML, CSS and JavaScript, with no build step: what is in `assets/web/` is
//! what the browser gets.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::{ApiError, ErrorCode};

const INDEX: &str = include_str!("../../assets/web/index.html");
const SCRIPT: &str = include_str!("../../assets/web/app.js");
const STYLE: &str = include_str!("../../assets/web/style.css");

/// What every file is sent with: no caching (a new binary brings a new page), no framing by
/// other sites, and nothing loaded from anywhere but here.
fn respond(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /` and `GET /login`: the one page (it logs in when its URL carries a code).
pub async fn page() -> Response {
    respond("text/html; charset=utf-8", INDEX)
}

pub async fn file(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "app.js" => respond("text/javascript; charset=utf-8", SCRIPT),
        "style.css" => respond("text/css; charset=utf-8", STYLE),
        _ => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file")
            .into_response(),
    }
}
