//! Who may talk to the API: a bearer token on every route but health, a loopback (or
//! allowlisted) `Host` against DNS rebinding, and an allowlisted `Origin` for WebSockets.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::error::ApiError;
use crate::api::token;

#[derive(Debug, Clone)]
pub struct Guard {
    pub token: String,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
}

pub async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if !guard.host_allowed(headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_host",
            "the Host header is not a loopback address or in api.allowed_hosts",
        )
        .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !guard
            .allowed_origins
            .iter()
            .any(|o| origin.as_bytes() == o.as_bytes())
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "this Origin is not in api.allowed_origins",
        )
        .into_response();
    }
    if request.uri().path() != "/api/v1/health" && !guard.token_ok(headers) {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer <token>`; `ccmux token` prints it",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("static header"),
        );
        return response;
    }
    next.run(request).await
}

impl Guard {
    fn token_ok(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| token::matches(given.trim(), &self.token))
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            // HTTP/1.0 clients may omit it; nothing to rebind then.
            return true;
        };
        let name = host_name(host);
        matches!(name, "localhost" | "127.0.0.1" | "::1")
            || name.ends_with(".localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
            || self
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// `example.com:7878` → `example.com`; `[::1]:7878` → `::1`.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}
