//! Human-readable renderings of API answers for `ccmux ctl`.

use serde_json::Value;

pub use crate::terminal_text::inert;

pub fn human(value: &Value) -> String {
    if let Some(sessions) = value["sessions"].as_array() {
        return table(sessions);
    }
    if let Some(entries) = value["entries"].as_array() {
        return history(entries);
    }
    if let Some(steps) = value["steps"].as_array() {
        return macro_run(value, steps);
    }
    if value.get("output").is_some() && value.get("timed_out").is_some() {
        let mut out = value["output"].as_str().unwrap_or_default().to_string();
        out.push('\n');
        let note = if value["timed_out"] == true {
            ", timed out"
        } else {
            ""
        };
        out.push_str(&format!(
            "[{} after {} ms{note}]\n",
            text(&value["state"]),
            value["duration_ms"]
        ));
        return out;
    }
    if let Some(lines) = value["lines"].as_array() {
        let mut out: String = lines.iter().map(|l| format!("{}\n", text(l))).collect();
        while out.ends_with("\n\n") {
            out.pop();
        }
        return out;
    }
    if value.get("session_id").is_some() {
        return table(std::slice::from_ref(value));
    }
    if value.get("by_state").is_some() {
        let mut out = String::new();
        for key in [
            "live",
            "created_total",
            "terminated_total",
            "commands_run",
            "bytes_read",
            "cost_usd",
            "uptime_secs",
        ] {
            out.push_str(&format!("{key:<17}{}\n", value[key]));
        }
        if let Some(used) = value.get("resources") {
            out.push_str(&format!("{:<17}{}\n", "cpu_percent", used["cpu_percent"]));
            out.push_str(&format!("{:<17}{}\n", "rss", rss(&used["rss_bytes"])));
        }
        if let Some(states) = value["by_state"].as_object() {
            for (state, n) in states.iter().filter(|(_, n)| n.as_u64() != Some(0)) {
                out.push_str(&format!("{state:<17}{n}\n"));
            }
        }
        return out;
    }
    if value["ok"] == true {
        return "ok\n".to_string();
    }
    format!("{value}\n")
}

fn table(sessions: &[Value]) -> String {
    let mut out = format!(
        "{:<5} {:<20} {:<14} {:<8} {:>6} {:>9} {}\n",
        "ID", "TASK", "STATE", "PID", "CPU%", "RSS", "PATH"
    );
    for s in sessions {
        let cpu = s["resources"]["cpu_percent"]
            .as_f64()
            .map_or_else(|| "-".to_string(), |c| format!("{c:.1}"));
        out.push_str(&format!(
            "{:<5} {:<20} {:<14} {:<8} {:>6} {:>9} {}\n",
            number(&s["session_id"]),
            text(&s["task_id"]),
            text(&s["state"]),
            number(&s["pid"]),
            cpu,
            rss(&s["resources"]["rss_bytes"]),
            text(&s["project_path"])
        ));
        if let Some(w) = s["worktree"].as_object() {
            out.push_str(&format!(
                "      worktree {} on {}: {} changed, {} ahead of {}\n",
                text(&w["path"]),
                text(&w["branch"]),
                number(&w["dirty"]),
                number(&w["ahead"]),
                text(&w["base"]),
            ));
        }
    }
    out
}

/// Bytes as a person reads them: `12.3M`.
fn rss(v: &Value) -> String {
    let Some(bytes) = v.as_u64() else {
        return "-".to_string();
    };
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1}G", mib / 1024.0)
    } else {
        format!("{mib:.1}M")
    }
}

fn history(entries: &[Value]) -> String {
    let mut out = String::new();
    for e in entries {
        let ended = e["outcome"].as_str().unwrap_or("running");
        let took = e["duration_ms"]
            .as_u64()
            .map_or_else(String::new, |ms| format!(" {:.1}s", ms as f64 / 1000.0));
        out.push_str(&format!(
            "{}  {:<13}{:<8} {}\n",
            text(&e["sent_at"]),
            ended,
            took,
            text(&e["command"])
        ));
    }
    out
}

fn macro_run(value: &Value, steps: &[Value]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        out.push_str(&format!(
            "{:>2}. {:<8} {:<40} {}\n",
            i + 1,
            text(&step["outcome"]),
            text(&step["step"]),
            text(&step["detail"])
        ));
    }
    let verdict = if value["ok"] == true {
        "passed"
    } else {
        "failed"
    };
    out.push_str(&format!("macro {} {verdict}\n", text(&value["macro"])));
    out
}

/// A number as a table cell: JSON's `Display` ignores widths, and a missing one shows as `-`.
fn number(v: &Value) -> String {
    v.as_u64()
        .map_or_else(|| "-".to_string(), |n| n.to_string())
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}
