//! The link to the server when it lives on another host: links drop, views do not. A dropped
//! link leaves the panes as they were, greyed and saying "reconnecting" with the time since;
//! keys typed meanwhile are refused with a notice, never sent later by surprise; the link is
//! dialled again with backoff, and once it is back the workspace is attached again, so each
//! pane gets the newest screen (the server sends a new client whole frames, not a backlog).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::tui::canvas::Surface;
use futures_util::future::BoxFuture;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Paragraph;
use tokio::sync::{mpsc, oneshot};

use crate::client::Connection;
use crate::protocol::{Attach, ClientMessage, NewSession};
use crate::session::SessionId;
use crate::tui::app::App;
use crate::tui::hosts::{HostState, Hosts};
use crate::tui::pane::Pane;
use crate::tui::prompt::{HostChoice, Start};

/// The wait after a failed dial (the first is at once), doubled after each failure up to the
/// last.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(250);
pub const LAST_BACKOFF: Duration = Duration::from_secs(8);

/// Opens a new connection to the same server (ssh and the bridge again).
pub type Dial = Arc<dyn Fn() -> BoxFuture<'static, Result<Connection, String>> + Send + Sync>;

/// Where a host's session ids start in the TUI's (see `remote::mux`): below it, this
/// machine's; a server hands out ids far below it.
const LINK_SHIFT: u32 = 40;

/// The TUI's id for session `own` of link `link` (0: this machine's server, which keeps its
/// ids).
pub fn pane_id(link: usize, own: SessionId) -> SessionId {
    SessionId(((link as u64) << LINK_SHIFT) | own.0)
}

/// The link a pane's session lives on, and its id there.
pub fn split_pane_id(id: SessionId) -> (usize, SessionId) {
    let link = (id.0 >> LINK_SHIFT) as usize;
    (link, SessionId(id.0 & ((1 << LINK_SHIFT) - 1)))
}

/// A session to start on the server of link `link` (0: this machine's). The wire's `Create`
/// names no server, so the TUI tells the mux which one beside its requests.
pub struct CreateOn {
    pub link: usize,
    pub new: NewSession,
}

/// How the TUI reaches its server.
pub enum Link {
    /// The local socket: a lost server ends the client (`ccmux` starts a new one).
    Local,
    /// The local server and hosts' servers merged into one connection by `remote::mux`; a
    /// lost local server ends the client, a lost host is dialled again there. New sessions
    /// go to the mux by `create`, with the server to start them on.
    Several {
        hosts: Arc<Hosts>,
        create: mpsc::Sender<CreateOn>,
    },
    /// A host over ssh, which is dialled again when the link drops.
    Remote {
        host: String,
        dial: Dial,
        /// When the link dropped; `None` while it is up.
        down_since: Option<Instant>,
    },
}

impl Link {
    /// The host all panes live on, when it is one other machine.
    pub fn host(&self) -> Option<&str> {
        match self {
            Link::Remote { host, .. } => Some(host),
            Link::Local | Link::Several { .. } => None,
        }
    }

    /// When the one link to another machine dropped.
    pub fn down_since(&self) -> Option<Instant> {
        match self {
            Link::Remote { down_since, .. } => *down_since,
            Link::Local | Link::Several { .. } => None,
        }
    }

    /// The host pane `id` lives on, and since when its link is down, for its title.
    pub fn pane_host(&self, id: SessionId) -> Option<(&str, Option<Instant>)> {
        match self {
            Link::Local => None,
            Link::Remote {
                host, down_since, ..
            } => Some((host, *down_since)),
            Link::Several { hosts, .. } => {
                let link = split_pane_id(id).0;
                let down = match hosts.state(link) {
                    Some(HostState::Down(since)) => Some(since),
                    _ => None,
                };
                Some((hosts.name(link)?, down))
            }
        }
    }

    /// Where the workspace lives, for the status bar: `box: api`, `api + box, gpu`.
    pub fn place(&self, workspace: &str) -> String {
        match self {
            Link::Local => workspace.to_string(),
            Link::Remote { host, .. } => format!("{host}: {workspace}"),
            Link::Several { hosts, .. } => format!("{workspace} + {}", hosts.label()),
        }
    }
}

