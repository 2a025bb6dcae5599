//! Running a `[macros.NAME]` against a session, step by step: the first step that fails stops
//! it, and the report says which and why (see `config::macro_spec` for the steps).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::macro_spec::{MacroSpec, Step};
use crate::session::{Session, SessionState};

/// How often `expect` looks at the screen again while it waits.
const EXPECT_POLL: Duration = Duration::from_millis(100);
/// Most characters of a matched or last screen line a report quotes.
const QUOTE: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Passed,
    Failed,
    /// Not run: an earlier step failed.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepReport {
    /// The step as a person reads it: `wait idle`, `expect /passed/`.
    pub step: String,
    pub outcome: StepOutcome,
    /// What happened: the state a command ended in, the text matched, or why it failed.
    pub detail: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MacroReport {
    #[serde(rename = "macro")]
    pub name: String,
    pub ok: bool,
    pub steps: Vec<StepReport>,
}

impl MacroReport {
    /// One line for a status bar: passed, or the step that failed and why.
    pub fn summary(&self) -> String {
        match self
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.outcome == StepOutcome::Failed)
        {
            None => format!("macro {} passed ({} steps)", self.name, self.steps.len()),
            Some((i, s)) => format!(
                "macro {} failed at step {} ({}): {}",
                self.name,
                i + 1,
                s.step,
                s.detail
            ),
        }
    }
}

pub async fn run(session: &Session, name: &str, spec: &MacroSpec) -> MacroReport {
    let mut steps = Vec::with_capacity(spec.steps.len());
    let mut failed = false;
    for step in &spec.steps {
        if failed {
            steps.push(StepReport {
                step: step.to_string(),
                outcome: StepOutcome::Skipped,
                detail: "an earlier step failed".to_string(),
                duration_ms: 0,
            });
            continue;
        }
        let started = Instant::now();
        let result = run_step(session, step).await;
        failed = result.is_err();
        let (outcome, detail) = match result {
            Ok(detail) => (StepOutcome::Passed, detail),
            Err(detail) => (StepOutcome::Failed, detail),
        };
        steps.push(StepReport {
            step: step.to_string(),
            outcome,
            detail,
            duration_ms: started.elapsed().as_millis() as u64,
        });
    }
    MacroReport {
        name: name.to_string(),
        ok: !failed,
        steps,
    }
}

/// What the step did, or why it failed.
async fn run_step(session: &Session, step: &Step) -> Result<String, String> {
    match step {
        Step::Send { text, timeout } => {
            let result = session
                .send_command(text.clone(), *timeout)
                .await
                .map_err(|e| e.to_string())?;
            if result.timed_out {
                return Err(format!(
                    "still running after {}s (the step's timeout)",
                    timeout.as_secs_f64()
                ));
            }
            Ok(format!("{} after {} ms", result.state, result.duration_ms))
        }
        Step::Wait { state, timeout } => {
            let want = *state;
            let reached = session
                .wait_for_state(*timeout, |s| s == want || s == SessionState::Terminated)
                .await;
            match reached {
                Ok(s) if s == want => Ok(format!("reached {want}")),
                Ok(s) => Err(format!("the session is {s}; it will never be {want}")),
                Err(s) => Err(format!(
                    "still {s} after {}s, not {want}",
                    timeout.as_secs_f64()
                )),
            }
        }
        Step::Expect { pattern, timeout } => expect(session, pattern, *timeout).await,
        Step::Keys { names, chords } => {
            let bytes: Vec<u8> = chords.iter().flat_map(|c| c.to_bytes()).collect();
            session.send_input(bytes).await.map_err(|e| e.to_string())?;
            Ok(format!("pressed {names}"))
        }
    }
}

/// Looks for `pattern` on the screen until it shows or `timeout` passes; the match runs on
/// the blocking pool, as screen detection does.
async fn expect(
    session: &Session,
    pattern: &regex::Regex,
    timeout: Duration,
) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let text = session.terminal().lock().text();
        let looking = pattern.clone();
        let found = tokio::task::spawn_blocking(move || {
            let found = looking.find(&text).map(|m| quote(m.as_str()));
            let last = text.lines().rev().find(|l| !l.trim().is_empty()).map(quote);
            (found, last)
        })
        .await
        .map_err(|e| e.to_string())?;
        match found {
            (Some(matched), _) => return Ok(format!("found `{matched}`")),
            (None, last) if Instant::now() >= deadline => {
                let pattern = pattern.as_str();
                let last = last.unwrap_or_default();
                return Err(format!(
                    "no match for /{pattern}/ on the screen; its last line reads `{last}`"
                ));
            }
            _ => tokio::time::sleep(EXPECT_POLL).await,
        }
    }
}

fn quote(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
