//! Which part of the screen a detector rule looks at, and the screen as rules see it.
//!
//! A rule that may match anywhere on the screen matches old text too: "working on" printed
//! above a prompt keeps a session busy until it scrolls away. A region narrows a rule to where
//! its sign can only be current: the cursor's line, the last lines, the footer under the last
//! horizontal rule, or the window title (Claude Code puts a spinner glyph there while it works).

use std::fmt;
use std::num::NonZeroU16;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a rule's pattern is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// Every visible row, joined by `\n`.
    #[default]
    Screen,
    /// The cursor's row up to the cursor.
    CursorLine,
    /// The last N rows that are not blank (blank rows under the text do not count).
    LastLines(NonZeroU16),
    /// The rows under the last horizontal rule (a row starting with `───`); nothing when the
    /// screen has no rule.
    AfterLastRule,
    /// The block a full-screen program draws last: the rows under the last horizontal rule,
    /// or the whole screen when it has none. Claude Code draws its live dialog (or its
    /// footer) there; the same text quoted in the transcript above is not in it.
    LastBlock,
    /// The window title the program set (OSC 0 or 2).
    Title,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Screen => f.write_str("screen"),
            Self::CursorLine => f.write_str("cursor_line"),
            Self::LastLines(n) => write!(f, "last_lines({n})"),
            Self::AfterLastRule => f.write_str("after_last_rule"),
            Self::LastBlock => f.write_str("last_block"),
            Self::Title => f.write_str("title"),
        }
    }
}

impl FromStr for Region {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "expected screen, cursor_line, last_lines(N) with N from 1 to 500, \
                        after_last_rule, last_block or title";
        match s {
            "screen" => Ok(Self::Screen),
            "cursor_line" => Ok(Self::CursorLine),
            "after_last_rule" => Ok(Self::AfterLastRule),
            "last_block" => Ok(Self::LastBlock),
            "title" => Ok(Self::Title),
            _ => s
                .strip_prefix("last_lines(")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(|n| n.trim().parse::<NonZeroU16>().ok())
                .filter(|n| n.get() <= crate::session::config::MAX_TERMINAL_ROWS)
                .map(Self::LastLines)
                .ok_or_else(|| format!("unknown region `{s}`: {expected}")),
        }
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The screen as detector rules see it.
///
/// Rows lose their trailing blanks, so a pattern never depends on how wide the terminal is,
/// except the cursor's row, which keeps the blanks up to the cursor: a prompt's space is text
/// when the cursor waits after it, and `(?m)^> $` matches a `> ` prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenView {
    /// The visible rows, joined by `\n`: every region is a slice of it.
    text: String,
    /// The cursor's row up to the cursor, blank cells included.
    cursor_line: String,
    title: String,
}

impl ScreenView {
    /// `rows` without their trailing blanks, except row `cursor_row`, which is `cursor_line`
    /// when that is longer (the blanks before the cursor).
    pub fn new(
        mut rows: Vec<String>,
        cursor_row: usize,
        cursor_line: String,
        title: String,
    ) -> Self {
        for row in &mut rows {
            row.truncate(row.trim_end().len());
        }
        if let Some(row) = rows.get_mut(cursor_row)
            && cursor_line.len() > row.len()
        {
            row.clone_from(&cursor_line);
        }
        Self {
            text: rows.join("\n"),
            cursor_line,
            title,
        }
    }

    /// A view of `rows` with the cursor after `cursor_line` on the last row that reads so,
    /// else on the last row.
    #[cfg(test)]
    pub(crate) fn from_rows<S: AsRef<str>>(rows: &[S], cursor_line: &str, title: &str) -> Self {
        let rows: Vec<String> = rows.iter().map(|r| r.as_ref().to_string()).collect();
        let cursor_row = rows
            .iter()
            .rposition(|r| !cursor_line.is_empty() && r.trim_end() == cursor_line.trim_end())
            .unwrap_or(rows.len().saturating_sub(1));
        Self::new(rows, cursor_row, cursor_line.to_string(), title.to_string())
    }

