//! What a client connection asks of the sessions it shows: sizes, and the keys typed into them.

use super::{ClientId, Manager, ManagerError};
use crate::session::{SessionId, TerminalSize};

impl Manager {
    /// A client shows the session at `size`; the session takes it if that client decides.
    pub async fn client_shows(
        &self,
        client: ClientId,
        id: SessionId,
        size: TerminalSize,
    ) -> Result<(), ManagerError> {
        let session = self.get(id)?;
        let apply = self.shared.sizes.lock().client_shows(client, id, size);
        match apply {
            Some(size) if size != session.terminal_size() => Ok(session.resize(size).await?),
            _ => Ok(()),
        }
    }

    /// Keys from a client: the session first takes that client's size, then the keys.
    pub async fn client_input(
        &self,
        client: ClientId,
        id: SessionId,
        bytes: Vec<u8>,
    ) -> Result<(), ManagerError> {
        let session = self.get(id)?;
        let apply = self.shared.sizes.lock().client_typed(client, id);
        if let Some(size) = apply.filter(|s| *s != session.terminal_size()) {
            session.resize(size).await?;
        }
        Ok(session.send_input(bytes).await?)
    }

    /// A client left: it no longer decides sizes; sessions since forgotten are dropped too.
    pub fn client_left(&self, client: ClientId) {
        let registry = self.shared.registry.borrow().clone();
        let mut sizes = self.shared.sizes.lock();
        sizes.client_left(client);
        sizes.retain_sessions(|id| registry.sessions.contains_key(&id));
    }

    /// Keys from a client, written at once from the caller's task when nothing else must
    /// happen first: the client already decides the session's size (otherwise the session
    /// takes its size first, as `client_input` does). Gives the keys back unwritten when they
    /// must go by `client_input`, which also says what went wrong.
    pub fn type_now(&self, client: ClientId, id: SessionId, bytes: Vec<u8>) -> Result<(), Vec<u8>> {
        let Ok(session) = self.get(id) else {
            return Err(bytes);
        };
        if !self.shared.sizes.lock().decides(client, id) {
            return Err(bytes);
        }
        session.type_now(bytes)
    }
}
