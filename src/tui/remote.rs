//! What the server's messages do to the TUI: the workspace shown, its panes, their screens.

use std::time::Instant;

use crate::protocol::{ClientMessage, ServerMessage};
use crate::screen::Frame;
use crate::session::{SessionId, SessionInfo};
use crate::tui::app::{App, Effect, Leave};
use crate::tui::pane::Pane;

impl App {
    /// Applies one message from the server; returns what the loop must do besides redraw.
    pub fn on_server(&mut self, message: ServerMessage) -> Option<Effect> {
        match message {
            ServerMessage::Attached {
                workspace,
                workspaces,
                api,
            } => {
                self.workspace = Some(workspace);
                self.workspaces = workspaces;
                self.api_addr = api;
                self.panes.clear();
                self.areas.clear();
                self.asked_sizes.clear();
                self.told_shown.clear();
                self.scroll.clear();
                self.focus = None;
            }
            ServerMessage::Sessions { sessions } => return self.on_sessions(sessions),
            ServerMessage::Frame { frame, screens } => {
                self.on_frame(screens);
                if self.acks.took(frame, Instant::now()) {
                    self.acknowledge();
                }
            }
            ServerMessage::Page { session, rows, .. } => {
                self.pending = self.pending.saturating_sub(1);
                if let Some(pane) = self.pane(session) {
                    pane.set_page(rows);
                }
            }
            ServerMessage::Found {
                session,
                needle,
                offset,
            } => {
                self.pending = self.pending.saturating_sub(1);
                match offset {
                    Some(offset) => {
                        self.scroll.insert(session, offset);
                        self.message = None;
                    }
                    None => self.message = Some(format!("no more matches for `{needle}`")),
                }
            }
            ServerMessage::Copied { text } => {
                self.pending = self.pending.saturating_sub(1);
                self.copy_to_clipboard(text);
            }
            ServerMessage::Notice { text } => self.message = Some(text),
            ServerMessage::Refused { reason } | ServerMessage::Bye { reason } => {
                self.quit = Some(Leave::ServerStopped(reason));
            }
            ServerMessage::Usage { sessions } => {
                if let Some(usage) = &mut self.usage {
                    *usage = sessions.into_iter().collect();
                }
            }
            ServerMessage::Welcome { .. }
            | ServerMessage::Listing { .. }
            | ServerMessage::Reloaded { .. }
            | ServerMessage::ReportTaken { .. } => {}
        }
        None
    }

    /// New rows for the panes; a scrolled pane's page is asked for again, since the history
    /// under it moved.
    fn on_frame(&mut self, screens: Vec<(SessionId, Frame)>) {
        for (id, frame) in screens {
            let scrolled = self.scroll.get(&id).is_some_and(|o| *o > 0);
            if let Some(pane) = self.pane(id) {
                pane.apply(frame);
                if scrolled {
                    pane.asked = None;
                }
            }
        }
    }

    /// Sends the acknowledgement of the frames taken, if one waits (see `ack.rs`).
    pub fn acknowledge(&mut self) {
        if let Some(frame) = self.acks.flush() {
            self.request(ClientMessage::FrameTaken { frame });
        }
    }

    fn pane(&mut self, id: SessionId) -> Option<&mut Pane> {
        self.panes.iter_mut().find(|p| p.id() == id)
    }

    /// A new session list: panes come and go, and state changes may ask for attention. Panes
    /// keep this client's order (swaps change it); new ones follow, oldest first.
    fn on_sessions(&mut self, sessions: Vec<SessionInfo>) -> Option<Effect> {
        let mut effect = None;
        let order: Vec<SessionId> = self.panes.iter().map(Pane::id).collect();
        let mut panes = Vec::with_capacity(sessions.len());
        let mut changes = Vec::new();
        for info in sessions {
            match self.panes.iter().position(|p| p.id() == info.session_id) {
                Some(i) => {
                    let mut pane = self.panes.swap_remove(i);
                    let (from, to) = (pane.state(), info.status.state);
                    if from != to {
                        changes.push((pane.id(), from, to));
                    }
                    pane.update(info);
                    panes.push(pane);
                }
                None => panes.push(Pane::new(info)),
            }
        }
        let place = |id: SessionId| order.iter().position(|o| *o == id).unwrap_or(usize::MAX);
        panes.sort_by_key(|p| (place(p.id()), p.id()));
        let newest = panes
            .iter()
            .map(Pane::id)
            .filter(|id| !order.contains(id))
            .max();
        let first_list = order.is_empty() && self.focus.is_none();
        self.panes = panes;
        // A session started from this client's prompt takes the focus, as a new window would.
        if let Some(id) = newest.filter(|_| !first_list && self.spawned_here) {
            self.spawned_here = false;
            self.set_focus(id);
        }
        for (id, from, to) in changes {
            effect = self.on_state(id, from, to).or(effect);
        }
        effect
    }
}

#[cfg(test)]
mod tests {
    use crate::tui::harness::{Harness, screen_has, wait_for};

    #[tokio::test]
    async fn a_session_list_before_the_spawned_session_leaves_the_focus_alone() {
        let mut h = Harness::start(&["sleep 30", "sleep 1; echo changed; sleep 30"]).await;
        let first = h.sessions[0].id();
        h.app.set_focus(first);
        // As after the new-session prompt, before the server has started the session.
        h.app.spawned_here = true;
        wait_for(&h.sessions[1], |s| screen_has(s, "changed")).await;
        h.sync().await;
        assert_eq!(h.app.focus, Some(first), "no new pane, no new focus");
        assert!(h.app.spawned_here, "still waiting for the new pane");
    }
}
