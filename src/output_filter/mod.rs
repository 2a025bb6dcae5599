//! Which of a session's output entries a reader wants, and how: `strip_ansi`, `grep=REGEX`,
//! `type=output,state,…`, `format=json|text`. One filter for `GET …/output`, the WebSocket
//! stream and `ccmux ctl output`, so all three mean the same by the same words.

mod ansi;

use std::fmt::Write as _;

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ansi::{AnsiStripper, strip};

use crate::session::{OutputType, SessionOutput};

/// The longest pattern `grep` takes, and the most memory its compiled form may use: a
/// pattern comes from a client and must not cost the server much.
pub const MAX_PATTERN: usize = 1024;
const MAX_COMPILED: usize = 1 << 20;
/// A line held back waiting for its end is let through past this size.
const MAX_PARTIAL_LINE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Entries as JSON objects.
    #[default]
    Json,
    /// The entries' text, one after another.
    Text,
}

/// What `type` takes: entry types separated by commas (blanks around them and empty items are
/// ignored), so a schema can say which strings the filter refuses.
pub const TYPE_LIST_PATTERN: &str =
    r"^ *((output|input|state|error|system) *)?(, *((output|input|state|error|system) *)?)*$";

/// The filter as a query string or WebSocket URL says it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FilterQuery {
    #[serde(default)]
    pub strip_ansi: bool,
    pub grep: Option<String>,
    /// Comma-separated entry types.
    #[serde(rename = "type")]
    #[schemars(regex(pattern = TYPE_LIST_PATTERN))]
    pub types: Option<String>,
    pub format: Option<Format>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("grep: `{pattern}` is not a valid regular expression: {reason}")]
    BadRegex { pattern: String, reason: String },
    #[error("grep: the pattern is {0} bytes; at most {MAX_PATTERN} are taken")]
    PatternTooLong(usize),
    #[error("type: unknown type `{0}`; expected output, input, state, error or system")]
    UnknownType(String),
}

impl FilterError {
    /// The query parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadRegex { .. } | Self::PatternTooLong(_) => "grep",
            Self::UnknownType(_) => "type",
        }
    }
}

