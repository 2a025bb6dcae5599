//! How many WebSockets may be open: each costs a buffer and a share of every byte its session
//! prints (thousands once took minutes of CPU to feed one large output to all), so they are
//! capped per session and in total, and a client beyond either cap gets a 429 at the handshake.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use parking_lot::Mutex;

use crate::http::error::{ApiError, ErrorCode};
use crate::session::SessionId;

/// WebSockets open to one session at most.
pub const PER_SESSION: usize = 16;
/// WebSockets open to the server at most.
pub const TOTAL: usize = 256;

/// The open WebSockets, by session.
#[derive(Default)]
pub struct WsCap {
    open: Mutex<HashMap<SessionId, usize>>,
}

/// One open WebSocket's place, given up when dropped.
pub struct WsPlace {
    cap: Arc<WsCap>,
    session: SessionId,
}

impl WsCap {
    pub fn claim(self: &Arc<Self>, session: SessionId) -> Result<WsPlace, ApiError> {
        let mut open = self.open.lock();
        let refuse = |message: String| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyWebsockets,
                message,
            )
        };
        if open.values().sum::<usize>() >= TOTAL {
            return Err(refuse(format!(
                "{TOTAL} WebSockets are open to this server; close one first"
            )));
        }
        let count = open.entry(session).or_default();
        if *count >= PER_SESSION {
            return Err(refuse(format!(
                "{PER_SESSION} WebSockets are open to session {session}; close one first"
            )));
        }
        *count += 1;
        Ok(WsPlace {
            cap: self.clone(),
            session,
        })
    }
}

impl Drop for WsPlace {
    fn drop(&mut self) {
        let mut open = self.cap.open.lock();
        if let Some(count) = open.get_mut(&self.session) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.session);
            }
        }
    }
}
