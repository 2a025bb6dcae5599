//! What a running server tells its clients beside the socket: its pid, where its API listens
//! and where the token in force comes from, so `ctl` talks to the server that runs rather
//! than guessing from its own flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::server::SocketPath;
use crate::server::runtime::Context;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub pid: u32,
    pub api: Option<SocketAddr>,
    /// The file holding the API token; `None` when it was given by flag or environment.
    pub token_file: Option<PathBuf>,
}

impl ServerInfo {
    pub fn of(ctx: &Context, api: Option<SocketAddr>) -> Self {
        let explicit = ctx.global.token.is_some()
            || std::env::var("CCMUX_API_TOKEN").is_ok_and(|t| !t.is_empty());
        Self {
            pid: std::process::id(),
            api,
            token_file: (!explicit).then(|| ctx.token_file()),
        }
    }
}

/// Writes the info file (0600) whole: a reader sees the old file or the new one, never half.
pub fn write(socket: &SocketPath, info: &ServerInfo) -> std::io::Result<()> {
    let json = serde_json::to_vec(info).map_err(std::io::Error::other)?;
    crate::paths::write_private(&socket.info_file(), &json)
}

/// The running server's info, if one has written it.
pub fn read(socket: &SocketPath) -> Option<ServerInfo> {
    let text = std::fs::read(socket.info_file()).ok()?;
    serde_json::from_slice(&text).ok()
}

pub fn remove(socket: &SocketPath) {
    let _ = std::fs::remove_file(socket.info_file());
}
