//! One screen model, owned by the server; every client paints it.
//!
//! A session's screen is read (never parsed again) into rows of styled runs ([`styled`]);
//! per client and session, only the rows that changed since what that client was last sent
//! go out ([`diff`]); frames are pulled by the client, at most `ui.frame_cap` a second and
//! never more than a window ahead of what it acknowledged ([`schedule`]), so a slow client gets
//! the newest screen and never a backlog. The web page gets the frames as JSON, the TUI as
//! MessagePack; both send typed input that [`input`] encodes with the session's real modes,
//! and the TUI reads history a page at a time ([`history`]).
//!
//! Layer: above `manager` (it reads sessions through it), below `protocol`, `web` and
//! `server`, which carry what it produces.

pub mod diff;
pub mod history;
pub mod input;
pub mod schedule;
pub mod styled;

pub use diff::{Frame, Sent};
pub use styled::{Colour, Cursor, Modes, Row, Run, Styled};
