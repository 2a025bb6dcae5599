//! Keys as a terminal sends them: the one encoder for every key that reaches a program, typed
//! in a pane or configured (a profile's interrupt key, the prefix sent twice), and which keys
//! are ccmux's own.

pub mod chord;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

use chord::{KeyChord, KeyCode as ChordCode};

/// Terminal modes of the focused program that change how keys are encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Modes {
    /// DECCKM: arrows send `ESC O A` instead of `ESC [ A`.
    pub application_cursor: bool,
}

/// The bytes for `key`, or `None` for keys a terminal does not send.
pub fn encode(key: KeyEvent, modes: Modes) -> Option<Vec<u8>> {
    let m = key.modifiers;
    let (ctrl, alt, shift) = (
        m.contains(KeyModifiers::CONTROL),
        m.contains(KeyModifiers::ALT),
        m.contains(KeyModifiers::SHIFT),
    );
    // xterm's modifier parameter: 1 + shift + 2·alt + 4·ctrl.
    let param = 1 + shift as u8 + 2 * alt as u8 + 4 * ctrl as u8;
    let modified = param > 1;
    let cursor = |c: char| -> Vec<u8> {
        if modified {
            format!("\x1b[1;{param}{c}").into_bytes()
        } else if modes.application_cursor {
            format!("\x1bO{c}").into_bytes()
        } else {
            format!("\x1b[{c}").into_bytes()
        }
    };
    let tilde = |n: u8| -> Vec<u8> {
        if modified {
            format!("\x1b[{n};{param}~").into_bytes()
        } else {
            format!("\x1b[{n}~").into_bytes()
        }
    };
    let bytes = match key.code {
        KeyCode::Char(c) if ctrl => {
            let byte = match c.to_ascii_lowercase() {
                c @ 'a'..='z' => c as u8 - b'a' + 1,
                ' ' | '@' | '2' => 0,
                '[' | '3' => 0x1b,
                '\\' | '4' => 0x1c,
                ']' | '5' => 0x1d,
                '^' | '6' => 0x1e,
                '_' | '-' | '7' => 0x1f,
                '?' | '8' => 0x7f,
                _ => return None,
            };
            alt_prefixed(alt, vec![byte])
        }
        KeyCode::Char(c) => alt_prefixed(alt, c.to_string().into_bytes()),
        KeyCode::Enter => alt_prefixed(alt, b"\r".to_vec()),
        KeyCode::Tab if shift => b"\x1b[Z".to_vec(),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Tab => alt_prefixed(alt, b"\t".to_vec()),
        KeyCode::Backspace if ctrl => alt_prefixed(alt, vec![0x08]),
        KeyCode::Backspace => alt_prefixed(alt, vec![0x7f]),
        KeyCode::Esc => b"\x1b".to_vec(),
        KeyCode::Up => cursor('A'),
        KeyCode::Down => cursor('B'),
        KeyCode::Right => cursor('C'),
        KeyCode::Left => cursor('D'),
        KeyCode::Home => cursor('H'),
        KeyCode::End => cursor('F'),
        KeyCode::Insert => tilde(2),
        KeyCode::Delete => tilde(3),
        KeyCode::PageUp => tilde(5),
        KeyCode::PageDown => tilde(6),
        KeyCode::F(n @ 1..=4) => {
            let c = (b'P' + n - 1) as char;
            if modified {
                format!("\x1b[1;{param}{c}").into_bytes()
            } else {
                format!("\x1bO{c}").into_bytes()
            }
        }
        KeyCode::F(n @ 5..=12) => tilde([15, 17, 18, 19, 20, 21, 23, 24][n as usize - 5]),
        _ => return None,
    };
    Some(bytes)
}

fn alt_prefixed(alt: bool, mut bytes: Vec<u8>) -> Vec<u8> {
    if alt {
        bytes.insert(0, 0x1b);
    }
    bytes
}

/// A paste, wrapped in bracketed-paste markers when the program asked for them.
pub fn paste(text: &str, bracketed: bool) -> Vec<u8> {
    let text = text.replace("\r\n", "\r").replace('\n', "\r");
    if bracketed {
        format!("\x1b[200~{text}\x1b[201~").into_bytes()
    } else {
        text.into_bytes()
    }
}