impl FilterQuery {
    /// The parameters as a query string (`strip_ansi=true&grep=…`), empty when none is set.
    pub fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        if self.strip_ansi {
            pairs.push("strip_ansi=true".to_string());
        }
        if let Some(grep) = &self.grep {
            pairs.push(format!("grep={}", percent_encode(grep)));
        }
        if let Some(types) = &self.types {
            pairs.push(format!("type={}", percent_encode(types)));
        }
        if self.format == Some(Format::Text) {
            pairs.push("format=text".to_string());
        }
        pairs.join("&")
    }

    pub fn compile(&self) -> Result<OutputFilter, FilterError> {
        let grep = match &self.grep {
            Some(pattern) if pattern.len() > MAX_PATTERN => {
                return Err(FilterError::PatternTooLong(pattern.len()));
            }
            Some(pattern) => Some(
                regex::RegexBuilder::new(pattern)
                    .size_limit(MAX_COMPILED)
                    .dfa_size_limit(MAX_COMPILED)
                    .build()
                    .map_err(|e| FilterError::BadRegex {
                        pattern: pattern.clone(),
                        reason: e.to_string(),
                    })?,
            ),
            None => None,
        };
        let types = match &self.types {
            Some(list) => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| {
                        serde_json::from_value::<OutputType>(serde_json::Value::from(t))
                            .map_err(|_| FilterError::UnknownType(t.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        Ok(OutputFilter {
            strip_ansi: self.strip_ansi,
            grep,
            types,
            stripper: AnsiStripper::default(),
            partial: String::new(),
            partial_of: None,
        })
    }
}

/// A compiled filter, applied to entries in order. It keeps state between entries: an escape
/// sequence or a line split across two reads is handled whole.
#[derive(Debug)]
pub struct OutputFilter {
    strip_ansi: bool,
    grep: Option<Regex>,
    types: Option<Vec<OutputType>>,
    stripper: AnsiStripper,
    /// Output after the last line break, waiting for the rest of its line (with `grep`).
    partial: String,
    /// The entry the partial line ended in: what `finish` reports it as.
    partial_of: Option<SessionOutput>,
}

impl OutputFilter {
    /// Whether entries of `kind` pass the `type` filter.
    pub fn wants(&self, kind: OutputType) -> bool {
        self.types.as_ref().is_none_or(|t| t.contains(&kind))
    }

    /// What `entry` becomes: `None` when the filter drops it.
    pub fn apply(&mut self, mut entry: SessionOutput) -> Option<SessionOutput> {
        if !self.wants(entry.kind) {
            return None;
        }
        if entry.kind != OutputType::Output {
            if self.strip_ansi {
                entry.content = strip(&entry.content);
            }
            let keep = self
                .grep
                .as_ref()
                .is_none_or(|g| g.is_match(&strip(&entry.content)));
            return keep.then_some(entry);
        }
        if self.grep.is_none() {
            if self.strip_ansi {
                entry.content = self.stripper.strip(&entry.content);
            }
            return (!entry.content.is_empty()).then_some(entry);
        }
        self.partial.push_str(&entry.content);
        let complete = match self.partial.rfind('\n') {
            Some(end) => end + 1,
            None if self.partial.len() > MAX_PARTIAL_LINE => self.partial.len(),
            None => {
                self.partial_of = Some(entry);
                return None;
            }
        };
        let lines: String = self.partial.drain(..complete).collect();
        self.partial_of = (!self.partial.is_empty()).then(|| entry.clone());
        entry.content = self.grep_lines(&lines)?;
        Some(entry)
    }

    /// The line still waiting for its end, when it matches: a page of output ends with it.
    pub fn finish(&mut self) -> Option<SessionOutput> {
        let mut entry = self.partial_of.take()?;
        let partial = std::mem::take(&mut self.partial);
        entry.content = self.grep_lines(&partial)?;
        Some(entry)
    }

    /// The lines of `lines` that `grep` matches, stripped when asked; `None` when none does.
    fn grep_lines(&self, lines: &str) -> Option<String> {
        let grep = self.grep.as_ref()?;
        let mut kept = String::new();
        for line in lines.split_inclusive('\n') {
            let plain = strip(line);
            // A carriage return starts the line over (`\x1b[?2004l\rout`): each part is
            // matched on its own, as `^` would expect.
            if !plain.lines().any(|part| grep.is_match(part)) {
                continue;
            }
            if self.strip_ansi {
                for part in plain.lines().filter(|part| grep.is_match(part)) {
                    kept.push_str(part);
                    kept.push('\n');
                }
            } else {
                kept.push_str(line);
            }
        }
        (!kept.is_empty()).then_some(kept)
    }

    /// Every entry of `entries` that passes, in order, the last line included even when it
    /// has not ended yet.
    pub fn apply_all(&mut self, entries: Vec<SessionOutput>) -> Vec<SessionOutput> {
        let mut kept: Vec<_> = entries.into_iter().filter_map(|e| self.apply(e)).collect();
        kept.extend(self.finish());
        kept
    }
}

/// Entries as plain text: output as it is, other entries on a line of their own with their
/// type (`[state] ready → busy: command sent`).
pub fn as_text(entries: &[SessionOutput]) -> String {
    let mut text = String::new();
    for entry in entries {
        if entry.kind == OutputType::Output {
            text.push_str(&entry.content);
        } else {
            let kind = serde_json::to_value(entry.kind).unwrap_or_default();
            let _ = writeln!(
                text,
                "[{}] {}",
                kind.as_str().unwrap_or_default(),
                entry.content.trim_end()
            );
        }
    }
    text
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, kind: OutputType, content: &str) -> SessionOutput {
        SessionOutput {
            seq,
            timestamp: chrono::Utc::now(),
            kind,
            content: content.into(),
        }
    }

    fn filter(query: &str) -> OutputFilter {
        let q: FilterQuery = serde_json::from_str(query).unwrap();
        q.compile().unwrap()
    }

    #[test]
    fn grep_keeps_matching_lines_even_when_a_line_spans_two_reads() {
        let mut f = filter(r#"{"grep":"err(or)?"}"#);
        let out = f.apply_all(vec![
            entry(0, OutputType::Output, "ok 1\nan er"),
            entry(1, OutputType::Output, "ror here\nfine\n"),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].content, "an error here\n");
        assert_eq!(out[0].seq, 1);
    }

    #[test]
    fn grep_matches_the_text_a_person_sees_not_the_escapes_between() {
        let mut f = filter(r#"{"grep":"^passed$"}"#);
        let out = f.apply_all(vec![entry(
            0,
            OutputType::Output,
            "\x1b[32mpassed\x1b[0m\r\n",
        )]);
        assert_eq!(
            out[0].content, "\x1b[32mpassed\x1b[0m\r\n",
            "raw unless strip_ansi"
        );
    }

    #[test]
    fn types_pick_entries_and_unknown_types_are_named() {
        let mut f = filter(r#"{"type":"state,input"}"#);
        let out = f.apply_all(vec![
            entry(0, OutputType::Output, "x"),
            entry(1, OutputType::State, "ready → busy"),
            entry(2, OutputType::Input, "ls\r"),
        ]);
        assert_eq!(out.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        let bad = FilterQuery {
            types: Some("output,bogus".into()),
            ..FilterQuery::default()
        };
        assert_eq!(
            bad.compile().unwrap_err(),
            FilterError::UnknownType("bogus".into())
        );
    }

    #[test]
    fn a_bad_or_huge_pattern_is_refused_naming_grep() {
        let bad = FilterQuery {
            grep: Some("(unclosed".into()),
            ..FilterQuery::default()
        };
        let e = bad.compile().unwrap_err();
        assert_eq!(e.field(), "grep");
        assert!(e.to_string().contains("(unclosed"), "{e}");
        let huge = FilterQuery {
            grep: Some("a".repeat(MAX_PATTERN + 1)),
            ..FilterQuery::default()
        };
        assert!(matches!(
            huge.compile(),
            Err(FilterError::PatternTooLong(_))
        ));
        let costly = FilterQuery {
            grep: Some("\\w{1000}\\w{1000}".into()),
            ..FilterQuery::default()
        };
        assert!(matches!(
            costly.compile(),
            Err(FilterError::BadRegex { .. })
        ));
    }

    #[test]
    fn the_query_string_round_trips_through_percent_encoding() {
        let q = FilterQuery {
            strip_ansi: true,
            grep: Some("a b&c=d/é".into()),
            types: Some("output,state".into()),
            format: Some(Format::Text),
        };
        let s = q.to_query_string();
        assert!(s.contains("grep=a%20b%26c%3Dd%2F%C3%A9"), "{s}");
        let back: FilterQuery = serde_urlencoded_like(&s);
        assert_eq!(back, q);
    }

    /// Decodes a query string the way axum's `Query` does, through serde.
    fn serde_urlencoded_like(s: &str) -> FilterQuery {
        let uri: axum::http::Uri = format!("http://x/?{s}").parse().unwrap();
        axum::extract::Query::<FilterQuery>::try_from_uri(&uri)
            .unwrap()
            .0
    }
}