impl App {
    /// The number pane `id` goes by: in its title, in the status bar and for the keys that
    /// focus a pane by number. One server's session ids are unique, so a pane's number is its
    /// session id, as `ctl` and the API call it; several servers' collide, so with hosts a
    /// pane's number is its place in the order panes are drawn, from 1.
    pub fn pane_number(&self, id: SessionId) -> u64 {
        match self.link {
            Link::Several { .. } => {
                let place = self.panes.iter().position(|p| p.id() == id);
                place.map_or(0, |i| i as u64 + 1)
            }
            Link::Local | Link::Remote { .. } => id.0,
        }
    }

    /// The pane that goes by `number` (see `pane_number`).
    pub fn numbered(&self, number: u64) -> Option<SessionId> {
        let pane = match self.link {
            Link::Several { .. } => {
                let place = usize::try_from(number).ok()?.checked_sub(1)?;
                self.panes.get(place)
            }
            Link::Local | Link::Remote { .. } => self.panes.iter().find(|p| p.id().0 == number),
        };
        pane.map(Pane::id)
    }

    /// The machines the new-session prompt offers when the view shows other hosts: this one,
    /// then each host, the focused pane's chosen. Each comes with a path to suggest: this
    /// machine's is the client's directory, a host's that of a pane there (the focused one
    /// first), or the client's directory when it has none.
    pub(super) fn host_choice(&self) -> Option<HostChoice> {
        let Link::Several { hosts, .. } = &self.link else {
            return None;
        };
        let focused = self.focused();
        let chosen = focused.as_ref().map_or(0, |p| split_pane_id(p.id()).0);
        let mut names = vec!["local".to_string()];
        names.extend(hosts.names().iter().cloned());
        let cwd = self.cwd.display().to_string();
        let paths = (0..names.len())
            .map(|link| {
                let mut there = focused.iter().chain(&self.panes);
                match there.find(|p| link > 0 && split_pane_id(p.id()).0 == link) {
                    Some(pane) => pane.project_path().display().to_string(),
                    None => cwd.clone(),
                }
            })
            .collect();
        Some(HostChoice {
            names,
            paths,
            chosen,
        })
    }

    /// Asks the chosen machine's server for a new session.
    pub(super) fn create(&mut self, start: Start) {
        let Link::Several { create, .. } = &self.link else {
            return self.request(ClientMessage::Create(start.new));
        };
        let on = CreateOn {
            link: start.link,
            new: start.new,
        };
        if create.try_send(on).is_err() {
            self.message =
                Some("the server is not responding; the session was not asked for".into());
        }
    }

    /// The connection ended. A remote link is dialled again in the background (returned: the
    /// connection it brings); a local one ends the client.
    pub fn link_lost(&mut self) -> Option<oneshot::Receiver<Connection>> {
        let Link::Remote {
            dial, down_since, ..
        } = &mut self.link
        else {
            // The local server is gone (a host's link is the mux's business).
            self.quit = Some(crate::tui::Leave::ServerLost);
            return None;
        };
        down_since.get_or_insert_with(Instant::now);
        self.awaiting_echo = None;
        Some(redial(dial.clone()))
    }

    /// The link is back: requests go to the new connection, and the workspace shown is
    /// attached again, which brings its sessions and their newest screens.
    pub fn relinked(&mut self, server: mpsc::Sender<ClientMessage>) {
        if let Link::Remote { down_since, .. } = &mut self.link {
            *down_since = None;
        }
        self.server = server;
        // The new connection numbers its frames afresh.
        self.acks = Default::default();
        self.message = None;
        self.request(ClientMessage::Attach(Attach {
            workspace: self.workspace.clone(),
            create: false,
            cwd: self.cwd.clone(),
            config: None,
            run: Vec::new(),
            // A host's sessions take their tokens from that host: ours are not sent to it.
            tokens: Default::default(),
        }));
    }

