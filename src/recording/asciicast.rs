//! The asciicast v2 format (asciinema's): a JSON header line, then one JSON array per event,
//! `[seconds, code, data]`. Codes: `o` output, `i` input, `r` resize (`COLSxROWS`), `m` marker.
//! <https://docs.asciinema.org/manual/asciicast/v2/>

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::session::TerminalSize;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub version: u32,
    pub width: u16,
    pub height: u16,
    /// Unix time the recording began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl Header {
    pub fn new(size: TerminalSize, timestamp: i64, term: &str, title: String) -> Self {
        Self {
            version: 2,
            width: size.cols,
            height: size.rows,
            timestamp: Some(timestamp),
            title: Some(title),
            env: BTreeMap::from([("TERM".to_string(), term.to_string())]),
        }
    }

    pub fn size(&self) -> TerminalSize {
        TerminalSize::clamped(self.width, self.height)
    }

    /// The header as its line, newline included.
    pub fn line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a header serializes");
        line.push('\n');
        line
    }
}

/// What happened at one moment of a recording.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Output(String),
    Input(String),
    Resize(TerminalSize),
    Marker(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds since the recording began.
    pub time: f64,
    pub kind: EventKind,
}

impl Event {
    /// The event as its line, newline included.
    pub fn line(&self) -> String {
        let resize;
        let (code, data) = match &self.kind {
            EventKind::Output(s) => (OUTPUT, s.as_str()),
            EventKind::Input(s) => (INPUT, s.as_str()),
            EventKind::Resize(size) => {
                resize = resize_data(*size);
                (RESIZE, resize.as_str())
            }
            EventKind::Marker(s) => (MARKER, s.as_str()),
        };
        line(self.time, code, data)
    }
}

/// The event codes.
pub const OUTPUT: &str = "o";
pub const INPUT: &str = "i";
pub const RESIZE: &str = "r";
pub const MARKER: &str = "m";

/// A resize event's data: `COLSxROWS`.
pub fn resize_data(size: TerminalSize) -> String {
    format!("{}x{}", size.cols, size.rows)
}

/// The line of an event `code` with `data` at `time` seconds, newline included: serialized
/// once, from borrowed text (an output event is a flood's whole chunk).
pub fn line(time: f64, code: &str, data: &str) -> String {
    // Microsecond precision, as asciinema writes it.
    let time = (time * 1e6).round() / 1e6;
    let mut line = serde_json::to_string(&(time, code, data)).expect("an event serializes");
    line.push('\n');
    line
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{0} is empty: an asciicast starts with a header line")]
    Empty(String),
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("cannot read the recording: {0}")]
    Io(#[from] std::io::Error),
    /// The file could not be opened: named, with the reason once.
    #[error("cannot open the recording {path}: {reason}")]
    Open { path: String, reason: String },
}

/// A whole recording, read.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub events: Vec<Event>,
}

/// Reads an asciicast v2 stream, checking it against the spec: version 2, a size, events as
/// `[time, code, string]` with times that never go back. Unknown codes are skipped, as players
/// do. `name` says what is read, for the error.
pub fn parse(reader: impl BufRead, name: &str) -> Result<Recording, ParseError> {
    let mut lines = reader.lines().enumerate();
    let bad = |line: usize, reason: String| ParseError::Line {
        line: line + 1,
        reason,
    };
    let (n, first) = lines
        .next()
        .ok_or_else(|| ParseError::Empty(name.to_string()))?;
    let header: Header =
        serde_json::from_str(&first?).map_err(|e| bad(n, format!("not a header: {e}")))?;
    if header.version != 2 {
        return Err(bad(n, format!("version {}, not 2", header.version)));
    }
    let mut events = Vec::new();
    let mut last = 0.0;
    for (n, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (time, code, data): (f64, String, String) =
            serde_json::from_str(&line).map_err(|e| bad(n, format!("not an event: {e}")))?;
        if !time.is_finite() || time < last {
            return Err(bad(n, format!("time {time} goes back from {last}")));
        }
        last = time;
        let kind = match code.as_str() {
            "o" => EventKind::Output(data),
            "i" => EventKind::Input(data),
            "m" => EventKind::Marker(data),
            "r" => EventKind::Resize(
                parse_size(&data)
                    .ok_or_else(|| bad(n, format!("resize data {data:?} is not COLSxROWS")))?,
            ),
            _ => continue,
        };
        events.push(Event { time, kind });
    }
    Ok(Recording { header, events })
}

fn parse_size(data: &str) -> Option<TerminalSize> {
    let (cols, rows) = data.split_once('x')?;
    Some(TerminalSize::clamped(
        cols.parse().ok()?,
        rows.parse().ok()?,
    ))
}

/// Reads the recording in `path`.
pub fn read_file(path: &std::path::Path) -> Result<Recording, ParseError> {
    let file = std::fs::File::open(path).map_err(|e| ParseError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse(std::io::BufReader::new(file), &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_recording_reads_back_the_same() {
        let size = TerminalSize { cols: 80, rows: 24 };
        let header = Header::new(size, 1_700_000_000, "xterm-256color", "t".into());
        let events = vec![
            Event {
                time: 0.5,
                kind: EventKind::Output("hé\x1b[1m\"\n".into()),
            },
            Event {
                time: 1.25,
                kind: EventKind::Resize(TerminalSize {
                    cols: 100,
                    rows: 30,
                }),
            },
            Event {
                time: 2.0,
                kind: EventKind::Marker("gap".into()),
            },
        ];
        let text: String = std::iter::once(header.line())
            .chain(events.iter().map(Event::line))
            .collect();
        let read = parse(text.as_bytes(), "test").unwrap();
        assert_eq!(read.header, header);
        assert_eq!(read.events, events);
        assert!(
            text.lines()
                .nth(2)
                .unwrap()
                .starts_with("[1.25,\"r\",\"100x30\"]")
        );
    }

    #[test]
    fn time_going_back_and_a_wrong_version_are_refused_with_their_line() {
        let back =
            "{\"version\":2,\"width\":8,\"height\":2}\n[1.0,\"o\",\"a\"]\n[0.5,\"o\",\"b\"]\n";
        let e = parse(back.as_bytes(), "x").unwrap_err().to_string();
        assert!(e.starts_with("line 3:"), "{e}");
        let v1 = "{\"version\":1,\"width\":8,\"height\":2}\n";
        assert!(parse(v1.as_bytes(), "x").is_err());
    }
}
