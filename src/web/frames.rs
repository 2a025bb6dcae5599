//! The frames one page gets: the session list and, for each session it shows, the rows of the
//! screen that changed since the frame before, at most `ui.frame_cap` times a second.
//!
//! Frames are pulled, not pushed: a session's output only marks it dirty (its status watch
//! wakes on every read), and a frame is drawn from the screen as it stands when the page has
//! room for one. The page acknowledges each frame once it has drawn it, and at most [`WINDOW`]
//! frames are unacknowledged; a page that falls behind (a busy tab, a slow link) simply gets
//! its next frame later, computed against what it was last sent, so it is the newest screen
//! (all of it, if all of it changed) and never a backlog. Output is never queued for a page,
//! so a page can neither slow a session nor make the server hold its output.
//!
//! Reading the screen and diffing run on the blocking pool, not on tokio's workers.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::manager::Manager;
use crate::session::{Session, SessionId, TerminalSize};
use crate::web::screen::{self, Frame, Sent};

/// Frames a page may have unacknowledged.
pub const WINDOW: u64 = 2;
/// The fastest frame rate whatever the config says.
const MAX_FRAME_RATE: u32 = 240;

/// The sessions a page shows, at the size (in cells) it shows each.
pub type View = HashMap<SessionId, TerminalSize>;

/// Sessions whose status (and so, maybe, screen) changed since their last frame.
#[derive(Default)]
struct Dirty {
    sessions: Mutex<HashSet<SessionId>>,
    wake: Notify,
}

impl Dirty {
    /// Wakes the frame loop only for a session not already dirty: a flood changes the
    /// status thousands of times a second.
    fn mark(&self, id: SessionId) {
        if self.sessions.lock().insert(id) {
            self.wake.notify_one();
        }
    }
}

/// One watcher task per session, marking it dirty on every status change; aborted when the
/// page goes.
#[derive(Default)]
struct Watchers(HashMap<SessionId, JoinHandle<()>>);

impl Watchers {
    /// Watches the sessions in `sessions` not yet watched; stops watching the ones gone.
    fn sync(&mut self, sessions: &[Session], dirty: &Arc<Dirty>) {
        let ids: HashSet<SessionId> = sessions.iter().map(Session::id).collect();
        self.0.retain(|id, task| {
            let keep = ids.contains(id);
            if !keep {
                task.abort();
            }
            keep
        });
        for session in sessions {
            let id = session.id();
            if self.0.contains_key(&id) {
                continue;
            }
            let mut status = session.watch_status();
            let marks = dirty.clone();
            let task = tokio::spawn(async move {
                while status.changed().await.is_ok() {
                    marks.mark(id);
                }
            });
            self.0.insert(id, task);
            dirty.mark(id);
        }
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for task in self.0.values() {
            task.abort();
        }
    }
}

#[derive(Serialize)]
struct FrameMessage {
    r#type: &'static str,
    frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions: Option<Value>,
    screens: Vec<ScreenFrame>,
}

#[derive(Serialize)]
struct ScreenFrame {
    session: SessionId,
    #[serde(flatten)]
    frame: Frame,
}

