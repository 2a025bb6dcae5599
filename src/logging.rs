//! Logs go to a file (never to the terminal the TUI draws on): `--log-file`, else
//! `ccmux.log` in the state dir. `RUST_LOG` sets the filter (default `info`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

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
        .open(file)
    else {
        return;
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(out))
        .try_init();
}
