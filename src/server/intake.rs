//! A socket client's requests in, bounded before they are buffered.
//!
//! - The hello must arrive whole within `socket_hello_ms` of connecting.
//! - A client attached to no workspace (it has nothing to watch) may stay silent for at most
//!   `socket_idle_ms`; an attached one, which receives its sessions' output, as long as it likes.
//! - Once a frame's length has arrived, the frame must within `socket_frame_ms`; its bytes are
//!   taken as they come, never allocated for a length a peer merely announced.
//! - The requests read but not yet carried out hold at most `socket_buffer_bytes`, which is also
//!   the largest frame taken; a client over it is disconnected.
//! - An attached client's key read while none of its requests waits goes to its program from
//!   here (`keystrokes.rs`): it overtakes nothing, and waits for no other task.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, timeout_at};

use crate::config::limits::SocketLimits;
use crate::protocol::{self, ClientMessage};
use crate::server::keystrokes::Keystrokes;

/// A request read, and the room it takes in its client's budget until it is carried out.
pub struct Request {
    pub message: ClientMessage,
    _room: OwnedSemaphorePermit,
}

/// A request as it was read.
struct Read {
    request: Request,
    /// Every request read before it had been carried out when it came.
    alone: bool,
}

/// Why a client's requests stopped.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error("the client left")]
    Closed,
    #[error("no hello within the deadline")]
    NoHello,
    #[error("silent and attached to nothing for too long")]
    Idle,
    #[error("a frame did not arrive within its deadline")]
    SlowFrame,
    #[error("a frame of {0} bytes is over the client's budget")]
    TooLarge(usize),
    #[error("an undecodable message: {0}")]
    Undecodable(String),
}

/// Reads `reader`'s requests into `requests` until the client leaves or breaks a limit.
pub async fn read_requests(
    mut reader: impl AsyncRead + Unpin,
    limits: SocketLimits,
    attached: Arc<AtomicBool>,
    keys: Keystrokes,
    requests: mpsc::Sender<Request>,
) {
    let budget = Arc::new(Semaphore::new(limits.buffer_bytes));
    let mut hello_by = Some(Instant::now() + limits.hello);
    loop {
        let read = next(&mut reader, &limits, &attached, hello_by, &budget).await;
        hello_by = None;
        let request = match read {
            Ok(Read { request, alone }) if alone && attached.load(Ordering::Acquire) => {
                match keys.type_now(request.message) {
                    Some(message) => Request { message, ..request },
                    None => continue,
                }
            }
            Ok(Read { request, .. }) => request,
            Err(Stop::Closed) => return,
            Err(why) => {
                tracing::info!(reason = %why, "a socket client was disconnected");
                return;
            }
        };
        if requests.send(request).await.is_err() {
            return;
        }
    }
}

async fn next(
    reader: &mut (impl AsyncRead + Unpin),
    limits: &SocketLimits,
    attached: &AtomicBool,
    hello_by: Option<Instant>,
    budget: &Arc<Semaphore>,
) -> Result<Read, Stop> {
    let len = frame_length(reader, limits, attached, hello_by).await?;
    if len > limits.buffer_bytes {
        return Err(Stop::TooLarge(len));
    }
    // Only this task takes room, so once all of it is free it stays so until this request
    // is handed on.
    let alone = budget.available_permits() == limits.buffer_bytes;
    // Waits for earlier requests of this client to be carried out: no more than the budget
    // is ever held for it.
    let room = budget
        .clone()
        .acquire_many_owned(u32::try_from(len).map_err(|_| Stop::TooLarge(len))?)
        .await
        .map_err(|_| Stop::Closed)?;
    let by = hello_by.unwrap_or_else(|| Instant::now() + limits.frame);
    let mut body = Vec::new();
    let mut frame = (&mut *reader).take(len as u64);
    match timeout_at(by, frame.read_to_end(&mut body)).await {
        Err(_) if hello_by.is_some() => return Err(Stop::NoHello),
        Err(_) => return Err(Stop::SlowFrame),
        Ok(Err(_)) => return Err(Stop::Closed),
        Ok(Ok(n)) if n < len => return Err(Stop::Closed),
        Ok(Ok(_)) => {}
    }
    let message = protocol::decode(&body).map_err(|e| Stop::Undecodable(e.to_string()))?;
    let request = Request {
        message,
        _room: room,
    };
    Ok(Read { request, alone })
}

/// The next frame's length, within the hello's deadline or the idle limit.
async fn frame_length(
    reader: &mut (impl AsyncRead + Unpin),
    limits: &SocketLimits,
    attached: &AtomicBool,
    hello_by: Option<Instant>,
) -> Result<usize, Stop> {
    let mut len = [0u8; 4];
    let mut got = 0;
    let mut quiet_since = Instant::now();
    while got < len.len() {
        let by = hello_by.unwrap_or(quiet_since + limits.idle);
        // `read` is cancel-safe: a timeout loses no byte.
        match timeout_at(by, reader.read(&mut len[got..])).await {
            Ok(Ok(0) | Err(_)) => return Err(Stop::Closed),
            Ok(Ok(n)) => got += n,
            Err(_) if hello_by.is_some() => return Err(Stop::NoHello),
            Err(_) if attached.load(Ordering::Acquire) => quiet_since = Instant::now(),
            Err(_) => return Err(Stop::Idle),
        }
    }
    Ok(u32::from_be_bytes(len) as usize)
}