/// A mouse report as the program asked for it: which events its mode reports (press;
/// press and release; drags too; all motion), in its encoding (SGR, UTF-8 or the original
/// single bytes). `x`, `y` are 1-based cells of the pane. `None`: not reported.
pub fn mouse(
    kind: MouseEventKind,
    modifiers: KeyModifiers,
    (x, y): (u16, u16),
    mode: vt100::MouseProtocolMode,
    encoding: vt100::MouseProtocolEncoding,
) -> Option<Vec<u8>> {
    use vt100::MouseProtocolMode as Mode;
    let number = |button: MouseButton| match button {
        MouseButton::Left => 0,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    };
    // (button code, is a release) per xterm; motion adds 32, a motion without a button is 3.
    let (code, release) = match (kind, mode) {
        (_, Mode::None) => return None,
        (MouseEventKind::ScrollUp, _) => (64, false),
        (MouseEventKind::ScrollDown, _) => (65, false),
        (MouseEventKind::Down(button), _) => (number(button), false),
        (MouseEventKind::Up(button), Mode::PressRelease | Mode::ButtonMotion | Mode::AnyMotion) => {
            (number(button), true)
        }
        (MouseEventKind::Drag(button), Mode::ButtonMotion | Mode::AnyMotion) => {
            (32 + number(button), false)
        }
        (MouseEventKind::Moved, Mode::AnyMotion) => (32 + 3, false),
        _ => return None,
    };
    let mut code = code;
    for (held, bit) in [
        (KeyModifiers::SHIFT, 4),
        (KeyModifiers::ALT, 8),
        (KeyModifiers::CONTROL, 16),
    ] {
        if modifiers.contains(held) {
            code += bit;
        }
    }
    match encoding {
        vt100::MouseProtocolEncoding::Sgr => {
            let end = if release { 'm' } else { 'M' };
            Some(format!("\x1b[<{code};{x};{y}{end}").into_bytes())
        }
        // The older encodings cannot say which button was let go.
        legacy => {
            let code = if release { code & !3 | 3 } else { code };
            let limit = if legacy == vt100::MouseProtocolEncoding::Utf8 {
                2015
            } else {
                223
            };
            if x > limit || y > limit {
                return None;
            }
            let mut out = b"\x1b[M".to_vec();
            for value in [code + 32, x + 32, y + 32] {
                match legacy {
                    vt100::MouseProtocolEncoding::Utf8 => {
                        let c = char::from_u32(u32::from(value))?;
                        out.extend(c.to_string().as_bytes());
                    }
                    _ => out.push(value as u8),
                }
            }
            Some(out)
        }
    }
}

