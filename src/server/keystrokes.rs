//! Typed input, from the request that carries it to the session's program.
//!
//! A client's requests are carried out in the order they came. A key read while nothing read
//! before it waits to be carried out may therefore go at once, from the task that read it
//! ([`Keystrokes::type_now`]): the connection's task and the session's actor hear of it after
//! the program has it. Anything else goes to the connection, which calls [`encode`] and the
//! session's actor, as every key did before.

use std::sync::Arc;

use crate::manager::{ClientId, Manager, ManagerError};
use crate::protocol::ClientMessage;
use crate::screen::input::{self, Input, InputError};
use crate::screen::schedule::Typed;
use crate::session::SessionId;

/// What the task reading a client's requests needs to type its keys itself.
pub struct Keystrokes {
    pub manager: Manager,
    pub client: ClientId,
    /// The connection's: a session typed into gets its echo's frame at once.
    pub typed: Arc<Typed>,
}

impl Keystrokes {
    /// Writes `message`'s keys to their session's program when it is typed input that can go
    /// now. Gives back what the connection must carry out: any other request, and input that
    /// cannot go this way (it needs a resize first, is refused, is too long, or is not for a
    /// live session), which the connection then carries out and reports as it always has.
    pub fn type_now(&self, message: ClientMessage) -> Option<ClientMessage> {
        let ClientMessage::Input { session, input } = message else {
            return Some(message);
        };
        let bytes = match encode(&self.manager, session, &input) {
            Ok(Ok(Some(bytes))) => bytes,
            // Input the program does not take (a mouse it does not follow): carried out.
            Ok(Ok(None)) => return None,
            Ok(Err(_)) | Err(_) => return Some(ClientMessage::Input { session, input }),
        };
        self.typed.mark(session);
        match self.manager.type_now(self.client, session, bytes) {
            Ok(()) => None,
            Err(_) => Some(ClientMessage::Input { session, input }),
        }
    }
}

/// `typed` as the bytes `session`'s program reads, with the terminal's modes as they are now;
/// `None` when it sends nothing.
pub fn encode(
    manager: &Manager,
    session: SessionId,
    typed: &Input,
) -> Result<Result<Option<Vec<u8>>, InputError>, ManagerError> {
    let s = manager.get(session)?;
    let terminal = s.terminal().lock();
    Ok(input::encode(typed, &terminal))
}
