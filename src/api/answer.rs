//! `POST /api/v1/sessions/{id}/answer`: answer the dialog a session waits on (see
//! `session::dialog`), replying with the session's info once the answer was taken.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::api::AppState;
use crate::api::routes::Id;
use crate::http::error::{ApiError, ErrorCode};
use crate::session::SessionInfo;
use crate::session::dialog::{AnswerError, Choice};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Answer")]
pub struct AnswerBody {
    choice: Choice,
}

pub async fn answer(
    State(app): State<AppState>,
    Id(id): Id,
    body: Result<Json<AnswerBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<SessionInfo>, ApiError> {
    let Json(body) = body?;
    let session = app.manager.get(id)?;
    Ok(Json(session.answer(body.choice).await?))
}

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        let message = e.to_string();
        match e {
            AnswerError::NotWaiting(_) => {
                Self::new(StatusCode::CONFLICT, ErrorCode::NotWaiting, message)
            }
            AnswerError::NoSuchOption { .. } => Self::invalid("choice", message),
            AnswerError::NoOptions => {
                Self::new(StatusCode::CONFLICT, ErrorCode::NoOptions, message)
            }
            AnswerError::NotTaken => {
                Self::new(StatusCode::CONFLICT, ErrorCode::AnswerNotTaken, message)
            }
            AnswerError::Session(e) => e.into(),
        }
    }
}
