//! Writing every session's PTY master by readiness, on the runtime's one poller (tokio's I/O
//! driver), instead of a writer thread per session; reading it is its parse thread's (see
//! `parse_pool.rs`), which parses what it reads with no hand-off.
//!
//! Invariants:
//! - A write takes what the PTY accepts without waiting, so it never holds up a tokio worker.
//! - Input is written in the order it was queued, as the program reads it; the queue stays
//!   bounded by `input.rs`. Once the PTY fails (the program is gone) the writer gives up and
//!   later input is refused as [`SessionError::Ended`](crate::session::SessionError).
//! - Reading and writing end when the session drops its [`Stop`], even if a process that left
//!   the session still holds the terminal open (the master would then never report EOF).

use std::fs::File;
use std::io::{ErrorKind, Write};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, watch};

use crate::session::input::InputReceiver;
use crate::session::parse_pool::{Reading, Shard};
use crate::session::pty_io::{Chunk, Parser};

/// Dropped when the session ends, which ends the reading and writing of its PTY.
pub struct Stop {
    _writing: watch::Sender<()>,
    _reading: Reading,
}

/// A PTY master registered with the poller, whose reading and writing are not started yet:
/// registering can fail, starting cannot, so a session sets this up before it spawns its
/// program.
pub struct Registered {
    writer: AsyncFd<File>,
    reader: File,
}

impl Registered {
    /// Registers `master` (non-blocking). Must be called inside a tokio runtime.
    pub fn new(master: File) -> std::io::Result<Self> {
        let reader = master.try_clone()?;
        // SAFETY: the File owns its descriptor and, being moved in, keeps it open and the
        // same for as long as the AsyncFd lives.
        let writer = unsafe { AsyncFd::register_with_interest(master, Interest::WRITABLE) }
            .map_err(std::io::Error::from)?;
        Ok(Self { writer, reader })
    }

    /// Starts the reading (on the session's parse thread) and the writer task.
    pub fn start(
        self,
        output: mpsc::Sender<Chunk>,
        input: InputReceiver,
        shard: Shard,
        parser: Parser,
    ) -> Stop {
        let (tx, stop) = watch::channel(());
        let reading = shard.start(self.reader, parser, output);
        tokio::spawn(write_loop(self.writer, stop, input));
        Stop {
            _writing: tx,
            _reading: reading,
        }
    }
}

/// How long input waits after a PTY that said it was writable took nothing.
const FULL_PTY_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

/// Writes queued input as the program reads it, until the session ends or the PTY fails.
async fn write_loop(pty: AsyncFd<File>, mut stop: watch::Receiver<()>, mut input: InputReceiver) {
    loop {
        let bytes = tokio::select! {
            bytes = input.recv() => match bytes {
                Some(bytes) => bytes,
                None => return,
            },
            _ = stop.changed() => return,
        };
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let mut ready = tokio::select! {
                ready = pty.writable() => match ready {
                    Ok(ready) => ready,
                    Err(_) => return,
                },
                _ = stop.changed() => return,
            };
            match ready.try_io(|pty| pty.get_ref().write(rest)) {
                Ok(Ok(n)) => {
                    input.written(n);
                    rest = &rest[n..];
                }
                Ok(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
                Ok(Err(_)) => return,
                // A PTY whose program does not read says it is writable while it takes
                // nothing (its flip buffers have room, its line discipline none): waiting
                // for writability again would spin a core. Such a program is not waited on
                // closely, and ending the session does not wait for the retry.
                Err(_would_block) => tokio::select! {
                    _ = tokio::time::sleep(FULL_PTY_RETRY) => {}
                    _ = stop.changed() => return,
                },
            }
        }
    }
}
