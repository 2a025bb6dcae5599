//! Typed input from a client — keys, text, pastes, mouse reports, focus changes — encoded
//! here, on the server, with the session's real terminal modes: one encoder (`crate::keys`)
//! and one place that knows the modes, whichever client typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};
use serde::{Deserialize, Serialize};

use crate::keys::{self, Modes};
use crate::session::Terminal;

/// The longest paste taken (and text typed at once).
pub const MAX_PASTE: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    Key(TypedKey),
    /// Text typed as it is (an input method's result).
    Text(String),
    Paste(String),
    Mouse(MouseReport),
    /// The client's terminal gained (`true`) or lost focus.
    Focus(bool),
}

/// A key as a terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedKey {
    pub key: Key,
    #[serde(default)]
    pub ctrl: bool,
    #[serde(default)]
    pub alt: bool,
    #[serde(default)]
    pub shift: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
    BackTab,
    Backspace,
    Esc,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Delete,
    F(u8),
}

const KEYS: [(Key, KeyCode); 15] = [
    (Key::Enter, KeyCode::Enter),
    (Key::Tab, KeyCode::Tab),
    (Key::BackTab, KeyCode::BackTab),
    (Key::Backspace, KeyCode::Backspace),
    (Key::Esc, KeyCode::Esc),
    (Key::Up, KeyCode::Up),
    (Key::Down, KeyCode::Down),
    (Key::Left, KeyCode::Left),
    (Key::Right, KeyCode::Right),
    (Key::Home, KeyCode::Home),
    (Key::End, KeyCode::End),
    (Key::PageUp, KeyCode::PageUp),
    (Key::PageDown, KeyCode::PageDown),
    (Key::Insert, KeyCode::Insert),
    (Key::Delete, KeyCode::Delete),
];

impl TypedKey {
    /// The key a terminal reported, if it is one a program can be sent.
    pub fn from_event(event: KeyEvent) -> Option<Self> {
        keys::encode(event, Modes::default())?;
        let key = match event.code {
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::F(n) => Key::F(n),
            code => KEYS.iter().find(|(_, c)| *c == code)?.0,
        };
        let m = event.modifiers;
        Some(Self {
            key,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT),
        })
    }

    fn event(self) -> KeyEvent {
        let code = match self.key {
            Key::Char(c) => KeyCode::Char(c),
            Key::F(n) => KeyCode::F(n),
            key => KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(KeyCode::Null, |k| k.1),
        };
        KeyEvent::new(code, modifiers(self.ctrl, self.alt, self.shift))
    }
}

fn modifiers(ctrl: bool, alt: bool, shift: bool) -> KeyModifiers {
    let mut m = KeyModifiers::NONE;
    for (held, bit) in [
        (ctrl, KeyModifiers::CONTROL),
        (alt, KeyModifiers::ALT),
        (shift, KeyModifiers::SHIFT),
    ] {
        if held {
            m |= bit;
        }
    }
    m
}

