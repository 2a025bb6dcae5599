//! A small fixed pool of threads that parse every session's output, so that parsing never runs
//! on the tokio workers that serve keys, commands and API requests.
//!
//! Invariants:
//! - A session always goes to the same thread (sharded by id), so its chunks are parsed, and
//!   reach its actor, in the order they were read.
//! - A thread takes its sessions in turns, one chunk each: a chunk of a quiet session waits
//!   for at most one chunk of each flooding session on its thread, never for their backlog.
//! - A job carries a slot already reserved in its session's output queue, so handing the
//!   parsed chunk on never blocks the thread: one session whose actor is behind cannot hold up
//!   the others on its thread. That slot was reserved before the PTY was read (see
//!   `poller.rs`), which makes it the back-pressure: a session whose queue is full is not read,
//!   and its program blocks on its writes. No byte is dropped.
//! - A session whose output queues up has its history deferred (`terminal/deferred.rs`):
//!   the rows it scrolls off are captured once it has been quiet for [`SETTLE_AFTER`], on
//!   this thread.
//! - The shard queues are bounded by those slots: each session has at most
//!   `pty::OUTPUT_QUEUE` jobs in flight, so a thread's queue holds at most that many per
//!   session it serves.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::mpsc::OwnedPermit;

use crate::session::SessionId;
use crate::session::answers::TtyMoment;
use crate::session::pty_io::{Chunk, Parser};
use crate::session::terminal::SETTLE_AFTER;

/// Parse threads: as many as cores, at most this many (a flood saturates one core each).
const MAX_THREADS: usize = 4;

/// Output read from one session's PTY, waiting to be parsed.
struct Job {
    session: SessionId,
    bytes: Vec<u8>,
    tty: TtyMoment,
    /// The session's parser; only its shard's thread locks it.
    parser: Arc<Mutex<Parser>>,
    /// Where the parsed chunk goes, reserved when the read was decided on.
    slot: OwnedPermit<Chunk>,
}

/// The sending side of the threads; clones share them. The threads end once every clone and
/// every [`Shard`] is gone.
#[derive(Clone)]
pub struct ParsePool {
    shards: Vec<mpsc::Sender<Job>>,
}

/// The thread one session's output is parsed on.
pub struct Shard {
    session: SessionId,
    jobs: mpsc::Sender<Job>,
}

impl Shard {
    /// Queues `bytes` for parsing; false if the pool has ended.
    pub fn send(
        &self,
        bytes: Vec<u8>,
        tty: TtyMoment,
        parser: Arc<Mutex<Parser>>,
        slot: OwnedPermit<Chunk>,
    ) -> bool {
        let job = Job {
            session: self.session,
            bytes,
            tty,
            parser,
            slot,
        };
        self.jobs.send(job).is_ok()
    }
}

impl ParsePool {
    /// Starts one thread per core, at most [`MAX_THREADS`].
    pub fn start() -> std::io::Result<Self> {
        let threads = thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS);
        let shards = (0..threads)
            .map(|i| {
                let (tx, rx) = mpsc::channel::<Job>();
                thread::Builder::new()
                    .name(format!("ccmux-parse-{i}"))
                    .spawn(move || run(rx))?;
                Ok(tx)
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self { shards })
    }

    pub fn shard(&self, session: SessionId) -> Shard {
        let index = (session.0 % self.shards.len() as u64) as usize;
        Shard {
            session,
            jobs: self.shards[index].clone(),
        }
    }
}

/// Jobs that have arrived, per session, and whose turn is next.
#[derive(Default)]
struct Turns {
    queues: HashMap<SessionId, VecDeque<Job>>,
    order: VecDeque<SessionId>,
}

impl Turns {
    fn add(&mut self, job: Job) {
        let queue = self.queues.entry(job.session).or_default();
        if queue.is_empty() {
            self.order.push_back(job.session);
        }
        queue.push_back(job);
    }

    /// The next session's oldest job; that session goes to the back of the line.
    fn next(&mut self) -> Option<Job> {
        let session = self.order.pop_front()?;
        let queue = self.queues.get_mut(&session)?;
        let job = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&session);
        } else {
            self.order.push_back(session);
        }
        job
    }
}

/// How much less CPU a parse thread asks for than the threads serving keys and requests: a
/// flood is throughput and can wait a moment, a key or a request cannot. On an idle machine
/// it costs the flood nothing.
const PARSE_NICENESS: libc::c_int = 5;

fn run(jobs: mpsc::Receiver<Job>) {
    // SAFETY: setpriority takes plain integers; on Linux, `who == 0` is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, PARSE_NICENESS);
    }
    let mut turns = Turns::default();
    let mut unsettled = Unsettled::default();
    loop {
        if turns.order.is_empty() {
            let waited = match unsettled.next_due() {
                None => jobs.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(due) => jobs.recv_timeout(due.saturating_duration_since(Instant::now())),
            };
            match waited {
                Ok(job) => turns.add(job),
                Err(RecvTimeoutError::Timeout) => {}
                // Every sender is gone and nothing is left to parse.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        while let Ok(job) = jobs.try_recv() {
            turns.add(job);
        }
        unsettled.settle_quiet(Instant::now());
        if let Some(job) = turns.next() {
            let behind = turns.queues.contains_key(&job.session);
            let (session, parser) = (job.session, job.parser.clone());
            let deferred = parse(job, behind);
            unsettled.note(session, parser, deferred);
        }
    }
}

/// Parses a job and hands the chunk on; says whether the session's history is deferred.
fn parse(job: Job, behind: bool) -> bool {
    let Job {
        bytes,
        tty,
        parser,
        slot,
        ..
    } = job;
    let mut parser = parser.lock();
    parser.parse(bytes, behind, |bytes, parsed, glance| {
        slot.send(Chunk {
            bytes,
            parsed,
            tty,
            glance,
        });
    })
}

/// The sessions on this thread whose history is deferred, and when each was last parsed.
#[derive(Default)]
struct Unsettled(HashMap<SessionId, (Arc<Mutex<Parser>>, Instant)>);

impl Unsettled {
    fn note(&mut self, session: SessionId, parser: Arc<Mutex<Parser>>, deferred: bool) {
        if deferred {
            self.0.insert(session, (parser, Instant::now()));
        } else {
            self.0.remove(&session);
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.0.values().map(|(_, last)| *last + SETTLE_AFTER).min()
    }

    /// Settles the histories of the sessions quiet for [`SETTLE_AFTER`].
    fn settle_quiet(&mut self, now: Instant) {
        self.0.retain(|_, (parser, last)| {
            let quiet = now.duration_since(*last) >= SETTLE_AFTER;
            if quiet {
                parser.lock().settle();
            }
            !quiet
        });
    }
}
