//! `POST /api/v1/sessions/{id}/restart`: an ended session started again from how it was made
//! (its recipe, with what was kept for it), as a restarted server would: a restore that failed
//! is retried once its cause is fixed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::api::AppState;
use crate::api::routes::Id;
use crate::config::restore::Standing;
use crate::http::error::{ApiError, ErrorCode};
use crate::session::{SessionInfo, SessionState};

pub async fn restart(
    State(app): State<AppState>,
    Id(id): Id,
) -> Result<(StatusCode, Json<SessionInfo>), ApiError> {
    let ended = app.manager.get(id)?;
    if ended.state() != SessionState::Terminated {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::SessionRunning,
            format!("session {id} has not ended; only an ended session is restarted"),
        ));
    }
    let recipe = ended.recipe();
    let standing = Standing {
        cwd: recipe.project_path.clone(),
        terminal_size: ended.terminal_size(),
        history: ended.history().await,
    };
    let config = app.config.get().restored_session(recipe, standing)?;
    let session = app.manager.create_session(config).await?;
    Ok((StatusCode::CREATED, Json(session.info())))
}
