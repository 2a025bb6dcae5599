//! The frames one client gets: for each session it shows, the rows of the screen that changed
//! since the frame before, at most `ui.frame_cap` times a second.
//!
//! Frames are pulled, not pushed: a session's output only marks it dirty (its parse thread
//! marks it after every chunk and wakes this loop), and a frame is drawn from the screen as it
//! stands when the client has room for one. The client acknowledges each frame once it has
//! taken it, and at most [`WINDOW`] frames are unacknowledged; a client that falls behind (a
//! busy tab, a slow link) simply gets its next frame later, computed against what it was last
//! sent, so it is the newest screen (all of it, if all of it changed) and never a backlog.
//! Output is never queued for a client, so a client can neither slow a session nor make the
//! server hold its output.
//!
//! A change to a quiet screen (an echo) goes at once, even while another session floods: the
//! frame cap spaces out each session's frames, it never delays a quiet one's first. While the
//! loop waits, such a frame is drawn and sent by the parse thread itself (`express.rs`). A
//! program in the middle of a synchronized update (`CSI ? 2026 h`) is not drawn half-way: its
//! screen is held back until the update ends or [`SYNC_LIMIT`].
//!
//! A tick's frame is read and diffed on the blocking pool, not on tokio's workers; a frame of
//! quiet sessions only is drawn where it was decided. What the frames are wrapped in (the
//! page's JSON, the socket's MessagePack) is the [`Painter`]'s; where they go, the [`Outlet`]'s.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::manager::Manager;
use crate::screen::diff::{Frame, Sent};
use crate::session::{ScreenListener, Session, SessionId, TerminalSize};

mod express;
mod marks;

pub use express::Outlet;
use express::Shared;
pub use marks::Typed;
use marks::{Dirty, Watched};

/// Frames a client may have unacknowledged.
pub const WINDOW: u64 = 2;
/// The fastest frame rate whatever the config says.
const MAX_FRAME_RATE: u32 = 240;
/// How long a screen mid-way through a synchronized update keeps showing its previous frame.
pub const SYNC_LIMIT: Duration = Duration::from_millis(150);

/// The sessions a client shows, at the size (in cells) it shows each.
pub type View = HashMap<SessionId, TerminalSize>;

/// Wraps a frame's screens in the client's message. Runs on the blocking pool, or on a parse
/// thread for an echo (see `express.rs`): it must not wait.
pub trait Painter: Send + 'static {
    type Message: Send + 'static;
    /// The message for frame number `frame`, or `None` when there is nothing to send. Called
    /// with no screens too when the session list changed.
    fn paint(&mut self, frame: u64, screens: Vec<(SessionId, Frame)>) -> Option<Self::Message>;
}

/// What a client tells the frame loop, and where its frames go.
pub struct Client<O> {
    /// The sessions it shows; the loop ends when this closes.
    pub view: watch::Receiver<View>,
    /// The last frame it has taken.
    pub acked: watch::Receiver<u64>,
    /// The sessions it has typed into since their last frame.
    pub typed: Arc<Typed>,
    pub out: O,
}

/// Everything the loop keeps between frames.
struct State<P> {
    painter: Option<P>,
    typed: Arc<Typed>,
    sent: HashMap<SessionId, Sent>,
    /// Sessions held back by a synchronized update, and when to look at them again.
    held: HashSet<SessionId>,
    recheck: Option<Instant>,
    /// When each session last had a frame (a look that found nothing changed does not count).
    drawn_at: HashMap<SessionId, Instant>,
}

/// Which dirty sessions a frame looks at.
#[derive(Clone, Copy)]
enum Due {
    /// The frame cap's tick: all of them.
    All,
    /// Between ticks: only those without a frame for an interval (an echo).
    Quiet(Duration),
}

impl<P> State<P> {
    /// Whether a change to session `id` may be drawn now, between ticks: it was typed into,
    /// or it has had no frame for an interval.
    /// Session `id` was sent a frame at `at`: its echo is drawn, its quiet begins again.
    fn framed(&mut self, id: SessionId, at: Instant) {
        self.drawn_at.insert(id, at);
        self.typed.drawn(id);
    }

    fn quiet(&self, id: SessionId, interval: Duration) -> bool {
        self.typed.contains(id)
            || self
                .drawn_at
                .get(&id)
                .is_none_or(|at| at.elapsed() >= interval)
    }
}

