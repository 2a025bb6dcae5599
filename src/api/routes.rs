//! The REST handlers. Each validates its input, names the field at fault, and maps manager
//! errors to statuses (`error.rs`).

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};

use crate::api::AppState;
use crate::api::number::{QueryWhole, Whole};
use crate::http::error::{ApiError, ErrorCode};
use crate::output_filter::{self, FilterQuery, Format};
use crate::session::config::{MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS, MIN_TERMINAL_DIM};
use crate::session::{
    CommandResult, Ending, ScreenSnapshot, SessionId, SessionInfo, SessionOutput, TerminalSize,
};

/// The session the path names: its id, `WORKSPACE/TASK` (the `/` written `%2F`) or a task id
/// one workspace has; an unknown name is a 404, one several workspaces have a 409.
pub struct Id(pub SessionId);

impl FromRequestParts<AppState> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, app)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    e.body_text(),
                )
            })?;
        Ok(Id(app.manager.lookup(&raw)?))
    }
}

type Body<T> = Result<Json<T>, JsonRejection>;
type ApiResult<T> = Result<Json<T>, ApiError>;

/// The longest a command may be waited for.
const MAX_TIMEOUT_SECS: f64 = 24.0 * 3600.0;
const DEFAULT_TIMEOUT_SECS: f64 = 300.0;

