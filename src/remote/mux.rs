//! Several servers in one view: this machine's server and each `--host`'s, merged into the
//! one stream of messages the TUI speaks. A host's session ids move into a range of their own
//! (see `tui::link::pane_id`), so ids that collide across servers never meet in the TUI, and a
//! request goes back to the server its pane lives on, with that server's own id. Each host is
//! dialled in the background, and again with backoff when its link drops: the local panes
//! never wait for a host. Frames of all servers share one numbering, each acknowledged to the
//! server that sent it, so every server keeps its own flow control.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::{Host, Prompts, RemoteError, Ssh, connect};
use crate::client::Channels;
use crate::config::RemoteSection;
use crate::protocol::{Attach, ClientMessage, ServerMessage};
use crate::screen::schedule::WINDOW;
use crate::session::{SessionId, SessionInfo};
use crate::tui::Link;
use crate::tui::hosts::{HostState, Hosts};
use crate::tui::link::{CreateOn, FIRST_BACKOFF, LAST_BACKOFF, pane_id, split_pane_id};

/// The local server's link number; hosts are 1, 2, … in the order given.
const LOCAL: usize = 0;
/// Messages between the links' tasks and the mux, and to the TUI.
const QUEUE: usize = 64;
const REQUESTS: usize = 1024;

/// What a host's link task reports.
enum Event {
    Up(mpsc::Sender<ClientMessage>),
    Message(Box<ServerMessage>),
    Down(String),
}

/// The local server's connection as the TUI gets it: alone, or merged with the servers of
/// `hosts` and `[remote] hosts`.
pub fn join(
    local: Channels,
    hosts: Vec<String>,
    section: &RemoteSection,
    socket: &str,
) -> Result<(Channels, Link), RemoteError> {
    let mut names = hosts;
    for host in &section.hosts {
        if !names.contains(host) {
            names.push(host.clone());
        }
    }
    if names.is_empty() {
        return Ok((local, Link::Local));
    }
    let ssh = Ssh::from_config(section);
    let hosts = names
        .iter()
        .map(|name| Ok((ssh.clone(), Host::parse(name)?)))
        .collect::<Result<Vec<_>, RemoteError>>()?;
    let status = Arc::new(Hosts::new(names));
    let (create, creations) = mpsc::channel(QUEUE);
    let channels = spawn(local, hosts, socket, status.clone(), creations);
    let link = Link::Several {
        hosts: status,
        create,
    };
    Ok((channels, link))
}

/// Joins the local server's `local` connection and the `hosts` (dialled here) into one
/// connection for the TUI; `status` is where the TUI reads which links are up, `creations`
/// where it says on which server a new session starts.
fn spawn(
    local: Channels,
    hosts: Vec<(Ssh, Host)>,
    socket: &str,
    status: Arc<Hosts>,
    mut creations: mpsc::Receiver<CreateOn>,
) -> Channels {
    let (to_mux, mut from_tui) = mpsc::channel(REQUESTS);
    let (to_tui, from_mux) = mpsc::channel(QUEUE);
    let (events_tx, mut events) = mpsc::channel(QUEUE);
    let count = hosts.len();
    for (i, (ssh, host)) in hosts.into_iter().enumerate() {
        let link = keep_linked(i + 1, ssh, host, socket.to_string(), events_tx.clone());
        tokio::spawn(link);
    }
    drop(events_tx);
    let Channels {
        to_server,
        from_server: mut local,
        written: local_written,
    } = local;
    let written = tokio::spawn(async move {
        let mut links = vec![Some(to_server)];
        links.resize_with(count + 1, || None);
        let mut mux = Mux {
            tui: to_tui,
            links,
            sessions: vec![Vec::new(); count + 1],
            frames: VecDeque::new(),
            next_frame: 0,
            shown: None,
            status,
        };
        loop {
            tokio::select! {
                request = from_tui.recv() => match request {
                    Some(request) => mux.on_request(request).await,
                    None => break,
                },
                message = local.recv() => match message {
                    Some(message) => mux.on_message(LOCAL, message).await,
                    // The local server is gone: so is the TUI's connection.
                    None => break,
                },
                Some((link, event)) = events.recv() => mux.on_event(link, event).await,
                Some(CreateOn { link, new }) = creations.recv() => {
                    mux.send(link, ClientMessage::Create(new)).await
                }
            }
        }
        drop(mux);
        let _ = local_written.await;
    });
    Channels {
        to_server: to_mux,
        from_server: from_mux,
        written,
    }
}

