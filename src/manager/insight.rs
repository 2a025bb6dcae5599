//! What the manager tells about its sessions beyond their status: resource use, git worktree
//! counts, kept command history and metrics. Each of these reads `/proc`, runs `git` or reads
//! a file, so each runs on the blocking pool, and only when asked.

use std::collections::HashMap;

use crate::history::{self, Entry};
use crate::manager::{Manager, ManagerError};
use crate::session::{Ending, Session, SessionConfig, SessionId, SessionInfo};
use crate::usage::Resources;
use crate::worktree::{self, Placement, WorktreeError};

/// Makes (or finds) the worktree a config asks for and moves the session into it.
pub(super) async fn place_in_worktree(config: &mut SessionConfig) -> Result<(), ManagerError> {
    let Some(Placement::Asked(name)) = config.worktree.clone() else {
        return Ok(());
    };
    let project = config.project_path.clone();
    let info = blocking(move || worktree::prepare(&project, &name)).await?;
    // A restored session comes back in the directory it was in, inside its worktree.
    if !worktree::contains(&info.path, &config.project_path) {
        config.project_path = info.path.clone();
    }
    config.worktree = Some(Placement::Made(info));
    Ok(())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, WorktreeError> + Send + 'static,
) -> Result<T, WorktreeError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(WorktreeError::NoGit(e.to_string())))
}

impl Manager {
    /// The counters the API adds its requests to.
    pub fn metrics(&self) -> std::sync::Arc<crate::metrics::Metrics> {
        self.shared.metrics.clone()
    }

    /// `GET /metrics`: the Prometheus text of the counters and the sessions now.
    pub fn metrics_text(&self) -> String {
        crate::metrics::render(&self.stats(), &self.shared.metrics)
    }

    /// What the live ones of `sessions` use now (or a moment ago: see `usage::FRESH_FOR`).
    pub async fn usage(&self, sessions: &[Session]) -> HashMap<SessionId, Resources> {
        let live: Vec<(SessionId, u32)> = sessions
            .iter()
            .filter(|s| !s.state().is_ending())
            .map(|s| (s.id(), s.pid()))
            .collect();
        let sampler = self.shared.usage.clone();
        tokio::task::spawn_blocking(move || sampler.lock().sample(&live))
            .await
            .unwrap_or_default()
    }

    /// Each session's info with its resource use and worktree counts as they are now.
    pub async fn detailed_infos(&self, sessions: &[Session]) -> Vec<SessionInfo> {
        let mut infos: Vec<SessionInfo> = sessions.iter().map(Session::info).collect();
        let usage = self.usage(sessions).await;
        for info in &mut infos {
            info.resources = usage.get(&info.session_id).copied();
        }
        let worktrees: Vec<_> = infos.iter().map(|i| i.worktree.clone()).collect();
        if worktrees.iter().any(Option::is_some) {
            let counted = tokio::task::spawn_blocking(move || {
                worktrees
                    .into_iter()
                    .map(|w| w.map(worktree::with_counts))
                    .collect::<Vec<_>>()
            })
            .await;
            for (info, worktree) in infos.iter_mut().zip(counted.unwrap_or_default()) {
                info.worktree = worktree;
            }
        }
        infos
    }

    pub async fn detailed_info(&self, id: SessionId) -> Result<SessionInfo, ManagerError> {
        let session = self.get(id)?;
        let mut infos = self.detailed_infos(&[session]).await;
        Ok(infos.remove(0))
    }

    /// The task's kept commands, oldest first, then any the session still runs.
    pub async fn history(&self, id: SessionId) -> Result<Vec<Entry>, ManagerError> {
        let session = self.get(id)?;
        let task = session.task_id().clone();
        let created = session.info().created_at;
        let held = session.history().await;
        let Some(dir) = self.shared.history_dir.clone() else {
            return Ok(held.iter().map(|r| Entry::held(&task, id, r)).collect());
        };
        let reading = task.clone();
        let commands = self.shared.commands.clone();
        let kept = tokio::task::spawn_blocking(move || {
            commands.sync();
            history::read_task(&dir, &reading)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, task = %task, "the history file could not be read");
            Vec::new()
        });
        // A command cut short by a restart never finished: only this session's own can run.
        let running = held
            .iter()
            .filter(|r| r.result.is_none() && r.sent_at >= created)
            .map(|r| Entry::held(&task, id, r));
        Ok(kept.into_iter().chain(running).collect())
    }

    /// Ends a session, then removes its worktree when that is clean. A dirty worktree is found
    /// out before anything happens, and the session is left running.
    pub async fn terminate_removing_worktree(
        &self,
        id: SessionId,
        ending: Ending,
    ) -> Result<SessionInfo, ManagerError> {
        let session = self.get(id)?;
        let Some(info) = session.info().worktree else {
            return Err(WorktreeError::None.into());
        };
        let checked = info.clone();
        let counted = blocking(move || Ok(worktree::with_counts(checked))).await?;
        if let Some(changes) = counted.dirty.filter(|n| *n > 0) {
            return Err(WorktreeError::Dirty {
                path: info.path,
                changes,
            }
            .into());
        }
        let ended = session.terminate(ending).await;
        blocking(move || worktree::remove(&info)).await?;
        Ok(ended)
    }
}
