//! The sessions a server runs, kept in the data dir so that a server started after a crash, a
//! kill or a reboot starts them again: shells in the directory they were in, Claude Code on the
//! conversation it had.
//!
//! The file is versioned JSON, replaced whole (temp file + rename) so it is never torn, and
//! private (0600): it holds the values of each session's environment and its token, unless the
//! session opted out (see `session::kept`). A file that cannot be read is moved aside, never
//! overwritten.
//!
//! A restored session that fails on its own (Claude Code that cannot find its conversation)
//! stays in the file, terminated with its reason, until it is restarted (`ctl restart`) or a
//! session of its task runs again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::manager::Manager;
use crate::session::{CommandRecord, Recipe, Session, SessionConfig, SessionId, TerminalSize};

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StateDocument {
    version: u32,
    #[serde(flatten)]
    saved: Saved,
}

/// What a server keeps of itself: its live sessions, and how far its ids have gone so that a
/// restarted server never hands out an id it has used.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Saved {
    /// Every session id below this one has been handed out.
    #[serde(default)]
    pub next_id: u64,
    pub sessions: Vec<SavedSession>,
}

/// One live session as it stood when last saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSession {
    /// Its id, which it keeps when started again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    #[serde(flatten)]
    pub recipe: Recipe,
    /// The program's working directory then: where a shell had `cd`-ed to.
    pub cwd: PathBuf,
    pub terminal_size: TerminalSize,
    pub history: Vec<CommandRecord>,
    /// The recording its output was going to: a restored session first shows its last screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the saved sessions in {path} could not be read ({reason}); the file was moved to \
         {moved_to} and no session was restored"
    )]
    Corrupt {
        path: PathBuf,
        reason: String,
        moved_to: PathBuf,
    },
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A server's state file: one per server name, so `-L` servers keep theirs apart.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn new(data_dir: &Path, server_name: &str) -> Self {
        let file = if server_name == crate::server::socket::DEFAULT_NAME {
            "state.json".to_string()
        } else {
            format!("state-{server_name}.json")
        };
        Self {
            path: data_dir.join(file),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved sessions; none when there is no file. A file that does not parse, or comes
    /// from a newer ccmux, is moved aside as `NAME.bad-TIME`.
    pub fn load(&self) -> Result<Saved, StateError> {
        let io = |source| StateError::Io {
            path: self.path.clone(),
            source,
        };
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Saved::default()),
            Err(e) => return Err(io(e)),
        };
        let reason = match serde_json::from_slice::<StateDocument>(&text) {
            Ok(doc) if doc.version == VERSION => return Ok(doc.saved),
            Ok(doc) => format!("version {} where {VERSION} was expected", doc.version),
            Err(e) => e.to_string(),
        };
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
        let moved_to = self
            .path
            .with_file_name(format!("{}.bad-{stamp}", file_name(&self.path)));
        std::fs::rename(&self.path, &moved_to).map_err(io)?;
        Err(StateError::Corrupt {
            path: self.path.clone(),
            reason,
            moved_to,
        })
    }

    /// Replaces the file with `saved`, atomically and readable by the user only.
    pub fn save(&self, saved: &Saved) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: self.path.clone(),
            source,
        };
        let document = StateDocument {
            version: VERSION,
            saved: saved.clone(),
        };
        let json = serde_json::to_vec_pretty(&document).map_err(|e| io(e.into()))?;
        crate::paths::write_private(&self.path, &json).map_err(io)
    }

    /// Forgets every session: after `kill-server` nothing is to come back.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// The live sessions as they stand now, the restores that failed, and the next id.
pub async fn snapshot(manager: &Manager) -> Saved {
    let all = manager.list();
    let live_task = |task: &crate::session::TaskId| {
        all.iter()
            .any(|s| !s.state().is_ending() && s.task_id() == task)
    };
    let mut sessions = Vec::new();
    for session in &all {
        let keep = !session.state().is_ending()
            || failed_restore(session) && !live_task(session.task_id());
        if keep {
            sessions.push(save_one(session).await);
        }
    }
    Saved {
        next_id: manager.next_id(),
        sessions,
    }
}

/// A restored session that ended on its own with a failure.
fn failed_restore(session: &Session) -> bool {
    session.recipe().origin == crate::session::kept::Origin::Restored
        && session.state() == crate::session::SessionState::Terminated
        && session.status().restore_failed
}

async fn save_one(session: &Session) -> SavedSession {
    let recipe = session.recipe().clone();
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", session.pid()))
        .unwrap_or_else(|_| recipe.project_path.clone());
    SavedSession {
        session_id: Some(session.id()),
        cwd,
        terminal_size: session.terminal_size(),
        history: session.history().await,
        recording: session.recording_file(),
        recipe,
    }
}

/// A saved session as a config to start (see `config::restore`).
pub fn to_config(
    saved: &SavedSession,
    config: &Config,
) -> Result<SessionConfig, crate::config::ResolveError> {
    let standing = crate::config::restore::Standing {
        cwd: saved.cwd.clone(),
        terminal_size: saved.terminal_size,
        history: saved.history.clone(),
    };
    config.restored_session(&saved.recipe, standing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_file_is_moved_aside_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path(), "default");
        std::fs::write(file.path(), "{ not json").unwrap();
        let Err(StateError::Corrupt { moved_to, .. }) = file.load() else {
            panic!("a corrupt file is an error");
        };
        assert!(!file.path().exists());
        assert_eq!(std::fs::read_to_string(&moved_to).unwrap(), "{ not json");
        assert!(
            file.load().unwrap().sessions.is_empty(),
            "then the server starts empty"
        );
    }

    #[test]
    fn saving_replaces_the_whole_file_privately() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path(), "work");
        file.save(&Saved::default()).unwrap();
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(file.load().unwrap().sessions.is_empty());
        assert!(file.path().ends_with("state-work.json"));
    }
}