/// The loop's state between frames: lent to the parse threads while the loop waits.
pub struct Lent<P> {
    state: State<P>,
    /// The last frame number sent.
    frame: u64,
    /// The sessions the client shows.
    shown: View,
}

impl<P> Lent<P> {
    /// Whether the client has room for another frame: fewer than [`WINDOW`] unacknowledged.
    fn room(&self, acked: &watch::Receiver<u64>) -> bool {
        self.frame.saturating_sub(*acked.borrow()) < WINDOW
    }
}

/// What woke the frame loop.
enum Woke {
    Dirty,
    List { alive: bool },
    View { alive: bool },
    Acked { alive: bool },
    Recheck,
    Due,
}

/// Sends `client` frames for the sessions its view names until it goes (its `out` or `view`
/// closes).
pub async fn run<P: Painter, O: Outlet<Message = P::Message>>(
    manager: Manager,
    frame_cap: u32,
    client: Client<O>,
    painter: P,
) {
    let Client {
        mut view,
        acked,
        typed,
        out,
    } = client;
    let mut acks = acked.clone();
    let interval = Duration::from_secs(1) / frame_cap.clamp(1, MAX_FRAME_RATE);
    let shared = Arc::new(Shared {
        dirty: Dirty::default(),
        lent: Mutex::new(None),
        acked,
        out,
        interval,
    });
    let listener: Arc<dyn ScreenListener> = shared.clone();
    let mut watched = Watched::default();
    let mut changes = manager.changes();
    let mut lent = Lent {
        state: State {
            painter: Some(painter),
            typed,
            sent: HashMap::new(),
            held: HashSet::new(),
            recheck: None,
            drawn_at: HashMap::new(),
        },
        frame: 0,
        shown: View::new(),
    };
    let dirty = &shared.dirty;
    let mut list_dirty = true;
    let started = Instant::now();
    let mut next_frame = started;
    watched.sync(&manager.list(), &listener, dirty);
    loop {
        let work = list_dirty || !dirty.sessions.lock().is_empty();
        let quiet = dirty
            .sessions
            .lock()
            .iter()
            .any(|id| lent.shown.contains_key(id) && lent.state.quiet(*id, interval));
        // A deadline already past fires at once; `now` would wait for the timer's next
        // millisecond, as much again as the whole echo path.
        let due = if quiet { started } else { next_frame };
        let room = lent.room(&shared.acked);
        let recheck = lent.state.recheck;
        *shared.lent.lock() = Some(lent);
        let woke = tokio::select! {
            () = dirty.wake.notified() => Woke::Dirty,
            alive = changes.changed() => Woke::List { alive },
            changed = view.changed() => Woke::View { alive: changed.is_ok() },
            changed = acks.changed() => Woke::Acked { alive: changed.is_ok() },
            () = tokio::time::sleep_until(recheck.unwrap_or_else(Instant::now)), if recheck.is_some() => Woke::Recheck,
            () = tokio::time::sleep_until(due), if work && room => Woke::Due,
        };
        lent = shared
            .lent
            .lock()
            .take()
            .expect("the loop takes back what it lent");
        let state = &mut lent.state;
        match woke {
            Woke::Dirty => {}
            Woke::List { alive: false }
            | Woke::View { alive: false }
            | Woke::Acked { alive: false } => return,
            Woke::List { alive: true } => {
                let sessions = manager.list();
                watched.sync(&sessions, &listener, dirty);
                state
                    .sent
                    .retain(|id, _| sessions.iter().any(|s| s.id() == *id));
                state
                    .drawn_at
                    .retain(|id, _| sessions.iter().any(|s| s.id() == *id));
                list_dirty = true;
            }
            Woke::View { alive: true } => {
                let new = view.borrow_and_update().clone();
                for (id, size) in &new {
                    if lent.shown.get(id) != Some(size) {
                        state.sent.entry(*id).or_default().forget();
                        dirty.mark(*id);
                    }
                }
                state.sent.retain(|id, _| new.contains_key(id));
                lent.shown = new;
            }
            Woke::Acked { alive: true } => {}
            Woke::Recheck => {
                state.recheck = None;
                for id in std::mem::take(&mut state.held) {
                    dirty.mark(id);
                }
            }
            Woke::Due => {
                let number = lent.frame + 1;
                let which = if Instant::now() >= next_frame {
                    Due::All
                } else {
                    Due::Quiet(interval)
                };
                let message = draw(&manager, dirty, &lent.shown, state, number, which).await;
                if let Due::All = which {
                    list_dirty = false;
                    // Even a look that found nothing to send waits a frame before the next: a
                    // flood in a session the client does not show must not make this loop spin.
                    next_frame = Instant::now() + interval;
                }
                // Nothing visible changed: the frame number was not used.
                if let Some(message) = message {
                    lent.frame = number;
                    if !shared.out.send(message).await {
                        return;
                    }
                }
            }
        }
        if lent.state.painter.is_none() {
            return;
        }
    }
}

