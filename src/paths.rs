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
        private_dir(dir)?;
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

/// Creates `dir` (and its missing parents) for the user alone (0700), and closes one that
/// others may enter: ccmux's directories name tasks in their file names.
pub fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if std::fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Whether a file read with [`read_regular`] may be reached through a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Follow,
    /// The last component must not be a link: a project file's own path, from a repository
    /// anyone may have written.
    Refuse,
}

/// The content of `path`, which must be a regular file of at most `max` bytes. A link to a
/// device, a FIFO or a `/proc` file that never ends is refused before much is read: its
/// declared size is not trusted, only what is read, and reading stops one byte past `max`.
pub fn read_regular(path: &std::path::Path, max: u64, links: Links) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) if links == Links::Refuse => Error::new(
                ErrorKind::InvalidInput,
                "it is a symbolic link; it must be a regular file",
            ),
            _ => e,
        })?;
    if !file.metadata()?.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut content = Vec::new();
    file.take(max + 1).read_to_end(&mut content)?;
    if content.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("it is larger than {} KiB", max / 1024),
        ));
    }
    Ok(content)
}
