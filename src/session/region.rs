//! Which part of the screen a detector rule looks at, and the screen as rules see it.
//!
//! A rule that may match anywhere on the screen matches old text too: "working on" printed
//! above a prompt keeps a session busy until it scrolls away. A region narrows a rule to where
//! its sign can only be current: the cursor's line, the last lines, the footer under the last
//! horizontal rule, or the window title (Claude Code puts a spinner glyph there while it works).

use std::borrow::Cow;
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
            Self::Title => f.write_str("title"),
        }
    }
}

impl FromStr for Region {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "expected screen, cursor_line, last_lines(N) with N from 1 to 500, \
                        after_last_rule or title";
        match s {
            "screen" => Ok(Self::Screen),
            "cursor_line" => Ok(Self::CursorLine),
            "after_last_rule" => Ok(Self::AfterLastRule),
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
    pub rows: Vec<String>,
    /// The cursor's row up to the cursor, blank cells included.
    pub cursor_line: String,
    pub title: String,
}

impl ScreenView {
    /// A view of `rows` (trailing blanks are trimmed here) with the cursor after
    /// `cursor_line` on the last row that reads so, else on the last row.
    #[cfg(test)]
    pub(crate) fn from_rows<S: AsRef<str>>(rows: &[S], cursor_line: &str, title: &str) -> Self {
        let mut rows: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().trim_end().to_string())
            .collect();
        let cursor_row = rows
            .iter()
            .rposition(|r| !cursor_line.is_empty() && r == cursor_line.trim_end())
            .unwrap_or(rows.len().saturating_sub(1));
        if let Some(row) = rows.get_mut(cursor_row)
            && cursor_line.len() > row.len()
        {
            *row = cursor_line.to_string();
        }
        Self {
            rows,
            cursor_line: cursor_line.to_string(),
            title: title.to_string(),
        }
    }

    /// The text `region` covers.
    pub fn region(&self, region: Region) -> Cow<'_, str> {
        match region {
            Region::Screen => Cow::Owned(self.rows.join("\n")),
            Region::CursorLine => Cow::Borrowed(&self.cursor_line),
            Region::Title => Cow::Borrowed(&self.title),
            Region::LastLines(n) => {
                let written = self
                    .rows
                    .iter()
                    .rposition(|r| !r.trim().is_empty())
                    .map_or(0, |i| i + 1);
                let rows = &self.rows[..written];
                let mut kept = 0;
                let start = rows
                    .iter()
                    .rposition(|r| {
                        kept += usize::from(!r.trim().is_empty());
                        kept == usize::from(n.get())
                    })
                    .unwrap_or(0);
                Cow::Owned(rows[start..].join("\n"))
            }
            Region::AfterLastRule => match self.rows.iter().rposition(|r| is_rule(r)) {
                Some(i) => Cow::Owned(self.rows[i + 1..].join("\n")),
                None => Cow::Borrowed(""),
            },
        }
    }
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
    }

    #[test]
    fn the_cursor_row_keeps_its_blanks_up_to_the_cursor_and_others_lose_theirs() {
        let v = ScreenView::from_rows(&["done   ", ">      "], "> ", "");
        assert_eq!(v.region(Region::Screen), "done\n> ");
        assert_eq!(v.region(Region::CursorLine), "> ");
    }
}
