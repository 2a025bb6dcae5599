//! Key chords as written in config (`ctrl-a`, `alt-x`, `f5`, `esc`) and the bytes they send.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The key without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    F(u8),
    Esc,
    Enter,
    Tab,
    Backspace,
    Space,
    Up,
    Down,
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl KeyChord {
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// What a terminal sends for this chord, for the keys a profile may use to interrupt:
    /// encoded by the same encoder as every typed key.
    pub fn to_bytes(self) -> Vec<u8> {
        crate::keys::encode(self.to_event(), crate::keys::Modes::default()).unwrap_or_default()
    }

    /// The chord as the key event a terminal would report.
    pub fn to_event(self) -> crossterm::event::KeyEvent {
        use crossterm::event::{KeyCode as Code, KeyModifiers};
        let code = match self.code {
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Space => Code::Char(' '),
            KeyCode::F(n) => Code::F(n),
            KeyCode::Esc => Code::Esc,
            KeyCode::Enter => Code::Enter,
            KeyCode::Tab => Code::Tab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
        };
        let mut modifiers = KeyModifiers::NONE;
        for (on, modifier) in [
            (self.ctrl, KeyModifiers::CONTROL),
            (self.alt, KeyModifiers::ALT),
            (self.shift, KeyModifiers::SHIFT),
        ] {
            if on {
                modifiers |= modifier;
            }
        }
        crossterm::event::KeyEvent::new(code, modifiers)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a key: write e.g. `ctrl-a`, `alt-x`, `f5`, `esc`, `enter`, `tab`, `space`")]
pub struct InvalidKey(String);

impl FromStr for KeyChord {
    type Err = InvalidKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidKey(s.to_string());
        let mut chord = KeyChord::plain(KeyCode::Esc);
        let mut parts: Vec<&str> = s.split('-').collect();
        // `ctrl--` would be ctrl and minus.
        let key = match parts.pop() {
            Some("") if s.ends_with("--") => "-",
            Some(k) if !k.is_empty() => k,
            _ => return Err(invalid()),
        };
        for modifier in parts.iter().filter(|m| !m.is_empty()) {
            match modifier.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => chord.ctrl = true,
                "alt" | "meta" | "m" => chord.alt = true,
                "shift" | "s" => chord.shift = true,
                _ => return Err(invalid()),
            }
        }
        let lower = key.to_ascii_lowercase();
        chord.code = match lower.as_str() {
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "space" => KeyCode::Space,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            f if f.len() > 1 && f.starts_with('f') => match f[1..].parse() {
                Ok(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(invalid()),
            },
            _ => {
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                    _ => return Err(invalid()),
                }
            }
        };
        Ok(chord)
    }
}

impl KeyChord {
    /// `ctrl-`, `alt-` and `shift-`, as held.
    fn modifiers(self) -> String {
        [
            (self.ctrl, "ctrl-"),
            (self.alt, "alt-"),
            (self.shift, "shift-"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// How help and the status bar show the chord: as config writes it, arrows as arrows.
    pub fn label(self) -> String {
        let arrow = match self.code {
            KeyCode::Left => "←",
            KeyCode::Right => "→",
            KeyCode::Up => "↑",
            KeyCode::Down => "↓",
            _ => return self.to_string(),
        };
        format!("{}{arrow}", self.modifiers())
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.modifiers())?;
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => f.write_str(&format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

impl Serialize for KeyChord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyChord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_parse_and_print_back() {
        for text in [
            "ctrl-a",
            "alt-x",
            "f5",
            "esc",
            "ctrl-space",
            "shift-tab",
            "ctrl-alt-q",
        ] {
            assert_eq!(text.parse::<KeyChord>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        let err = "hyper-q".parse::<KeyChord>().unwrap_err();
        assert!(err.to_string().contains("ctrl-a"));
        assert!("f13".parse::<KeyChord>().is_err());
        assert!("".parse::<KeyChord>().is_err());
    }

    #[test]
    fn arrows_are_labelled_as_arrows() {
        assert_eq!("left".parse::<KeyChord>().unwrap().label(), "←");
        assert_eq!("alt-up".parse::<KeyChord>().unwrap().label(), "alt-↑");
        assert_eq!(
            "ctrl-space".parse::<KeyChord>().unwrap().label(),
            "ctrl-space"
        );
    }

    #[test]
    fn interrupt_keys_send_what_a_terminal_sends() {
        assert_eq!("ctrl-c".parse::<KeyChord>().unwrap().to_bytes(), b"\x03");
        assert_eq!("esc".parse::<KeyChord>().unwrap().to_bytes(), b"\x1b");
        assert_eq!("f5".parse::<KeyChord>().unwrap().to_bytes(), b"\x1b[15~");
    }
}
