//! The registry actor: the one place sessions are admitted, counted and forgotten.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::sleep_until;

use super::{ManagerConfig, ManagerError};
use crate::session::event::{CommandSink, Event, Notifier, StateNote};
use crate::session::{
    Ending, Session, SessionConfig, SessionId, SessionServices, SessionState, TaskId, WorkspaceName,
};

pub enum Request {
    Create {
        /// Boxed: a config (with a custom profile's rules) is far larger than other requests.
        config: Box<SessionConfig>,
        /// The id it had before a restart, kept when no session has it now.
        id: Option<SessionId>,
        reply: oneshot::Sender<Result<Session, ManagerError>>,
    },
    /// Ids below this were handed out by an earlier run of the server: never again.
    IdsFrom(u64),
    /// A reload's new limits.
    Limits(super::SessionLimits),
    /// Forget an ended session: it leaves every client's panes and every list.
    Dismiss {
        id: SessionId,
        reply: oneshot::Sender<Result<Session, ManagerError>>,
    },
    /// Stop admitting sessions; answer with the live ones so the caller can end them.
    Shutdown {
        reply: oneshot::Sender<Vec<Session>>,
    },
}

/// Counters of sessions no longer in the registry, so totals survive forgetting them.
#[derive(Debug, Clone, Default)]
pub struct Forgotten {
    pub commands_run: u64,
    pub bytes_read: u64,
}

/// What the actor publishes after every change; readers borrow it without asking.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub sessions: BTreeMap<SessionId, Session>,
    pub created_total: u64,
    pub terminated_total: u64,
    pub forgotten: Forgotten,
    /// The id the next session gets; every id below it has been handed out.
    pub next_id: u64,
}

fn is_live(session: &Session) -> bool {
    !session.state().is_ending()
}

impl Registry {
    pub fn live_for_task(&self, workspace: &WorkspaceName, task_id: &TaskId) -> Option<&Session> {
        self.sessions
            .values()
            .find(|s| s.workspace() == workspace && s.task_id() == task_id && is_live(s))
    }

    pub fn live_count(&self) -> usize {
        self.sessions.values().filter(|s| is_live(s)).count()
    }
}

pub fn start(
    config: ManagerConfig,
    events: broadcast::Sender<Event>,
    commands: Arc<dyn CommandSink>,
) -> std::io::Result<(mpsc::Sender<Request>, watch::Receiver<Arc<Registry>>)> {
    let services = SessionServices::start()?;
    let (requests_tx, requests) = mpsc::channel(64);
    let (states_tx, states) = mpsc::unbounded_channel();
    let registry = Registry {
        next_id: 1,
        ..Registry::default()
    };
    let (published, registry_rx) = watch::channel(Arc::new(registry.clone()));
    let actor = RegistryActor {
        config,
        registry,
        published,
        notifier: Notifier {
            events,
            states: states_tx,
            commands,
        },
        services,
        idle_since: HashMap::new(),
        ended_at: HashMap::new(),
        shutting_down: false,
    };
    tokio::spawn(actor.run(requests, states));
    Ok((requests_tx, registry_rx))
}

struct RegistryActor {
    config: ManagerConfig,
    registry: Registry,
    published: watch::Sender<Arc<Registry>>,
    notifier: Notifier,
    /// The reaper and parse threads the sessions share.
    services: SessionServices,
    /// Sessions that can take a command, and since when: the idle-timeout clock.
    idle_since: HashMap<SessionId, Instant>,
    /// Ended sessions not dismissed yet, and since when: the `keep_ended` clock.
    ended_at: HashMap<SessionId, Instant>,
    shutting_down: bool,
}

