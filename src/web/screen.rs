//! A vt100 screen as the page draws it: rows of styled text runs, and per page and session the
//! rows that changed since the frame the page last got.
//!
//! The page draws real DOM text (so the browser's own selection and copy work) instead of
//! emulating a terminal a second time. A run is text of one style; a wide character is a run
//! of its own (flag [`WIDE`]) so the page can give it exactly two cells. Trailing blanks with
//! no background or attributes are left out.

use serde::Serialize;
use serde::ser::Serializer;

use crate::session::TerminalSize;

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

/// Text of one style. Field names are short: a full screen is sent many times a second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub t: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fg: Option<Colour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bg: Option<Colour>,
    /// [`BOLD`] | [`DIM`] | … bits.
    #[serde(skip_serializing_if = "is_zero")]
    pub a: u8,
}

fn is_zero(a: &u8) -> bool {
    *a == 0
}

pub type Row = Vec<Run>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cursor {
    pub row: u16,
    pub col: u16,
    pub visible: bool,
}

/// A screen as rows, with its cursor and size: what a frame is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Styled {
    pub size: TerminalSize,
    pub rows: Vec<Row>,
    pub cursor: Cursor,
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

/// The screen's rows as styled runs. Called with the terminal's lock held, so it does nothing
/// but read cells.
pub fn styled(screen: &vt100::Screen) -> Styled {
    let (rows, cols) = screen.size();
    let (rows, cols) = (rows.get(), cols.get());
    let (cursor_row, cursor_col) = screen.cursor_position();
    Styled {
        size: TerminalSize { cols, rows },
        rows: (0..rows).map(|r| row(screen, r, cols)).collect(),
        cursor: Cursor {
            row: cursor_row,
            col: cursor_col,
            visible: !screen.hide_cursor(),
        },
    }
}

fn row(screen: &vt100::Screen, r: u16, cols: u16) -> Row {
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

/// One session's frame for one page: every row when `full`, else the rows that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    pub full: bool,
    pub cols: u16,
    pub rows: u16,
    pub cursor: Cursor,
    /// `(row index, runs)`.
    pub changed: Vec<(u16, Row)>,
}

/// What a page was last sent of one session's screen.
#[derive(Debug, Default)]
pub struct Sent {
    last: Option<Styled>,
}

impl Sent {
    /// The frame that brings the page from what it was sent to `now`; `None` when nothing
    /// changed. Records `now` as sent.
    pub fn frame(&mut self, now: Styled) -> Option<Frame> {
        let frame = match &self.last {
            Some(last) if last.size == now.size => {
                let changed: Vec<(u16, Row)> = (0u16..)
                    .zip(&now.rows)
                    .zip(&last.rows)
                    .filter(|((_, new), old)| new != old)
                    .map(|((i, new), _)| (i, new.clone()))
                    .collect();
                if changed.is_empty() && last.cursor == now.cursor {
                    return None;
                }
                Frame {
                    full: false,
                    cols: now.size.cols,
                    rows: now.size.rows,
                    cursor: now.cursor,
                    changed,
                }
            }
            _ => Frame {
                full: true,
                cols: now.size.cols,
                rows: now.size.rows,
                cursor: now.cursor,
                changed: (0u16..).zip(now.rows.iter().cloned()).collect(),
            },
        };
        self.last = Some(now);
        Some(frame)
    }

    /// The page must get the whole screen next (it subscribed again, or lost frames).
    pub fn forget(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(n: u16) -> std::num::NonZeroU16 {
        std::num::NonZeroU16::new(n).unwrap()
    }

    fn screen(bytes: &[u8]) -> vt100::Parser {
        let mut parser = vt100::Parser::new(dim(5), dim(20), 0);
        parser.process(bytes);
        parser
    }

    #[test]
    fn styles_become_runs_and_trailing_blanks_are_dropped() {
        let p = screen(b"ab\x1b[1;31mcd\x1b[0m  \x1b[7m \x1b[0m   ");
        let rows = styled(p.screen()).rows;
        let json = serde_json::to_string(&rows[0]).unwrap();
        assert_eq!(
            json,
            r#"[{"t":"ab"},{"t":"cd","fg":1,"a":1},{"t":"  "},{"t":" ","a":16}]"#
        );
        assert!(rows[1].is_empty());
    }

    #[test]
    fn a_wide_character_is_a_run_of_its_own_and_rgb_is_hex() {
        let p = screen("\x1b[38;2;255;0;16m漢字\x1b[0mx".as_bytes());
        let rows = styled(p.screen()).rows;
        let json = serde_json::to_string(&rows[0]).unwrap();
        assert_eq!(
            json,
            r##"[{"t":"漢","fg":"#ff0010","a":32},{"t":"字","fg":"#ff0010","a":32},{"t":"x"}]"##
        );
    }

    #[test]
    fn the_first_frame_is_full_then_only_changed_rows() {
        let mut p = screen(b"one\r\ntwo");
        let mut sent = Sent::default();
        let first = sent.frame(styled(p.screen())).unwrap();
        assert!(first.full);
        assert_eq!(first.changed.len(), 5);
        assert_eq!(sent.frame(styled(p.screen())), None, "nothing changed");
        p.process(b"\r\nthree");
        let next = sent.frame(styled(p.screen())).unwrap();
        assert!(!next.full);
        assert_eq!(next.changed.len(), 1);
        assert_eq!(next.changed[0].0, 2);
        assert_eq!(next.cursor.row, 2);
        p.screen_mut().set_size(dim(6), dim(20));
        assert!(sent.frame(styled(p.screen())).unwrap().full, "resized");
        sent.forget();
        assert!(sent.frame(styled(p.screen())).unwrap().full);
    }
}
