//! An echo's frame drawn and sent on the parse thread that parsed it.
//!
//! While the frame loop waits it lends its state here. When a session's screen changes and
//! the session is quiet (typed into, or without a frame for two intervals), the client has
//! room for a frame and the program is not mid-way through a synchronized update, the parse
//! thread diffs the screen it still holds locked and hands the frame to the client's outlet
//! without waiting — no task is woken between the echo and the socket. Anything else (the
//! loop busy, a flood, no room, a full outlet) only marks the session dirty for the loop.

use std::future::Future;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::screen::schedule::{Dirty, Lent, Painter};
use crate::session::{ScreenListener, SessionId, Terminal};

/// Where a client's frames go: sent from the frame loop, or from a parse thread without
/// waiting.
pub trait Outlet: Send + Sync + 'static {
    type Message: Send + 'static;
    /// Sends without waiting; false when the message was not taken (full, or closed).
    fn try_send(&self, message: Self::Message) -> bool;
    /// Sends, waiting for room; false once the client is gone.
    fn send(&self, message: Self::Message) -> impl Future<Output = bool> + Send;
}

impl<M: Send + 'static> Outlet for mpsc::Sender<M> {
    type Message = M;

    fn try_send(&self, message: M) -> bool {
        mpsc::Sender::try_send(self, message).is_ok()
    }

    async fn send(&self, message: M) -> bool {
        mpsc::Sender::send(self, message).await.is_ok()
    }
}

/// What the frame loop shares with the parse threads of the sessions its client shows.
pub struct Shared<P: Painter, O> {
    pub dirty: Dirty,
    /// The loop's state while it waits; `None` while it works.
    pub lent: Mutex<Option<Lent<P>>>,
    pub acked: watch::Receiver<u64>,
    pub out: O,
    pub interval: Duration,
}

impl<P: Painter, O: Outlet<Message = P::Message>> ScreenListener for Shared<P, O> {
    fn screen_changed(&self, id: SessionId, terminal: &Terminal) {
        if !self.express(id, terminal) {
            self.dirty.mark(id);
        }
    }
}

impl<P: Painter, O: Outlet<Message = P::Message>> Shared<P, O> {
    /// Draws and sends session `id`'s frame now when it may go at once; false when it is
    /// the loop's to draw.
    fn express(&self, id: SessionId, terminal: &Terminal) -> bool {
        let Some(mut lent) = self.lent.try_lock() else {
            return false;
        };
        let Some(lent) = lent.as_mut() else {
            return false;
        };
        let ready = lent.shown.contains_key(&id)
            // Quiet for two intervals, not one: a flood is drawn by the loop's ticks one
            // interval apart, and a frame sent here just before a tick would double its frames.
            && lent.state.quiet(id, 2 * self.interval)
            && lent.room(&self.acked)
            && terminal.synchronized_since().is_none();
        let state = &mut lent.state;
        let (true, Some(painter)) = (ready, state.painter.as_mut()) else {
            return false;
        };
        let sent = state.sent.entry(id).or_default();
        let Some(frame) = sent.frame(terminal) else {
            return true;
        };
        let number = lent.frame + 1;
        let Some(message) = painter.paint(number, vec![(id, frame)]) else {
            return true;
        };
        if !self.out.try_send(message) {
            // The client gets the whole screen from the loop instead.
            sent.forget();
            return false;
        }
        lent.frame = number;
        state.framed(id, Instant::now());
        true
    }
}
