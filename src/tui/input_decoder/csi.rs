//! Control sequences (`ESC [ …`) and SS3 keys (`ESC O x`): cursor and function keys with
//! their modifiers, mouse reports in the X10, rxvt and SGR encodings, focus changes and
//! bracketed pastes.

use crossterm::event::MouseEventKind as Kind;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent};

use super::Step;

pub const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// Longer than any sequence a terminal sends as input; a longer one is dropped.
const SEQUENCE_LIMIT: usize = 64;

/// Decodes the sequence at the start of `bytes`, which starts with `ESC [`.
pub fn step(bytes: &[u8]) -> Step {
    if bytes.starts_with(PASTE_START) {
        return paste(bytes);
    }
    match bytes.get(2) {
        None => Step::Unfinished,
        // X10 mouse: three raw bytes follow.
        Some(b'M') => match bytes.get(3..6) {
            Some(&[cb, x, y]) => x10_mouse(cb, x, y, 6),
            _ => Step::Unfinished,
        },
        // The Linux console's F1–F5.
        Some(b'[') => match bytes.get(3) {
            Some(c @ b'A'..=b'E') => key(KeyCode::F(1 + c - b'A'), KeyModifiers::NONE, 4),
            Some(_) => Step::Skip(4),
            None => Step::Unfinished,
        },
        Some(_) => parameters_and_final(bytes),
    }
}

/// `ESC [`, parameters, intermediates, a final byte.
fn parameters_and_final(bytes: &[u8]) -> Step {
    for (at, &byte) in bytes.iter().enumerate().skip(2) {
        match byte {
            0x20..=0x3f => {}
            0x40..=0x7e => return sequence(&bytes[2..at], byte, at + 1),
            // Not part of a sequence: the sequence was cut short; what follows is input.
            _ => return Step::Skip(at),
        }
        if at >= SEQUENCE_LIMIT {
            return Step::Skip(at + 1);
        }
    }
    Step::Unfinished
}

/// A whole sequence of `len` bytes: its parameter bytes and its final byte.
fn sequence(parameters: &[u8], last: u8, len: usize) -> Step {
    if let [b'<', sgr @ ..] = parameters {
        return sgr_mouse(sgr, last, len);
    }
    let numbers = Numbers::parse(parameters);
    let Some(numbers) = numbers else {
        return Step::Skip(len);
    };
    match (last, numbers.0.as_slice()) {
        (b'I', []) => Step::Event(Event::FocusGained, len),
        (b'O', []) => Step::Event(Event::FocusLost, len),
        (b'Z', []) => key(KeyCode::BackTab, KeyModifiers::SHIFT, len),
        (b'Z', [1, m]) => key(KeyCode::BackTab, KeyModifiers::SHIFT | modifiers(*m), len),
        (b'~', [code]) => special(*code, KeyModifiers::NONE, len),
        (b'~', [code, m]) => special(*code, modifiers(*m), len),
        (b'M', [cb, x, y]) => match (u8::try_from(*cb), u16::try_from(*x), u16::try_from(*y)) {
            (Ok(cb), Ok(x), Ok(y)) => at(cb.wrapping_sub(32), x, y, len),
            _ => Step::Skip(len),
        },
        // ccmux never asks where the cursor is, so `CSI 1 ; m R` is F3, never a report.
        (_, []) => letter(last, KeyModifiers::NONE, len),
        (_, [1, m]) => letter(last, modifiers(*m), len),
        _ => Step::Skip(len),
    }
}

/// The numeric parameters; `None` for a private sequence (`?`, `>`, `=`), which is no key.
struct Numbers(Vec<u32>);

impl Numbers {
    fn parse(parameters: &[u8]) -> Option<Self> {
        if !parameters
            .iter()
            .all(|b| b.is_ascii_digit() || b":;".contains(b))
        {
            return None;
        }
        let text = std::str::from_utf8(parameters).ok()?;
        if text.is_empty() {
            return Some(Self(Vec::new()));
        }
        // A sub-parameter after `:` (an event kind) does not change the key.
        let numbers = text
            .split(';')
            .map(|part| part.split(':').next().unwrap_or("").parse().unwrap_or(1))
            .collect();
        Some(Self(numbers))
    }
}

/// A cursor or function key named by its final byte.
fn letter(last: u8, modifiers: KeyModifiers, len: usize) -> Step {
    match letter_code(last) {
        Some(code) => key(code, modifiers, len),
        None => Step::Skip(len),
    }
}

/// The key a final byte names, after `CSI` (with modifiers) or `ESC O`.
pub fn letter_code(last: u8) -> Option<KeyCode> {
    Some(match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(1 + last - b'P'),
        _ => return None,
    })
}

