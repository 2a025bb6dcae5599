//! A small fixed pool of threads that read and parse every session's output: parsing never
//! runs on the tokio workers that serve keys, commands and API requests, and output is parsed
//! on the thread that read it, with no hand-off between a reader and a parser (an echo would
//! wait for one more thread to wake).
//!
//! Invariants:
//! - A session always belongs to the same thread (sharded by id), which waits on its PTY
//!   master (an epoll of its own), reads it, parses what it read and hands the chunk to the
//!   session's actor, in the order read; then tells whoever watches the screen.
//! - A thread takes its ready sessions in turns, one read (at most [`READ_SIZE`]) each: a quiet
//!   session's echo waits for at most one chunk of each flooding session on its thread.
//! - A read happens only with a slot in the session's output queue in hand, so handing the
//!   chunk on never blocks the thread. When the queue is full (the actor is behind) the thread
//!   stops waiting on that PTY until a slot frees (a task on the runtime waits for it): the
//!   program blocks on its writes and no byte is dropped.
//! - A session whose read fills the buffer (more is waiting) has its history deferred
//!   (`terminal/deferred.rs`): the rows it scrolls off are captured once it has been quiet for
//!   [`SETTLE_AFTER`], on this thread.
//! - A session leaves its thread at EOF, on a read error, once its actor is gone, or when it
//!   drops its [`Reading`]: even if a process that left the session still holds the terminal
//!   open (the master would then never report EOF).

use std::collections::HashMap;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use tokio::sync::mpsc::OwnedPermit;
use tokio::sync::mpsc::error::TrySendError;

use crate::session::SessionId;
use crate::session::answers::TtyMoment;
use crate::session::epoll::{Epoll, Wake};
use crate::session::pty_io::{Chunk, Parser, READ_SIZE};
use crate::session::terminal::SETTLE_AFTER;

/// Parse threads: as many as cores, at most this many (a flood saturates one core each).
const MAX_THREADS: usize = 4;
/// The token of a thread's own door in its epoll; sessions' tokens are their ids.
const DOOR: u64 = u64::MAX;

/// A session's output as its thread serves it.
struct Reader {
    session: SessionId,
    /// The master, non-blocking (see `pty_io::open_master`).
    master: File,
    parser: Parser,
    output: tokio::sync::mpsc::Sender<Chunk>,
    /// Where a task waits for room in a full output queue.
    runtime: tokio::runtime::Handle,
}

/// What a thread is told through its door.
enum Order {
    /// A session to serve, its first slot, and its door (held while it is served, so the
    /// thread lives as long as a session of it does).
    Add(Reader, OwnedPermit<Chunk>, Door),
    /// A session's output queue has room again: the slot for its next read.
    Room(SessionId, OwnedPermit<Chunk>),
    Remove(SessionId),
}

/// The way into one thread: its orders, and the counter that wakes it.
#[derive(Clone)]
struct Door {
    orders: mpsc::Sender<Order>,
    wake: Arc<Wake>,
}

impl Door {
    /// False once the thread has ended.
    fn send(&self, order: Order) -> bool {
        let sent = self.orders.send(order).is_ok();
        if sent {
            self.wake.wake();
        }
        sent
    }
}

/// The threads; clones share them. A thread ends once every clone and every [`Shard`] of it
/// is gone.
#[derive(Clone)]
pub struct ParsePool {
    doors: Vec<Door>,
}

/// The thread one session's output is read and parsed on.
pub struct Shard {
    session: SessionId,
    door: Door,
}

/// While held, the session's output is read; dropping it stops that.
pub struct Reading {
    session: SessionId,
    door: Door,
}

impl Drop for Reading {
    fn drop(&mut self) {
        self.door.send(Order::Remove(self.session));
    }
}

impl Shard {
    /// Hands the session's master (non-blocking) to its thread, which reads it from now on,
    /// parses it with `parser` and queues the chunks on `output`. Must be called inside a
    /// tokio runtime.
    pub fn start(
        self,
        master: File,
        parser: Parser,
        output: tokio::sync::mpsc::Sender<Chunk>,
    ) -> Reading {
        let reader = Reader {
            session: self.session,
            master,
            parser,
            output,
            runtime: tokio::runtime::Handle::current(),
        };
        // A queue just made has room for its first chunk; one already closed means the
        // session is gone, and the thread drops the reader when its slot fails.
        if let Ok(slot) = reader.output.clone().try_reserve_owned() {
            self.door.send(Order::Add(reader, slot, self.door.clone()));
        }
        Reading {
            session: self.session,
            door: self.door,
        }
    }
}

