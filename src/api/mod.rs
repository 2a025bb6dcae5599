//! The REST + WebSocket API over the manager, on axum. The TUI embeds it; `ccmux serve` runs it
//! alone. Same router either way.

mod answer;
mod body_timeout;
mod create;
mod guard;
mod insight;
mod listen;
mod macros;
mod number;
mod openapi;
mod recording;
mod restart;
pub(crate) mod routes;
mod text;
mod track;
pub mod wait;
mod ws;
mod ws_cap;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, post};
use tokio::net::TcpListener;

use crate::session::{ScreenSnapshot, SessionInfo};

/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

pub use crate::http::AppState;

/// Who may connect, and with what.
#[derive(Debug, Clone)]
pub struct Access {
    pub token: String,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
}

/// One documented route; the router and the OpenAPI document are both built from these. The
/// body, query and response are types: their schemas are derived from the very types the handler
/// reads and writes (`schemars`), so the document cannot drift from what the handler takes.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub operation: &'static str,
    pub summary: &'static str,
    pub body: Option<SchemaFn>,
    /// The query string's fields, from the handler's `Query` type.
    pub query: Option<SchemaFn>,
    pub ok: u16,
    pub response: SchemaFn,
    handler: fn() -> MethodRouter<AppState>,
}

/// A type's schema: a `$ref` into `components/schemas` for a named type.
pub type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// `route!(METHOD "path", "operationId", "summary", [body T,] [query Q,] STATUS Response => handler)`.
macro_rules! route {
    ($method:ident $path:literal, $op:literal, $summary:literal, $(body $body:ty,)? $(query $query:ty,)? $ok:literal $response:ty => $handler:expr) => {
        Route {
            method: stringify!($method),
            path: $path,
            operation: $op,
            summary: $summary,
            body: route!(@ref $($body)?),
            query: route!(@inline $($query)?),
            ok: $ok,
            response: |g| g.subschema_for::<$response>(),
            handler: || $method($handler),
        }
    };
    (@ref) => { None };
    (@ref $t:ty) => { Some(|g| g.subschema_for::<$t>()) };
    (@inline) => { None };
    (@inline $t:ty) => { Some(<$t as schemars::JsonSchema>::json_schema) };
}

use crate::output_filter::FilterQuery;
use create::CreateBody;
use routes::{
    CommandBody, CommandResponse, DeleteQuery, Done, Health, InputBody, ListQuery, OpenApi,
    OutputPage, OutputQuery, ResizeBody, SessionList,
};

pub const ROUTES: &[Route] = &[
    route!(post "/api/v1/sessions/claude", "createSession", "Start a session for a task", body CreateBody, 201 SessionInfo => create::create),
    route!(post "/api/v1/sessions", "createSessionAlias", "Start a session for a task; the same as POST /api/v1/sessions/claude", body CreateBody, 201 SessionInfo => create::create),
    route!(get "/api/v1/sessions", "listSessions", "List sessions", query ListQuery, 200 SessionList => routes::list),
    route!(get "/api/v1/sessions/{id}", "getSession", "One session", 200 SessionInfo => routes::get),
    route!(delete "/api/v1/sessions/{id}", "deleteSession", "Terminate a session", query DeleteQuery, 200 SessionInfo => routes::delete),
    route!(post "/api/v1/sessions/{id}/dismiss", "dismissSession", "Forget an ended session: its pane goes from every client and it leaves every list; a live one is refused (409)", 200 SessionInfo => routes::dismiss),
    route!(get "/api/v1/sessions/{id}/wait", "waitForState", "Wait (at most 600 s) until the session is in one of the states asked for, or waits for a person, errs or ends", query wait::WaitQuery, 200 wait::WaitResult => wait::wait),
    route!(post "/api/v1/sessions/{id}/commands", "sendCommand", "Send a command and wait for it to finish", body CommandBody, 200 CommandResponse => routes::command),
    route!(post "/api/v1/sessions/{id}/input", "sendInput", "Send raw keys", body InputBody, 200 Done => routes::input),
    route!(get "/api/v1/sessions/{id}/output", "getOutput", "Output log entries", query OutputQuery, 200 OutputPage => routes::output),
    route!(get "/api/v1/sessions/{id}/recording", "getRecording", "The session's current asciicast v2 recording (application/x-asciicast)", 200 recording::Recording => recording::recording),
    route!(get "/api/v1/sessions/{id}/screen", "getScreen", "The current screen", 200 ScreenSnapshot => routes::screen),
    route!(get "/api/v1/sessions/{id}/text", "getText", "History and screen as text, or a range of their lines", query text::TextQuery, 200 text::Text => text::text),
    route!(post "/api/v1/sessions/{id}/resize", "resizeSession", "Resize the terminal", body ResizeBody, 200 SessionInfo => routes::resize),
    route!(post "/api/v1/sessions/{id}/answer", "answerDialog", "Answer the dialog the session waits on, once it takes keys", body answer::AnswerBody, 200 SessionInfo => answer::answer),
    route!(post "/api/v1/sessions/{id}/restart", "restartSession", "Start an ended session again from how it was made, Claude Code resuming its conversation (a restore that failed, say)", 201 SessionInfo => restart::restart),
    route!(post "/api/v1/sessions/{id}/interrupt", "interruptSession", "Send the profile's interrupt key", 200 Done => routes::interrupt),
    route!(get "/api/v1/sessions/{id}/history", "getHistory", "The task's kept commands, oldest first", 200 insight::HistoryPage => insight::history),
    route!(post "/api/v1/sessions/{id}/macros/{name}", "runMacro", "Run a [macros.NAME] step by step; the first failure stops it", 200 crate::macros::MacroReport => macros::run),
    route!(get "/metrics", "getMetrics", "Counters in Prometheus' text format", 200 insight::Metrics => insight::metrics),
    route!(get "/api/v1/stats/claude", "getStats", "Counts and totals", 200 insight::StatsWithUsage => routes::stats),
    route!(get "/api/v1/stats", "getStatsAlias", "Counts and totals; the same as GET /api/v1/stats/claude", 200 insight::StatsWithUsage => routes::stats),
    route!(get "/api/v1/openapi.json", "getOpenApi", "This document", 200 OpenApi => routes::openapi),
    route!(get "/api/v1/health", "getHealth", "Liveness; needs no token", 200 Health => routes::health),
    route!(post "/api/v1/web/login-codes", "createLoginCode", "A one-time browser login code, valid for 60 s (what `ccmux web` prints); token only", 201 crate::web::login::LoginCode => crate::web::login::mint),
    route!(post "/api/v1/web/revoke", "revokeBrowsers", "End every browser session (`ccmux web --revoke`); token only", 200 crate::web::login::Revoked => crate::web::login::revoke),
    route!(get "/ws/sessions/{id}", "streamSession", "WebSocket: output, state and controls", query FilterQuery, 101 openapi::WebSocket => ws::upgrade),
];