/// A mouse event over a pane, at a 1-based cell of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MouseReport {
    pub kind: MouseKind,
    pub col: u16,
    pub row: u16,
    #[serde(default)]
    pub ctrl: bool,
    #[serde(default)]
    pub alt: bool,
    #[serde(default)]
    pub shift: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MouseKind {
    Down(Button),
    Up(Button),
    Drag(Button),
    Moved,
    ScrollUp,
    ScrollDown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Button {
    Left,
    Middle,
    Right,
}

impl MouseKind {
    /// What crossterm reported, if it is something a program can be told.
    pub fn from_event(kind: MouseEventKind) -> Option<Self> {
        let button = |b: MouseButton| match b {
            MouseButton::Left => Button::Left,
            MouseButton::Middle => Button::Middle,
            MouseButton::Right => Button::Right,
        };
        Some(match kind {
            MouseEventKind::Down(b) => Self::Down(button(b)),
            MouseEventKind::Up(b) => Self::Up(button(b)),
            MouseEventKind::Drag(b) => Self::Drag(button(b)),
            MouseEventKind::Moved => Self::Moved,
            MouseEventKind::ScrollUp => Self::ScrollUp,
            MouseEventKind::ScrollDown => Self::ScrollDown,
            _ => return None,
        })
    }

    fn event(self) -> MouseEventKind {
        let button = |b: Button| match b {
            Button::Left => MouseButton::Left,
            Button::Middle => MouseButton::Middle,
            Button::Right => MouseButton::Right,
        };
        match self {
            Self::Down(b) => MouseEventKind::Down(button(b)),
            Self::Up(b) => MouseEventKind::Up(button(b)),
            Self::Drag(b) => MouseEventKind::Drag(button(b)),
            Self::Moved => MouseEventKind::Moved,
            Self::ScrollUp => MouseEventKind::ScrollUp,
            Self::ScrollDown => MouseEventKind::ScrollDown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("a paste or text of {0} bytes is over the {MAX_PASTE}-byte limit")]
    TooLong(usize),
}

/// The bytes `input` is for the program behind `terminal`, as its modes ask; `None` when it
/// sends nothing (a mouse the program does not take, a focus change it does not follow).
pub fn encode(input: &Input, terminal: &Terminal) -> Result<Option<Vec<u8>>, InputError> {
    let screen = terminal.screen();
    Ok(match input {
        Input::Key(key) => {
            let modes = Modes {
                application_cursor: screen.application_cursor(),
            };
            keys::encode(key.event(), modes)
        }
        Input::Text(text) | Input::Paste(text) if text.len() > MAX_PASTE => {
            return Err(InputError::TooLong(text.len()));
        }
        Input::Text(text) => Some(text.as_bytes().to_vec()),
        Input::Paste(text) => Some(keys::paste(text, screen.bracketed_paste())),
        Input::Mouse(report) => keys::mouse(
            report.kind.event(),
            modifiers(report.ctrl, report.alt, report.shift),
            (report.col, report.row),
            screen.mouse_protocol_mode(),
            screen.mouse_protocol_encoding(),
        ),
        Input::Focus(gained) => terminal.focus_reporting().then(|| {
            let report: &[u8] = if *gained { b"\x1b[I" } else { b"\x1b[O" };
            report.to_vec()
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::TerminalSize;

    fn terminal(modes: &[u8]) -> Terminal {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 5 }, 0);
        t.process(modes);
        t
    }

    fn key(key: Key) -> Input {
        Input::Key(TypedKey {
            key,
            ctrl: false,
            alt: false,
            shift: false,
        })
    }

    #[test]
    fn keys_follow_the_sessions_cursor_mode_and_pastes_its_bracketing() {
        let plain = terminal(b"");
        assert_eq!(encode(&key(Key::Up), &plain).unwrap().unwrap(), b"\x1b[A");
        let app = terminal(b"\x1b[?1h\x1b[?2004h");
        assert_eq!(encode(&key(Key::Up), &app).unwrap().unwrap(), b"\x1bOA");
        let paste = Input::Paste("a\nb".into());
        assert_eq!(encode(&paste, &plain).unwrap().unwrap(), b"a\rb");
        assert_eq!(
            encode(&paste, &app).unwrap().unwrap(),
            b"\x1b[200~a\rb\x1b[201~"
        );
        let huge = Input::Paste("x".repeat(MAX_PASTE + 1));
        assert!(matches!(encode(&huge, &plain), Err(InputError::TooLong(_))));
    }

    #[test]
    fn the_mouse_and_focus_reach_only_a_program_that_asked() {
        let report = Input::Mouse(MouseReport {
            kind: MouseKind::ScrollUp,
            col: 5,
            row: 3,
            ctrl: false,
            alt: false,
            shift: false,
        });
        assert_eq!(encode(&report, &terminal(b"")).unwrap(), None);
        let sgr = terminal(b"\x1b[?1000h\x1b[?1006h\x1b[?1004h");
        assert_eq!(encode(&report, &sgr).unwrap().unwrap(), b"\x1b[<64;5;3M");
        assert_eq!(encode(&Input::Focus(true), &terminal(b"")).unwrap(), None);
        assert_eq!(
            encode(&Input::Focus(false), &sgr).unwrap().unwrap(),
            b"\x1b[O"
        );
    }

    #[test]
    fn every_key_a_terminal_sends_survives_the_trip() {
        for code in KEYS
            .iter()
            .map(|k| k.1)
            .chain([KeyCode::Char('x'), KeyCode::F(5)])
        {
            let event = KeyEvent::new(code, KeyModifiers::ALT);
            let typed = TypedKey::from_event(event).unwrap();
            assert_eq!(typed.event(), event);
        }
        let null = KeyEvent::new(KeyCode::Null, KeyModifiers::NONE);
        assert_eq!(TypedKey::from_event(null), None);
    }
}
