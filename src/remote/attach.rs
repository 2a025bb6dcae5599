//! `ccmux attach --host HOST`: the TUI as a client of HOST's server, through ssh and the
//! bridge there (which starts that server when none runs). The first link may ask the user
//! (a password, a host key) before the TUI takes the terminal; a dropped link is dialled again
//! without the terminal (see `tui::link`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;

use super::{Host, Prompts, Ssh, connect};
use crate::config::Config;
use crate::protocol::Attach;
use crate::tui::{Dial, Leave, Link};

/// Runs the TUI on `host`'s server `socket` until the user leaves.
pub async fn run(
    host: &str,
    socket: &str,
    attach: Attach,
    config: Arc<Config>,
    cwd: PathBuf,
) -> anyhow::Result<Leave> {
    let (ssh, host) = (Ssh::from_config(&config.remote), Host::parse(host)?);
    let socket = socket.to_string();
    let connection = connect(&ssh, &host, &socket, Prompts::MayAsk).await?;
    let to = host.clone();
    let dial: Dial = Arc::new(move || {
        let (ssh, host, socket) = (ssh.clone(), to.clone(), socket.clone());
        Box::pin(async move {
            let connected = connect(&ssh, &host, &socket, Prompts::Never).await;
            connected.map_err(|e| e.to_string())
        })
    });
    let link = Link::Remote {
        host: host.to_string(),
        dial,
        down_since: None,
    };
    let tui = crate::tui::run(connection.into_channels(), link, attach, config, cwd);
    tui.await.with_context(|| format!("on {host}"))
}
