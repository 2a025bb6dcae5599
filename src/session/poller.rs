//! Reading and writing every session's PTY master by readiness, on the runtime's one poller
//! (tokio's I/O driver, an epoll over all masters), instead of a reader and a writer thread
//! per session.
//!
//! Invariants:
//! - Nothing here blocks or parses: a read copies what the PTY has (at most
//!   [`pty_io::READ_SIZE`]) and hands it to the session's parse thread (`parse_pool.rs`); a
//!   write takes what the PTY accepts without waiting. So neither holds up a tokio worker.
//! - A read happens only once a slot in the session's output queue is reserved. A full queue
//!   (the actor is behind) therefore stops reading that PTY, the program blocks on its
//!   writes, and no byte is ever dropped.
//! - Input is written in the order it was queued, as the program reads it; the queue stays
//!   bounded by `input.rs`. Once the PTY fails (the program is gone) the writer gives up and
//!   later input is refused as [`SessionError::Ended`](crate::session::SessionError).
//! - Both tasks end when the session drops its [`Stop`], even if a process that left the
//!   session still holds the terminal open (the master would then never report EOF).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, watch};

use crate::session::answers::TtyMoment;
use crate::session::input::InputReceiver;
use crate::session::parse_pool::Shard;
use crate::session::pty_io::{self, Chunk, Parser};

/// Dropped when the session ends, which ends its reader and writer tasks.
pub struct Stop {
    _tx: watch::Sender<()>,
}

/// A PTY master registered with the poller, whose tasks are not started yet: registering can
/// fail, starting cannot, so a session sets this up before it spawns its program.
pub struct Registered(Arc<AsyncFd<File>>);

impl Registered {
    /// Registers `master` (non-blocking). Must be called inside a tokio runtime.
    pub fn new(master: File) -> std::io::Result<Self> {
        // SAFETY: the File owns its descriptor and, being moved in, keeps it open and the
        // same for as long as the AsyncFd lives.
        let pty = unsafe { AsyncFd::register(master) }.map_err(std::io::Error::from)?;
        Ok(Self(Arc::new(pty)))
    }

    /// Starts the reader and writer tasks.
    pub fn start(
        self,
        output: mpsc::Sender<Chunk>,
        input: InputReceiver,
        shard: Shard,
        parser: Parser,
    ) -> Stop {
        let (tx, stop) = watch::channel(());
        let parser = Arc::new(Mutex::new(parser));
        tokio::spawn(read_loop(
            self.0.clone(),
            stop.clone(),
            output,
            shard,
            parser,
        ));
        tokio::spawn(write_loop(self.0, stop, input));
        Stop { _tx: tx }
    }
}

/// Reads output into the session's parse shard until EOF, an error or the stop.
async fn read_loop(
    pty: Arc<AsyncFd<File>>,
    mut stop: watch::Receiver<()>,
    output: mpsc::Sender<Chunk>,
    shard: Shard,
    parser: Arc<Mutex<Parser>>,
) {
    let mut buf = vec![0u8; pty_io::READ_SIZE];
    loop {
        let slot = tokio::select! {
            slot = output.clone().reserve_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
            _ = stop.changed() => return,
        };
        let (tty, n) = loop {
            let mut ready = tokio::select! {
                ready = pty.readable() => match ready {
                    Ok(ready) => ready,
                    Err(_) => return,
                },
                _ = stop.changed() => return,
            };
            let tty = TtyMoment::sample(pty.as_raw_fd());
            match ready.try_io(|pty| read_available(pty.get_ref(), &mut buf)) {
                Ok(Ok(0)) => return,
                Ok(Ok(n)) => break (tty, n),
                Ok(Err(e)) if e.kind() == ErrorKind::Interrupted => {}
                // EIO once the last slave fd closes: the normal end.
                Ok(Err(_)) => return,
                Err(_would_block) => {}
            }
        };
        if !shard.send(buf[..n].to_vec(), tty, parser.clone(), slot) {
            return;
        }
    }
}

/// Reads what the PTY has, up to `buf`'s size: a PTY hands out at most a few KiB a read, and
/// during a flood one chunk of many reads costs the parse thread and the actor one wake-up
/// instead of many. Would-block only if nothing at all was there.
fn read_available(mut pty: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = pty.read(buf)?;
    while filled > 0 && filled < buf.len() {
        match pty.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => break,
        }
    }
    Ok(filled)
}

/// Writes queued input as the program reads it, until the session ends or the PTY fails.
async fn write_loop(
    pty: Arc<AsyncFd<File>>,
    mut stop: watch::Receiver<()>,
    mut input: InputReceiver,
) {
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
                Err(_would_block) => {}
            }
        }
    }
}
