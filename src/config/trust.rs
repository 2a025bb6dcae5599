//! Which project files ccmux reads. A `ccmux.toml` found in the current directory or a parent
//! may have come with a cloned repository, and its sessions are commands: reading it would run
//! someone else's code the moment `ccmux` starts there. So, like direnv's `allow`, a project
//! file is read only after `ccmux trust` recorded its path with a hash of its content, and only
//! while the content still hashes the same; an edited file must be trusted again.
//!
//! The record is `trusted.json` in the data dir, readable by the user only and replaced whole
//! (temp file + rename), so it is never torn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::find_project_file;
use crate::paths::{self, PROJECT_FILE};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("no {PROJECT_FILE} in {0} or above: give the path of the file to trust")]
    NoProjectFile(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a trust record ccmux can read ({reason}): remove it and trust again")]
    Corrupt { path: PathBuf, reason: String },
}

/// Whether a project file may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Trusted,
    /// Never trusted, or trust was revoked.
    New,
    /// Trusted once; the content has changed since.
    Changed,
}

/// The project file that applies to a directory, and whether it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFile {
    pub path: PathBuf,
    pub trust: Trust,
}

impl ProjectFile {
    /// What the user is told when the file was ignored: which file, and the one command that
    /// trusts it.
    pub fn untrusted_notice(&self) -> Option<String> {
        let why = match self.trust {
            Trust::Trusted => return None,
            Trust::New => "new",
            Trust::Changed => "changed since it was trusted",
        };
        let dir = self.path.parent().unwrap_or(Path::new("/"));
        Some(format!(
            "{PROJECT_FILE} in {} is not trusted ({why}), so it was ignored: review it, then \
             run `ccmux trust {}`",
            dir.display(),
            shell_quoted(&self.path)
        ))
    }
}

/// What `ccmux trust` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustAction {
    /// Trust the file (default: the project file found from the cwd).
    Trust(Option<PathBuf>),
    Revoke(Option<PathBuf>),
    List,
}

/// `ccmux trust`: carries `action` out against the store in the data dir; returns what to print.
pub fn run(action: TrustAction, cwd: &Path) -> Result<String, TrustError> {
    let mut store = TrustStore::open()?;
    let file = |path: Option<PathBuf>| match path {
        Some(path) if path.is_dir() => Ok(path.join(PROJECT_FILE)),
        Some(path) => Ok(path),
        None => find_project_file(cwd).ok_or_else(|| TrustError::NoProjectFile(cwd.into())),
    };
    match action {
        TrustAction::Trust(path) => {
            let trusted = store.trust(&file(path)?)?;
            store.save()?;
            Ok(format!(
                "trusted {}: its sessions start the next time a workspace opens there\n",
                trusted.display()
            ))
        }
        TrustAction::Revoke(path) => {
            let path = file(path)?;
            let said = match store.revoke(&path)? {
                Some(revoked) => format!("no longer trusted: {}\n", revoked.display()),
                None => format!("was not trusted: {}\n", path.display()),
            };
            store.save()?;
            Ok(said)
        }
        TrustAction::List if store.trusted.is_empty() => Ok("no trusted project files\n".into()),
        TrustAction::List => Ok(store
            .trusted
            .iter()
            .map(|(path, hash)| {
                let status = match read_project_file(path) {
                    Ok(content) if sha256(&content) == *hash => "trusted",
                    Ok(_) => "changed",
                    Err(_) => "missing",
                };
                format!("{status:<8} {}\n", path.display())
            })
            .collect()),
    }
}

/// The trusted project files: canonical path → SHA-256 of the content trusted.
#[derive(Debug)]
pub struct TrustStore {
    path: PathBuf,
    trusted: BTreeMap<PathBuf, String>,
}

/// The store as it is written.
#[derive(Serialize, Deserialize)]
struct Document {
    sha256: BTreeMap<PathBuf, String>,
}

impl TrustStore {
    /// The store in the data dir; empty when there is none yet.
    pub fn open() -> Result<Self, TrustError> {
        Self::open_at(paths::data_dir().join("trusted.json"))
    }

