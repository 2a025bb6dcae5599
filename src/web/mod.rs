//! The web view: a page that shows every session in a browser tab, its login, and the one
//! WebSocket it draws the sessions' screens through.
//!
//! - `assets`: the page (`assets/web/`), embedded in the binary.
//! - `auth`, `same_origin`, `login`: one-time login codes, the cookie they become, and when a
//!   cookie counts (the guard in `api::guard` applies these).
//! - `socket`, `frames`, `page_keys`: the page's WebSocket: key events in, frames (drawn by
//!   `crate::screen`, wrapped as JSON) out.
//! - `cli`: `ccmux web`, which asks the running server for a login link.

pub mod assets;
pub mod auth;
mod frames;
pub mod login;
pub mod page_keys;
pub mod same_origin;
mod socket;

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{get, post};

use crate::http::AppState;
use auth::{Browsers, Cookie};

/// The WebSocket protocol the server selects; a client that sends its token as a protocol
/// (`ccmux.token.<token>`) offers this one beside it.
pub const PROTOCOL: &str = "ccmux";

/// The close code a socket a browser opened gets when its browser session was revoked.
pub const LOGGED_OUT: u16 = 4001;
/// The reason that close frame gives.
pub const LOGGED_OUT_REASON: &str = "logged out: run `ccmux web` to log in again";
/// How a non-browser client passes the token in a WebSocket handshake.
pub const TOKEN_PROTOCOL_PREFIX: &str = "ccmux.token.";

/// What the web view's handlers share.
#[derive(Default)]
pub struct Web {
    pub browsers: Browsers,
    pub pages: socket::PageCap,
}

/// How a request got in, as the guard found it.
#[derive(Debug, Clone)]
pub enum Caller {
    Token,
    Browser(Cookie),
}

impl Caller {
    /// Resolves once this caller's browser session is revoked; never for a token's caller.
    pub async fn logged_out(&self, browsers: &Browsers) {
        match self {
            Self::Browser(cookie) => browsers.logged_out(cookie).await,
            Self::Token => std::future::pending().await,
        }
    }
}

/// The page's own routes (the API's are in `api::ROUTES`).
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(assets::page))
        .route("/login", get(assets::page))
        .route("/assets/{file}", get(assets::file))
        .route("/web/login", post(login::login))
        .route("/ws/web", get(socket::upgrade))
}

/// Routes anyone may fetch: the page and its files hold no secret, and the login checks its
/// code itself.
pub fn is_public(method: &Method, path: &str) -> bool {
    match *method {
        Method::GET | Method::HEAD => {
            matches!(path, "/" | "/login") || path.starts_with("/assets/")
        }
        Method::POST => path == "/web/login",
        _ => false,
    }
}

/// Routes a browser session may not use: minting login codes and revoking sessions take the
/// token.
pub fn token_only(path: &str) -> bool {
    path.starts_with("/api/v1/web/")
}

/// Whether a URL carries something named like a token in its query: refused outright, so a
/// token never sits in a URL (and so in logs and browser history).
pub fn token_in_query(uri: &Uri) -> bool {
    uri.query().is_some_and(|q| {
        q.split('&').any(|pair| {
            let key = percent_decoded(pair.split('=').next().unwrap_or_default());
            matches!(
                key.to_ascii_lowercase().as_str(),
                "token" | "access_token" | "auth" | "code"
            )
        })
    })
}

/// A query key as a server reading it would see it: `%74oken` is `token`.
fn percent_decoded(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