/// `CSI code ~`: the VT220 editing and function keys.
fn special(code: u32, modifiers: KeyModifiers, len: usize) -> Step {
    let code = match code {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F(code as u8 - 10),
        17..=21 => KeyCode::F(code as u8 - 11),
        23..=26 => KeyCode::F(code as u8 - 12),
        28 | 29 => KeyCode::F(code as u8 - 13),
        31..=34 => KeyCode::F(code as u8 - 14),
        _ => return Step::Skip(len),
    };
    key(code, modifiers, len)
}

/// The modifiers in a key's parameter: one more than a bit mask.
fn modifiers(parameter: u32) -> KeyModifiers {
    let bits = [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
        (8, KeyModifiers::SUPER),
        (16, KeyModifiers::HYPER),
        (32, KeyModifiers::META),
    ];
    held(parameter.saturating_sub(1), &bits)
}

/// The modifiers whose bits are set in `mask`.
fn held(mask: u32, bits: &[(u32, KeyModifiers)]) -> KeyModifiers {
    bits.iter()
        .filter(|(bit, _)| mask & bit != 0)
        .fold(KeyModifiers::NONE, |all, (_, one)| all | *one)
}

fn key(code: KeyCode, modifiers: KeyModifiers, len: usize) -> Step {
    Step::Event(Event::Key(KeyEvent::new(code, modifiers)), len)
}

/// `ESC [ 200 ~ text ESC [ 201 ~`, whole.
fn paste(bytes: &[u8]) -> Step {
    let text = &bytes[PASTE_START.len()..];
    match text.windows(PASTE_END.len()).position(|w| w == PASTE_END) {
        Some(end) => {
            let pasted = String::from_utf8_lossy(&text[..end]).into_owned();
            Step::Event(
                Event::Paste(pasted),
                PASTE_START.len() + end + PASTE_END.len(),
            )
        }
        None => Step::Unfinished,
    }
}

/// `ESC [ < button ; x ; y M` (pressed or moved) or `… m` (released).
fn sgr_mouse(parameters: &[u8], last: u8, len: usize) -> Step {
    let numbers = Numbers::parse(parameters).map(|n| n.0);
    let (Some([cb, x, y]), b'M' | b'm') = (numbers.as_deref(), last) else {
        return Step::Skip(len);
    };
    let (Ok(cb), Ok(x), Ok(y)) = (u8::try_from(*cb), u16::try_from(*x), u16::try_from(*y)) else {
        return Step::Skip(len);
    };
    match at(cb, x, y, len) {
        Step::Event(Event::Mouse(mut event), len) if last == b'm' => {
            if let Kind::Down(button) = event.kind {
                event.kind = Kind::Up(button);
            }
            Step::Event(Event::Mouse(event), len)
        }
        step => step,
    }
}

/// An X10 report: the button byte, the column and the row, each a byte offset by 32.
fn x10_mouse(cb: u8, x: u8, y: u8, len: usize) -> Step {
    let offset = |byte: u8| u16::from(byte.saturating_sub(32));
    at(cb.wrapping_sub(32), offset(x), offset(y), len)
}

/// A mouse event at the 1-based column `x` and row `y`, its button byte `cb`.
fn at(cb: u8, x: u16, y: u16, len: usize) -> Step {
    let Some(kind) = mouse_kind(cb) else {
        return Step::Skip(len);
    };
    let bits = [
        (4, KeyModifiers::SHIFT),
        (8, KeyModifiers::ALT),
        (16, KeyModifiers::CONTROL),
    ];
    let modifiers = held(u32::from(cb), &bits);
    let event = MouseEvent {
        kind,
        column: x.saturating_sub(1),
        row: y.saturating_sub(1),
        modifiers,
    };
    Step::Event(Event::Mouse(event), len)
}

/// The button byte's low two bits name a button (3: released), bit 5 says the mouse moved,
/// bit 6 that the buttons are the wheel's.
fn mouse_kind(cb: u8) -> Option<Kind> {
    let buttons = [MouseButton::Left, MouseButton::Middle, MouseButton::Right];
    let moved = cb & 32 != 0;
    let wheel = cb & 64 != 0;
    Some(match (cb & 3, wheel, moved) {
        _ if cb & 128 != 0 => return None,
        (3, false, false) => Kind::Up(MouseButton::Left),
        (3, false, true) => Kind::Moved,
        (n, false, false) => Kind::Down(buttons[n as usize]),
        (n, false, true) => Kind::Drag(buttons[n as usize]),
        (_, true, true) => Kind::Moved,
        (0, true, false) => Kind::ScrollUp,
        (1, true, false) => Kind::ScrollDown,
        (2, true, false) => Kind::ScrollLeft,
        (_, true, false) => Kind::ScrollRight,
    })
}
