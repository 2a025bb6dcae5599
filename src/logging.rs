//! Logs go to a file (never to the terminal the TUI draws on): `--log-file`, else
//! `ccmux.log` in the state dir. `RUST_LOG` sets the filter (default `info`).
//!
//! The log may hold session commands and paths, so it is created 0600; it never holds what is
//! typed into a session or sent over a WebSocket: the WebSocket library logs whole frames at
//! debug and trace
//! level, and its records below info are dropped whatever `RUST_LOG` says.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::prelude::*;

/// Characters of one argument that a log line keeps.
const MAX_LOGGED_ARG: usize = 200;

pub fn default_file() -> PathBuf {
    crate::paths::state_dir().join("ccmux.log")
}

/// Starts logging to `file`. A log that cannot be opened is not a reason to refuse to run.
pub fn init(file: &Path) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(out) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
    else {
        return;
    };
    // A log created by an older ccmux may be readable by others.
    let _ = out.set_permissions(std::fs::Permissions::from_mode(0o600));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let no_frames = filter_fn(|meta| {
        let websocket = ["tungstenite", "tokio_tungstenite"]
            .iter()
            .any(|t| meta.target().starts_with(t));
        !websocket || *meta.level() <= tracing::Level::INFO
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(out))
        .with_filter(filter.and(no_frames));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// `argv` for a log line: each argument cut to [`MAX_LOGGED_ARG`] characters, so a prompt or a
/// secret passed as an argument is not written whole.
pub fn argv(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|arg| match arg.char_indices().nth(MAX_LOGGED_ARG) {
            Some((end, _)) => format!("{}…", &arg[..end]),
            None => arg.clone(),
        })
        .collect()
}
