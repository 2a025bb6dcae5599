//! `POST /api/v1/sessions/{id}/macros/{name}`: runs a `[macros.NAME]` of the server's config
//! and answers with every step's outcome once it is done or a step failed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::AppState;
use crate::http::error::{ApiError, ErrorCode};
use crate::macros::MacroReport;

pub async fn run(
    State(app): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<MacroReport>, ApiError> {
    let session = app.manager.get(app.manager.lookup(&id)?)?;
    let config = app.config.get();
    let Some(spec) = config.macros.get(&name) else {
        let known: Vec<&str> = config.macros.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "the config has none ([macros.NAME])".to_string()
        } else {
            format!("the config has {}", known.join(", "))
        };
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownMacro,
            format!("no macro `{name}`: {known}"),
        ));
    };
    Ok(Json(crate::macros::run(&session, &name, spec).await))
}
