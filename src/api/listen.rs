//! The API's accept loop: hyper driven directly, because `axum::serve` has neither a header-read
//! timeout nor a connection cap, and a few hundred half-sent requests (no token needed) used to
//! exhaust the server's file descriptors, so health and every client timed out.
//!
//! - A request head must arrive within [`HEADER_TIMEOUT`]. hyper runs that timer whenever a
//!   connection waits for a request head, so it also closes kept-alive connections left idle.
//! - Its body must arrive within `BODY_TIMEOUT` of the head (`body_timeout.rs`).
//! - At most [`max_connections`] connections are open. A new one displaces the oldest connection
//!   with no request being answered (idle, half-sent, or whose request still waits for its
//!   body: cheap for an honest client to redo); when every connection has a request being
//!   answered, the new one gets a 503 and is closed at once. A request waiting for its body
//!   does not count as answered: a flood of bodies that never come holds nothing.
//! - A connection is not displaced in its first [`GRACE`]: an honest client that connects and
//!   pauses before it sends its request keeps its place through a connect flood. While every
//!   displaceable connection is that young, new ones wait in the listen backlog.
//!
//! A WebSocket leaves this count once upgraded; `ws` caps those.

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower_service::Service;

use crate::api::body_timeout::TimedBody;

/// How long a client may take to send a request head, and how long a kept-alive connection may
/// wait for its next one.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new connection is safe from being displaced.
pub const GRACE: Duration = Duration::from_secs(1);

/// The connection cap: `wanted` (`[limits] api_connections`), or half the file-descriptor
/// limit when that is lower, so sessions and the socket clients keep descriptors of their own.
pub fn max_connections(wanted: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let half = if ok { limit.rlim_cur / 2 } else { 0 };
    usize::try_from(half)
        .map_or(wanted, |h| h.max(16).min(wanted))
        .max(1)
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Slots::new(max_connections(connections)));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, most likely: give the open connections time to end.
                    tracing::warn!(error = %e, "cannot accept an API connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match place_for(&slots, &stream, shutdown.as_mut()).await {
            Place::Slot(slot) => {
                tokio::spawn(connection(stream, app.clone(), slot, closed.clone()));
            }
            Place::Full => refuse(&stream),
            // Its peer has gone (a flood closes what it opened): nothing to serve.
            Place::PeerGone => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    drop(closed);
    closing.closed().await;
}

async fn connection(
    stream: TcpStream,
    app: Router,
    slot: Slot,
    mut closing: watch::Receiver<bool>,
) {
    let conn = slot.conn.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut app = app.clone();
        let busy = Busy::new(&slot.conn);
        let awaiting = AwaitingBody::new(&slot.conn);
        async move {
            let body = |incoming| TimedBody::new(incoming, awaiting);
            let response = app.call(request.map(body)).await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let mut http = pin!(
        builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades()
    );
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = http.as_mut() => return,
            // Dropping the connection closes it.
            () = conn.displaced.notified() => return,
            _ = closing.wait_for(|c| *c), if !shutting_down => {
                http.as_mut().graceful_shutdown();
                shutting_down = true;
            }
        }
    }
}

enum Place {
    Slot(Slot),
    Full,
    PeerGone,
}

/// A place for `stream`, waiting while every displaceable connection is in its grace. While it
/// waits, a peer that hangs up is noticed at once, so that the connections a flood has already
/// closed pass through the listen backlog without waiting their turn.
async fn place_for(
    slots: &Arc<Slots>,
    stream: &TcpStream,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) -> Place {
    let mut byte = [0u8; 1];
    let mut spoke = false;
    loop {
        match slots.claim() {
            Claim::Taken(slot) => return Place::Slot(slot),
            Claim::Full => return Place::Full,
            Claim::WaitUntil(when) => tokio::select! {
                () = tokio::time::sleep_until(when) => {}
                peeked = stream.peek(&mut byte), if !spoke => match peeked {
                    Ok(n) if n > 0 => spoke = true,
                    _ => return Place::PeerGone,
                },
                () = shutdown.as_mut() => return Place::Full,
            },
        }
    }
}

/// A 503 written without waiting (the socket buffer of a fresh connection has room), then close.
fn refuse(stream: &TcpStream) {
    const BODY: &str = r#"{"error":{"code":"too_many_connections","message":"every API connection is busy; try again shortly"}}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = stream.try_write(response.as_bytes());
}

/// The open connections, oldest first.
struct Slots {
    max: usize,
    open: Mutex<Vec<Arc<Conn>>>,
}

pub struct Conn {
    /// Requests in flight on it, those waiting for their body included.
    in_flight: AtomicUsize,
    /// Of those, the ones whose body has not fully arrived.
    awaiting_body: AtomicUsize,
    opened: Instant,
    displaced: Notify,
}

impl Conn {
    /// Whether closing it loses no work: nothing in flight but requests still waiting for
    /// their bodies.
    fn displaceable(&self) -> bool {
        let awaiting = self.awaiting_body.load(Ordering::Acquire);
        self.in_flight.load(Ordering::Acquire) <= awaiting
    }
}

/// What a new connection gets.
enum Claim {
    Taken(Slot),
    /// Every connection is answering a request.
    Full,
    /// The displaceable connections are all in their grace; the oldest's ends then.
    WaitUntil(Instant),
}

/// A connection's place among the open ones, given up when dropped.
struct Slot {
    conn: Arc<Conn>,
    slots: Arc<Slots>,
}

impl Slots {
    fn new(max: usize) -> Self {
        Self {
            max,
            open: Mutex::new(Vec::new()),
        }
    }

    /// A place for a new connection, displacing the oldest displaceable one past its grace
    /// when all are taken.
    fn claim(self: &Arc<Self>) -> Claim {
        let mut open = self.open.lock();
        if open.len() >= self.max {
            let Some(oldest) = open.iter().position(|c| c.displaceable()) else {
                return Claim::Full;
            };
            let grace_ends = open[oldest].opened + GRACE;
            if grace_ends > Instant::now() {
                return Claim::WaitUntil(grace_ends);
            }
            open.remove(oldest).displaced.notify_one();
        }
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            awaiting_body: AtomicUsize::new(0),
            opened: Instant::now(),
            displaced: Notify::new(),
        });
        open.push(conn.clone());
        Claim::Taken(Slot {
            conn,
            slots: self.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots
            .open
            .lock()
            .retain(|c| !Arc::ptr_eq(c, &self.conn));
    }
}

/// A request in flight on a connection, which keeps it from being displaced.
struct Busy(Arc<Conn>);

impl Busy {
    fn new(conn: &Arc<Conn>) -> Self {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(conn.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request whose body has not fully arrived: its connection stays displaceable meanwhile.
/// Ended by the body (`body_timeout.rs`) once it is complete, failed or dropped.
pub struct AwaitingBody(Arc<Conn>);

impl AwaitingBody {
    fn new(conn: &Arc<Conn>) -> Self {
        conn.awaiting_body.fetch_add(1, Ordering::AcqRel);
        Self(conn.clone())
    }
}

impl Drop for AwaitingBody {
    fn drop(&mut self) {
        self.0.awaiting_body.fetch_sub(1, Ordering::AcqRel);
    }
}
