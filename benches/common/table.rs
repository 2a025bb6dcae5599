//! The compare bench's table: one row per measured work, ccmux beside tmux, and the ratio.

/// One line of the table.
pub struct Row {
    pub work: String,
    pub ccmux: String,
    pub tmux: String,
    pub ratio: String,
}

pub fn row(work: &str, ccmux: String, tmux: String, ratio: String) -> Row {
    Row {
        work: work.into(),
        ccmux,
        tmux,
        ratio,
    }
}

pub fn print(rows: &[Row]) {
    println!("{:<44} {:<34} {:<34} ccmux/tmux", "work", "ccmux", "tmux");
    for row in rows {
        println!(
            "{:<44} {:<34} {:<34} {}",
            row.work, row.ccmux, row.tmux, row.ratio
        );
    }
}

pub fn failed<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("failed".into(), ToString::to_string)
}

/// `ccmux / tmux` with what it means, or "-" when either side failed.
pub fn ratio(ccmux: Option<f64>, tmux: Option<f64>, note: &str) -> String {
    match (ccmux, tmux) {
        (Some(c), Some(t)) if t > 0.0 => format!("{:.2}× {note}", c / t),
        _ => "-".into(),
    }
}
