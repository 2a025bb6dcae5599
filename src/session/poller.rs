//! Writing every session's PTY master when it is full, on the runtime's one poller (tokio's
//! I/O driver), instead of a writer thread per session; reading it is its parse thread's (see
//! `parse_pool.rs`), which parses what it reads with no hand-off.
//!
//! Invariants:
//! - A write takes what the PTY accepts without waiting, so it never holds up a tokio worker.
//! - Input is written in the order it was queued, as the program reads it; the queue stays
//!   bounded by `input.rs`. Once the PTY fails (the program is gone) the writer gives up and
//!   later input is refused as [`SessionError::Ended`](crate::session::SessionError).
//! - The master is watched for room only while input waits for it (see `crate::write_room`):
//!   watched all the time, it would wake a worker each time the program reads a key.
//! - Reading and writing end when the session drops its [`Stop`], even if a process that left
//!   the session still holds the terminal open (the master would then never report EOF).

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::os::fd::{AsFd, OwnedFd};

use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, watch};

use crate::session::input::InputReceiver;
use crate::session::parse_pool::{Reading, Shard};
use crate::session::pty_io::{Chunk, Parser};
use crate::write_room;

/// Dropped when the session ends, which ends the reading and writing of its PTY.
pub struct Stop {
    _writing: watch::Sender<()>,
    _reading: Reading,
}

/// A PTY master's two descriptors, one to write and one to read, not served yet: duplicating
/// can fail, starting cannot, so a session sets this up before it spawns its program.
pub struct Master {
    writer: File,
    reader: File,
}

impl Master {
    /// Takes `master` (non-blocking) and a duplicate of it.
    pub fn new(master: File) -> std::io::Result<Self> {
        let reader = master.try_clone()?;
        Ok(Self {
            writer: master,
            reader,
        })
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
async fn write_loop(pty: File, mut stop: watch::Receiver<()>, mut input: InputReceiver) {
    loop {
        let bytes = tokio::select! {
            bytes = input.recv() => match bytes {
                Some(bytes) => bytes,
                None => return,
            },
            _ = stop.changed() => return,
        };
        if write_chunk(&pty, &bytes, &input, &mut stop).await == Writing::Over {
            return;
        }
    }
}

/// Whether the writer goes on.
#[derive(PartialEq)]
enum Writing {
    Goes,
    /// The session ended or the PTY failed.
    Over,
}

/// Writes `bytes` whole, waiting for room as the program reads; watches the PTY for room from
/// the first write that finds it full to the end of the chunk.
async fn write_chunk(
    pty: &File,
    bytes: &[u8],
    input: &InputReceiver,
    stop: &mut watch::Receiver<()>,
) -> Writing {
    let mut room: Option<AsyncFd<OwnedFd>> = None;
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut ready = match &room {
            None => None,
            Some(room) => tokio::select! {
                ready = room.writable() => match ready {
                    Ok(ready) => Some(ready),
                    Err(_) => return Writing::Over,
                },
                _ = stop.changed() => return Writing::Over,
            },
        };
        match (&*pty).write(rest) {
            Ok(n) => {
                input.written(n);
                rest = &rest[n..];
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => match ready.as_mut() {
                None => match write_room::watch(pty.as_fd()) {
                    Ok(watched) => room = Some(watched),
                    Err(_) => return Writing::Over,
                },
                // A PTY whose program does not read says it is writable while it takes
                // nothing (its flip buffers have room, its line discipline none): waiting for
                // writability again would spin a core. Such a program is not waited on
                // closely, and ending the session does not wait for the retry.
                Some(ready) => {
                    ready.clear_ready();
                    tokio::select! {
                        _ = tokio::time::sleep(FULL_PTY_RETRY) => {}
                        _ = stop.changed() => return Writing::Over,
                    }
                }
            },
            Err(_) => return Writing::Over,
        }
    }
    Writing::Goes
}
