//! One client connection: its requests in, its workspace's sessions and screens out.
//!
//! Everything sent to the client goes through its outbox (`server/outbox.rs`). The
//! sessions' screens reach it as frames (see `screens.rs`), pulled when the client has
//! taken the ones before: a slow client gets the newest screen later, never a backlog, and
//! never slows a session. Typed input is encoded with the session's modes and written at once,
//! mostly before it gets here (see `keystrokes.rs`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::AsyncRead;
use tokio::sync::{mpsc, watch};

use crate::claude::ReportPost;
use crate::config::macro_spec::MacroSpec;
use crate::manager::{ClientId, Manager, ManagerError};
use crate::protocol::{
    self, Attach, ClientMessage, NewSession, ServerMessage, Tokens, WorkspaceListing,
};
use crate::server::intake::{self, Request};
use crate::server::keystrokes::Keystrokes;
use crate::server::outbox::Outbox;
use crate::server::screens::Screens;
use crate::server::usage_feed::UsageFeed;
use crate::server::{Hub, workspace};
use crate::session::dialog::Choice;
use crate::session::{Session, SessionError, SessionId, SessionInfo, WorkspaceName};
use crate::socket_stream::WriteHalf;

mod screen_requests;

/// Requests read ahead of the one being carried out.
const INCOMING_QUEUE: usize = 64;

type Outgoing = Outbox;

/// Whether the connection goes on after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    End,
}

/// Ends a session gracefully and dismisses it, apart from the connection: it may take its
/// grace period. Its pane goes from every client.
fn close(manager: &Manager, id: SessionId) {
    let manager = manager.clone();
    tokio::spawn(async move {
        if let Err(e) = manager.close(id).await {
            tracing::debug!(session = %id, error = %e, "a closed session was not dismissed");
        }
    });
}

/// Serves one client until it leaves or the server stops.
pub async fn serve(
    hub: Arc<Hub>,
    reader: impl AsyncRead + Unpin + Send + 'static,
    writer: WriteHalf,
) {
    let (out, writing) = Outbox::start(writer);
    let (requests_tx, requests) = mpsc::channel(INCOMING_QUEUE);
    let attached = Arc::new(AtomicBool::new(false));
    let client = hub.client_joined();
    let screens = Screens::start(hub.manager.clone(), hub.frame_cap, out.clone());
    let keys = Keystrokes {
        manager: hub.manager.clone(),
        client,
        typed: screens.typed.clone(),
    };
    let reading = tokio::spawn(intake::read_requests(
        reader,
        hub.limits,
        attached.clone(),
        keys,
        requests_tx,
    ));
    let mut connection = Connection {
        hub: hub.clone(),
        client,
        out,
        attached,
        workspace: None,
        screens,
        shown: None,
        last_sent: Vec::new(),
        usage: None,
        tokens: Tokens::default(),
    };
    connection.run(requests).await;
    hub.manager.client_left(client);
    reading.abort();
    drop(connection);
    let _ = writing.await;
    hub.client_left();
}

struct Connection {
    hub: Arc<Hub>,
    client: ClientId,
    out: Outgoing,
    /// Set once it shows a workspace: from then on it may stay silent (see `intake`).
    attached: Arc<AtomicBool>,
    workspace: Option<WorkspaceName>,
    screens: Screens,
    /// The sessions the client draws, when it said; `None`: all of the workspace's.
    shown: Option<HashSet<SessionId>>,
    /// The session list the client has, so unchanged lists are not sent again.
    last_sent: Vec<SessionInfo>,
    /// Resource use sent while the client shows it; ends when dropped.
    usage: Option<UsageFeed>,
    /// The client's token variables, from its attach: its new sessions' tokens.
    tokens: Tokens,
}