    /// Whether `message` must not be sent because the link is down. The user is told when
    /// it was theirs; what the server keeps of this client (sizes, panes shown) it learns
    /// again when the workspace is attached again.
    pub(super) fn held_while_down(&mut self, message: &ClientMessage) -> bool {
        let bookkeeping = matches!(
            message,
            ClientMessage::PaneSize { .. }
                | ClientMessage::Shown { .. }
                | ClientMessage::FrameTaken { .. }
                | ClientMessage::WatchUsage { .. }
        );
        match self.link.down_since() {
            None => false,
            Some(_) if bookkeeping => true,
            Some(_) => self.refuse_while_down(),
        }
    }

    /// Whether the link is down, so nothing may be sent; the user is told that what they
    /// typed was not sent.
    pub(super) fn refuse_while_down(&mut self) -> bool {
        let (Some(host), Some(since)) = (self.link.host(), self.link.down_since()) else {
            return false;
        };
        self.message = Some(format!(
            "{host}: the link dropped {}s ago; reconnecting — not sent",
            since.elapsed().as_secs()
        ));
        true
    }
}

/// Dials at once, then again after each failure, waiting longer each time; gives up when
/// nobody waits for it any more (the client left).
fn redial(dial: Dial) -> oneshot::Receiver<Connection> {
    let (done, connection) = oneshot::channel();
    tokio::spawn(async move {
        let mut wait = FIRST_BACKOFF;
        while !done.is_closed() {
            match dial().await {
                Ok(connection) => {
                    let _ = done.send(connection);
                    return;
                }
                Err(why) => tracing::info!(%why, "the link is still down"),
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(LAST_BACKOFF);
        }
    });
    connection
}

/// Greys a pane (`pane`, its border included) of a host whose link is down and says so on the
/// first row of its `screen`, with the time since; returns when that text changes.
pub fn draw_down(
    frame: &mut Surface,
    pane: Rect,
    screen: Rect,
    host: &str,
    since: Instant,
) -> Instant {
    frame
        .buffer_mut()
        .set_style(pane, Style::default().fg(Color::DarkGray));
    let elapsed = since.elapsed();
    let text = format!(" ⟳ {host}: reconnecting… {}s ", elapsed.as_secs());
    let row = Rect::new(screen.x, screen.y, screen.width, 1.min(screen.height));
    let style = Style::default().fg(Color::Black).bg(Color::Yellow);
    frame.render_widget(Paragraph::new(text).style(style), row);
    let next_second = Duration::from_secs(elapsed.as_secs() + 1);
    since + next_second
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServerMessage;
    use crate::tui::harness::Harness;

    /// Two local panes and, as the mux would send it, session 1 of host `box`.
    async fn beside_a_host() -> (Harness, SessionId) {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        let (create, _) = mpsc::channel(1);
        let hosts = Arc::new(Hosts::new(vec!["box".into()]));
        hosts.set_state(1, HostState::Up);
        h.app.link = Link::Several { hosts, create };
        let mut sessions: Vec<_> = h.sessions.iter().map(|s| s.info()).collect();
        let mut far = sessions[0].clone();
        far.session_id = pane_id(1, SessionId(1));
        far.task_id = crate::session::TaskId::new("far").unwrap();
        sessions.push(far.clone());
        h.app.on_server(ServerMessage::Sessions { sessions });
        (h, far.session_id)
    }

    #[tokio::test]
    async fn with_a_host_the_number_keys_count_its_panes_in_the_order_drawn() {
        let (mut h, far) = beside_a_host().await;
        h.resize(120, 12);
        let (text, _) = h.frame().await;
        let top = text.lines().next().unwrap();
        assert!(top.contains(" 3 box: far "), "the third pane drawn: {top}");
        let bar = text.lines().last().unwrap();
        assert!(bar.contains("1:t1") && bar.contains("3:box/far"), "{bar}");
        h.press(&["ctrl-a", "3"]);
        assert_eq!(h.app.focus, Some(far));

        // Swapped one place left, it is drawn second, and goes by 2.
        h.press(&["ctrl-a", "{", "ctrl-a", "1", "ctrl-a", "2"]);
        assert_eq!(h.app.focus, Some(far));
        let (text, _) = h.frame().await;
        assert!(
            text.lines().next().unwrap().contains(" 2 box: far "),
            "{text}"
        );
        h.press(&["ctrl-a", ","]);
        let (text, _) = h.frame().await;
        assert!(text.contains("rename pane 2 "), "{text}");
    }
}