    fn open_at(path: PathBuf) -> Result<Self, TrustError> {
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    trusted: BTreeMap::new(),
                });
            }
            Err(source) => return Err(TrustError::Io { path, source }),
        };
        match serde_json::from_slice::<Document>(&text) {
            Ok(document) => Ok(Self {
                path,
                trusted: document.sha256,
            }),
            Err(e) => Err(TrustError::Corrupt {
                path,
                reason: e.to_string(),
            }),
        }
    }

    /// Whether `content`, just read from `file`, is what the user trusted there.
    pub fn verdict(&self, file: &Path, content: &[u8]) -> Result<Trust, TrustError> {
        Ok(match self.trusted.get(&canonical(file)?) {
            None => Trust::New,
            Some(hash) if *hash == sha256(content) => Trust::Trusted,
            Some(_) => Trust::Changed,
        })
    }

    /// Trusts `file` as it is now; returns where it is.
    fn trust(&mut self, file: &Path) -> Result<PathBuf, TrustError> {
        let content = read_project_file(file).map_err(|source| TrustError::Io {
            path: file.into(),
            source,
        })?;
        let path = canonical(file)?;
        self.trusted.insert(path.clone(), sha256(&content));
        Ok(path)
    }

    /// Forgets `file`, which need not exist any more; returns where it was, if it was trusted.
    fn revoke(&mut self, file: &Path) -> Result<Option<PathBuf>, TrustError> {
        let path = canonical(file)?;
        Ok(self.trusted.remove(&path).map(|_| path))
    }

    /// Replaces the stored record, atomically and readable by the user only.
    fn save(&self) -> Result<(), TrustError> {
        let io = |source| TrustError::Io {
            path: self.path.clone(),
            source,
        };
        let document = Document {
            sha256: self.trusted.clone(),
        };
        let json = serde_json::to_vec_pretty(&document).map_err(|e| io(e.into()))?;
        crate::paths::write_private(&self.path, &json).map_err(io)
    }
}

/// Where `file` is however it was reached: its directory canonicalized (symlinks, `..`), its
/// own name kept, so that a file that is gone can still be revoked.
/// A project file as loading reads it: a regular file, not a link, of a bounded size.
fn read_project_file(file: &Path) -> std::io::Result<Vec<u8>> {
    paths::read_regular(
        file,
        crate::config::load::MAX_CONFIG_FILE,
        paths::Links::Refuse,
    )
}

fn canonical(file: &Path) -> Result<PathBuf, TrustError> {
    let not_a_file = || TrustError::Io {
        path: file.into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    };
    let name = file.file_name().ok_or_else(not_a_file)?;
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|source| TrustError::Io {
        path: dir.into(),
        source,
    })?;
    Ok(dir.join(name))
}

fn sha256(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `path` as one shell word, so the command in a notice can be pasted as it is.
fn shell_quoted(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+@%:,".contains(c);
    if text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_is_trusted_for_the_content_it_had_when_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(PROJECT_FILE);
        std::fs::write(&file, "[[session]]\ntask_id = \"a\"\n").unwrap();
        let record = dir.path().join("data/trusted.json");
        let mut store = TrustStore::open_at(record.clone()).unwrap();
        assert_eq!(store.verdict(&file, b"anything").unwrap(), Trust::New);

        store.trust(&file).unwrap();
        store.save().unwrap();
        let store = TrustStore::open_at(record.clone()).unwrap();
        let same = std::fs::read(&file).unwrap();
        assert_eq!(store.verdict(&file, &same).unwrap(), Trust::Trusted);
        let through_dots = dir.path().join("data/..").join(PROJECT_FILE);
        assert_eq!(store.verdict(&through_dots, &same).unwrap(), Trust::Trusted);
        assert_eq!(store.verdict(&file, b"edited").unwrap(), Trust::Changed);
        let mode = std::fs::metadata(&record).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_revoked_or_deleted_file_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(PROJECT_FILE);
        std::fs::write(&file, "").unwrap();
        let mut store = TrustStore::open_at(dir.path().join("trusted.json")).unwrap();
        store.trust(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            store.revoke(&file).unwrap(),
            Some(canonical(&file).unwrap())
        );
        assert_eq!(store.revoke(&file).unwrap(), None);
        assert_eq!(store.verdict(&file, b"").unwrap(), Trust::New);
    }

    #[test]
    fn the_notice_names_the_file_and_a_command_that_pastes_as_is() {
        let notice = |path: &str, trust| {
            let file = ProjectFile {
                path: path.into(),
                trust,
            };
            file.untrusted_notice()
        };
        assert_eq!(notice("/p/ccmux.toml", Trust::Trusted), None);
        assert_eq!(
            notice("/p/ccmux.toml", Trust::New).unwrap(),
            "ccmux.toml in /p is not trusted (new), so it was ignored: review it, then run \
             `ccmux trust /p/ccmux.toml`"
        );
        let odd = notice("/my p/it's/ccmux.toml", Trust::Changed).unwrap();
        assert!(odd.contains("(changed since it was trusted)"), "{odd}");
        assert!(
            odd.ends_with(r"`ccmux trust '/my p/it'\''s/ccmux.toml'`"),
            "{odd}"
        );
    }
}
