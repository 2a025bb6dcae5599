//! Where a server's Unix socket lives, and who may connect to it.
//!
//! The socket sits in a directory only its user can enter: `$XDG_RUNTIME_DIR/ccmux`, else
//! `ccmux-UID` under the temp dir, whose owner and mode are checked because anyone can create
//! a directory there first. The socket itself is 0600, and every connection's peer uid is
//! checked (SO_PEERCRED) besides.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::{UnixListener, UnixStream};

/// The server `ccmux` talks to when no `-L` names another.
pub const DEFAULT_NAME: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("socket name `{0}` must be 1–64 letters, digits, `-`, `_` or `.`")]
    BadName(String),
    #[error("cannot use {path}: {reason}")]
    Dir { path: PathBuf, reason: String },
    #[error("a ccmux server already listens on {0}")]
    InUse(PathBuf),
    #[error("cannot listen on {path}: {source}")]
    Bind {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A server's socket, by name.
#[derive(Debug, Clone)]
pub struct SocketPath {
    pub name: String,
    pub path: PathBuf,
}

impl SocketPath {
    pub fn for_name(name: &str) -> Result<Self, SocketError> {
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || name.len() > 64 || !name.chars().all(valid) || name.starts_with('.') {
            return Err(SocketError::BadName(name.to_string()));
        }
        Ok(Self {
            name: name.to_string(),
            path: socket_dir().join(name),
        })
    }

    /// Where the running server says where its API is (see `server::info`).
    pub fn info_file(&self) -> PathBuf {
        self.path.with_extension("json")
    }
}

fn uid() -> u32 {
    // SAFETY: getuid cannot fail and touches no memory.
    unsafe { libc::getuid() }
}

fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("ccmux"),
        None => std::env::temp_dir().join(format!("ccmux-{}", uid())),
    }
}

/// Creates the socket directory (0700) or checks that the existing one is ours and private.
pub fn prepare_dir(socket: &SocketPath) -> Result<(), SocketError> {
    let dir = socket.path.parent().unwrap_or(Path::new("/"));
    let fail = |reason: String| SocketError::Dir {
        path: dir.to_path_buf(),
        reason,
    };
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(fail(e.to_string())),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| fail(e.to_string()))?;
    if !meta.is_dir() {
        return Err(fail("it is not a directory".into()));
    }
    if meta.uid() != uid() {
        return Err(fail(format!(
            "it belongs to uid {}, not to you (uid {}); remove it",
            meta.uid(),
            uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| fail(format!("it is open to others and cannot be closed: {e}")))?;
    }
    Ok(())
}

/// Listens on the socket, taking over a stale one left by a server that died, and refusing
/// when a live server answers there.
pub async fn bind(socket: &SocketPath) -> Result<UnixListener, SocketError> {
    prepare_dir(socket)?;
    if socket.path.exists() {
        if UnixStream::connect(&socket.path).await.is_ok() {
            return Err(SocketError::InUse(socket.path.clone()));
        }
        let _ = std::fs::remove_file(&socket.path);
    }
    let bind_error = |source| SocketError::Bind {
        path: socket.path.clone(),
        source,
    };
    // Created under a umask that leaves it 0600 from the start: no moment where others may
    // connect before the chmod.
    // SAFETY: umask only swaps the process's file-creation mask.
    let old = unsafe { libc::umask(0o177) };
    let listener = UnixListener::bind(&socket.path);
    // SAFETY: as above, restoring the previous mask.
    unsafe { libc::umask(old) };
    let listener = listener.map_err(bind_error)?;
    std::fs::set_permissions(&socket.path, std::fs::Permissions::from_mode(0o600))
        .map_err(bind_error)?;
    Ok(listener)
}

/// Whether the peer runs as this user: only they may drive their sessions.
pub fn peer_is_us(stream: &UnixStream) -> bool {
    stream.peer_cred().is_ok_and(|cred| cred.uid() == uid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_names_are_plain_words() {
        assert!(SocketPath::for_name("work-2").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", &"x".repeat(65)] {
            assert!(SocketPath::for_name(bad).is_err(), "{bad:?}");
        }
    }
}
