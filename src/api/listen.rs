//! The API's accept loop: hyper driven directly, because `axum::serve` has neither a header-read
//! timeout nor a connection cap, and a few hundred half-sent requests (no token needed) used to
//! exhaust the server's file descriptors, so health and every client timed out.
//!
//! - A request head must arrive within [`HEADER_TIMEOUT`]. hyper runs that timer whenever a
//!   connection waits for a request head, so it also closes kept-alive connections left idle.
//! - Its body must arrive within `BODY_TIMEOUT` of the head (`body_timeout.rs`).
//! - At most [`max_connections`] connections are open. A new one displaces the oldest connection
//!   with no request in flight (half-sent or idle: cheap for an honest client to redo); when every
//!   connection has a request in flight, the new one gets a 503 and is closed at once.
//!
//! A WebSocket leaves this count once upgraded; `ws` caps those.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower_service::Service;

use crate::api::body_timeout::TimedBody;

/// How long a client may take to send a request head, and how long a kept-alive connection may
/// wait for its next one.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections at most, when the file-descriptor limit allows.
const MAX_CONNECTIONS: usize = 512;

/// The connection cap: [`MAX_CONNECTIONS`], or half the file-descriptor limit when that is
/// lower, so sessions and the socket clients keep descriptors of their own.
pub fn max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let half = if ok { limit.rlim_cur / 2 } else { 0 };
    usize::try_from(half).map_or(MAX_CONNECTIONS, |h| h.clamp(16, MAX_CONNECTIONS))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Slots::new(max_connections()));
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
        match slots.claim() {
            Some(slot) => {
                tokio::spawn(connection(stream, app.clone(), slot, closed.clone()));
            }
            None => refuse(&stream),
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
        async move {
            let response = app.call(request.map(TimedBody::new)).await;
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

struct Conn {
    /// Requests being answered on it.
    in_flight: AtomicUsize,
    displaced: Notify,
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

    /// A place for a new connection, displacing the oldest idle one when all are taken.
    fn claim(self: &Arc<Self>) -> Option<Slot> {
        let mut open = self.open.lock();
        if open.len() >= self.max {
            let idle = open
                .iter()
                .position(|c| c.in_flight.load(Ordering::Acquire) == 0)?;
            open.remove(idle).displaced.notify_one();
        }
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            displaced: Notify::new(),
        });
        open.push(conn.clone());
        Some(Slot {
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
