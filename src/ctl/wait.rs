//! `ctl wait` and `ctl new --wait`: long-polls the API's `wait` route, again and again while
//! time is left (one request waits at most `MAX_WAIT_SECS`), and exits as `ctl send` does.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;

use super::SendOutcome;
use super::client::Client;
use crate::api::wait::{MAX_WAIT_SECS, WaitOutcome};

/// The shortest request worth making: less time than this left counts as run out.
const MIN_CHUNK: Duration = Duration::from_millis(1);

/// Waits until session `id` is in one of `states` (`ready`/`idle` when empty) or stops where
/// a person must act; prints the session and returns the exit code for how it ended.
pub(super) fn wait(
    client: &Client,
    id: u64,
    states: &[String],
    timeout: f64,
    form: super::Form,
) -> anyhow::Result<ExitCode> {
    let timeout = Duration::try_from_secs_f64(timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .context("--timeout must be a positive number of seconds")?;
    let deadline = Instant::now() + timeout;
    // No `state=` at all when none is named: the route's own default (ready, idle) applies.
    let states = match states {
        [] => String::new(),
        named => format!("state={}&", named.join(",")),
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = left.clamp(MIN_CHUNK, Duration::from_secs_f64(MAX_WAIT_SECS));
        let path = format!(
            "/api/v1/sessions/{id}/wait?{states}timeout={:.3}",
            chunk.as_secs_f64()
        );
        let value = client.call("GET", &path, None)?;
        let outcome = outcome(&value)?;
        if outcome != WaitOutcome::TimedOut || deadline <= Instant::now() + MIN_CHUNK {
            super::print(&value, form)?;
            return Ok(SendOutcome::from(outcome).exit_code());
        }
    }
}

fn outcome(value: &Value) -> anyhow::Result<WaitOutcome> {
    serde_json::from_value(value["outcome"].clone()).context("the API's answer has no outcome")
}

impl From<WaitOutcome> for SendOutcome {
    fn from(outcome: WaitOutcome) -> Self {
        match outcome {
            WaitOutcome::Reached => Self::Finished,
            WaitOutcome::TimedOut => Self::TimedOut,
            WaitOutcome::WaitingInput => Self::WaitingInput,
            WaitOutcome::Ended => Self::Ended,
            WaitOutcome::Error => Self::Error,
        }
    }
}
