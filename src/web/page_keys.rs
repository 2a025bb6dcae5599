//! Keys typed in the page: a browser's key event (its `key`, modifiers and text) turned into the
//! key the TUI would have seen, and encoded by the same code (`crate::keys`), so a key means
//! the same bytes whichever client typed it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::keys::{self, Modes};

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

/// The bytes a terminal would send for `key`, given the program's modes.
pub fn encode(key: &PageKey, modes: Modes) -> Result<Vec<u8>, KeyError> {
    if key.key.len() > MAX_KEY_TEXT || key.text.as_ref().is_some_and(|t| t.len() > MAX_KEY_TEXT) {
        return Err(KeyError::TooLong);
    }
    if let Some(event) = key_event(key)
        && let Some(bytes) = keys::encode(event, modes)
    {
        return Ok(bytes);
    }
    match &key.text {
        Some(text) if !text.is_empty() && !key.ctrl && !key.alt => Ok(text.as_bytes().to_vec()),
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

    fn key(name: &str) -> PageKey {
        PageKey {
            key: name.into(),
            ctrl: false,
            alt: false,
            shift: false,
            text: None,
        }
    }

    #[test]
    fn page_keys_encode_as_the_tuis_keys_do() {
        let plain = Modes::default();
        assert_eq!(encode(&key("a"), plain).unwrap(), b"a");
        assert_eq!(encode(&key("Enter"), plain).unwrap(), b"\r");
        assert_eq!(encode(&key("F5"), plain).unwrap(), b"\x1b[15~");
        let ctrl_c = PageKey {
            ctrl: true,
            ..key("c")
        };
        assert_eq!(encode(&ctrl_c, plain).unwrap(), b"\x03");
        let back_tab = PageKey {
            shift: true,
            ..key("Tab")
        };
        assert_eq!(encode(&back_tab, plain).unwrap(), b"\x1b[Z");
    }

    #[test]
    fn arrows_follow_the_programs_cursor_mode() {
        assert_eq!(
            encode(&key("ArrowUp"), Modes::default()).unwrap(),
            b"\x1b[A"
        );
        let app = Modes {
            application_cursor: true,
        };
        assert_eq!(encode(&key("ArrowUp"), app).unwrap(), b"\x1bOA");
    }

    #[test]
    fn an_input_methods_text_is_typed_and_unknown_keys_are_refused() {
        let composed = PageKey {
            text: Some("日本".into()),
            ..key("Process")
        };
        assert_eq!(
            encode(&composed, Modes::default()).unwrap(),
            "日本".as_bytes()
        );
        assert!(matches!(
            encode(&key("Shift"), Modes::default()),
            Err(KeyError::NotSent(_))
        ));
        assert_eq!(
            encode(&key(&"x".repeat(40)), Modes::default()),
            Err(KeyError::TooLong)
        );
    }
}
