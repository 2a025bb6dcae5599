//! The page's frames as JSON: the frames `crate::screen::schedule` draws, with the session
//! list whenever it changed.

use axum::extract::ws::Message;
use serde::Serialize;
use serde_json::Value;

use crate::manager::Manager;
use crate::screen::Frame;
use crate::screen::schedule::Painter;
use crate::session::{Session, SessionId};

#[derive(Serialize)]
struct FrameMessage {
    r#type: &'static str,
    frame: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions: Option<Value>,
    screens: Vec<ScreenFrame>,
}

#[derive(Serialize)]
struct ScreenFrame {
    session: SessionId,
    #[serde(flatten)]
    frame: Frame,
}

/// Wraps frames for one page, remembering the session list it was last sent.
pub struct PagePainter {
    pub manager: Manager,
    pub last_list: Option<Value>,
}

impl Painter for PagePainter {
    type Message = Message;

    fn paint(&mut self, frame: u64, screens: Vec<(SessionId, Frame)>) -> Option<Message> {
        let list = session_list(&self.manager.list());
        let sessions = (self.last_list.as_ref() != Some(&list)).then(|| list.clone());
        if sessions.is_none() && screens.is_empty() {
            return None;
        }
        self.last_list = Some(list);
        let message = FrameMessage {
            r#type: "frame",
            frame,
            sessions,
            screens: screens
                .into_iter()
                .map(|(session, frame)| ScreenFrame { session, frame })
                .collect(),
        };
        let text = serde_json::to_string(&message).ok()?;
        Some(Message::Text(text.into()))
    }
}

/// Every session's info, without the counters that change with each read (the page does not
/// show them, and they would resend the list on every frame of a flood).
fn session_list(sessions: &[Session]) -> Value {
    let list = sessions
        .iter()
        .filter_map(|s| {
            let mut info = serde_json::to_value(s.info()).ok()?;
            if let Some(fields) = info.as_object_mut() {
                fields.remove("bytes_read");
                fields.remove("last_activity");
            }
            Some(info)
        })
        .collect();
    Value::Array(list)
}