pub fn router(state: AppState, access: Access) -> Router {
    let metrics = state.manager.metrics();
    let web = Arc::new(crate::web::Web::default());
    let guard = Arc::new(guard::Guard {
        token: access.token,
        allowed_origins: access.allowed_origins,
        allowed_hosts: access.allowed_hosts,
        web: web.clone(),
        public: Arc::new(tokio::sync::Semaphore::new(
            state.config.get().limits.api_public_requests.max(1),
        )),
    });
    ROUTES
        .iter()
        .fold(Router::new(), |router, r| {
            router.route(r.path, (r.handler)())
        })
        .merge(crate::web::page_routes())
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(guard, guard::check))
        .layer(axum::middleware::from_fn_with_state(metrics, track::track))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::Extension(Arc::new(ws_cap::WsCap::default())))
        .layer(axum::Extension(web))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("{0} is reachable from other machines; pass --allow-remote if that is what you want")]
    RemoteNotAllowed(SocketAddr),
    #[error(
        "{0} is reachable from other machines, so the API token must be at least \
         {MIN_REMOTE_TOKEN} bytes; `ccmux token` prints a generated one"
    )]
    WeakRemoteToken(SocketAddr),
}

/// The shortest token a listener other machines can reach accepts: 32 bytes, as long as the
/// generated token's random part.
pub const MIN_REMOTE_TOKEN: usize = 32;

/// Binds `addr` and serves until `shutdown` resolves. Returns the bound address at once.
pub async fn start(
    addr: SocketAddr,
    allow_remote: bool,
    state: AppState,
    access: Access,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServeError> {
    if !addr.ip().is_loopback() {
        if !allow_remote {
            return Err(ServeError::RemoteNotAllowed(addr));
        }
        if access.token.len() < MIN_REMOTE_TOKEN {
            return Err(ServeError::WeakRemoteToken(addr));
        }
        tracing::warn!(%addr, "the API listens on a non-loopback address");
        // On the terminal too: whoever started it should not have to read the log to know.
        crate::terminal_text::errln!(
            "ccmux: warning: the API listens on {addr}, reachable from other machines; \
             anyone with the token can run commands as you"
        );
    }
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Bind {
            addr,
            reason: e.to_string(),
        })?;
    let bound = listener.local_addr().unwrap_or(addr);
    let connections = state.config.get().limits.api_connections;
    let app = router(state, access);
    let task = tokio::spawn(listen::serve(listener, app, connections, shutdown));
    tracing::info!(addr = %bound, "API listening");
    Ok((bound, task))
}
