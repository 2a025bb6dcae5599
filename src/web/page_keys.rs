//! Keys typed in the page: a browser's key event (its `key`, modifiers and text) turned into the
//! typed key the TUI sends, which the server encodes the same way (`crate::screen::input`), so
//! a key means the same bytes whichever client typed it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::screen::input::{Input, TypedKey};

/// The longest `key` or `text` taken: DOM key names are short, and one key event types little.
const MAX_KEY_TEXT: usize = 32;

/// A `keydown` as the page sends it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PageKey {
    /// `KeyboardEvent.key`: a character, or a name such as `Enter` or `ArrowUp`.
    pub key: String,
    #[serde(default)]
    pub ctrl: bool,
    #[serde(default)]
    pub alt: bool,
    #[serde(default)]
    pub shift: bool,
    /// What the key types, when the browser knows it better than `key` (an input method's
    /// result comes as `key: "Process"`).
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key event fields are at most {MAX_KEY_TEXT} bytes")]
    TooLong,
    #[error("the key `{0}` does not reach a terminal program")]
    NotSent(String),
}

/// What `key` types: a key a terminal sends, or else the text the browser composed.
pub fn input(key: &PageKey) -> Result<Input, KeyError> {
    if key.key.len() > MAX_KEY_TEXT || key.text.as_ref().is_some_and(|t| t.len() > MAX_KEY_TEXT) {
        return Err(KeyError::TooLong);
    }
    if let Some(typed) = key_event(key).and_then(TypedKey::from_event) {
        return Ok(Input::Key(typed));
    }
    match &key.text {
        Some(text) if !text.is_empty() && !key.ctrl && !key.alt => Ok(Input::Text(text.clone())),
        _ => Err(KeyError::NotSent(key.key.clone())),
    }
}

fn key_event(key: &PageKey) -> Option<KeyEvent> {
    let mut modifiers = KeyModifiers::NONE;
    for (held, m) in [
        (key.ctrl, KeyModifiers::CONTROL),
        (key.alt, KeyModifiers::ALT),
        (key.shift, KeyModifiers::SHIFT),
    ] {
        if held {
            modifiers |= m;
        }
    }
    let mut chars = key.key.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match key.key.as_str() {
            "Enter" => KeyCode::Enter,
            "Tab" if key.shift => KeyCode::BackTab,
            "Tab" => KeyCode::Tab,
            "Backspace" => KeyCode::Backspace,
            "Escape" => KeyCode::Esc,
            "ArrowUp" => KeyCode::Up,
            "ArrowDown" => KeyCode::Down,
            "ArrowLeft" => KeyCode::Left,
            "ArrowRight" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Insert" => KeyCode::Insert,
            "Delete" => KeyCode::Delete,
            name => KeyCode::F(name.strip_prefix('F')?.parse().ok()?),
        },
    };
    Some(KeyEvent::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::input::encode;
    use crate::session::{Terminal, TerminalSize};

    fn key(name: &str) -> PageKey {
        PageKey {
            key: name.into(),
            ctrl: false,
            alt: false,
            shift: false,
            text: None,
        }
    }

    /// The bytes the server sends for a page's key to a program that set `modes`.
    fn bytes(key: &PageKey, modes: &[u8]) -> Vec<u8> {
        let mut terminal = Terminal::new(TerminalSize { cols: 20, rows: 5 }, 0);
        terminal.process(modes);
        encode(&input(key).unwrap(), &terminal).unwrap().unwrap()
    }

    #[test]
    fn page_keys_encode_as_the_tuis_keys_do() {
        assert_eq!(bytes(&key("a"), b""), b"a");
        assert_eq!(bytes(&key("Enter"), b""), b"\r");
        assert_eq!(bytes(&key("F5"), b""), b"\x1b[15~");
        let ctrl_c = PageKey {
            ctrl: true,
            ..key("c")
        };
        assert_eq!(bytes(&ctrl_c, b""), b"\x03");
        let back_tab = PageKey {
            shift: true,
            ..key("Tab")
        };
        assert_eq!(bytes(&back_tab, b""), b"\x1b[Z");
    }

    #[test]
    fn arrows_follow_the_programs_cursor_mode() {
        assert_eq!(bytes(&key("ArrowUp"), b""), b"\x1b[A");
        assert_eq!(bytes(&key("ArrowUp"), b"\x1b[?1h"), b"\x1bOA");
    }

    #[test]
    fn an_input_methods_text_is_typed_and_unknown_keys_are_refused() {
        let composed = PageKey {
            text: Some("日本".into()),
            ..key("Process")
        };
        assert_eq!(bytes(&composed, b""), "日本".as_bytes());
        assert!(matches!(input(&key("Shift")), Err(KeyError::NotSent(_))));
        assert_eq!(input(&key(&"x".repeat(40))), Err(KeyError::TooLong));
    }
}
