//! `POST /api/v1/sessions/claude`: the body a client starts a session with, its schema (the
//! limits `exec` puts on argv and environment, stated so that a client can check before it
//! sends), and the handler that turns it into a session.

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::AppState;
use crate::api::number::Whole;
use crate::api::routes::size;
use crate::config::SessionRequest;
use crate::http::error::ApiError;
use crate::session::config::{
    MAX_EXEC_COUNT, MAX_EXEC_STRING, MAX_EXEC_TOTAL, MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS,
    MIN_TERMINAL_DIM,
};
use crate::session::{SessionInfo, TaskId, WorkspaceName};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CreateSession")]
pub struct CreateBody {
    #[schemars(with = "TaskId")]
    task_id: String,
    project_path: Option<PathBuf>,
    #[serde(default)]
    #[schemars(schema_with = "argv_schema")]
    command: Option<Vec<String>>,
    #[serde(default)]
    #[schemars(schema_with = "environment_schema")]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    #[schemars(schema_with = "terminal_size_schema")]
    terminal_size: Option<SizeField>,
    #[serde(default)]
    #[schemars(schema_with = "auth_token_schema")]
    auth_token: Option<String>,
    profile: Option<String>,
    template: Option<String>,
    /// The workspace to join; by default the one of the project the session works in.
    #[serde(default)]
    #[schemars(schema_with = "workspace_schema")]
    workspace: Option<String>,
    worktree: Option<crate::worktree::WorktreeOption>,
    /// Claude Code hooks and status line (default true); false: the screen alone decides the
    /// state.
    hooks: Option<bool>,
    /// Whether the `[[policy]]` rules answer permission requests (default true).
    policy: Option<bool>,
    /// Keep the values of `environment` and the `auth_token` (in the data dir, 0600) so that a
    /// restarted server starts the session with them (default true); false: a restore starts
    /// it without them.
    restore_secrets: Option<bool>,
}

/// A string `exec` can take: no NUL byte.
const NO_NUL: &str = r"^[^\u0000]*$";

fn argv_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let (string_kib, total_kib) = (MAX_EXEC_STRING / 1024, MAX_EXEC_TOTAL / 1024);
    schemars::json_schema!({
        "type": ["array", "null"],
        "minItems": 1,
        "maxItems": MAX_EXEC_COUNT,
        "prefixItems": [{"type": "string", "minLength": 1, "pattern": NO_NUL}],
        "items": {"type": "string", "pattern": NO_NUL},
        "description": format!("argv, run without a shell: the program first. No NUL bytes; each argument at most {string_kib} KiB, all of them at most {total_kib} KiB."),
    })
}

fn environment_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let (string_kib, total_kib) = (MAX_EXEC_STRING / 1024, MAX_EXEC_TOTAL / 1024);
    schemars::json_schema!({
        "type": "object",
        "propertyNames": {"minLength": 1, "pattern": r"^[^=\u0000]*$"},
        "additionalProperties": {"type": "string", "pattern": NO_NUL},
        "maxProperties": MAX_EXEC_COUNT,
        "description": format!("Added to the inherited environment. Names non-empty, without `=`; no NUL bytes; each NAME=value at most {string_kib} KiB, all of them at most {total_kib} KiB."),
    })
}

fn workspace_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "null"],
        "minLength": 1,
        "maxLength": 128,
        "pattern": crate::ids::WORKSPACE_NAME_PATTERN,
        "description": "The workspace to join; by default the one of the project the session works in. No control characters.",
    })
}

/// A terminal size as `[cols, rows]`, or as `{"cols", "rows"}`: the shape `info` answers with.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeField {
    Pair(Whole<u32>, Whole<u32>),
    Named(NamedSize),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedSize {
    cols: Whole<u32>,
    rows: Whole<u32>,
}

impl SizeField {
    fn cols_rows(&self) -> (u32, u32) {
        match self {
            Self::Pair(Whole(cols), Whole(rows)) => (*cols, *rows),
            Self::Named(NamedSize {
                cols: Whole(cols),
                rows: Whole(rows),
            }) => (*cols, *rows),
        }
    }
}

fn terminal_size_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let cols = serde_json::json!({"type": "integer", "minimum": MIN_TERMINAL_DIM, "maximum": MAX_TERMINAL_COLS});
    let rows = serde_json::json!({"type": "integer", "minimum": MIN_TERMINAL_DIM, "maximum": MAX_TERMINAL_ROWS});
    schemars::json_schema!({
        "description": "[cols, rows], or {\"cols\", \"rows\"} as a session's info has it",
        "anyOf": [
            {"type": "array", "prefixItems": [cols, rows], "minItems": 2, "maxItems": 2},
            {"type": "object", "properties": {"cols": cols, "rows": rows},
             "required": ["cols", "rows"], "additionalProperties": false},
            {"type": "null"},
        ],
    })
}

fn auth_token_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "null"],
        "pattern": NO_NUL,
        "description": format!("Given to the program as ANTHROPIC_API_KEY. No NUL bytes; at most {} KiB.", MAX_EXEC_STRING / 1024),
    })
}

pub async fn create(
    State(app): State<AppState>,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SessionInfo>), ApiError> {
    let Json(body) = body?;
    let size = body
        .terminal_size
        .map(|field| {
            let (cols, rows) = field.cols_rows();
            size("terminal_size", cols, rows)
        })
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
        // A template's `auth_token_env`: the API's caller sent no environment.
        token_env: crate::config::TokenEnv::Server,
        template: body.template,
        workspace: body
            .workspace
            .map(WorkspaceName::new)
            .transpose()
            .map_err(|e| ApiError::invalid("workspace", e))?,
        worktree: body.worktree,
        hooks: body.hooks,
        policy: body.policy,
        restore_secrets: body.restore_secrets,
    };
    let mut config = app.config.get().session_config(request, &app.cwd)?;
    if let Some(size) = size {
        config.terminal_size = size;
    }
    let session = app.manager.create_session(config).await?;
    Ok((StatusCode::CREATED, Json(session.info())))
}