/// The next frame's message, if anything the client shows changed.
async fn draw<P: Painter>(
    manager: &Manager,
    dirty: &Dirty,
    shown: &View,
    state: &mut State<P>,
    frame: u64,
    which: Due,
) -> Option<P::Message> {
    let ids: Vec<SessionId> = {
        let mut marked = dirty.sessions.lock();
        let taken: Vec<SessionId> = marked
            .iter()
            .copied()
            .filter(|id| match which {
                Due::All => true,
                Due::Quiet(interval) => shown.contains_key(id) && state.quiet(*id, interval),
            })
            .collect();
        for id in &taken {
            marked.remove(id);
        }
        taken
            .into_iter()
            .filter(|id| shown.contains_key(id))
            .collect()
    };
    let jobs: Vec<(Session, Sent)> = ids
        .iter()
        .filter_map(|id| {
            let session = manager.get(*id).ok()?;
            Some((session, state.sent.remove(id).unwrap_or_default()))
        })
        .collect();
    // Between ticks, or at a tick that brings only keys' echoes, the frame is drawn here:
    // a few quiet screens, their locks free, and a blocking thread woken and waited for
    // would add two thread wake-ups to an echo. A tick's frame of busy screens is not.
    let here = matches!(which, Due::Quiet(_)) || ids.iter().all(|id| state.typed.contains(*id));
    let painter = state.painter.take()?;
    let drawn = if here {
        Some(render(painter, jobs, frame))
    } else {
        tokio::task::spawn_blocking(move || render(painter, jobs, frame))
            .await
            .ok()
    };
    let Rendered {
        painter,
        kept,
        framed,
        message,
    } = drawn?;
    let now = Instant::now();
    for id in framed {
        state.framed(id, now);
    }
    state.painter = Some(painter);
    for (id, last, held) in kept {
        state.sent.insert(id, last);
        if let Some(since) = held {
            // Mid-way through a synchronized update: looked at again when the hold runs out.
            state.held.insert(id);
            let at = Instant::from_std(since + SYNC_LIMIT);
            state.recheck = Some(state.recheck.map_or(at, |r| r.min(at)));
        }
    }
    message
}

/// What drawing a frame made: the painter back, what each session was sent (and, when it is
/// held back by a synchronized update, since when), the sessions framed and the message.
struct Rendered<P: Painter> {
    painter: P,
    kept: Vec<(SessionId, Sent, Option<std::time::Instant>)>,
    framed: Vec<SessionId>,
    message: Option<P::Message>,
}

/// Reads each session's screen and diffs it against what the client was last sent.
fn render<P: Painter>(mut painter: P, jobs: Vec<(Session, Sent)>, frame: u64) -> Rendered<P> {
    let mut screens = Vec::new();
    let mut kept = Vec::with_capacity(jobs.len());
    for (session, mut last) in jobs {
        let held = {
            let terminal = session.terminal().lock();
            match terminal.synchronized_since() {
                Some(since) if since.elapsed() < SYNC_LIMIT => Some(since),
                _ => {
                    if let Some(frame) = last.frame(&terminal) {
                        screens.push((session.id(), frame));
                    }
                    None
                }
            }
        };
        kept.push((session.id(), last, held));
    }
    let framed: Vec<SessionId> = screens.iter().map(|(id, _)| *id).collect();
    let message = painter.paint(frame, screens);
    Rendered {
        painter,
        kept,
        framed,
        message,
    }
}