impl Connection {
    async fn run(&mut self, mut requests: mpsc::Receiver<Request>) {
        match requests.recv().await.map(|r| r.message) {
            Some(ClientMessage::Hello { version }) if version == protocol::VERSION => {
                let welcome = ServerMessage::Welcome {
                    version: protocol::VERSION,
                    pid: std::process::id(),
                };
                if self.out.send(welcome).await.is_err() {
                    return;
                }
            }
            Some(ClientMessage::Hello { version }) => {
                let reason = format!(
                    "this server speaks protocol {}, the client {version}: restart the server \
                     (`ccmux kill-server`) or use the matching ccmux",
                    protocol::VERSION
                );
                return self.refuse(reason).await;
            }
            _ => return self.refuse("a client must say hello first".into()).await,
        }
        let mut changes = self.hub.manager.changes();
        let mut stopping = self.hub.stopping();
        loop {
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => {
                        // Its room in the client's budget is freed once it is carried out.
                        if self.on_request(request.message).await == Flow::End {
                            return;
                        }
                    }
                    None => return,
                },
                alive = changes.changed() => {
                    if !alive {
                        return;
                    }
                    self.sync_sessions().await;
                }
                reason = stop_reason(&mut stopping) => {
                    let _ = self.out.send(ServerMessage::Bye { reason }).await;
                    return;
                }
            }
        }
    }

    async fn refuse(&self, reason: String) {
        let _ = self.out.send(ServerMessage::Refused { reason }).await;
    }

    /// Carries out one request.
    async fn on_request(&mut self, request: ClientMessage) -> Flow {
        let manager = &self.hub.manager;
        let outcome = match request {
            ClientMessage::Hello { .. } => Ok(()),
            ClientMessage::Attach(attach) => return self.attach(&attach).await,
            ClientMessage::Report(post) => return self.report(post).await,
            ClientMessage::PaneSize { session, size } => {
                manager.client_shows(self.client, session, size).await
            }
            request @ (ClientMessage::Input { .. }
            | ClientMessage::Shown { .. }
            | ClientMessage::FrameTaken { .. }
            | ClientMessage::Page { .. }
            | ClientMessage::Search { .. }
            | ClientMessage::Copy { .. }) => self.on_screen_request(request).await,
            ClientMessage::Interrupt { session } => manager.interrupt(session).await,
            ClientMessage::Answer { session, choice } => self.answer(session, choice),
            ClientMessage::Close { session } => {
                manager.get(session).map(|s| close(manager, s.id()))
            }
            ClientMessage::Create(new) => {
                self.create(new).await;
                Ok(())
            }
            ClientMessage::SwitchWorkspace { step } => {
                self.switch_workspace(step).await;
                Ok(())
            }
            ClientMessage::CloseWorkspace => {
                self.close_workspace();
                Ok(())
            }
            ClientMessage::List => {
                self.list().await;
                Ok(())
            }
            ClientMessage::Reload => {
                let _ = self.out.send(self.hub.reload_answer().await).await;
                Ok(())
            }
            ClientMessage::KillServer => {
                self.hub.stop("kill-server was asked");
                Ok(())
            }
            ClientMessage::RunMacro {
                session,
                name,
                spec,
            } => self.run_macro(session, name, spec),
            ClientMessage::WatchUsage { on } => {
                self.usage = on.then(|| self.usage_feed()).flatten();
                Ok(())
            }
        };
        match outcome {
            Ok(()) => {}
            // A request about a session that has just gone: the next session list says so.
            Err(ManagerError::NotFound(_) | ManagerError::Session(SessionError::Ended)) => {}
            // Anything else (keys refused by a program that does not read them, say) the user
            // should see, not lose silently.
            Err(e) => {
                tracing::debug!(client = self.client.0, error = %e, "a client request failed");
                self.notice(e.to_string()).await;
            }
        }
        Flow::Continue
    }

    async fn notice(&self, text: String) {
        let _ = self.out.send(ServerMessage::Notice { text }).await;
    }

    /// Runs `work` apart from the connection (it may wait on a session; the client's keys
    /// must not) and shows the client what it says when it ends, if anything.
    fn notice_when_done(&self, work: impl Future<Output = Option<String>> + Send + 'static) {
        let out = self.out.clone();
        tokio::spawn(async move {
            if let Some(text) = work.await {
                let _ = out.send(ServerMessage::Notice { text }).await;
            }
        });
    }

    async fn attach(&mut self, attach: &Attach) -> Flow {
        self.tokens = attach.tokens.clone();
        match workspace::open(&self.hub, attach).await {
            Ok((name, problems)) => {
                self.show(name).await;
                let notices = self.hub.take_startup_notices();
                for text in notices.into_iter().chain(problems) {
                    self.notice(text).await;
                }
                Flow::Continue
            }
            Err(e) => {
                self.refuse(e.to_string()).await;
                Flow::End
            }
        }
    }

    /// A hook's report: answered, and the hook's connection ends.
    async fn report(&self, post: ReportPost) -> Flow {
        let reply = crate::server::hooks::receive(&self.hub.manager, post).await;
        let _ = self.out.send(reply).await;
        Flow::End
    }

    fn answer(&self, session: SessionId, choice: Choice) -> Result<(), ManagerError> {
        let s = self.hub.manager.get(session)?;
        self.notice_when_done(async move {
            let answered = s.answer(choice).await;
            answered.err().map(|e| format!("session {session}: {e}"))
        });
        Ok(())
    }

    fn run_macro(
        &self,
        session: SessionId,
        name: String,
        spec: MacroSpec,
    ) -> Result<(), ManagerError> {
        let session = self.hub.manager.get(session)?;
        self.notice_when_done(async move {
            let report = crate::macros::run(&session, &name, &spec).await;
            Some(report.summary())
        });
        Ok(())
    }

    async fn create(&self, new: NewSession) {
        let Some(workspace) = self.workspace.clone() else {
            return;
        };
        if let Err(e) = self.hub.create(new, workspace, &self.tokens).await {
            self.notice(format!("could not start: {e}")).await;
        }
    }

    async fn switch_workspace(&mut self, step: i32) {
        let names = self.hub.manager.workspaces();
        let current = self
            .workspace
            .as_ref()
            .and_then(|w| names.iter().position(|n| n == w))
            .unwrap_or(0) as i64;
        if !names.is_empty() {
            let next = (current + i64::from(step)).rem_euclid(names.len() as i64);
            self.show(names[next as usize].clone()).await;
        }
    }

    fn close_workspace(&self) {
        if let Some(workspace) = &self.workspace {
            self.hub
                .manager
                .workspace_sessions(workspace)
                .iter()
                .for_each(|s| close(&self.hub.manager, s.id()));
        }
    }

    async fn list(&self) {
        let manager = &self.hub.manager;
        let workspaces = manager
            .workspaces()
            .into_iter()
            .map(|name| WorkspaceListing {
                sessions: infos(&manager.workspace_sessions(&name)),
                name,
            })
            .collect();
        let _ = self.out.send(ServerMessage::Listing { workspaces }).await;
    }

    /// Attaches the client to `workspace`: its sessions, then their screens.
    async fn show(&mut self, workspace: WorkspaceName) {
        self.screens.show(&[]);
        self.shown = None;
        self.last_sent.clear();
        self.hub.used(&workspace);
        self.attached.store(true, Ordering::Release);
        self.workspace = Some(workspace.clone());
        if self.usage.is_some() {
            self.usage = self.usage_feed();
        }
        let attached = ServerMessage::Attached {
            workspace,
            workspaces: self.hub.manager.workspaces(),
            api: self.hub.api,
        };
        let _ = self.out.send(attached).await;
        self.sync_sessions().await;
    }

    /// Sends the workspace's session list when it changed, and follows new sessions.
    async fn sync_sessions(&mut self) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        let sessions = self.hub.manager.workspace_sessions(workspace);
        let infos = infos(&sessions);
        if same_but_counters(&infos, &self.last_sent) {
            return;
        }
        self.last_sent = infos.clone();
        let _ = self
            .out
            .send(ServerMessage::Sessions { sessions: infos })
            .await;
        self.update_view();
    }

    fn usage_feed(&self) -> Option<UsageFeed> {
        let workspace = self.workspace.clone()?;
        let manager = self.hub.manager.clone();
        Some(UsageFeed::start(manager, workspace, self.out.clone()))
    }
}

async fn stop_reason(stopping: &mut watch::Receiver<Option<String>>) -> String {
    let reason = stopping.wait_for(Option::is_some).await;
    reason.ok().and_then(|r| r.clone()).unwrap_or_default()
}

fn infos(sessions: &[Session]) -> Vec<SessionInfo> {
    sessions.iter().map(Session::info).collect()
}

/// Whether two lists differ only in what changes with every byte of output: not worth a
/// message, since the client sees the screen itself.
fn same_but_counters(a: &[SessionInfo], b: &[SessionInfo]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.session_id == b.session_id
                && a.status.state == b.status.state
                && a.status.state_reason == b.status.state_reason
                && a.status.exit_code == b.status.exit_code
                && a.status.terminal_size == b.status.terminal_size
                && a.status.claude == b.status.claude
        })
}
