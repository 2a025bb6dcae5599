//! `GET /api/v1/sessions/{id}/wait`: a long-poll that answers once a session is in a state a
//! script waits for, or in one only a person (or nothing) can move it on from: a question or a
//! login, an error, its end. A script that starts a session and sends it a command waits here
//! in between instead of polling for `ready`.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::AppState;
use crate::api::routes::Id;
use crate::http::error::ApiError;
use crate::session::{SessionInfo, SessionState};

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

/// How a wait ended; `ctl wait` exits with `ctl send`'s code for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitOutcome {
    /// The session is in one of the states asked for.
    Reached,
    /// Time ran out first.
    TimedOut,
    /// It waits for a person: a question, a permission prompt or a login.
    WaitingInput,
    /// It ended.
    Ended,
    /// It reports an error.
    Error,
}

impl WaitOutcome {
    /// What `state` means to a wait for `wanted`; `None` while it is worth waiting on.
    pub fn of(state: SessionState, wanted: &[SessionState]) -> Option<Self> {
        use SessionState::*;
        if wanted.contains(&state) {
            return Some(Self::Reached);
        }
        match state {
            WaitingInput | Authenticating => Some(Self::WaitingInput),
            Terminated => Some(Self::Ended),
            Error => Some(Self::Error),
            Initializing | Ready | Busy | Idle | Terminating => None,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "WaitResult")]
pub struct WaitResult {
    outcome: WaitOutcome,
    #[serde(flatten)]
    session: SessionInfo,
}

/// The states named in `list`, or the field at fault.
fn wanted(list: Option<&str>) -> Result<Vec<SessionState>, ApiError> {
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

fn wait_timeout(seconds: Option<f64>) -> Result<Duration, ApiError> {
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
    let waited = session
        .wait_for_state(timeout, |s| WaitOutcome::of(s, &wanted).is_some())
        .await;
    // On a timeout, or once the session's actor is gone, the last state seen.
    let state = waited.unwrap_or_else(|last| last);
    let outcome = WaitOutcome::of(state, &wanted).unwrap_or(WaitOutcome::TimedOut);
    let session = app.manager.detailed_infos(&[session]).await.remove(0);
    Ok(Json(WaitResult { outcome, session }))
}
