//! Panes that want the user: one that finished a command or asks something while unfocused
//! flashes its title for a moment, then keeps a steady mark until it is focused. The flash is
//! bounded so that an ignored pane costs no redraws.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::session::SessionId;

/// How long a mark flashes before it holds still.
pub const FLASH_FOR: Duration = Duration::from_secs(2);
/// Half a blink: the mark is lit for one phase, dim for the next.
const PHASE: Duration = Duration::from_millis(250);

/// How a pane's mark looks at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    None,
    Lit,
    Dim,
}

#[derive(Debug, Default)]
pub struct Attention {
    since: HashMap<SessionId, Instant>,
}

impl Attention {
    /// Marks a pane; a new reason restarts its flash.
    pub fn raise(&mut self, id: SessionId, now: Instant) {
        self.since.insert(id, now);
    }

    pub fn clear(&mut self, id: SessionId) {
        self.since.remove(&id);
    }

    pub fn mark(&self, id: SessionId, now: Instant) -> Mark {
        match self.since.get(&id) {
            None => Mark::None,
            Some(&since) => match flash_phase(since, now) {
                Some(phase) if phase % 2 == 1 => Mark::Dim,
                _ => Mark::Lit,
            },
        }
    }

    /// When some flashing mark changes next; `None` once every mark holds still.
    pub fn next_change(&self, now: Instant) -> Option<Instant> {
        self.since
            .values()
            .filter_map(|&since| Some(since + PHASE * (flash_phase(since, now)? + 1)))
            .min()
    }
}

/// Which phase of its flash a mark raised at `since` is in, or `None` once it stopped.
fn flash_phase(since: Instant, now: Instant) -> Option<u32> {
    let elapsed = now.saturating_duration_since(since);
    (elapsed < FLASH_FOR).then(|| (elapsed.as_millis() / PHASE.as_millis()) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_blinks_then_holds_still_until_cleared() {
        let (mut attention, id, t0) = (Attention::default(), SessionId(1), Instant::now());
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(attention.mark(id, t0), Mark::None);
        attention.raise(id, t0);
        assert_eq!(attention.mark(id, at(0)), Mark::Lit);
        assert_eq!(attention.mark(id, at(260)), Mark::Dim);
        assert_eq!(attention.mark(id, at(510)), Mark::Lit);
        assert_eq!(attention.next_change(at(260)), Some(at(500)));
        assert_eq!(attention.mark(id, at(1800)), Mark::Dim);
        assert_eq!(attention.next_change(at(1800)), Some(at(2000)));
        assert_eq!(attention.mark(id, at(2000)), Mark::Lit);
        assert_eq!(attention.mark(id, at(60_000)), Mark::Lit);
        assert_eq!(
            attention.next_change(at(2000)),
            None,
            "a still mark needs no redraw"
        );
        attention.clear(id);
        assert_eq!(attention.mark(id, at(60_000)), Mark::None);
    }
}
