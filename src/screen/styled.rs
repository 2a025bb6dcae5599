//! A vt100 screen as clients draw it: rows of styled text runs, the cursor, and the terminal
//! modes a client needs to know (how to report the mouse, whether the program is on its
//! alternate screen, its title).
//!
//! The page draws real DOM text (so the browser's own selection and copy work) and the TUI
//! paints cells, neither emulating a terminal a second time. A run is text of one style; a wide
//! character is a run of its own (flag [`WIDE`]) so a client can give it exactly two cells.
//! Trailing blanks with no background or attributes are left out.

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::session::{Terminal, TerminalSize};

pub const BOLD: u8 = 1;
pub const DIM: u8 = 2;
pub const ITALIC: u8 = 4;
pub const UNDERLINE: u8 = 8;
pub const INVERSE: u8 = 16;
pub const WIDE: u8 = 32;

/// A colour: a palette index (a number on the wire) or RGB (`"#rrggbb"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Index(u8),
    Rgb(u8, u8, u8),
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Index(i) => s.serialize_u8(*i),
            Self::Rgb(r, g, b) => s.serialize_str(&format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }
}

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Index(u8),
            Rgb(String),
        }
        match Wire::deserialize(d)? {
            Wire::Index(i) => Ok(Self::Index(i)),
            Wire::Rgb(hex) => {
                let byte = |at: usize| {
                    hex.get(at..at + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                };
                match (hex.len(), hex.starts_with('#'), byte(1), byte(3), byte(5)) {
                    (7, true, Some(r), Some(g), Some(b)) => Ok(Self::Rgb(r, g, b)),
                    _ => Err(de::Error::custom(format!("`{hex}` is not #rrggbb"))),
                }
            }
        }
    }
}

/// Text of one style. Field names are short: a full screen is sent many times a second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub t: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fg: Option<Colour>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bg: Option<Colour>,
    /// [`BOLD`] | [`DIM`] | … bits.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub a: u8,
}

fn is_zero(a: &u8) -> bool {
    *a == 0
}

pub type Row = Vec<Run>;

/// The text of a row as a terminal shows it, trailing blanks trimmed.
pub fn row_text(row: &Row) -> String {
    let mut text: String = row.iter().map(|run| run.t.as_str()).collect();
    text.truncate(text.trim_end().len());
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub row: u16,
    pub col: u16,
    pub visible: bool,
    /// DECSCUSR's number: 0 the user's default, 1–2 a block, 3–4 an underline, 5–6 a bar;
    /// odd numbers blink.
    #[serde(default)]
    pub shape: u8,
}

/// Which mouse events the program asked to be told of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MouseMode {
    #[default]
    None,
    Press,
    PressRelease,
    ButtonMotion,
    AnyMotion,
}

/// How the program wants mouse reports written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MouseEncoding {
    #[default]
    Default,
    Utf8,
    Sgr,
}

/// The program's terminal modes that a client needs: what the mouse does over its pane, and
/// what to show. Keys and pastes are encoded by the server, which knows the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modes {
    pub mouse: MouseMode,
    pub mouse_encoding: MouseEncoding,
    pub bracketed_paste: bool,
    pub application_cursor: bool,
    pub application_keypad: bool,
    pub alternate_screen: bool,
}

impl Modes {
    pub fn of(screen: &vt100::Screen) -> Self {
        use vt100::{MouseProtocolEncoding as E, MouseProtocolMode as M};
        Self {
            mouse: match screen.mouse_protocol_mode() {
                M::None => MouseMode::None,
                M::Press => MouseMode::Press,
                M::PressRelease => MouseMode::PressRelease,
                M::ButtonMotion => MouseMode::ButtonMotion,
                M::AnyMotion => MouseMode::AnyMotion,
            },
            mouse_encoding: match screen.mouse_protocol_encoding() {
                E::Default => MouseEncoding::Default,
                E::Utf8 => MouseEncoding::Utf8,
                E::Sgr => MouseEncoding::Sgr,
            },
            bracketed_paste: screen.bracketed_paste(),
            application_cursor: screen.application_cursor(),
            application_keypad: screen.application_keypad(),
            alternate_screen: screen.alternate_screen(),
        }
    }
}

/// A screen as rows, with its cursor, modes and title, and how many rows of history are kept
/// above it: what a frame is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Styled {
    pub size: TerminalSize,
    pub rows: Vec<Row>,
    pub cursor: Cursor,
    pub modes: Modes,
    pub title: String,
    pub history: usize,
}

fn colour(c: vt100::Color) -> Option<Colour> {
    match c {
        vt100::Color::Default => None,
        vt100::Color::Idx(i) => Some(Colour::Index(i)),
        vt100::Color::Rgb(r, g, b) => Some(Colour::Rgb(r, g, b)),
    }
}

