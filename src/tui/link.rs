//! The link to the server when it lives on another host: links drop, views do not. A dropped
//! link leaves the panes as they were, greyed and saying "reconnecting" with the time since;
//! keys typed meanwhile are refused with a notice, never sent later by surprise; the link is
//! dialled again with backoff, and once it is back the workspace is attached again, so each
//! pane gets the newest screen (the server sends a new client whole frames, not a backlog).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Paragraph;
use tokio::sync::{mpsc, oneshot};

use crate::client::Connection;
use crate::protocol::{Attach, ClientMessage};
use crate::tui::app::App;

/// The wait after a failed dial (the first is at once), doubled after each failure up to the
/// last.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const LAST_BACKOFF: Duration = Duration::from_secs(8);

/// Opens a new connection to the same server (ssh and the bridge again).
pub type Dial = Arc<dyn Fn() -> BoxFuture<'static, Result<Connection, String>> + Send + Sync>;

/// How the TUI reaches its server.
pub enum Link {
    /// The local socket: a lost server ends the client (`ccmux` starts a new one).
    Local,
    /// A host over ssh, which is dialled again when the link drops.
    Remote {
        host: String,
        dial: Dial,
        /// When the link dropped; `None` while it is up.
        down_since: Option<Instant>,
    },
}

impl Link {
    /// The host the panes live on, for titles and the status bar.
    pub fn host(&self) -> Option<&str> {
        match self {
            Link::Local => None,
            Link::Remote { host, .. } => Some(host),
        }
    }

    pub fn down_since(&self) -> Option<Instant> {
        match self {
            Link::Remote { down_since, .. } => *down_since,
            Link::Local => None,
        }
    }
}

impl App {
    /// The connection ended. A remote link is dialled again in the background (returned: the
    /// connection it brings); a local one ends the client.
    pub fn link_lost(&mut self) -> Option<oneshot::Receiver<Connection>> {
        let Link::Remote {
            dial, down_since, ..
        } = &mut self.link
        else {
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
        self.message = None;
        let workspace = Some(self.workspace.clone()).filter(|w| !w.is_empty());
        self.request(ClientMessage::Attach(Attach {
            workspace,
            create: false,
            cwd: self.cwd.clone(),
            config: None,
            run: Vec::new(),
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
    frame: &mut Frame,
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
