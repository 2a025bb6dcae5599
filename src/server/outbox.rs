//! Everything a client is sent, in order: one queue of encoded messages in front of its
//! socket, which any thread may add to without waiting.
//!
//! With nothing queued, a message is written to the socket at once by whoever sends it — a
//! parse thread sending an echo's frame (see `crate::screen::schedule`) wakes no task to do
//! it. What the socket does not take at once waits in the queue for the writer task, which
//! waits for the socket to have room. At most [`QUEUE`] messages wait: past that [`send`]
//! waits for room and [`try_send`] hands the message back. A `Bye` or `Refused` is the last
//! message; once it is written the socket is shut for writing.
//!
//! [`send`]: Outbox::send
//! [`try_send`]: Outbox::try_send

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::protocol::{self, ServerMessage};
use crate::socket_stream::WriteHalf;

/// Messages waiting for a client: at most this many (frames are at most two in flight).
pub const QUEUE: usize = 64;

/// The connection is gone: nothing more can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// Why [`Outbox::try_send`] did not take a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// [`QUEUE`] messages are waiting already.
    Full,
    Closed,
}

/// A sender of the client's messages; clones share the queue.
pub struct Outbox(Arc<Shared>);

struct Shared {
    socket: WriteHalf,
    queue: Mutex<Queue>,
    room: Arc<Semaphore>,
    /// Wakes the writer task: something is queued, or the last sender went.
    more: Notify,
    senders: AtomicUsize,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    closed: bool,
}

struct Waiting {
    bytes: Vec<u8>,
    written: usize,
    last: bool,
    _place: OwnedSemaphorePermit,
}

impl Outbox {
    /// An outbox in front of `socket`, and its writer task, which ends once every sender is
    /// gone and what they sent is written (or the socket failed).
    pub fn start(socket: WriteHalf) -> (Self, tokio::task::JoinHandle<()>) {
        let shared = Arc::new(Shared {
            socket,
            queue: Mutex::default(),
            room: Arc::new(Semaphore::new(QUEUE)),
            more: Notify::new(),
            senders: AtomicUsize::new(1),
        });
        let writer = tokio::spawn(write_queued(shared.clone()));
        (Self(shared), writer)
    }

    /// Sends `message`, waiting while [`QUEUE`] messages are waiting already.
    pub async fn send(&self, message: ServerMessage) -> Result<(), Closed> {
        let place = self
            .0
            .room
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Closed)?;
        self.0.put(message, place)
    }

    /// Sends `message` without waiting, from any thread.
    pub fn try_send(&self, message: ServerMessage) -> Result<(), Refused> {
        match self.0.room.clone().try_acquire_owned() {
            Ok(place) => self.0.put(message, place).map_err(|Closed| Refused::Closed),
            Err(_) => Err(Refused::Full),
        }
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.0.senders.fetch_add(1, Ordering::Relaxed);
        Self(self.0.clone())
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        if self.0.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.more.notify_one();
        }
    }
}

impl Shared {
    /// Queues `message` behind what waits, writing it at once when nothing does.
    fn put(&self, message: ServerMessage, place: OwnedSemaphorePermit) -> Result<(), Closed> {
        let last = matches!(
            message,
            ServerMessage::Bye { .. } | ServerMessage::Refused { .. }
        );
        // An unencodable message (over the frame limit) is a bug upstream, not the client's:
        // it is dropped, as a write error would drop it.
        let Ok(bytes) = protocol::encode(&message) else {
            return Ok(());
        };
        let mut queue = self.queue.lock();
        if queue.closed {
            return Err(Closed);
        }
        queue.waiting.push_back(Waiting {
            bytes,
            written: 0,
            last,
            _place: place,
        });
        if queue.waiting.len() == 1 {
            self.write_out(&mut queue);
        }
        if !queue.waiting.is_empty() {
            self.more.notify_one();
        }
        Ok(())
    }

    /// Writes what the socket takes now, front first; closes the queue after the last
    /// message or a failed write.
    fn write_out(&self, queue: &mut Queue) {
        while let Some(front) = queue.waiting.front_mut() {
            match self.socket.try_write(&front.bytes[front.written..]) {
                Ok(n) => front.written += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => return close(queue, None),
            }
            if front.written == front.bytes.len() {
                let last = front.last;
                queue.waiting.pop_front();
                if last {
                    return close(queue, Some(&self.socket));
                }
            }
        }
    }
}

/// No more is sent; with `socket`, the client reads the end of the stream after what it got.
fn close(queue: &mut Queue, socket: Option<&WriteHalf>) {
    queue.closed = true;
    queue.waiting.clear();
    if let Some(socket) = socket {
        socket.close_write();
    }
}

async fn write_queued(shared: Arc<Shared>) {
    loop {
        let (waiting, closed) = {
            let queue = shared.queue.lock();
            (!queue.waiting.is_empty(), queue.closed)
        };
        let gone = shared.senders.load(Ordering::Acquire) == 0;
        if closed || (gone && !waiting) {
            return;
        }
        if !waiting {
            shared.more.notified().await;
            continue;
        }
        if shared.socket.writable().await.is_err() {
            close(&mut shared.queue.lock(), None);
            return;
        }
        shared.write_out(&mut shared.queue.lock());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket_stream::SocketStream;

    fn bye() -> ServerMessage {
        ServerMessage::Bye {
            reason: "done".into(),
        }
    }

    fn notice(text: &str) -> ServerMessage {
        ServerMessage::Notice { text: text.into() }
    }

    #[tokio::test]
    async fn messages_arrive_in_order_whoever_sends_them_and_the_last_ends_the_stream() {
        let (ours, theirs) = SocketStream::pair().unwrap();
        let (_, write) = ours.into_split();
        let (outbox, writer) = Outbox::start(write);
        outbox.send(notice("one")).await.unwrap();
        let other = outbox.clone();
        std::thread::spawn(move || other.try_send(notice("two")).unwrap())
            .join()
            .unwrap();
        outbox.send(bye()).await.unwrap();
        assert!(matches!(
            outbox.try_send(notice("late")),
            Err(Refused::Closed)
        ));
        drop(outbox);
        writer.await.unwrap();
        let mut reader = tokio::io::BufReader::new(theirs.into_split().0);
        for expected in [notice("one"), notice("two"), bye()] {
            let got: ServerMessage = protocol::read(&mut reader).await.unwrap();
            assert_eq!(got, expected);
        }
        assert!(matches!(
            protocol::read::<ServerMessage>(&mut reader).await,
            Err(protocol::ProtocolError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_fills_the_queue_and_try_send_is_refused() {
        let (ours, theirs) = SocketStream::pair().unwrap();
        let (_, write) = ours.into_split();
        let (outbox, _writer) = Outbox::start(write);
        let big = notice(&"x".repeat(256 * 1024));
        let mut sent = 0;
        while outbox.try_send(big.clone()).is_ok() {
            sent += 1;
            assert!(sent <= QUEUE + 64, "the queue has no bound");
        }
        assert!(sent >= QUEUE, "only {sent} were taken");
        drop(theirs);
    }
}
