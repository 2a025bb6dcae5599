//! A client's requests about its screens: typed input, which panes it draws, the frames it has
//! taken, and reads of a session's history.

use crate::manager::ManagerError;
use crate::protocol::{ClientMessage, ServerMessage};
use crate::screen::input;
use crate::server::connection::Connection;
use crate::server::keystrokes;
use crate::server::screens::Read;
use crate::session::SessionId;

impl Connection {
    /// Carries out one of the requests this file is about; any other is ignored.
    pub(super) async fn on_screen_request(
        &mut self,
        request: ClientMessage,
    ) -> Result<(), ManagerError> {
        match request {
            ClientMessage::Input { session, input } => self.type_into(session, input).await,
            ClientMessage::Shown { sessions } => {
                self.shown = Some(sessions.into_iter().collect());
                self.update_view();
                Ok(())
            }
            ClientMessage::FrameTaken { frame } => {
                self.screens.taken(frame);
                Ok(())
            }
            ClientMessage::Page { session, offset } => {
                self.read(session, Read::Page { offset }).await
            }
            ClientMessage::Search {
                session,
                needle,
                offset,
                direction,
            } => {
                let read = Read::Search {
                    needle,
                    offset,
                    direction,
                };
                self.read(session, read).await
            }
            ClientMessage::Copy { session, from, to } => {
                self.read(session, Read::Copy { from, to }).await
            }
            _ => Ok(()),
        }
    }

    /// Encodes typed input with the session's modes and writes it: the keystroke path waits
    /// for no frame. The input the intake could not type at once comes here.
    async fn type_into(&self, session: SessionId, typed: input::Input) -> Result<(), ManagerError> {
        match keystrokes::encode(&self.hub.manager, session, &typed)? {
            Ok(Some(bytes)) => {
                self.screens.typed.mark(session);
                let manager = &self.hub.manager;
                manager.client_input(self.client, session, bytes).await
            }
            Ok(None) => Ok(()),
            Err(e) => {
                let text = format!("session {session}: {e}");
                let _ = self.out.send(ServerMessage::Notice { text }).await;
                Ok(())
            }
        }
    }

    /// Queues a read of a session's history; a client with too many waiting is told so.
    async fn read(&self, session: SessionId, read: Read) -> Result<(), ManagerError> {
        let s = self.hub.manager.get(session)?;
        if !self.screens.read(s, read) {
            let text = "still reading the history; try again".to_string();
            let _ = self.out.send(ServerMessage::Notice { text }).await;
        }
        Ok(())
    }

    /// Frames go for the workspace's sessions the client draws.
    pub(super) fn update_view(&self) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        let mut sessions = self.hub.manager.workspace_sessions(workspace);
        if let Some(shown) = &self.shown {
            sessions.retain(|s| shown.contains(&s.id()));
        }
        self.screens.show(&sessions);
    }
}