impl ParsePool {
    /// Starts one thread per core, at most [`MAX_THREADS`].
    pub fn start() -> std::io::Result<Self> {
        let threads = thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS);
        let doors = (0..threads)
            .map(|i| {
                // Unbounded in type, bounded by what is sent: each session sends one `Add`
                // and one `Remove`, and a `Room` only while its reads are paused, carrying
                // the one slot that resumes them: at most three orders a session.
                let (orders, inbox) = mpsc::channel();
                let wake = Arc::new(Wake::new()?);
                let thread = Thread::new(inbox, wake.clone())?;
                let door = Door { orders, wake };
                thread::Builder::new()
                    .name(format!("ccmux-parse-{i}"))
                    .spawn(move || thread.run())?;
                Ok(door)
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self { doors })
    }

    pub fn shard(&self, session: SessionId) -> Shard {
        let index = (session.0 % self.doors.len() as u64) as usize;
        Shard {
            session,
            door: self.doors[index].clone(),
        }
    }
}

/// A reader and the slot its next chunk goes to, if it has one (none: waiting for room).
struct Served {
    reader: Reader,
    slot: Option<OwnedPermit<Chunk>>,
    /// Its thread's door, for the task that waits for room.
    door: Door,
}

/// One parse thread's state.
struct Thread {
    epoll: Epoll,
    inbox: mpsc::Receiver<Order>,
    wake: Arc<Wake>,
    sessions: HashMap<SessionId, Served>,
    /// Sessions whose history is deferred, and when each was last read.
    unsettled: HashMap<SessionId, Instant>,
    buf: Vec<u8>,
    /// How the thread runs, and how the reads since its last wait went: a round without a
    /// full read (the thread is about to wait, or serves small reads) runs interactive again.
    pace: Pace,
    round: Pace,
}

/// How a parse thread asks the scheduler for the CPU. While its reads fill the buffer (a
/// flood: throughput, which can wait a moment) it runs as a batch thread, which never preempts
/// the threads serving keys and requests when it wakes; while its reads are small (an echo, a
/// prompt) it runs as they do. A niced thread would do for the flood, but an unprivileged one
/// cannot take its niceness back, and on a busy box a niced thread waits for the scheduler's
/// next tick (4 ms) before it reads an echo; a batch thread may go back to normal at will.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pace {
    Interactive,
    Flood,
}

impl Pace {
    /// Applies it to the calling thread.
    fn apply(self) {
        let policy = match self {
            Self::Interactive => libc::SCHED_OTHER,
            Self::Flood => libc::SCHED_BATCH,
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: reads the parameter we own; on Linux, pid 0 is the calling thread.
        unsafe {
            libc::sched_setscheduler(0, policy, &param);
        }
    }
}

impl Thread {
    fn new(inbox: mpsc::Receiver<Order>, wake: Arc<Wake>) -> std::io::Result<Self> {
        let epoll = Epoll::new()?;
        epoll.add(wake.fd(), DOOR)?;
        Ok(Self {
            epoll,
            inbox,
            wake,
            sessions: HashMap::new(),
            unsettled: HashMap::new(),
            buf: vec![0; READ_SIZE],
            pace: Pace::Interactive,
            round: Pace::Interactive,
        })
    }

    fn run(mut self) {
        loop {
            let timeout = self
                .unsettled
                .values()
                .map(|last| *last + SETTLE_AFTER)
                .min()
                .map(|due| due.saturating_duration_since(Instant::now()));
            for token in self.epoll.wait(timeout) {
                if token == DOOR {
                    self.wake.drain();
                    if !self.take_orders() {
                        return;
                    }
                } else {
                    self.read(SessionId(token));
                }
            }
            if self.round != self.pace {
                self.round.apply();
                self.pace = self.round;
            }
            self.round = Pace::Interactive;
            self.settle_quiet(Instant::now());
        }
    }

