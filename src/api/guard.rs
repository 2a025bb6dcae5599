//! Who may talk to the API: a bearer token on every route but health and the web page's own
//! (or a browser session's cookie from the server's own origin: `web::same_origin`), a
//! loopback (or allowlisted) `Host` against DNS rebinding, and an allowlisted `Origin` (or the
//! server's own) for browsers.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::{ApiError, ErrorCode};
use crate::http::token;
use crate::web::auth::Cookie;
use crate::web::{self, Caller, Web, same_origin};

#[derive(Clone)]
pub struct Guard {
    pub token: String,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub web: Arc<Web>,
}

pub async fn check(State(guard): State<Arc<Guard>>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if !guard.host_allowed(headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ForbiddenHost,
            "the Host header is not a loopback address or in api.allowed_hosts",
        )
        .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !guard
            .allowed_origins
            .iter()
            .any(|o| origin.as_bytes() == o.as_bytes())
        && !same_origin::origin_is_own(headers)
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ForbiddenOrigin,
            "this Origin is not in api.allowed_origins",
        )
        .into_response();
    }
    if web::token_in_query(request.uri()) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TokenInUrl,
            "a token in a URL ends up in logs and history; send `Authorization: Bearer <token>` \
             (or, for a WebSocket, the protocol `ccmux.token.<token>`)",
        )
        .into_response();
    }
    let path = request.uri().path();
    if path == "/api/v1/health" || web::is_public(request.method(), path) {
        return next.run(request).await;
    }
    let caller = if guard.token_ok(headers) {
        Caller::Token
    } else if let Some(cookie) = same_origin::cookie(headers)
        .filter(|c| !web::token_only(path) && guard.web.browsers.cookie_valid(c))
    {
        if !same_origin::from_own_page(request.method(), headers) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::CrossOrigin,
                "a browser session counts only on requests from this server's own page",
            )
            .into_response();
        }
        Caller::Browser(Cookie(cookie))
    } else {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "send `Authorization: Bearer <token>`; `ccmux token` prints it \
             (in a browser, log in with the link `ccmux web` prints)",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("static header"),
        );
        return response;
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

impl Guard {
    /// The token in `Authorization`, or (a WebSocket handshake, which browsers cannot give
    /// headers to) as the protocol `ccmux.token.<token>`.
    fn token_ok(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| token::matches(given.trim(), &self.token));
        bearer
            || same_origin::is_websocket(headers)
                && headers
                    .get_all(header::SEC_WEBSOCKET_PROTOCOL)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .filter_map(|p| p.trim().strip_prefix(web::TOKEN_PROTOCOL_PREFIX))
                    .any(|given| token::matches(given, &self.token))
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
