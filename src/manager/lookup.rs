//! Sessions named the way people name them: by id, as `WORKSPACE/TASK`, or by a task id alone
//! when a single workspace has it.

use super::{Manager, ManagerError};
use crate::session::{Session, SessionId};

impl Manager {
    /// The session `reference` names. A number is an id (whether a session has it is for the
    /// caller's `get` to say); otherwise live sessions are preferred to ended ones, and among
    /// several in one workspace (a task's ended runs) the newest.
    pub fn lookup(&self, reference: &str) -> Result<SessionId, ManagerError> {
        if let Ok(number) = reference.parse::<u64>() {
            return Ok(SessionId(number));
        }
        let sessions = self.list();
        let named: Vec<&Session> = sessions.iter().filter(|s| names(s, reference)).collect();
        let live: Vec<&Session> = named
            .iter()
            .copied()
            .filter(|s| !s.state().is_ending())
            .collect();
        let pool = if live.is_empty() { named } else { live };
        let mut workspaces: Vec<&str> = pool.iter().map(|s| s.workspace().as_str()).collect();
        workspaces.sort_unstable();
        workspaces.dedup();
        match (workspaces.len(), pool.iter().map(|s| s.id()).max()) {
            (1, Some(newest)) => Ok(newest),
            (0, _) | (_, None) => Err(ManagerError::NoSuchName(reference.to_string())),
            _ => Err(ManagerError::AmbiguousName {
                name: reference.to_string(),
                workspaces: workspaces.join(", "),
            }),
        }
    }
}

/// `reference` is the session's task id, or its `WORKSPACE/TASK` (a workspace name has no `/`,
/// a task id may).
fn names(session: &Session, reference: &str) -> bool {
    let task = session.task_id().as_str();
    task == reference
        || reference
            .split_once('/')
            .is_some_and(|(workspace, rest)| session.workspace() == workspace && task == rest)
}