/// Sends `out` frames for the sessions `view` names until the page goes (`out` or `view`
/// closes). `acked` is the last frame the page has drawn.
pub async fn run(
    manager: Manager,
    frame_cap: u32,
    mut view: watch::Receiver<View>,
    mut acked: watch::Receiver<u64>,
    out: mpsc::Sender<Message>,
) {
    let interval = Duration::from_secs(1) / frame_cap.clamp(1, MAX_FRAME_RATE);
    let dirty = Arc::new(Dirty::default());
    let mut watchers = Watchers::default();
    let mut changes = manager.changes();
    let mut sent: HashMap<SessionId, Sent> = HashMap::new();
    let mut shown = View::new();
    let mut last_list: Option<Value> = None;
    let mut list_dirty = true;
    let mut frame = 0u64;
    let mut next_frame = Instant::now();
    watchers.sync(&manager.list(), &dirty);
    loop {
        let work = list_dirty || !dirty.sessions.lock().is_empty();
        let room = frame.saturating_sub(*acked.borrow()) < WINDOW;
        tokio::select! {
            () = dirty.wake.notified() => {}
            alive = changes.changed() => {
                if !alive {
                    return;
                }
                let sessions = manager.list();
                watchers.sync(&sessions, &dirty);
                sent.retain(|id, _| sessions.iter().any(|s| s.id() == *id));
                list_dirty = true;
            }
            changed = view.changed() => {
                if changed.is_err() {
                    return;
                }
                let new = view.borrow_and_update().clone();
                for (id, size) in &new {
                    if shown.get(id) != Some(size) {
                        sent.entry(*id).or_default().forget();
                        dirty.mark(*id);
                    }
                }
                sent.retain(|id, _| new.contains_key(id));
                shown = new;
            }
            changed = acked.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep_until(next_frame), if work && room => {
                frame += 1;
                let message = draw(&manager, &dirty, &shown, &mut sent, &mut last_list, frame).await;
                list_dirty = false;
                // Even a look that found nothing to send waits a frame before the next: a
                // flood in a session the page does not show must not make this loop spin.
                next_frame = Instant::now() + interval;
                match message {
                    Some(text) => {
                        if out.send(Message::Text(text.into())).await.is_err() {
                            return;
                        }
                    }
                    // Nothing visible changed: the frame number was not used.
                    None => frame -= 1,
                }
            }
        }
    }
}

/// The next frame's message, if anything the page shows changed.
async fn draw(
    manager: &Manager,
    dirty: &Dirty,
    shown: &View,
    sent: &mut HashMap<SessionId, Sent>,
    last_list: &mut Option<Value>,
    frame: u64,
) -> Option<String> {
    let ids: Vec<SessionId> = std::mem::take(&mut *dirty.sessions.lock())
        .into_iter()
        .filter(|id| shown.contains_key(id))
        .collect();
    let jobs: Vec<(Session, Sent)> = ids
        .iter()
        .filter_map(|id| Some((manager.get(*id).ok()?, sent.remove(id).unwrap_or_default())))
        .collect();
    let sessions = manager.list();
    let drawn = tokio::task::spawn_blocking(move || {
        let list = session_list(&sessions);
        let drawn: Vec<(SessionId, Sent, Option<Frame>)> = jobs
            .into_iter()
            .map(|(session, mut last)| {
                let styled = screen::styled(session.terminal().lock().screen());
                let frame = last.frame(styled);
                (session.id(), last, frame)
            })
            .collect();
        (list, drawn)
    })
    .await;
    let Ok((list, drawn)) = drawn else {
        return None;
    };
    let mut screens = Vec::new();
    for (id, last, frame) in drawn {
        sent.insert(id, last);
        if let Some(frame) = frame {
            screens.push(ScreenFrame { session: id, frame });
        }
    }
    let sessions = (last_list.as_ref() != Some(&list)).then(|| list.clone());
    if sessions.is_none() && screens.is_empty() {
        return None;
    }
    *last_list = Some(list);
    let message = FrameMessage {
        r#type: "frame",
        frame,
        sessions,
        screens,
    };
    serde_json::to_string(&message).ok()
}

/// Every session's info, without the counters that change with each read (the page does not
/// show them, and they would resend the list on every frame of a flood).
fn session_list(sessions: &[Session]) -> Value {
    let list = sessions
        .iter()
        .filter_map(|s| {
            let mut info = serde_json::to_value(s.info()).ok()?;
            if let Some(fields) = info.as_object_mut() {
                fields.remove("bytes_read");
                fields.remove("last_activity");
            }
            Some(info)
        })
        .collect();
    Value::Array(list)
}
