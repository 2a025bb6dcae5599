//! A usage limit the screen reports (`waiting_input`, reason `usage limit · resets 3pm`): when
//! it lifts (`SessionStatus::resets_at`), and the opt-in `[claude] continue_after_limit`
//! prompt typed once that time has passed.

use std::time::{Duration, Instant};

use chrono::{DateTime, Local, NaiveTime, TimeZone, Utc};
use regex::Regex;

use super::*;

/// How long after the announced reset the prompt is typed: the limit lifts on the server's
/// clock, not ours.
const AFTER_RESET: Duration = Duration::from_secs(10);

/// The session's limit, and the prompt to continue with.
pub(super) struct Limit {
    prompt: Option<String>,
    /// The reset a prompt is scheduled for, and when to type it.
    due: Option<(DateTime<Utc>, Instant)>,
    /// The reset the prompt was typed for: once per limit.
    sent_for: Option<DateTime<Utc>>,
}

impl Limit {
    pub(super) fn new(prompt: Option<String>) -> Self {
        Self {
            prompt: prompt.filter(|p| !p.trim().is_empty()),
            due: None,
            sent_for: None,
        }
    }

    pub(super) fn next_due(&self) -> Option<Instant> {
        self.due.map(|(_, at)| at)
    }
}

impl Actor {
    /// The screen's verdict named when a limit lifts (`resets`, as the program wrote it).
    pub(super) fn note_limit(&mut self, resets: Option<&str>, now: Instant) {
        if self.machine.state() != SessionState::WaitingInput {
            return;
        }
        let Some(at) = resets.and_then(|text| reset_time(text, Local::now())) else {
            return;
        };
        if self.status.borrow().resets_at != Some(at) {
            self.status.send_modify(|s| s.resets_at = Some(at));
            self.notifier.info_changed(self.id);
        }
        let scheduled = self.limit.due.is_some_and(|(r, _)| r == at);
        if self.limit.prompt.is_none() || scheduled || self.limit.sent_for == Some(at) {
            return;
        }
        let wait = (at - Utc::now()).to_std().unwrap_or_default() + AFTER_RESET;
        self.limit.due = Some((at, now + wait));
        self.system(format!(
            "usage limit: will type the continue prompt after {at}"
        ));
    }

    /// The reset time has passed: types the prompt if the session still waits on that limit.
    pub(super) fn continue_after_limit(&mut self, now: Instant) {
        let Some((at, _)) = self.limit.due.take() else {
            return;
        };
        let waiting = self.machine.state() == SessionState::WaitingInput
            && self.status.borrow().resets_at == Some(at);
        let Some(prompt) = self.limit.prompt.clone().filter(|_| waiting) else {
            return;
        };
        self.limit.sent_for = Some(at);
        self.system(format!("usage limit lifted at {at}: typing {prompt:?}"));
        if self.write(prompt.clone().into_bytes(), prompt).is_ok() {
            self.timers.enter = Some(now + self.detector.profile().enter_delay);
        }
    }
}

/// `reason` with a reset time written as an epoch (older CLIs) read as the time of day it
/// is here: `usage limit · resets 14:05`.
pub(super) fn readable(reason: String, resets: Option<&str>) -> String {
    let epoch = resets.filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()));
    match epoch.and_then(|e| Some((e, reset_time(e, Local::now())?))) {
        Some((epoch, at)) => {
            let clock = at.with_timezone(&Local).format("%H:%M").to_string();
            reason.replace(epoch, &clock)
        }
        None => reason,
    }
}

/// When a limit written as `text` lifts: an epoch (`1700000000`), or a time of day (`3pm`,
/// `12:50am`, `15:00`), the next one after `now` on this machine's clock (a zone the program
/// names, `(America/Los_Angeles)`, is not converted).
pub fn reset_time(text: &str, now: DateTime<Local>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(epoch) = text
        .parse::<i64>()
        .map_err(drop)
        .and_then(|e| if text.len() >= 9 { Ok(e) } else { Err(()) })
    {
        return Utc.timestamp_opt(epoch, 0).single();
    }
    let clock = Regex::new(r"(?i)^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?").expect("valid clock");
    let caps = clock.captures(text)?;
    let mut hour: u32 = caps[1].parse().ok()?;
    let minute: u32 = caps.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
    match caps.get(3).map(|m| m.as_str().to_ascii_lowercase()) {
        Some(_) if hour == 0 || hour > 12 => return None,
        Some(half) => hour = hour % 12 + if half == "pm" { 12 } else { 0 },
        None if caps.get(2).is_none() => return None,
        None => {}
    }
    let time = NaiveTime::from_hms_opt(hour, minute, 0)?;
    let today = now.date_naive().and_time(time);
    let at = Local.from_local_datetime(&today).earliest()?;
    let at = if at <= now {
        at + chrono::Duration::days(1)
    } else {
        at
    };
    Some(at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_times_read_as_the_next_such_time_or_an_epoch() {
        let now = Local.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap();
        let local = |d, h, m| {
            Local
                .with_ymd_and_hms(2026, 12, d, h, m, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        assert_eq!(reset_time("3pm", now), Some(local(7, 15, 0)));
        assert_eq!(
            reset_time("12:50am (America/Los_Angeles)", now),
            Some(local(8, 0, 50))
        );
        assert_eq!(reset_time("11:30am", now), Some(local(8, 11, 30)));
        assert_eq!(reset_time("15:45", now), Some(local(7, 15, 45)));
        assert_eq!(
            reset_time("1700000000", now).unwrap().timestamp(),
            1_700_000_000
        );
        for bad in ["soon", "13pm", "3"] {
            assert_eq!(reset_time(bad, now), None, "{bad}");
        }
    }
}
