//! `GET /api/v1/sessions/{id}/text`: a session's history and screen as plain text, whole or a
//! range of lines, for `ccmux ctl copy`.
//!
//! Lines are numbered from 1, the oldest line history still holds, down to the screen's last
//! line that is not blank (the empty rows under a prompt are not text anyone copies). A
//! negative number counts from the end: -1 is the last line.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::AppState;
use crate::api::routes::Id;
use crate::http::error::ApiError;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct TextQuery {
    /// The first line wanted: 1 is the oldest, -1 the last.
    #[serde(default = "first")]
    #[schemars(range(min = i64::MIN, max = i64::MAX), extend("not" = {"const": 0}))]
    start: i64,
    /// The last line wanted, included: 1 is the oldest, -1 the last.
    #[serde(default = "last")]
    #[schemars(range(min = i64::MIN, max = i64::MAX), extend("not" = {"const": 0}))]
    end: i64,
}

fn first() -> i64 {
    1
}

fn last() -> i64 {
    -1
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Text")]
pub struct Text {
    /// The lines asked for, trailing blanks removed.
    lines: Vec<String>,
    /// The number of the first of them; 0 when there are none.
    start: usize,
    /// How many lines there are in all.
    total: usize,
}

pub async fn text(
    State(app): State<AppState>,
    Id(id): Id,
    query: Result<Query<TextQuery>, QueryRejection>,
) -> Result<Json<Text>, ApiError> {
    let Query(query) = query?;
    for (field, n) in [("start", query.start), ("end", query.end)] {
        if n == 0 {
            return Err(ApiError::invalid(
                field,
                "lines are numbered from 1 (or from -1 at the end); there is no line 0",
            ));
        }
    }
    let session = app.manager.get(id)?;
    // Off the async workers: during a flood, the rows not captured yet are parsed again.
    let terminal = session.terminal().clone();
    let mut lines = tokio::task::spawn_blocking(move || terminal.lock().lines_with_history())
        .await
        .map_err(|e| {
            let message = format!("reading the history failed: {e}");
            ApiError::internal(message)
        })?;
    let text_ends = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines.truncate(text_ends);
    let total = lines.len();
    let range = select(total, query.start, query.end);
    let start = if range.is_empty() { 0 } else { range.start + 1 };
    Ok(Json(Text {
        lines: lines.drain(range).collect(),
        start,
        total,
    }))
}

/// The indexes lines `start..=end` (numbered as the module says) cover among `total`, clamped
/// to the lines there are.
fn select(total: usize, start: i64, end: i64) -> std::ops::Range<usize> {
    let index = |n: i64| -> i64 { if n > 0 { n - 1 } else { total as i64 + n } };
    let from = index(start).clamp(0, total as i64) as usize;
    let to = (index(end) + 1).clamp(0, total as i64) as usize;
    from..to.max(from)
}

#[cfg(test)]
mod tests {
    use super::select;

    #[test]
    fn line_numbers_count_from_one_at_the_top_and_from_minus_one_at_the_bottom() {
        assert_eq!(select(10, 1, -1), 0..10);
        assert_eq!(select(10, 2, 3), 1..3);
        assert_eq!(select(10, -3, -1), 7..10);
        assert_eq!(select(10, 5, 100), 4..10);
        assert_eq!(select(10, -100, 2), 0..2);
        assert_eq!(select(10, 8, 3), 7..7, "a backward range is empty");
        assert_eq!(select(0, 1, -1), 0..0);
    }
}
