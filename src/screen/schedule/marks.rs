//! What the frame loop keeps track of between frames: the sessions a client typed into, the
//! sessions whose screens changed, and the sessions whose parse threads it listens to.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::session::{ScreenListener, Session, SessionId};

/// Sessions a client typed into: the frame that brings a key's echo is due at once, however
/// soon after the last one (the keystroke path never waits for a frame tick).
#[derive(Default)]
pub struct Typed(Mutex<HashSet<SessionId>>);

impl Typed {
    pub fn mark(&self, id: SessionId) {
        self.0.lock().insert(id);
    }

    pub(super) fn contains(&self, id: SessionId) -> bool {
        self.0.lock().contains(&id)
    }

    pub(super) fn drawn(&self, id: SessionId) {
        self.0.lock().remove(&id);
    }
}

/// Sessions whose screen changed since their last frame, marked by their parse threads.
#[derive(Default)]
pub struct Dirty {
    pub(super) sessions: Mutex<HashSet<SessionId>>,
    pub(super) wake: Notify,
}

impl Dirty {
    /// Wakes the frame loop only for a session not already dirty: a flood changes the
    /// screen thousands of times a second.
    pub(super) fn mark(&self, id: SessionId) {
        if self.sessions.lock().insert(id) {
            self.wake.notify_one();
        }
    }
}

/// The sessions whose screens the loop's listener hears of: each session holds it weakly, so it
/// is let go when the client goes.
#[derive(Default)]
pub(super) struct Watched(HashSet<SessionId>);

impl Watched {
    /// Tells `listener` of the sessions in `sessions` not yet listened to (and marks them
    /// dirty: the client has not seen them); forgets the ones gone.
    pub(super) fn sync(
        &mut self,
        sessions: &[Session],
        listener: &Arc<dyn ScreenListener>,
        dirty: &Dirty,
    ) {
        self.0.retain(|id| sessions.iter().any(|s| s.id() == *id));
        for session in sessions {
            if self.0.insert(session.id()) {
                session.listen_screen(Arc::downgrade(listener));
                dirty.mark(session.id());
            }
        }
    }
}
