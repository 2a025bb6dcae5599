//! The bytes waiting to be written to a program, bounded by size.
//!
//! A program that does not read its input (busy in raw mode, stopped, or just slow) would
//! otherwise let every key, paste, API input and terminal answer pile up in the server. Past
//! [`INPUT_QUEUE_LIMIT`] input is refused with [`SessionError::InputQueueFull`] (the API answers
//! 429) instead.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::session::error::SessionError;

/// Bytes a session may hold for its program to read: 1 MiB, the size of the largest API
/// request, so one input of any size the API takes is queued whenever nothing else waits.
pub const INPUT_QUEUE_LIMIT: usize = 1024 * 1024;

/// A queue with room for [`INPUT_QUEUE_LIMIT`] bytes; the senders are the session's actor and
/// its keystroke path (`Session::type_now`), the receiver its writer task (see `poller.rs`).
/// The channel itself is unbounded: the byte count bounds it. With `pty` (the master,
/// non-blocking), input sent while nothing waits is written at once by the sender.
pub fn queue(pty: Option<File>) -> (InputSender, InputReceiver) {
    let (chunks, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let sending = Sending {
        chunks,
        queued: queued.clone(),
        pty,
    };
    (
        InputSender(Arc::new(Mutex::new(Some(sending)))),
        InputReceiver { chunks: rx, queued },
    )
}

/// The queue's sending side. Its clones share one lock: one sender at a time, so the room
/// checked is still there when the bytes are added, and a key written at once never lands
/// inside a chunk the terminal took only in part.
#[derive(Clone)]
pub struct InputSender(Arc<Mutex<Option<Sending>>>);

struct Sending {
    chunks: mpsc::UnboundedSender<Vec<u8>>,
    /// Queued and not yet written; the sender adds, the writer subtracts what it wrote.
    queued: Arc<AtomicUsize>,
    pty: Option<File>,
}

impl InputSender {
    /// Queues `bytes`, or refuses them whole when they would not fit or the queue is closed.
    /// Empty input is refused on a full queue like any other, and never queued: a loop of it
    /// would grow the channel with nothing the byte count sees.
    pub fn send(&self, bytes: &[u8]) -> Result<(), SessionError> {
        self.0
            .lock()
            .as_mut()
            .ok_or(SessionError::Ended)?
            .send(bytes)
    }

    /// No input is taken from now on (the session has ended).
    pub fn close(&self) {
        self.0.lock().take();
    }
}

impl Sending {
    fn send(&mut self, bytes: &[u8]) -> Result<(), SessionError> {
        let queued = self.queued.load(Ordering::Acquire);
        if queued + bytes.len().max(1) > INPUT_QUEUE_LIMIT {
            return Err(SessionError::InputQueueFull { queued });
        }
        if bytes.is_empty() {
            return Ok(());
        }
        // Nothing queued means nothing is left unwritten (the writer counts bytes out once
        // they are written), so writing now keeps the order, and a key reaches the program
        // without waking the writer task. What the terminal does not take at once is queued.
        let mut rest = bytes;
        if queued == 0
            && let Some(pty) = self.pty.as_mut()
        {
            rest = &bytes[pty.write(bytes).unwrap_or(0)..];
            if rest.is_empty() {
                return Ok(());
            }
        }
        self.queued.fetch_add(rest.len(), Ordering::AcqRel);
        self.chunks
            .send(rest.to_vec())
            .map_err(|_| SessionError::Ended)
    }
}

pub struct InputReceiver {
    chunks: mpsc::UnboundedReceiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

impl InputReceiver {
    /// The next chunk to write; `None` once the session has dropped its sender.
    pub async fn recv(&mut self) -> Option<Vec<u8>> {
        self.chunks.recv().await
    }

    /// `n` bytes reached the terminal: that much room is free again.
    pub fn written(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn input_past_the_limit_is_refused_until_the_writer_catches_up() {
        let (tx, mut rx) = queue(None);
        tx.send(&vec![b'x'; INPUT_QUEUE_LIMIT - 10]).unwrap();
        tx.send(&[b'y'; 10]).unwrap();
        assert_eq!(
            tx.send(b"z"),
            Err(SessionError::InputQueueFull {
                queued: INPUT_QUEUE_LIMIT
            })
        );
        let first = rx.recv().await.unwrap();
        rx.written(first.len());
        tx.send(&[b'z'; 100]).unwrap();
    }

    #[test]
    fn empty_input_is_refused_on_a_full_queue_and_never_queued() {
        let (tx, mut rx) = queue(None);
        tx.send(&[]).unwrap();
        tx.send(&vec![b'x'; INPUT_QUEUE_LIMIT]).unwrap();
        assert!(matches!(
            tx.send(&[]),
            Err(SessionError::InputQueueFull { .. })
        ));
        assert_eq!(rx.chunks.try_recv().unwrap().len(), INPUT_QUEUE_LIMIT);
        assert!(rx.chunks.try_recv().is_err(), "nothing empty was queued");
    }

    #[test]
    fn a_queue_whose_writer_is_gone_says_the_session_ended() {
        let (tx, rx) = queue(None);
        drop(rx);
        assert_eq!(tx.send(b"late"), Err(SessionError::Ended));
    }

    #[test]
    fn a_closed_queue_says_the_session_ended_to_every_sender() {
        let (tx, _rx) = queue(None);
        let keystrokes = tx.clone();
        tx.close();
        assert_eq!(keystrokes.send(b"late"), Err(SessionError::Ended));
        assert_eq!(tx.send(b"late"), Err(SessionError::Ended));
    }
}