/// A size a client asked for, refused (not clamped) when out of range.
pub fn size(field: &str, cols: u32, rows: u32) -> Result<TerminalSize, ApiError> {
    TerminalSize::checked(cols, rows).map_err(|e| ApiError::invalid(field, e))
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListQuery {
    /// Only the sessions of this task; empty or absent, every session.
    #[serde(default)]
    task_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionList {
    sessions: Vec<SessionInfo>,
}

pub async fn list(
    State(app): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<SessionList> {
    let Query(query) = query?;
    let sessions: Vec<_> = app
        .manager
        .list()
        .into_iter()
        .filter(|s| query.task_id.is_empty() || s.task_id().as_str() == query.task_id)
        .collect();
    let sessions = app.manager.detailed_infos(&sessions).await;
    Ok(Json(SessionList { sessions }))
}

pub async fn get(State(app): State<AppState>, Id(id): Id) -> ApiResult<SessionInfo> {
    Ok(Json(app.manager.detailed_info(id).await?))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Command")]
pub struct CommandBody {
    command: String,
    /// Seconds to wait for the command to finish; 300 by default.
    #[schemars(range(max = MAX_TIMEOUT_SECS), extend("exclusiveMinimum" = 0))]
    timeout: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "CommandResult")]
pub struct CommandResponse {
    session_id: SessionId,
    command: String,
    #[serde(flatten)]
    result: CommandResult,
}

pub async fn command(
    State(app): State<AppState>,
    Id(id): Id,
    body: Body<CommandBody>,
) -> ApiResult<CommandResponse> {
    let Json(body) = body?;
    let timeout = timeout(body.timeout)?;
    let session = app.manager.get(id)?;
    let result = session.send_command(body.command.clone(), timeout).await?;
    Ok(Json(CommandResponse {
        session_id: session.id(),
        command: body.command,
        result,
    }))
}

pub fn timeout(seconds: Option<f64>) -> Result<Duration, ApiError> {
    let seconds = seconds.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS) {
        return Err(ApiError::invalid(
            "timeout",
            format!("must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds"),
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Input")]
pub struct InputBody {
    /// Keys as the program reads them, escape sequences included.
    data: String,
}

/// The answer of a request that has nothing else to say.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Ok")]
pub struct Done {
    ok: bool,
}

const DONE: Json<Done> = Json(Done { ok: true });

pub async fn input(
    State(app): State<AppState>,
    Id(id): Id,
    body: Body<InputBody>,
) -> ApiResult<Done> {
    let Json(body) = body?;
    app.manager.send_input(id, body.data).await?;
    Ok(DONE)
}

const MAX_LIMIT: u32 = 10_000;

/// The page's place, and the filter (`output_filter`) as query parameters. Flat, not
/// `#[serde(flatten)]`: flattened fields lose their types in a query string.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OutputQuery {
    /// The first sequence number wanted: `next_seq` of the previous page.
    #[serde(default)]
    #[schemars(range(max = u64::MAX))]
    since: QueryWhole<u64>,
    /// Most entries in the page.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = MAX_LIMIT))]
    limit: QueryWhole<u32>,
    /// Control sequences taken out of the entries' text.
    #[serde(default)]
    strip_ansi: bool,
    /// Only entries with a line matching this regular expression.
    grep: Option<String>,
    /// Comma-separated entry types: output, input, state, error, system.
    #[serde(rename = "type")]
    #[schemars(regex(pattern = output_filter::TYPE_LIST_PATTERN))]
    types: Option<String>,
    format: Option<Format>,
}

fn default_limit() -> QueryWhole<u32> {
    QueryWhole(1000)
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OutputPage {
    entries: Vec<SessionOutput>,
    next_seq: u64,
}

/// Up to `limit` log entries from `since`, then filtered: `next_seq` follows the log, so a
/// reader paging on with it misses nothing the filter would have let through.
pub async fn output(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<OutputQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let QueryWhole(limit) = query.limit;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("must be 1–{MAX_LIMIT}")));
    }
    let filter = FilterQuery {
        strip_ansi: query.strip_ansi,
        grep: query.grep,
        types: query.types,
        format: query.format,
    };
    let mut filter = filter.compile()?;
    let session = app.manager.get(id)?;
    let (entries, next_seq) = session.output(query.since.0, limit as usize).await;
    let entries = tokio::task::spawn_blocking(move || filter.apply_all(entries))
        .await
        .map_err(ApiError::internal)?;
    Ok(match query.format.unwrap_or_default() {
        Format::Json => Json(OutputPage { entries, next_seq }).into_response(),
        Format::Text => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (HeaderName::from_static("x-next-seq"), next_seq.to_string()),
            ],
            output_filter::as_text(&entries),
        )
            .into_response(),
    })
}

pub async fn screen(State(app): State<AppState>, Id(id): Id) -> ApiResult<ScreenSnapshot> {
    Ok(Json(app.manager.get(id)?.screen()))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Resize")]
pub struct ResizeBody {
    #[schemars(range(min = MIN_TERMINAL_DIM, max = MAX_TERMINAL_COLS))]
    cols: Whole<u32>,
    #[schemars(range(min = MIN_TERMINAL_DIM, max = MAX_TERMINAL_ROWS))]
    rows: Whole<u32>,
}

pub async fn resize(
    State(app): State<AppState>,
    Id(id): Id,
    body: Body<ResizeBody>,
) -> ApiResult<SessionInfo> {
    let Json(body) = body?;
    let size = size("cols/rows", body.cols.0, body.rows.0)?;
    app.manager.resize(id, size).await?;
    Ok(Json(app.manager.get(id)?.info()))
}

pub async fn interrupt(State(app): State<AppState>, Id(id): Id) -> ApiResult<Done> {
    app.manager.interrupt(id).await?;
    Ok(DONE)
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteQuery {
    /// Kill at once, skipping the polite hangup.
    #[serde(default)]
    force: bool,
    /// Remove the session's worktree too, when it is clean.
    #[serde(default)]
    remove_worktree: bool,
}

pub async fn delete(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<DeleteQuery>, QueryRejection>,
) -> ApiResult<SessionInfo> {
    let Query(query) = query?;
    if query.remove_worktree {
        let ended = app
            .manager
            .terminate_removing_worktree(id, Ending::forced(query.force));
        return Ok(Json(ended.await?));
    }
    Ok(Json(
        app.manager
            .terminate(id, Ending::forced(query.force))
            .await?,
    ))
}

pub async fn dismiss(State(app): State<AppState>, Id(id): Id) -> ApiResult<SessionInfo> {
    Ok(Json(app.manager.dismiss(id).await?))
}

pub async fn stats(State(app): State<AppState>) -> Json<crate::api::insight::StatsWithUsage> {
    Json(crate::api::insight::stats(&app.manager).await)
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    status: &'static str,
    version: &'static str,
}

pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The OpenAPI document, as a JSON object.
pub type OpenApi = Map<String, Value>;

pub async fn openapi() -> Json<Value> {
    Json(crate::api::openapi::document())
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such route")
}

/// A known path asked with a method it does not take; axum adds the `Allow` header.
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("this route does not take {method}; the Allow header lists what it takes"),
    )
}
