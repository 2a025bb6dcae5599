//! API errors: a status and `{"error":{"code","message"}}`, with messages a client can act on.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use crate::config::ResolveError;
pub use crate::http::code::ErrorCode;
use crate::manager::ManagerError;
use crate::session::SessionError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// Something failed inside the server, not in the request.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            message.to_string(),
        )
    }

    /// A value out of range: names the field.
    pub fn invalid(field: &str, message: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidValue,
            format!("{field}: {message}"),
        )
    }
}

/// Every error's body.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `not_found`, `invalid_value`, …
    code: &'static str,
    /// For people: what was wrong and what to do.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<ManagerError> for ApiError {
    fn from(e: ManagerError) -> Self {
        use StatusCode as S;
        let message = e.to_string();
        let (status, code) = match &e {
            ManagerError::NotFound(_) | ManagerError::NoSuchName(_) => {
                (S::NOT_FOUND, ErrorCode::NotFound)
            }
            ManagerError::AmbiguousName { .. } => (S::CONFLICT, ErrorCode::AmbiguousName),
            ManagerError::TaskConflict { .. } => (S::CONFLICT, ErrorCode::TaskConflict),
            ManagerError::TooManySessions(_) => (S::TOO_MANY_REQUESTS, ErrorCode::TooManySessions),
            ManagerError::ShuttingDown => (S::SERVICE_UNAVAILABLE, ErrorCode::ShuttingDown),
            ManagerError::StillRunning(_) => (S::CONFLICT, ErrorCode::SessionRunning),
            ManagerError::Session(e) => return e.clone().into(),
            ManagerError::Worktree(e) => return e.clone().into(),
        };
        Self::new(status, code, message)
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        use StatusCode as S;
        let (status, code) = match &e {
            SessionError::NotAcceptingCommands(_) => (S::CONFLICT, ErrorCode::NotAcceptingCommands),
            SessionError::Ended => (S::CONFLICT, ErrorCode::SessionEnded),
            SessionError::InputQueueFull { .. } => {
                (S::TOO_MANY_REQUESTS, ErrorCode::InputQueueFull)
            }
            SessionError::ProjectPathMissing(_) | SessionError::ProjectPathNotDirectory(_) => {
                return Self::invalid("project_path", e);
            }
            SessionError::EmptyCommand
            | SessionError::ProgramNotFound(_)
            | SessionError::ProgramNotExecutable { .. } => return Self::invalid("command", e),
            SessionError::InvalidExecInput { field, problem } => {
                return Self::invalid(field, problem);
            }
            SessionError::Pty(_) | SessionError::Spawn { .. } => {
                (S::INTERNAL_SERVER_ERROR, ErrorCode::SpawnFailed)
            }
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<crate::output_filter::FilterError> for ApiError {
    fn from(e: crate::output_filter::FilterError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidValue,
            e.to_string(),
        )
    }
}

impl From<crate::worktree::WorktreeError> for ApiError {
    fn from(e: crate::worktree::WorktreeError) -> Self {
        use crate::worktree::WorktreeError as W;
        let (status, code) = match &e {
            W::Dirty { .. } => (StatusCode::CONFLICT, ErrorCode::WorktreeDirty),
            W::None => (StatusCode::CONFLICT, ErrorCode::NoWorktree),
            W::BadName(_) | W::NotARepository(_) => return Self::invalid("worktree", e),
            W::NoProject(_) => return Self::invalid("project_path", e),
            W::NoGit(_) | W::Git { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::GitFailed)
            }
        };
        Self::new(status, code, e.to_string())
    }
}

impl From<ResolveError> for ApiError {
    fn from(e: ResolveError) -> Self {
        let field = match &e {
            ResolveError::TaskId(_) => "task_id",
            ResolveError::UnknownProfile(_) => "profile",
            ResolveError::UnknownTemplate(_) => "template",
            ResolveError::MissingTokenVariable(_) => "auth_token_env",
            ResolveError::Worktree(e) => return e.clone().into(),
        };
        Self::invalid(field, e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        let status = e.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidValue,
            _ => ErrorCode::BadRequest,
        };
        Self::new(status, code, e.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            e.body_text(),
        )
    }
}

/// A plain request (no `Upgrade: websocket`, or a broken handshake) to a WebSocket route.
impl From<WebSocketUpgradeRejection> for ApiError {
    fn from(e: WebSocketUpgradeRejection) -> Self {
        Self::new(
            e.status(),
            ErrorCode::WebsocketRequired,
            format!(
                "this route only takes a WebSocket handshake: {}",
                e.body_text()
            ),
        )
    }
}
