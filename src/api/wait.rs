//! `GET /api/v1/sessions/{id}/wait`: a long-poll that answers once a session is in a state a
//! script waits for, or in one only a person (or nothing) can move it on from: a question or a
//! login, an error, its end. A script that starts a session and sends it a command waits here
//! in between instead of polling for `ready`.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::AppState;
use crate::api::routes::Id;
use crate::http::error::ApiError;
use crate::manager::Manager;
use crate::session::{Session, SessionState};

/// The longest one request waits; a client wanting longer asks again (`ctl wait` does).
pub const MAX_WAIT_SECS: f64 = 600.0;
const DEFAULT_WAIT_SECS: f64 = 30.0;

/// `ready,idle`, `waiting_input`, …: state names, comma-separated.
const STATE_LIST_PATTERN: &str = "^(initializing|authenticating|ready|busy|idle|waiting_input|terminating|terminated|error)(,(initializing|authenticating|ready|busy|idle|waiting_input|terminating|terminated|error))*$";

#[derive(Debug, Deserialize, JsonSchema)]
pub struct WaitQuery {
    /// The states waited for, comma-separated; `ready,idle` (takes a command) by default.
    #[schemars(regex(pattern = STATE_LIST_PATTERN))]
    state: Option<String>,
    /// Seconds to wait at most; 30 by default.
    #[schemars(range(max = MAX_WAIT_SECS), extend("exclusiveMinimum" = 0))]
    timeout: Option<f64>,
}

pub use crate::protocol::websocket::{WaitOutcome, WaitResult};

/// The states named in `list`, or the field at fault.
pub fn wanted(list: Option<&str>) -> Result<Vec<SessionState>, ApiError> {
    // An empty `state=` names no state: refused like any other name that is not one.
    let Some(list) = list else {
        return Ok(vec![SessionState::Ready, SessionState::Idle]);
    };
    list.split(',')
        .map(|name| {
            SessionState::ALL
                .into_iter()
                .find(|s| s.as_str() == name)
                .ok_or_else(|| {
                    let names: Vec<_> = SessionState::ALL.iter().map(|s| s.as_str()).collect();
                    ApiError::invalid(
                        "state",
                        format!("`{name}` is not a state; one of {}", names.join(", ")),
                    )
                })
        })
        .collect()
}

pub fn wait_timeout(seconds: Option<f64>) -> Result<Duration, ApiError> {
    let seconds = seconds.unwrap_or(DEFAULT_WAIT_SECS);
    if !(seconds > 0.0 && seconds <= MAX_WAIT_SECS) {
        return Err(ApiError::invalid(
            "timeout",
            format!("must be more than 0 and at most {MAX_WAIT_SECS} seconds"),
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

pub async fn wait(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<WaitQuery>, QueryRejection>,
) -> Result<Json<WaitResult>, ApiError> {
    let Query(query) = query?;
    let wanted = wanted(query.state.as_deref())?;
    let timeout = wait_timeout(query.timeout)?;
    let session = app.manager.get(id)?;
    Ok(Json(wait_on(&app.manager, session, &wanted, timeout).await))
}

/// Waits until `session` is in a state of `wanted` or one a wait ends on, at most `timeout`:
/// the HTTP long-poll and the WebSocket's `wait` alike.
pub async fn wait_on(
    manager: &Manager,
    session: Session,
    wanted: &[SessionState],
    timeout: Duration,
) -> WaitResult {
    let waited = session
        .wait_for_state(timeout, |s| WaitOutcome::of(s, wanted).is_some())
        .await;
    // On a timeout, or once the session's actor is gone, the last state seen.
    let state = waited.unwrap_or_else(|last| last);
    let outcome = WaitOutcome::of(state, wanted).unwrap_or(WaitOutcome::TimedOut);
    let session = manager.detailed_infos(&[session]).await.remove(0);
    WaitResult { outcome, session }
}