    /// The text `region` covers.
    pub fn region(&self, region: Region) -> &str {
        let text = self.text.as_str();
        match region {
            Region::Screen => text,
            Region::CursorLine => &self.cursor_line,
            Region::Title => &self.title,
            Region::LastLines(n) => {
                let (mut kept, mut span) = (0, None::<(usize, usize)>);
                for (start, end) in lines_from_the_end(text) {
                    if text[start..end].trim().is_empty() {
                        continue;
                    }
                    span = Some((start, span.map_or(end, |s| s.1)));
                    kept += 1;
                    if kept == n.get() {
                        break;
                    }
                }
                span.map_or("", |(start, end)| &text[start..end])
            }
            Region::AfterLastRule => after_last_rule(text).unwrap_or(""),
            Region::LastBlock => after_last_rule(text).unwrap_or(text),
        }
    }
}

/// The byte ranges of `text`'s lines, last first.
fn lines_from_the_end(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut end = Some(text.len());
    std::iter::from_fn(move || {
        let line_end = end?;
        let start = text[..line_end].rfind('\n').map_or(0, |i| i + 1);
        end = start.checked_sub(1);
        Some((start, line_end))
    })
}

/// The text under the last horizontal rule; `None` when there is no rule.
fn after_last_rule(text: &str) -> Option<&str> {
    lines_from_the_end(text)
        .find(|&(start, end)| is_rule(&text[start..end]))
        .map(|(_, end)| text.get(end + 1..).unwrap_or(""))
}

/// A horizontal rule: a row whose text starts with three box-drawing horizontals.
fn is_rule(row: &str) -> bool {
    let mut chars = row.trim_start().chars();
    (0..3).all(|_| matches!(chars.next(), Some('─' | '━' | '═')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(rows: &[&str]) -> ScreenView {
        ScreenView::from_rows(rows, "", "")
    }

    #[test]
    fn regions_parse_from_what_users_write_and_print_back_the_same() {
        for text in [
            "screen",
            "cursor_line",
            "last_lines(3)",
            "after_last_rule",
            "last_block",
            "title",
        ] {
            assert_eq!(text.parse::<Region>().unwrap().to_string(), text);
        }
        for bad in [
            "bottom",
            "last_lines(0)",
            "last_lines(x)",
            "last_lines(501)",
        ] {
            let err = bad.parse::<Region>().unwrap_err();
            assert!(err.contains("expected screen, cursor_line"), "{err}");
        }
    }

    #[test]
    fn last_lines_skips_the_blank_rows_under_the_text() {
        let v = view(&["one", "two", "", "three", "", ""]);
        assert_eq!(v.region("last_lines(2)".parse().unwrap()), "two\n\nthree");
        assert_eq!(
            v.region("last_lines(9)".parse().unwrap()),
            "one\ntwo\n\nthree"
        );
    }

    #[test]
    fn after_last_rule_is_the_footer_or_nothing() {
        let v = view(&["text", "─────", "❯ ", "─────", "  footer", ""]);
        assert_eq!(v.region(Region::AfterLastRule), "  footer\n");
        assert_eq!(view(&["no rule here"]).region(Region::AfterLastRule), "");
        assert_eq!(view(&["text", "───"]).region(Region::AfterLastRule), "");
        assert_eq!(
            view(&["───", "under"]).region(Region::AfterLastRule),
            "under"
        );
    }

    #[test]
    fn the_last_block_is_under_the_last_rule_or_the_whole_screen() {
        let v = view(&["quoted", "─────", " Dialog?", " ❯ 1. Yes"]);
        assert_eq!(v.region(Region::LastBlock), " Dialog?\n ❯ 1. Yes");
        let v = view(&[" Welcome", " ❯ 1. Dark mode"]);
        assert_eq!(v.region(Region::LastBlock), " Welcome\n ❯ 1. Dark mode");
    }

    #[test]
    fn the_cursor_row_keeps_its_blanks_up_to_the_cursor_and_others_lose_theirs() {
        let v = ScreenView::from_rows(&["done   ", ">      "], "> ", "");
        assert_eq!(v.region(Region::Screen), "done\n> ");
        assert_eq!(v.region(Region::CursorLine), "> ");
    }
}