/// Dials `host` until it answers, relays its messages while the link lasts, and starts over
/// when it drops; ends when the mux has.
async fn keep_linked(
    link: usize,
    ssh: Ssh,
    host: Host,
    socket: String,
    events: mpsc::Sender<(usize, Event)>,
) {
    let mut wait = FIRST_BACKOFF;
    while !events.is_closed() {
        match connect(&ssh, &host, &socket, Prompts::Never).await {
            Ok(connection) => {
                wait = FIRST_BACKOFF;
                let mut channels = connection.into_channels();
                if events
                    .send((link, Event::Up(channels.to_server)))
                    .await
                    .is_err()
                {
                    return;
                }
                while let Some(message) = channels.from_server.recv().await {
                    let event = Event::Message(Box::new(message));
                    if events.send((link, event)).await.is_err() {
                        return;
                    }
                }
                let down = Event::Down("the link dropped".into());
                if events.send((link, down)).await.is_err() {
                    return;
                }
            }
            Err(why) => {
                tracing::info!(%why, %host, "the link is down");
                let _ = events.send((link, Event::Down(why.to_string()))).await;
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LAST_BACKOFF);
    }
}

struct Mux {
    tui: mpsc::Sender<ServerMessage>,
    /// Each link's requests while it is up; the local one always is.
    links: Vec<Option<mpsc::Sender<ClientMessage>>>,
    /// Each server's sessions, with the TUI's ids.
    sessions: Vec<Vec<SessionInfo>>,
    /// Frames sent to the TUI and not yet taken: (its number, link, the server's number);
    /// at most `WINDOW` a link (see `remember_frame`).
    frames: VecDeque<(u64, usize, u64)>,
    next_frame: u64,
    /// The panes the TUI last said it draws.
    shown: Option<Vec<SessionId>>,
    status: Arc<Hosts>,
}

impl Mux {
    async fn on_request(&mut self, mut request: ClientMessage) {
        match request {
            ClientMessage::Shown { sessions } => {
                self.shown = Some(sessions);
                for link in 0..self.links.len() {
                    self.tell_shown(link);
                }
                return;
            }
            ClientMessage::FrameTaken { frame } => return self.taken(frame),
            _ => {}
        }
        let link = match session_of(&mut request) {
            Some(id) => {
                let (link, own) = split_pane_id(*id);
                *id = own;
                link
            }
            None => LOCAL,
        };
        self.send(link, request).await;
    }

    /// Sends `request` to the server of `link`, or tells the user why it was not sent.
    async fn send(&self, link: usize, request: ClientMessage) {
        let bookkeeping = matches!(request, ClientMessage::PaneSize { .. });
        match self.links.get(link).and_then(Option::as_ref) {
            Some(server) => {
                if server.try_send(request).is_err() {
                    self.notice(link, "not responding; input was dropped").await;
                }
            }
            None if bookkeeping => {}
            None => {
                self.notice(link, "the link is down; reconnecting — not sent")
                    .await
            }
        }
    }

    async fn on_event(&mut self, link: usize, event: Event) {
        match event {
            Event::Up(server) => {
                self.status.set_state(link, HostState::Up);
                let _ = server.try_send(reattach());
                self.links[link] = Some(server);
                self.tell_shown(link);
            }
            Event::Message(message) => self.on_message(link, *message).await,
            Event::Down(why) => {
                self.links[link] = None;
                // Said once per drop, not at every failed dial after it.
                if !matches!(self.status.state(link), Some(HostState::Down(_))) {
                    self.status.set_state(link, HostState::Down(Instant::now()));
                    self.notice(link, &format!("{why}; reconnecting")).await;
                }
            }
        }
    }

    async fn on_message(&mut self, link: usize, message: ServerMessage) {
        let to_tui = match message {
            ServerMessage::Sessions { sessions } => {
                self.sessions[link] = sessions
                    .into_iter()
                    .map(|mut s| {
                        s.session_id = pane_id(link, s.session_id);
                        s
                    })
                    .collect();
                let sessions = self.sessions.concat();
                ServerMessage::Sessions { sessions }
            }
            ServerMessage::Frame { frame, screens } => {
                self.next_frame += 1;
                self.remember_frame(link, frame);
                let screens = screens
                    .into_iter()
                    .map(|(id, screen)| (pane_id(link, id), screen))
                    .collect();
                ServerMessage::Frame {
                    frame: self.next_frame,
                    screens,
                }
            }
            ServerMessage::Page {
                session,
                offset,
                rows,
            } => ServerMessage::Page {
                session: pane_id(link, session),
                offset,
                rows,
            },
            ServerMessage::Found {
                session,
                needle,
                offset,
            } => ServerMessage::Found {
                session: pane_id(link, session),
                needle,
                offset,
            },
            ServerMessage::Attached { .. } if link == LOCAL => {
                // The TUI starts its panes over: every host sends its screens whole again.
                for server in self.links.iter().skip(1).flatten() {
                    let _ = server.try_send(reattach());
                }
                message
            }
            message if link == LOCAL => message,
            ServerMessage::Notice { text } => return self.notice(link, &text).await,
            ServerMessage::Refused { reason } | ServerMessage::Bye { reason } => {
                return self.notice(link, &reason).await;
            }
            ServerMessage::Copied { text } => ServerMessage::Copied { text },
            // A host's workspace, usage and the like are its own business.
            _ => return,
        };
        let _ = self.tui.send(to_tui).await;
    }

    /// A link's frame, sent on to the TUI, waits for the TUI to take it. At most `WINDOW` of
    /// a link's frames wait (its server sends no more before one is taken); a server that
    /// sends more loses its oldest entry, whose ack the newer one's covers, acks being
    /// cumulative. So the queue holds at most `WINDOW` entries a link.
    fn remember_frame(&mut self, link: usize, theirs: u64) {
        let waiting = self.frames.iter().filter(|(_, l, _)| *l == link).count();
        if waiting as u64 >= WINDOW
            && let Some(oldest) = self.frames.iter().position(|(_, l, _)| *l == link)
        {
            self.frames.remove(oldest);
        }
        self.frames.push_back((self.next_frame, link, theirs));
    }

    /// The TUI took every frame up to `frame`: each server hears of the last of its own.
    fn taken(&mut self, frame: u64) {
        let mut last = vec![None; self.links.len()];
        while let Some(&(ours, link, theirs)) = self.frames.front() {
            if ours > frame {
                break;
            }
            last[link] = Some(theirs);
            self.frames.pop_front();
        }
        for (link, theirs) in last.into_iter().enumerate() {
            if let (Some(frame), Some(server)) = (theirs, &self.links[link]) {
                let _ = server.try_send(ClientMessage::FrameTaken { frame });
            }
        }
    }

    /// Which of `link`'s panes the TUI draws, told to that server in its own ids.
    fn tell_shown(&self, link: usize) {
        let (Some(shown), Some(server)) = (&self.shown, &self.links[link]) else {
            return;
        };
        let sessions = shown
            .iter()
            .map(|id| split_pane_id(*id))
            .filter(|(l, _)| *l == link)
            .map(|(_, own)| own)
            .collect();
        let _ = server.try_send(ClientMessage::Shown { sessions });
    }

    async fn notice(&self, link: usize, text: &str) {
        let text = match self.status.name(link) {
            Some(host) => format!("{host}: {text}"),
            None => text.to_string(),
        };
        let _ = self.tui.send(ServerMessage::Notice { text }).await;
    }
}

/// Shows a host's most recent workspace, asked again after each (re)connection.
fn reattach() -> ClientMessage {
    ClientMessage::Attach(Attach {
        workspace: None,
        create: false,
        cwd: std::path::PathBuf::from("/"),
        config: None,
        run: Vec::new(),
        // A host's sessions take their tokens from that host: ours are not sent to it.
        tokens: Default::default(),
    })
}

/// The session a request is about, if any.
fn session_of(request: &mut ClientMessage) -> Option<&mut SessionId> {
    match request {
        ClientMessage::Input { session, .. }
        | ClientMessage::PaneSize { session, .. }
        | ClientMessage::Page { session, .. }
        | ClientMessage::Search { session, .. }
        | ClientMessage::Copy { session, .. }
        | ClientMessage::Interrupt { session }
        | ClientMessage::Answer { session, .. }
        | ClientMessage::Close { session }
        | ClientMessage::RunMacro { session, .. } => Some(session),
        _ => None,
    }
}
