//! Streaming one session's terminal to one client, with a window of unacknowledged bytes.
//!
//! All of a client's sessions share one connection, read in order. Without a limit, a session
//! printing a flood would fill that connection, and the echo of a key typed into another pane
//! would wait behind megabytes of someone else's output (tmux here: ~90 ms). So each session
//! may have at most [`WINDOW`] bytes of output on their way to a client; the client says when
//! it has taken them (`ClientMessage::Consumed`). A session past its window waits; its stream
//! then leaves it behind and it starts over from a fresh replay, so a flood costs the client
//! bounded work and never delays another pane by more than a window's parsing.

use std::sync::Arc;

use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::protocol::ServerMessage;
use crate::session::{Session, StreamItem, TerminalSize};

/// Output bytes of one session a client may have unacknowledged: a few milliseconds of parsing.
pub const WINDOW: usize = 128 * 1024;
/// Output gathered into one message at most.
const MAX_MESSAGE: usize = 64 * 1024;

/// A running stream of one session to one client.
pub struct Forwarder {
    task: JoinHandle<()>,
    window: Arc<Semaphore>,
}

impl Forwarder {
    pub fn start(session: Session, out: mpsc::Sender<ServerMessage>) -> Self {
        let window = Arc::new(Semaphore::new(WINDOW));
        let task = tokio::spawn(forward(session, out, window.clone()));
        Self { task, window }
    }

    /// The client took `bytes` of this session's output. Never opens the window past its size,
    /// whatever a client claims.
    pub fn consumed(&self, bytes: usize) {
        let room = WINDOW.saturating_sub(self.window.available_permits());
        self.window.add_permits(bytes.min(room));
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A replay, then every change, and a fresh replay whenever the client fell too far behind.
async fn forward(session: Session, out: mpsc::Sender<ServerMessage>, window: Arc<Semaphore>) {
    let id = session.id();
    loop {
        // Off the async workers: a replay may capture the history a flood deferred.
        let viewed = session.clone();
        let Ok(view) = tokio::task::spawn_blocking(move || viewed.view_terminal()).await else {
            return;
        };
        let replay = ServerMessage::Replay {
            session: id,
            size: view.size,
            bytes: view.replay,
        };
        if out.send(replay).await.is_err() {
            return;
        }
        let mut stream = view.stream;
        loop {
            let message = match stream.recv().await {
                Ok(StreamItem::Output(bytes)) => {
                    // Chunks that queued up meanwhile go as one message: a PTY hands out
                    // reads of a few KiB, and a message each would be thousands a second.
                    let mut bytes = bytes.to_vec();
                    let resized = coalesce(&mut stream, &mut bytes);
                    let cost = bytes.len().min(WINDOW) as u32;
                    let Ok(permits) = window.acquire_many(cost).await else {
                        return;
                    };
                    permits.forget();
                    let output = ServerMessage::Output { session: id, bytes };
                    match resized {
                        Gathered::All => output,
                        Gathered::UpToResize(size) => {
                            if out.send(output).await.is_err() {
                                return;
                            }
                            ServerMessage::Resized { session: id, size }
                        }
                        Gathered::UpToLag => {
                            let _ = out.send(output).await;
                            break;
                        }
                    }
                }
                Ok(StreamItem::Resized(size)) => ServerMessage::Resized { session: id, size },
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if out.send(message).await.is_err() {
                return;
            }
        }
    }
}

/// How far [`coalesce`] got.
enum Gathered {
    /// Everything waiting, or a message's worth.
    All,
    /// The output before a resize, which must follow it.
    UpToResize(TerminalSize),
    /// The output before the stream left this viewer behind.
    UpToLag,
}

/// Appends the output already waiting in `stream` to `bytes`, up to [`MAX_MESSAGE`].
fn coalesce(stream: &mut broadcast::Receiver<StreamItem>, bytes: &mut Vec<u8>) -> Gathered {
    while bytes.len() < MAX_MESSAGE {
        match stream.try_recv() {
            Ok(StreamItem::Output(more)) => bytes.extend_from_slice(&more),
            Ok(StreamItem::Resized(size)) => return Gathered::UpToResize(size),
            Err(broadcast::error::TryRecvError::Lagged(_)) => return Gathered::UpToLag,
            Err(_) => return Gathered::All,
        }
    }
    Gathered::All
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::manager::{Manager, ManagerConfig};
    use crate::session::Ending;
    use crate::session::{SessionConfig, TaskId};

    /// Output bytes that arrive until none has come for `quiet` (waiting up to 10 s for the
    /// first).
    async fn received(out: &mut mpsc::Receiver<ServerMessage>, quiet: Duration) -> usize {
        let mut total = 0;
        let mut wait = Duration::from_secs(10);
        while let Ok(Some(message)) = tokio::time::timeout(wait, out.recv()).await {
            if let ServerMessage::Output { bytes, .. } = message {
                total += bytes.len();
                wait = quiet;
            }
        }
        total
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_gets_no_more_than_a_window_of_output_it_has_not_taken() {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager::new(ManagerConfig::default()).expect("the manager starts");
        let config = SessionConfig::new(TaskId::new("flood").unwrap(), dir.path())
            .with_command([
                "python3",
                "-c",
                "import sys, time\nwhile True:\n    print('x' * 1000, flush=True)\n    time.sleep(0.001)",
            ]);
        let session = manager.create_session(config).await.unwrap();
        let (out, mut queued) = mpsc::channel(10_000);
        let forwarder = Forwarder::start(session.clone(), out);
        let first = received(&mut queued, Duration::from_millis(500)).await;
        assert!(first > 0 && first <= WINDOW, "{first} bytes");
        forwarder.consumed(usize::MAX);
        let more = received(&mut queued, Duration::from_millis(500)).await;
        assert!(
            more > 0 && first + more <= 2 * WINDOW,
            "a claim past the window opens no more than one window: {first} + {more}"
        );
        session.terminate(Ending::Forced).await;
    }
}
