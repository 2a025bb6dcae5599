//! The API's bearer token: from `--token`, `--token-file`, `CCMUX_API_TOKEN`, or generated once
//! and kept in the data dir with mode 0600.

use std::io::Read;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read the API token from {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot store the API token in {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// The token in force: explicit, else from the environment, else the stored one (created if
/// missing).
pub fn resolve(explicit: Option<&str>, file: &Path) -> Result<String, TokenError> {
    if let Some(token) = explicit.filter(|t| !t.is_empty()) {
        return Ok(token.to_string());
    }
    if let Ok(token) = std::env::var("CCMUX_API_TOKEN")
        && !token.is_empty()
    {
        return Ok(token);
    }
    stored(file)
}

/// The token in `file`, which must exist and hold one (`--token-file`).
pub fn read(file: &Path) -> Result<String, TokenError> {
    let read_error = |reason: String| TokenError::Read {
        path: file.to_path_buf(),
        reason,
    };
    let token = std::fs::read_to_string(file).map_err(|e| read_error(e.to_string()))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(read_error("the file is empty".into()));
    }
    Ok(token.to_string())
}

/// Reads the stored token, creating it (0600) on first use.
pub fn stored(file: &Path) -> Result<String, TokenError> {
    match std::fs::read_to_string(file) {
        Ok(token) if !token.trim().is_empty() => return Ok(token.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(TokenError::Read {
                path: file.to_path_buf(),
                reason: e.to_string(),
            });
        }
    }
    let token = generate().map_err(|e| write_error(file, e))?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| write_error(file, e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true).mode(0o600);
    let mut out = options.open(file).map_err(|e| write_error(file, e))?;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| write_error(file, e))?;
    std::io::Write::write_all(&mut out, token.as_bytes()).map_err(|e| write_error(file, e))?;
    Ok(token)
}

fn write_error(path: &Path, e: std::io::Error) -> TokenError {
    TokenError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// 32 random bytes from the kernel, hex-encoded: the token, and the browser's login codes
/// and cookies (`web::auth`).
pub(crate) fn generate() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without stopping at the first difference, so timing does not leak the token.
pub fn matches(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