/// Whether a crossterm key is the configured chord. A character's case already says whether
/// Shift was held, so Shift only counts for the other keys.
pub fn chord_matches(chord: KeyChord, key: KeyEvent) -> bool {
    let m = key.modifiers;
    if m.contains(KeyModifiers::CONTROL) != chord.ctrl || m.contains(KeyModifiers::ALT) != chord.alt
    {
        return false;
    }
    let same = match (chord.code, key.code) {
        (ChordCode::Char(a), KeyCode::Char(b)) if chord.ctrl => return a.eq_ignore_ascii_case(&b),
        (ChordCode::Char(a), KeyCode::Char(b)) => return a == b,
        (ChordCode::Space, KeyCode::Char(' ')) => true,
        (ChordCode::Tab, KeyCode::BackTab) => return chord.shift,
        (ChordCode::F(a), KeyCode::F(b)) => a == b,
        (ChordCode::Esc, KeyCode::Esc)
        | (ChordCode::Enter, KeyCode::Enter)
        | (ChordCode::Tab, KeyCode::Tab)
        | (ChordCode::Backspace, KeyCode::Backspace)
        | (ChordCode::Up, KeyCode::Up)
        | (ChordCode::Down, KeyCode::Down)
        | (ChordCode::Left, KeyCode::Left)
        | (ChordCode::Right, KeyCode::Right) => true,
        _ => false,
    };
    same && m.contains(KeyModifiers::SHIFT) == chord.shift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Vec<u8> {
        encode(KeyEvent::new(code, modifiers), Modes::default()).unwrap()
    }

    const NONE: KeyModifiers = KeyModifiers::NONE;

    #[test]
    fn arrows_follow_the_cursor_key_mode() {
        assert_eq!(key(KeyCode::Up, NONE), b"\x1b[A");
        let app = Modes {
            application_cursor: true,
        };
        assert_eq!(
            encode(KeyEvent::new(KeyCode::Up, NONE), app).unwrap(),
            b"\x1bOA"
        );
        assert_eq!(
            encode(KeyEvent::new(KeyCode::Home, NONE), app).unwrap(),
            b"\x1bOH"
        );
        assert_eq!(key(KeyCode::End, NONE), b"\x1b[F");
        assert_eq!(key(KeyCode::Left, KeyModifiers::CONTROL), b"\x1b[1;5D");
        assert_eq!(key(KeyCode::Right, KeyModifiers::SHIFT), b"\x1b[1;2C");
    }

    #[test]
    fn page_and_editing_keys_use_tilde_codes() {
        assert_eq!(key(KeyCode::PageUp, NONE), b"\x1b[5~");
        assert_eq!(key(KeyCode::PageDown, NONE), b"\x1b[6~");
        assert_eq!(key(KeyCode::Delete, NONE), b"\x1b[3~");
        assert_eq!(key(KeyCode::Insert, NONE), b"\x1b[2~");
        assert_eq!(key(KeyCode::Delete, KeyModifiers::ALT), b"\x1b[3;3~");
    }

    #[test]
    fn function_keys_one_to_twelve() {
        let expected: [&[u8]; 12] = [
            b"\x1bOP",
            b"\x1bOQ",
            b"\x1bOR",
            b"\x1bOS",
            b"\x1b[15~",
            b"\x1b[17~",
            b"\x1b[18~",
            b"\x1b[19~",
            b"\x1b[20~",
            b"\x1b[21~",
            b"\x1b[23~",
            b"\x1b[24~",
        ];
        for (n, want) in (1..=12).zip(expected) {
            assert_eq!(key(KeyCode::F(n), NONE), want, "F{n}");
        }
        assert_eq!(key(KeyCode::F(1), KeyModifiers::SHIFT), b"\x1b[1;2P");
    }

    #[test]
    fn control_and_alt_combinations() {
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), b"\x03");
        assert_eq!(key(KeyCode::Char('A'), KeyModifiers::CONTROL), b"\x01");
        assert_eq!(key(KeyCode::Char(' '), KeyModifiers::CONTROL), b"\x00");
        assert_eq!(key(KeyCode::Char('\\'), KeyModifiers::CONTROL), b"\x1c");
        assert_eq!(key(KeyCode::Char('x'), KeyModifiers::ALT), b"\x1bx");
        assert_eq!(
            key(
                KeyCode::Char('x'),
                KeyModifiers::ALT | KeyModifiers::CONTROL
            ),
            b"\x1b\x18"
        );
        assert_eq!(key(KeyCode::Char('é'), NONE), "é".as_bytes());
    }

    #[test]
    fn enter_tab_backspace_escape_and_shift_tab() {
        assert_eq!(key(KeyCode::Enter, NONE), b"\r");
        assert_eq!(key(KeyCode::Tab, NONE), b"\t");
        assert_eq!(key(KeyCode::BackTab, KeyModifiers::SHIFT), b"\x1b[Z");
        assert_eq!(key(KeyCode::Backspace, NONE), b"\x7f");
        assert_eq!(key(KeyCode::Esc, NONE), b"\x1b");
        assert_eq!(key(KeyCode::Enter, KeyModifiers::ALT), b"\x1b\r");
    }

    #[test]
    fn paste_is_bracketed_only_when_enabled() {
        assert_eq!(paste("a\nb", true), b"\x1b[200~a\rb\x1b[201~");
        assert_eq!(paste("a\r\nb", false), b"a\rb");
    }

    #[test]
    fn sgr_reports_say_which_button_was_released() {
        use vt100::{MouseProtocolEncoding as Encoding, MouseProtocolMode as Mode};
        let report = |kind, mode| mouse(kind, KeyModifiers::CONTROL, (7, 2), mode, Encoding::Sgr);
        let up = MouseEventKind::Up(MouseButton::Right);
        assert_eq!(report(up, Mode::PressRelease).unwrap(), b"\x1b[<18;7;2m");
        assert_eq!(
            report(up, Mode::Press),
            None,
            "X10 mode reports presses only"
        );
        assert_eq!(report(MouseEventKind::Moved, Mode::ButtonMotion), None);
        assert_eq!(
            report(MouseEventKind::Moved, Mode::AnyMotion).unwrap(),
            b"\x1b[<51;7;2M"
        );
    }
}
