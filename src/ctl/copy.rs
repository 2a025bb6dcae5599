//! `ctl copy ID [--lines A:B] [--output FILE]`: a session's text, through the API's
//! `GET /api/v1/sessions/{id}/text`, which numbers the lines.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use serde_json::Value;

use super::Form;

/// `A:B` from the command line; a missing end means the first or the last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    start: Option<i64>,
    end: Option<i64>,
}

impl FromStr for LineRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (start, end) = s
            .split_once(':')
            .ok_or_else(|| format!("`{s}` is not A:B (e.g. 1:50, -20:, :10)"))?;
        let number = |n: &str| -> Result<Option<i64>, String> {
            match n.trim() {
                "" => Ok(None),
                "0" => {
                    Err("lines are numbered from 1, or from -1 at the end; there is no 0".into())
                }
                n => n
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("`{n}` is not a line number")),
            }
        };
        Ok(Self {
            start: number(start)?,
            end: number(end)?,
        })
    }
}

/// The API path for session `id`'s lines `range`.
pub fn path(id: u64, range: Option<LineRange>) -> String {
    let mut query = Vec::new();
    if let Some(start) = range.and_then(|r| r.start) {
        query.push(format!("start={start}"));
    }
    if let Some(end) = range.and_then(|r| r.end) {
        query.push(format!("end={end}"));
    }
    let mut path = format!("/api/v1/sessions/{id}/text");
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    path
}

/// Writes the answer's lines (or, with `--json`, the answer) to `output` or stdout.
pub fn write(answer: &Value, output: Option<&Path>, form: Form) -> anyhow::Result<()> {
    let mut text = String::new();
    if form == Form::Json {
        text = serde_json::to_string_pretty(answer)? + "\n";
    } else {
        for line in answer["lines"].as_array().into_iter().flatten() {
            text.push_str(line.as_str().unwrap_or_default());
            text.push('\n');
        }
    }
    match output {
        Some(file) => std::fs::write(file, text)
            .with_context(|| format!("cannot write {}", file.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(super::for_stdout(&text).as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_a_colon_between_optional_line_numbers() {
        let range = |s: &str| s.parse::<LineRange>();
        assert_eq!(
            range("2:5"),
            Ok(LineRange {
                start: Some(2),
                end: Some(5)
            })
        );
        assert_eq!(
            path(3, range("-20:").ok()),
            "/api/v1/sessions/3/text?start=-20"
        );
        assert_eq!(path(3, range(":10").ok()), "/api/v1/sessions/3/text?end=10");
        assert_eq!(path(3, None), "/api/v1/sessions/3/text");
        assert!(range("5").unwrap_err().contains("A:B"));
        assert!(range("0:3").unwrap_err().contains("no 0"));
        assert!(range("a:3").unwrap_err().contains("`a`"));
    }
}
