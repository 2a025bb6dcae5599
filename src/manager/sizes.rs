//! Who decides a session's terminal size when several clients show it at different sizes.
//!
//! The rule: a session's PTY follows the size of the client that most recently typed into it.
//! Until anyone types, the first client to show it sizes it. A resize through the API holds
//! until a client types into that session again, so a script's chosen size is not undone by a
//! TUI that merely displays the pane.

use std::collections::HashMap;

use crate::session::{SessionId, TerminalSize};

/// A connected client, numbered by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Client(ClientId),
    Api,
}

#[derive(Debug, Default)]
pub struct SizeOwners {
    owner: HashMap<SessionId, Owner>,
    wanted: HashMap<(ClientId, SessionId), TerminalSize>,
}

impl SizeOwners {
    /// `client` shows `session` at `size`; returns the size to apply now, if it decides.
    pub fn client_shows(
        &mut self,
        client: ClientId,
        session: SessionId,
        size: TerminalSize,
    ) -> Option<TerminalSize> {
        self.wanted.insert((client, session), size);
        match self.owner.get(&session) {
            None => {
                self.owner.insert(session, Owner::Client(client));
                Some(size)
            }
            Some(Owner::Client(owner)) if *owner == client => Some(size),
            Some(_) => None,
        }
    }

    /// `client` typed into `session`: it decides the size from now on; returns its size.
    pub fn client_typed(&mut self, client: ClientId, session: SessionId) -> Option<TerminalSize> {
        let previous = self.owner.insert(session, Owner::Client(client));
        let wanted = self.wanted.get(&(client, session)).copied();
        (previous != Some(Owner::Client(client))).then_some(wanted)?
    }

    /// Whether `client` decides `session`'s size: its keys take no resize first.
    pub fn decides(&self, client: ClientId, session: SessionId) -> bool {
        self.owner.get(&session) == Some(&Owner::Client(client))
    }

    /// The API set the size; it holds until a client types.
    pub fn api_resized(&mut self, session: SessionId) {
        self.owner.insert(session, Owner::Api);
    }

    /// A client left: the sessions it owned go to the next client that shows them.
    pub fn client_left(&mut self, client: ClientId) {
        self.wanted.retain(|(c, _), _| *c != client);
        self.owner.retain(|_, o| *o != Owner::Client(client));
    }

    /// Forgets sessions for which `known` is false.
    pub fn retain_sessions(&mut self, known: impl Fn(SessionId) -> bool) {
        self.owner.retain(|s, _| known(*s));
        self.wanted.retain(|(_, s), _| known(*s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: SessionId = SessionId(1);
    const A: ClientId = ClientId(1);
    const B: ClientId = ClientId(2);

    fn size(cols: u16) -> TerminalSize {
        TerminalSize { cols, rows: 20 }
    }

    #[test]
    fn the_client_that_typed_last_decides_the_size() {
        let mut rule = SizeOwners::default();
        assert_eq!(rule.client_shows(A, S, size(80)), Some(size(80)));
        assert_eq!(
            rule.client_shows(B, S, size(100)),
            None,
            "A showed it first"
        );
        assert_eq!(rule.client_typed(B, S), Some(size(100)));
        assert_eq!(rule.client_shows(A, S, size(90)), None);
        assert_eq!(rule.client_typed(B, S), None, "already B's size");
        assert_eq!(rule.client_typed(A, S), Some(size(90)));
    }

    #[test]
    fn an_api_resize_holds_until_a_client_types() {
        let mut rule = SizeOwners::default();
        rule.client_shows(A, S, size(80));
        rule.api_resized(S);
        assert_eq!(rule.client_shows(A, S, size(81)), None);
        assert_eq!(rule.client_typed(A, S), Some(size(81)));
    }

    #[test]
    fn a_client_that_leaves_hands_its_sessions_on() {
        let mut rule = SizeOwners::default();
        rule.client_shows(A, S, size(80));
        rule.client_shows(B, S, size(100));
        rule.client_left(A);
        assert_eq!(rule.client_shows(B, S, size(100)), Some(size(100)));
    }
}
