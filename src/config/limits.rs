//! `[limits]`: how much a server keeps and how much any peer may make it hold.
//!
//! The doors' caps are here so that an operator can tune them and a test can lower them to
//! reproduce a flood in a few seconds; the defaults are what a single user's server needs.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub max_sessions: usize,
    /// Rows of history kept per pane.
    pub scrollback: usize,
    /// API connections open at once (at most half the file-descriptor limit).
    pub api_connections: usize,
    /// Requests on the routes that need no token (health, the web page and its login) being
    /// answered at once; more get a 503 and leave the token's routes their connections.
    pub api_public_requests: usize,
    /// Clients connected to the Unix socket at once; more are refused.
    pub socket_clients: usize,
    /// Milliseconds a socket client has to say hello.
    pub socket_hello_ms: u64,
    /// Milliseconds a socket client attached to no workspace may stay silent.
    pub socket_idle_ms: u64,
    /// Milliseconds a frame may take to arrive once its length has.
    pub socket_frame_ms: u64,
    /// Bytes of a socket client's requests the server holds at once; also its largest frame.
    pub socket_buffer_bytes: usize,
    /// Seconds an ended session stays (its last screen, how it ended) before it is dismissed
    /// for every client; 0 keeps it until a person dismisses it.
    pub keep_ended: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sessions: 32,
            scrollback: 10_000,
            api_connections: 512,
            api_public_requests: 16,
            socket_clients: 128,
            socket_hello_ms: 5_000,
            socket_idle_ms: 300_000,
            socket_frame_ms: 10_000,
            socket_buffer_bytes: 16 * 1024 * 1024,
            keep_ended: 0,
        }
    }
}

/// The socket's caps, as the server applies them.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    pub clients: usize,
    pub hello: Duration,
    pub idle: Duration,
    pub frame: Duration,
    pub buffer_bytes: usize,
}

impl Limits {
    pub fn socket(&self) -> SocketLimits {
        SocketLimits {
            clients: self.socket_clients.max(1),
            hello: Duration::from_millis(self.socket_hello_ms.max(1)),
            idle: Duration::from_millis(self.socket_idle_ms.max(1)),
            frame: Duration::from_millis(self.socket_frame_ms.max(1)),
            // Room for a hello, a hook's report and a paste at the least.
            buffer_bytes: self.socket_buffer_bytes.max(64 * 1024),
        }
    }
}

impl Default for SocketLimits {
    fn default() -> Self {
        Limits::default().socket()
    }
}
