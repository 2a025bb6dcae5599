//! A request body must arrive within [`BODY_TIMEOUT`] of its request head. hyper bounds the
//! time to send a head, not a body: a client that sent its headers and then trickled or stalled
//! the body held its connection (and the handler waiting on it) for as long as it liked.
//!
//! The deadline covers the whole body, not each read, so a byte a second does not keep it
//! open. When it passes, reading the body fails, the handler answers with an error, and the
//! connection, its body unread, is closed.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep, sleep_until};

use crate::api::listen::AwaitingBody;

/// How long a client may take to send a request body, from the end of its head. A megabyte
/// (the largest body) takes well under a second on any link the API is meant for.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s of its headers", BODY_TIMEOUT.as_secs())]
pub struct BodyTimedOut;

/// `Incoming` with a deadline, and the mark that keeps its connection displaceable until the
/// body is complete.
pub struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    awaiting: Option<AwaitingBody>,
}

impl TimedBody {
    pub fn new(inner: Incoming, awaiting: AwaitingBody) -> Self {
        let awaiting = (!inner.is_end_stream()).then_some(awaiting);
        Self {
            inner,
            deadline: Box::pin(sleep_until(Instant::now() + BODY_TIMEOUT)),
            awaiting,
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            if !matches!(frame, Some(Ok(_))) || self.inner.is_end_stream() {
                self.awaiting = None;
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.awaiting = None;
                Poll::Ready(Some(Err(BodyTimedOut.into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