fn attributes(cell: &vt100::Cell) -> u8 {
    [
        (cell.bold(), BOLD),
        (cell.dim(), DIM),
        (cell.italic(), ITALIC),
        (cell.underline(), UNDERLINE),
        (cell.inverse(), INVERSE),
        (cell.is_wide(), WIDE),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .fold(0, |a, (_, bit)| a | bit)
}

/// A session's screen as a client sees it. Called with the terminal's lock held, so it does
/// nothing but read cells.
pub fn styled(terminal: &Terminal) -> Styled {
    styled_with(terminal, rows(terminal.screen()))
}

/// A session's screen as a client sees it, with `rows` already read from it (all of them, or
/// the ones that changed put over what was read before; see `crate::screen::diff`).
pub fn styled_with(terminal: &Terminal, rows: Vec<Row>) -> Styled {
    let screen = terminal.screen();
    let (cursor_row, cursor_col) = screen.cursor_position();
    Styled {
        size: terminal.size(),
        rows,
        cursor: Cursor {
            row: cursor_row,
            col: cursor_col,
            visible: !screen.hide_cursor(),
            shape: shape(screen.cursor_style()),
        },
        modes: Modes::of(screen),
        title: terminal.title().to_string(),
        history: terminal.history_len(),
    }
}

/// The rows a fresh terminal of `size` shows after `bytes`: what a client's painting is tested
/// against.
#[cfg(test)]
pub fn rows_of(size: TerminalSize, bytes: &[u8]) -> Vec<Row> {
    let mut terminal = Terminal::new(size, 0);
    terminal.process(bytes);
    rows(terminal.screen())
}

/// DECSCUSR's number for a cursor style.
fn shape(style: vt100::CursorStyle) -> u8 {
    use vt100::CursorStyle::*;
    match style {
        Default => 0,
        BlinkBlock => 1,
        SteadyBlock => 2,
        BlinkUnderline => 3,
        SteadyUnderline => 4,
        BlinkVerticalBar => 5,
        SteadyVerticalBar => 6,
    }
}

/// Every row of `screen` as styled runs.
pub fn rows(screen: &vt100::Screen) -> Vec<Row> {
    let (rows, cols) = screen.size();
    (0..rows.get())
        .map(|r| row(screen, r, cols.get()))
        .collect()
}

/// Row `r` of `screen` as styled runs.
pub fn row(screen: &vt100::Screen, r: u16, cols: u16) -> Row {
    let mut runs: Row = Vec::new();
    for c in 0..cols {
        let Some(cell) = screen.cell(r, c) else {
            continue;
        };
        if cell.is_wide_continuation() {
            continue;
        }
        let (fg, bg, a) = (
            colour(cell.fgcolor()),
            colour(cell.bgcolor()),
            attributes(cell),
        );
        let contents = cell.contents();
        let text = if contents.is_empty() { " " } else { contents };
        match runs.last_mut() {
            Some(last) if last.fg == fg && last.bg == bg && last.a == a && a & WIDE == 0 => {
                last.t.push_str(text)
            }
            _ => runs.push(Run {
                t: text.to_string(),
                fg,
                bg,
                a,
            }),
        }
    }
    trim_blank_end(&mut runs);
    runs
}

/// Drops trailing spaces that draw nothing: default background, no inverse or underline.
fn trim_blank_end(runs: &mut Row) {
    while let Some(last) = runs.last_mut() {
        if last.bg.is_some() || last.a & (INVERSE | UNDERLINE) != 0 {
            return;
        }
        let kept = last.t.trim_end_matches(' ').len();
        if kept > 0 {
            last.t.truncate(kept);
            return;
        }
        runs.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(bytes: &[u8]) -> Terminal {
        let mut terminal = Terminal::new(TerminalSize { cols: 20, rows: 5 }, 0);
        terminal.process(bytes);
        terminal
    }

    #[test]
    fn styles_become_runs_and_trailing_blanks_are_dropped() {
        let t = screen(b"ab\x1b[1;31mcd\x1b[0m  \x1b[7m \x1b[0m   ");
        let rows = styled(&t).rows;
        let json = serde_json::to_string(&rows[0]).unwrap();
        assert_eq!(
            json,
            r#"[{"t":"ab"},{"t":"cd","fg":1,"a":1},{"t":"  "},{"t":" ","a":16}]"#
        );
        assert!(rows[1].is_empty());
    }

    #[test]
    fn a_wide_character_is_a_run_of_its_own_and_rgb_is_hex() {
        let t = screen("\x1b[38;2;255;0;16m漢字\x1b[0mx".as_bytes());
        let rows = styled(&t).rows;
        let json = serde_json::to_string(&rows[0]).unwrap();
        assert_eq!(
            json,
            r##"[{"t":"漢","fg":"#ff0010","a":32},{"t":"字","fg":"#ff0010","a":32},{"t":"x"}]"##
        );
    }

    #[test]
    fn rows_survive_messagepack_as_they_were() {
        let t = screen("\x1b[38;2;255;0;16m漢\x1b[0;44;7mx\x1b[38;5;200my".as_bytes());
        let rows = styled(&t).rows;
        let packed = rmp_serde::to_vec_named(&rows).unwrap();
        let back: Vec<Row> = rmp_serde::from_slice(&packed).unwrap();
        assert_eq!(back, rows);
    }

    #[test]
    fn the_modes_a_client_needs_are_read_from_the_screen() {
        let t =
            screen(b"\x1b[?1002h\x1b[?1006h\x1b[?2004h\x1b[?1h\x1b[?1049h\x1b]2;hi\x07\x1b[5 q");
        let s = styled(&t);
        assert_eq!(s.cursor.shape, 5, "a blinking bar");
        assert_eq!(s.modes.mouse, MouseMode::ButtonMotion);
        assert_eq!(s.modes.mouse_encoding, MouseEncoding::Sgr);
        assert!(s.modes.bracketed_paste && s.modes.application_cursor);
        assert!(s.modes.alternate_screen);
        assert_eq!(s.title, "hi");
    }
}
