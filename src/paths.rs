//! Where ccmux keeps things, following the platform's conventions (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "ccmux")
}

/// Holds the global `config.toml`.
pub fn config_dir() -> PathBuf {
    dirs().map_or_else(|| PathBuf::from(".ccmux"), |d| d.config_dir().to_path_buf())
}

pub fn global_config_file() -> PathBuf {
    config_dir().join("config.toml")
}

/// Holds the API token.
pub fn data_dir() -> PathBuf {
    dirs().map_or_else(|| PathBuf::from(".ccmux"), |d| d.data_dir().to_path_buf())
}

/// Holds the log file.
pub fn state_dir() -> PathBuf {
    dirs()
        .and_then(|d| d.state_dir().map(PathBuf::from))
        .unwrap_or_else(data_dir)
}

/// The project file's name, looked for in the current directory and its parents.
pub const PROJECT_FILE: &str = "ccmux.toml";

/// Replaces `path` with `bytes`, readable by the user only (0600), so that a reader sees the
/// old file or the new one and never half of either: written to a temp file beside it, synced,
/// then renamed over it. Creates the directory when missing.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}
