//! Who is told, on the parse thread itself, that a session's screen changed.
//!
//! Whoever draws frames of the screen (`crate::screen::schedule`) registers a listener; the
//! parse thread calls every live one after each chunk it parsed. No task sits between the
//! parse and the one that draws: an echo's frame is one wake-up away from its output.

use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::ids::SessionId;
use crate::session::terminal::Terminal;

/// Told that session `id`'s screen changed, and shown it. Called on a parse thread, after
/// every chunk, with the terminal locked: it must be quick and must not wait (mark, and wake
/// whoever draws; or draw an echo's frame from `terminal` and hand it on without waiting).
pub trait ScreenListener: Send + Sync {
    fn screen_changed(&self, id: SessionId, terminal: &Terminal);
}

/// A session's listeners, held weakly: a listener that is gone is forgotten at the next change.
#[derive(Clone, Default)]
pub struct ScreenListeners(Arc<Mutex<Vec<Weak<dyn ScreenListener>>>>);

impl ScreenListeners {
    pub fn add(&self, listener: Weak<dyn ScreenListener>) {
        self.0.lock().push(listener);
    }

    /// Tells every live listener that session `id`'s screen changed to `terminal`'s.
    pub fn tell(&self, id: SessionId, terminal: &Terminal) {
        self.0.lock().retain(|listener| match listener.upgrade() {
            Some(listener) => {
                listener.screen_changed(id, terminal);
                true
            }
            None => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::ids::TerminalSize;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl ScreenListener for Count {
        fn screen_changed(&self, _: SessionId, _: &Terminal) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn live_listeners_are_told_and_gone_ones_forgotten() {
        let listeners = ScreenListeners::default();
        let kept = Arc::new(Count::default());
        let gone = Arc::new(Count::default());
        let as_listener = |c: &Arc<Count>| Arc::downgrade(c) as Weak<dyn ScreenListener>;
        listeners.add(as_listener(&kept));
        listeners.add(as_listener(&gone));
        drop(gone);
        let terminal = Terminal::new(TerminalSize { cols: 10, rows: 2 }, 0);
        listeners.tell(SessionId(1), &terminal);
        listeners.tell(SessionId(1), &terminal);
        assert_eq!(kept.0.load(Ordering::Relaxed), 2);
        assert_eq!(listeners.0.lock().len(), 1);
    }
}
