//! A client's screens: frames of the attached workspace's sessions (drawn by
//! `crate::screen::schedule`, sent as MessagePack), and its reads of their history — a page,
//! a search, a selection's text — answered one at a time, off the async workers.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::manager::Manager;
use crate::protocol::ServerMessage;
use crate::screen::Frame;
use crate::screen::history::{self, Direction, MAX_NEEDLE, Point};
use crate::screen::schedule::{self, Outlet, Painter, View};
use crate::server::outbox::Outbox;
use crate::session::{Session, SessionId};

/// History reads a client may have waiting; one past this is refused with a notice.
const READ_QUEUE: usize = 4;
/// The most text a selection copies: well inside a protocol frame.
const MAX_COPY: usize = 16 * 1024 * 1024;

/// A read of a session's history.
#[derive(Debug)]
pub enum Read {
    Page {
        offset: usize,
    },
    Search {
        needle: String,
        offset: usize,
        direction: Direction,
    },
    Copy {
        from: Point,
        to: Point,
    },
}

/// The socket's outbox takes frames from the frame loop and, for an echo, from a parse thread.
impl Outlet for Outbox {
    type Message = ServerMessage;

    fn try_send(&self, message: ServerMessage) -> bool {
        Outbox::try_send(self, message).is_ok()
    }

    async fn send(&self, message: ServerMessage) -> bool {
        Outbox::send(self, message).await.is_ok()
    }
}

/// Frames as socket messages.
struct SocketPainter;

impl Painter for SocketPainter {
    type Message = ServerMessage;

    fn paint(&mut self, frame: u64, screens: Vec<(SessionId, Frame)>) -> Option<ServerMessage> {
        (!screens.is_empty()).then_some(ServerMessage::Frame { frame, screens })
    }
}

pub struct Screens {
    view: watch::Sender<View>,
    acked: watch::Sender<u64>,
    /// Sessions this client typed into: their echo's frame goes at once.
    pub typed: Arc<schedule::Typed>,
    reads: mpsc::Sender<(Session, Read)>,
    tasks: [JoinHandle<()>; 2],
}

impl Screens {
    pub fn start(manager: Manager, frame_cap: u32, out: Outbox) -> Self {
        let (view, viewed) = watch::channel(View::new());
        let (acked, acks) = watch::channel(0u64);
        let typed = Arc::new(schedule::Typed::default());
        let client = schedule::Client {
            view: viewed,
            acked: acks,
            typed: typed.clone(),
            out: out.clone(),
        };
        let frames = tokio::spawn(schedule::run(manager, frame_cap, client, SocketPainter));
        let (reads, queued) = mpsc::channel(READ_QUEUE);
        let reader = tokio::spawn(answer_reads(queued, out));
        Self {
            view,
            acked,
            typed,
            reads,
            tasks: [frames, reader],
        }
    }

    /// The client shows these sessions now (and no others).
    pub fn show(&self, sessions: &[Session]) {
        let view: View = sessions
            .iter()
            .map(|s| (s.id(), s.terminal_size()))
            .collect();
        self.view.send_if_modified(|shown| {
            let changed = *shown != view;
            *shown = view;
            changed
        });
    }

    /// The client has taken every frame up to `frame`.
    pub fn taken(&self, frame: u64) {
        self.acked.send_if_modified(|last| {
            let newer = frame > *last;
            *last = (*last).max(frame);
            newer
        });
    }

    /// Queues a read; false when the client already has [`READ_QUEUE`] waiting.
    pub fn read(&self, session: Session, read: Read) -> bool {
        self.reads.try_send((session, read)).is_ok()
    }
}

impl Drop for Screens {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn answer_reads(mut queued: mpsc::Receiver<(Session, Read)>, out: Outbox) {
    while let Some((session, read)) = queued.recv().await {
        let answer = tokio::task::spawn_blocking(move || answer(&session, read)).await;
        let Ok(answer) = answer else { continue };
        if out.send(answer).await.is_err() {
            return;
        }
    }
}

fn answer(session: &Session, read: Read) -> ServerMessage {
    let terminal = session.terminal().lock();
    let id = session.id();
    match read {
        Read::Page { offset } => ServerMessage::Page {
            session: id,
            offset,
            rows: history::page(&terminal, offset),
        },
        Read::Search {
            needle,
            offset,
            direction,
        } => {
            let offset = history::search(&terminal, &needle, offset, direction);
            let needle: String = needle.chars().take(MAX_NEEDLE).collect();
            ServerMessage::Found {
                session: id,
                needle,
                offset,
            }
        }
        Read::Copy { from, to } => {
            let mut text = history::text(&terminal, from, to);
            if text.len() > MAX_COPY {
                let mut end = MAX_COPY;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            ServerMessage::Copied { text }
        }
    }
}