impl RegistryActor {
    async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut states: mpsc::UnboundedReceiver<StateNote>,
    ) {
        loop {
            let idle_deadline = self.next_idle_deadline();
            let keep_deadline = self.next_keep_deadline();
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => self.on_request(request),
                    // Every manager handle is gone; sessions end with their last handle.
                    None => break,
                },
                Some(note) = states.recv() => self.on_state(note),
                _ = sleep_until(idle_deadline.unwrap_or_else(Instant::now).into()), if idle_deadline.is_some() => {
                    self.end_idle_sessions(Instant::now());
                }
                _ = sleep_until(keep_deadline.unwrap_or_else(Instant::now).into()), if keep_deadline.is_some() => {
                    self.dismiss_kept_too_long(Instant::now());
                }
            }
        }
    }

    fn on_request(&mut self, request: Request) {
        match request {
            Request::Create { config, id, reply } => {
                let _ = reply.send(self.create(*config, id));
            }
            Request::IdsFrom(next) => {
                self.registry.next_id = self.registry.next_id.max(next);
                self.publish();
            }
            Request::Limits(limits) => {
                self.config.max_sessions = limits.max_sessions;
                self.config.idle_timeout = limits.idle_timeout;
                self.config.keep_ended = limits.keep_ended;
            }
            Request::Dismiss { id, reply } => {
                let _ = reply.send(self.dismiss(id));
            }
            Request::Shutdown { reply } => {
                self.shutting_down = true;
                let live = self
                    .registry
                    .sessions
                    .values()
                    .filter(|s| is_live(s))
                    .cloned()
                    .collect();
                let _ = reply.send(live);
            }
        }
    }

    fn create(
        &mut self,
        mut config: SessionConfig,
        kept: Option<SessionId>,
    ) -> Result<Session, ManagerError> {
        if self.shutting_down {
            return Err(ManagerError::ShuttingDown);
        }
        if let Some(existing) = self
            .registry
            .live_for_task(&config.workspace, &config.task_id)
        {
            return Err(ManagerError::TaskConflict {
                workspace: config.workspace.clone(),
                task_id: config.task_id.clone(),
                session_id: existing.id(),
            });
        }
        if self.registry.live_count() >= self.config.max_sessions {
            return Err(ManagerError::TooManySessions(self.config.max_sessions));
        }
        let id = kept
            .filter(|id| id.0 > 0 && !self.registry.sessions.contains_key(id))
            .unwrap_or(SessionId(self.registry.next_id));
        // An id is never given twice, not even after a failed spawn: the recorder and the
        // hooks' files know a session by it.
        self.registry.next_id = self.registry.next_id.max(id.0 + 1);
        if let Some(recorder) = &self.config.recorder {
            config.recording = Some(Arc::new(recorder.tap_for(id, &config)));
        }
        config.claude.endpoint = self.config.hooks.clone();
        let session = Session::spawn(id, config, self.notifier.clone(), &self.services)?;
        self.registry.sessions.insert(id, session.clone());
        self.registry.created_total += 1;
        self.forget_old_ended();
        self.publish();
        Ok(session)
    }

    fn on_state(&mut self, note: StateNote) {
        let Some(change) = note.change else {
            return self.publish();
        };
        let to = change.to;
        if to.accepts_commands() {
            self.idle_since.insert(note.session_id, Instant::now());
        } else {
            self.idle_since.remove(&note.session_id);
        }
        if to == SessionState::Terminated {
            self.ended_at.insert(note.session_id, Instant::now());
            self.registry.terminated_total += 1;
            self.forget_old_ended();
        }
        self.publish();
    }

    fn next_idle_deadline(&self) -> Option<Instant> {
        let timeout = self.config.idle_timeout?;
        self.idle_since.values().min().map(|since| *since + timeout)
    }

    fn end_idle_sessions(&mut self, now: Instant) {
        let Some(timeout) = self.config.idle_timeout else {
            return;
        };
        let expired: Vec<SessionId> = self
            .idle_since
            .iter()
            .filter(|(_, since)| now.duration_since(**since) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.idle_since.remove(&id);
            if let Some(session) = self.registry.sessions.get(&id).cloned() {
                tracing::info!(session = %id, "idle timeout reached; terminating");
                let reason = format!("idle for {}s (idle_timeout)", timeout.as_secs_f32());
                tokio::spawn(
                    async move { session.terminate_because(Ending::Graceful, reason).await },
                );
            }
        }
    }

    /// Keeps at most `retain_ended` terminated sessions, dropping the oldest.
    fn forget_old_ended(&mut self) {
        let ended: Vec<SessionId> = self
            .registry
            .sessions
            .iter()
            .filter(|(_, s)| s.state() == SessionState::Terminated)
            .map(|(id, _)| *id)
            .collect();
        let excess = ended.len().saturating_sub(self.config.retain_ended);
        for id in ended.into_iter().take(excess) {
            self.forget(id);
        }
    }

    /// Drops an ended session from the registry; its counters stay in the totals.
    fn forget(&mut self, id: SessionId) -> Option<Session> {
        self.ended_at.remove(&id);
        let session = self.registry.sessions.remove(&id)?;
        let status = session.status();
        self.registry.forgotten.commands_run += status.commands_run;
        self.registry.forgotten.bytes_read += status.bytes_read;
        Some(session)
    }

    /// A person (or a script) is done with an ended session; a live one must end first.
    fn dismiss(&mut self, id: SessionId) -> Result<Session, ManagerError> {
        let session = self
            .registry
            .sessions
            .get(&id)
            .ok_or(ManagerError::NotFound(id))?;
        if session.state() != SessionState::Terminated {
            return Err(ManagerError::StillRunning(id));
        }
        let session = self.forget(id).ok_or(ManagerError::NotFound(id))?;
        tracing::info!(session = %id, "dismissed");
        self.publish();
        Ok(session)
    }

    fn next_keep_deadline(&self) -> Option<Instant> {
        let keep = self.config.keep_ended?;
        self.ended_at.values().min().map(|since| *since + keep)
    }

    /// `[limits] keep_ended`: ended sessions shown that long are dismissed.
    fn dismiss_kept_too_long(&mut self, now: Instant) {
        let Some(keep) = self.config.keep_ended else {
            return;
        };
        let expired: Vec<SessionId> = self
            .ended_at
            .iter()
            .filter(|(_, since)| now.duration_since(**since) >= keep)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            tracing::info!(session = %id, "ended {}s ago (keep_ended); dismissed", keep.as_secs());
            self.forget(id);
        }
        self.publish();
    }

    fn publish(&self) {
        self.published.send_replace(Arc::new(self.registry.clone()));
    }
}