    /// Carries out the orders waiting; false once nothing can send any more.
    fn take_orders(&mut self) -> bool {
        loop {
            match self.inbox.try_recv() {
                Ok(Order::Add(reader, slot, door)) => {
                    let session = reader.session;
                    let served = Served {
                        reader,
                        slot: None,
                        door,
                    };
                    self.sessions.insert(session, served);
                    self.room(session, slot);
                }
                Ok(Order::Room(session, slot)) => self.room(session, slot),
                Ok(Order::Remove(session)) => self.remove(session),
                Err(mpsc::TryRecvError::Empty) => return true,
                // Every shard, session and pool clone is gone.
                Err(mpsc::TryRecvError::Disconnected) => return false,
            }
        }
    }

    /// A slot for `session`'s next read: its PTY is waited on again.
    fn room(&mut self, session: SessionId, slot: OwnedPermit<Chunk>) {
        let Some(served) = self.sessions.get_mut(&session) else {
            return;
        };
        served.slot = Some(slot);
        if let Err(e) = self.epoll.add(served.reader.master.as_raw_fd(), session.0) {
            tracing::warn!(%session, error = %e, "cannot wait on a session's output");
            self.remove(session);
        }
    }

    fn remove(&mut self, session: SessionId) {
        if let Some(served) = self.sessions.remove(&session) {
            self.epoll.remove(served.reader.master.as_raw_fd());
        }
        self.unsettled.remove(&session);
    }

    /// Reads what `session`'s PTY has (one chunk), parses it and hands it on.
    fn read(&mut self, session: SessionId) {
        let Some(served) = self.sessions.get_mut(&session) else {
            return;
        };
        let Some(slot) = served.slot.take() else {
            return;
        };
        let reader = &mut served.reader;
        let n = match read_available(&reader.master, &mut self.buf) {
            Ok(0) => return self.remove(session),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                served.slot = Some(slot);
                return;
            }
            // EIO once the last slave fd closes: the normal end.
            Err(_) => return self.remove(session),
        };
        let behind = n == self.buf.len();
        if behind {
            self.round = Pace::Flood;
        }
        let master = reader.master.as_raw_fd();
        let deferred =
            reader
                .parser
                .parse(self.buf[..n].to_vec(), behind, |bytes, parsed, glance| {
                    // After the screen's listeners were told (an echo's frame is on its
                    // way), and only for queries: the ioctls cost each read otherwise.
                    let tty = (!parsed.answers.is_empty()).then(|| TtyMoment::sample(master));
                    slot.send(Chunk {
                        bytes,
                        parsed,
                        tty,
                        glance,
                    });
                });
        if deferred {
            self.unsettled.insert(session, Instant::now());
        } else {
            self.unsettled.remove(&session);
        }
        self.next_slot(session);
    }

    /// Reserves the slot for `session`'s next read; when its queue is full, stops waiting on
    /// its PTY until a task on the runtime finds room.
    fn next_slot(&mut self, session: SessionId) {
        let Some(served) = self.sessions.get_mut(&session) else {
            return;
        };
        match served.reader.output.clone().try_reserve_owned() {
            Ok(slot) => served.slot = Some(slot),
            Err(TrySendError::Full(output)) => {
                self.epoll.remove(served.reader.master.as_raw_fd());
                let door = served.door.clone();
                served.reader.runtime.spawn(async move {
                    if let Ok(slot) = output.reserve_owned().await {
                        door.send(Order::Room(session, slot));
                    }
                });
            }
            // The actor is gone.
            Err(TrySendError::Closed(_)) => self.remove(session),
        }
    }

    /// Captures the history of the sessions quiet for [`SETTLE_AFTER`].
    fn settle_quiet(&mut self, now: Instant) {
        let sessions = &self.sessions;
        self.unsettled.retain(|session, last| {
            let quiet = now.duration_since(*last) >= SETTLE_AFTER;
            if quiet && let Some(served) = sessions.get(session) {
                served.reader.parser.settle();
            }
            !quiet
        });
    }
}

/// Reads what the PTY has, up to `buf`'s size: a PTY hands out at most a few KiB a read, and
/// during a flood one chunk of many reads costs the actor one wake-up instead of many.
/// Would-block only if nothing at all was there.
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
