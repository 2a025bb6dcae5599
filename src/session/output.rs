//! The session's output log: a bounded, sequenced record of everything that happened.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::session::blocks::Blocks;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputType {
    /// What the program printed.
    Output,
    /// What was sent to the program.
    Input,
    /// A state change.
    State,
    /// Something went wrong.
    Error,
    /// ccmux's own notes (spawned, exited, …).
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionOutput {
    pub seq: u64,
    pub timestamp: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: OutputType,
    pub content: String,
}

/// Oldest entries are dropped past `max_entries` or `max_bytes`; `seq` keeps counting, so a
/// reader that asks `since` a dropped seq sees a gap rather than silently wrong data.
///
/// Contents are kept in compressed blocks (see `blocks.rs`): a flood's log would otherwise
/// hold the same text as the history a second time, uncompressed.
pub struct OutputLog {
    contents: Blocks,
    /// What each kept entry is besides its content, oldest first; its seq is its place.
    meta: VecDeque<Meta>,
    next_seq: u64,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

struct Meta {
    timestamp: DateTime<Utc>,
    kind: OutputType,
    len: usize,
}

/// Default byte budget of a log: entries are up to a read's size, so a count alone is no bound.
pub const DEFAULT_LOG_BYTES: usize = 16 * 1024 * 1024;

impl OutputLog {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            contents: Blocks::default(),
            meta: VecDeque::new(),
            next_seq: 0,
            bytes: 0,
            max_entries: max_entries.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    pub fn push(&mut self, kind: OutputType, content: String) -> SessionOutput {
        let entry = SessionOutput {
            seq: self.next_seq,
            timestamp: Utc::now(),
            kind,
            content,
        };
        self.next_seq += 1;
        self.bytes += entry.content.len();
        self.contents.push(entry.content.as_bytes());
        self.meta.push_back(Meta {
            timestamp: entry.timestamp,
            kind,
            len: entry.content.len(),
        });
        while self.meta.len() > self.max_entries
            || (self.bytes > self.max_bytes && self.meta.len() > 1)
        {
            if let Some(old) = self.meta.pop_front() {
                self.contents.pop_front();
                self.bytes -= old.len;
            }
        }
        entry
    }

    /// Up to `limit` entries with `seq >= since`, and the seq to ask for next.
    pub fn since(&self, since: u64, limit: usize) -> (Vec<SessionOutput>, u64) {
        let first = self.next_seq - self.meta.len() as u64;
        let skip = since.saturating_sub(first).min(self.meta.len() as u64) as usize;
        let mut entries = Vec::new();
        self.contents
            .for_each(skip..skip.saturating_add(limit), |i, content| {
                let meta = &self.meta[i];
                entries.push(SessionOutput {
                    seq: first + i as u64,
                    timestamp: meta.timestamp,
                    kind: meta.kind,
                    // Contents went in as `String`s and come back as they went in.
                    content: String::from_utf8_lossy(content).into_owned(),
                });
            });
        let next = entries.last().map_or(since.max(first), |e| e.seq + 1);
        (entries, next)
    }
}

/// Turns a byte stream into text without splitting a UTF-8 sequence across two reads.
#[derive(Debug, Default)]
pub struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    /// Decodes `bytes` (after any bytes held back last time); invalid bytes become U+FFFD, an
    /// incomplete sequence at the end is held back for the next call. Valid text (a flood's
    /// usual chunk) is checked once and becomes the string without a copy.
    pub fn decode(&mut self, bytes: Vec<u8>) -> String {
        let mut bytes = if self.pending.is_empty() {
            bytes
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(&bytes);
            joined
        };
        let keep = incomplete_tail(&bytes);
        self.pending = bytes.split_off(bytes.len() - keep);
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
        }
    }
}

/// Length of a trailing, possibly-valid but unfinished UTF-8 sequence.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xC0 == 0x80 {
            continue;
        }
        let needed = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_drops_the_oldest_entries_and_keeps_counting() {
        let mut log = OutputLog::new(3, usize::MAX);
        for i in 0..5 {
            log.push(OutputType::Output, format!("{i}"));
        }
        let (entries, next) = log.since(0, 100);
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![2, 3, 4]);
        assert_eq!(next, 5);
        assert_eq!(log.since(5, 10).0.len(), 0);
    }

    #[test]
    fn the_log_keeps_within_its_byte_budget() {
        let mut log = OutputLog::new(1000, 10);
        for _ in 0..5 {
            log.push(OutputType::Output, "abcd".into());
        }
        assert_eq!(log.since(0, usize::MAX).0.len(), 2);
    }

    #[test]
    fn since_and_limit_page_through_the_log() {
        let mut log = OutputLog::new(100, usize::MAX);
        for i in 0..10 {
            log.push(OutputType::Output, format!("{i}"));
        }
        let (page, next) = log.since(4, 3);
        assert_eq!(
            page.iter().map(|e| e.content.as_str()).collect::<String>(),
            "456"
        );
        assert_eq!(next, 7);
    }

    #[test]
    fn entries_come_back_whole_across_compressed_blocks() {
        let mut log = OutputLog::new(10_000, usize::MAX);
        for i in 0..5000 {
            let kind = if i % 7 == 0 {
                OutputType::Input
            } else {
                OutputType::Output
            };
            log.push(kind, format!("entry {i}: é✻ {}\r\n", "-".repeat(i % 50)));
        }
        let (page, next) = log.since(0, 10_000);
        assert_eq!(page.len(), 5000);
        assert_eq!(next, 5000);
        for (i, e) in page.iter().enumerate() {
            assert_eq!(e.seq, i as u64);
            assert_eq!(
                e.content,
                format!("entry {i}: é✻ {}\r\n", "-".repeat(i % 50))
            );
            assert_eq!(e.kind == OutputType::Input, i % 7 == 0);
        }
        let (page, _) = log.since(4321, 2);
        assert_eq!(page[0].seq, 4321);
        assert!(page[0].content.starts_with("entry 4321:"));
    }

    #[test]
    fn entries_serialize_with_a_snake_case_type_field() {
        let mut log = OutputLog::new(10, 100);
        let e = log.push(OutputType::System, "spawned".into());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "system");
        assert_eq!(json["seq"], 0);
    }

    #[test]
    fn utf8_split_across_reads_is_joined() {
        let mut s = Utf8Stream::default();
        let bytes = "é✻".as_bytes();
        let mut out = s.decode(bytes[..1].to_vec());
        out += &s.decode(bytes[1..3].to_vec());
        out += &s.decode(bytes[3..].to_vec());
        assert_eq!(out, "é✻");
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let mut s = Utf8Stream::default();
        assert_eq!(s.decode(b"a\xffb".to_vec()), "a\u{fffd}b");
    }
}
