//! The REST handlers. Each validates its input, names the field at fault, and maps manager
//! errors to statuses (`error.rs`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::error::ApiError;
use crate::config::SessionRequest;
use crate::manager::Stats;
use crate::session::{CommandResult, SessionId, SessionInfo, SessionOutput, TerminalSize};

/// A session id from the path; anything that is not one is a 404 like an unknown id.
pub struct Id(pub SessionId);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
        raw.parse().map(|n| Id(SessionId(n))).map_err(|_| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no session with id {raw}"),
            )
        })
    }
}

type Body<T> = Result<Json<T>, JsonRejection>;
type ApiResult<T> = Result<Json<T>, ApiError>;

/// The longest a command may be waited for.
const MAX_TIMEOUT_SECS: f64 = 24.0 * 3600.0;
const DEFAULT_TIMEOUT_SECS: f64 = 300.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    task_id: String,
    project_path: Option<PathBuf>,
    command: Option<Vec<String>>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    terminal_size: Option<(u32, u32)>,
    auth_token: Option<String>,
    profile: Option<String>,
    template: Option<String>,
    workspace: Option<String>,
    hooks: Option<bool>,
    policy: Option<bool>,
}

pub async fn create(
    State(app): State<AppState>,
    body: Body<CreateBody>,
) -> Result<(StatusCode, Json<SessionInfo>), ApiError> {
    let Json(body) = body?;
    let size = body
        .terminal_size
        .map(|(cols, rows)| size("terminal_size", cols, rows))
        .transpose()?;
    if body.command.as_ref().is_some_and(|c| c.is_empty()) {
        return Err(ApiError::invalid(
            "command",
            "give at least the program to run",
        ));
    }
    let request = SessionRequest {
        task_id: body.task_id,
        project_path: body.project_path,
        command: body.command,
        environment: body.environment,
        profile: body.profile,
        auth_token: body.auth_token,
        auth_token_env: None,
        template: body.template,
        workspace: body.workspace,
        hooks: body.hooks,
        policy: body.policy,
    };
    let mut config = app.config.session_config(request, &app.cwd)?;
    if let Some(size) = size {
        config.terminal_size = size;
    }
    let session = app.manager.create_session(config).await?;
    Ok((StatusCode::CREATED, Json(session.info())))
}

/// A size a client asked for, refused (not clamped) when out of range.
pub fn size(field: &str, cols: u32, rows: u32) -> Result<TerminalSize, ApiError> {
    TerminalSize::checked(cols, rows).map_err(|e| ApiError::invalid(field, e))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    task_id: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Value> {
    let Query(query) = query?;
    let sessions: Vec<SessionInfo> = app
        .manager
        .list()
        .iter()
        .filter(|s| {
            query
                .task_id
                .as_ref()
                .is_none_or(|t| s.task_id().as_str() == t)
        })
        .map(|s| s.info())
        .collect();
    Ok(Json(json!({ "sessions": sessions })))
}

pub async fn get(State(app): State<AppState>, Id(id): Id) -> ApiResult<SessionInfo> {
    Ok(Json(app.manager.get(id)?.info()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandBody {
    command: String,
    /// Seconds.
    timeout: Option<f64>,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputBody {
    data: String,
}

pub async fn input(
    State(app): State<AppState>,
    Id(id): Id,
    body: Body<InputBody>,
) -> ApiResult<Value> {
    let Json(body) = body?;
    app.manager.send_input(id, body.data).await?;
    Ok(Json(json!({ "ok": true })))
}

#[derive(Debug, Deserialize)]
pub struct OutputQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct OutputPage {
    entries: Vec<SessionOutput>,
    next_seq: u64,
}

pub async fn output(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<OutputQuery>, QueryRejection>,
) -> ApiResult<OutputPage> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(1000);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be 1–10000"));
    }
    let session = app.manager.get(id)?;
    let (entries, next_seq) = session.output(query.since.unwrap_or(0), limit).await;
    Ok(Json(OutputPage { entries, next_seq }))
}

pub async fn screen(State(app): State<AppState>, Id(id): Id) -> ApiResult<Value> {
    let screen = app.manager.get(id)?.screen();
    Ok(Json(serde_json::to_value(screen).unwrap_or_default()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResizeBody {
    cols: u32,
    rows: u32,
}

pub async fn resize(
    State(app): State<AppState>,
    Id(id): Id,
    body: Body<ResizeBody>,
) -> ApiResult<SessionInfo> {
    let Json(body) = body?;
    let size = size("cols/rows", body.cols, body.rows)?;
    app.manager.resize(id, size).await?;
    Ok(Json(app.manager.get(id)?.info()))
}

pub async fn interrupt(State(app): State<AppState>, Id(id): Id) -> ApiResult<Value> {
    app.manager.interrupt(id).await?;
    Ok(Json(json!({ "ok": true })))
}

#[derive(Debug, Deserialize)]
pub struct DeleteQuery {
    #[serde(default)]
    force: bool,
}

pub async fn delete(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<DeleteQuery>, QueryRejection>,
) -> ApiResult<SessionInfo> {
    let Query(query) = query?;
    Ok(Json(app.manager.terminate(id, query.force).await?))
}

pub async fn stats(State(app): State<AppState>) -> Json<Stats> {
    Json(app.manager.stats())
}

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub async fn openapi() -> Json<Value> {
    Json(crate::api::openapi::document())
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// A known path asked with a method it does not take; axum adds the `Allow` header.
pub async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("this route does not take {method}; the Allow header lists what it takes"),
    )
}
