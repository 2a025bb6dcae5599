//! The Prometheus text exposition format (version 0.0.4) of the manager's numbers.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::metrics::Stats;
use crate::metrics::{DURATION_BUCKETS, Metrics};
use crate::session::command::Outcome;

/// Everything `GET /metrics` shows.
pub fn render(stats: &Stats, metrics: &Metrics) -> String {
    let mut out = String::new();
    family(&mut out, "ccmux_sessions", "gauge", "Sessions by state.");
    for (state, count) in &stats.by_state {
        let _ = writeln!(out, "ccmux_sessions{{state=\"{state}\"}} {count}");
    }
    family(
        &mut out,
        "ccmux_sessions_created_total",
        "counter",
        "Sessions started since the server started.",
    );
    let _ = writeln!(out, "ccmux_sessions_created_total {}", stats.created_total);
    family(
        &mut out,
        "ccmux_bytes_read_total",
        "counter",
        "Bytes the sessions' programs wrote to their terminals.",
    );
    let _ = writeln!(out, "ccmux_bytes_read_total {}", stats.bytes_read);
    family(
        &mut out,
        "ccmux_commands_total",
        "counter",
        "Commands sent through the API or ctl, by how they ended.",
    );
    for outcome in Outcome::ALL {
        let _ = writeln!(
            out,
            "ccmux_commands_total{{outcome=\"{}\"}} {}",
            outcome.name(),
            metrics.commands(outcome)
        );
    }
    family(
        &mut out,
        "ccmux_command_duration_seconds",
        "histogram",
        "How long commands ran, from sending to their end.",
    );
    let mut cumulative = 0;
    for (bound, count) in DURATION_BUCKETS.iter().zip(&metrics.duration_buckets) {
        cumulative += count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "ccmux_command_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
        );
    }
    let count = metrics.duration_count.load(Ordering::Relaxed);
    let sum = metrics.duration_ms_sum.load(Ordering::Relaxed) as f64 / 1000.0;
    let _ = writeln!(
        out,
        "ccmux_command_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(out, "ccmux_command_duration_seconds_sum {sum}");
    let _ = writeln!(out, "ccmux_command_duration_seconds_count {count}");
    family(
        &mut out,
        "ccmux_api_requests_total",
        "counter",
        "API requests by route and status.",
    );
    for ((route, status), count) in metrics.requests.lock().iter() {
        let _ = writeln!(
            out,
            "ccmux_api_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
        );
    }
    family(
        &mut out,
        "ccmux_cost_usd",
        "gauge",
        "What Claude Code reported the listed sessions have cost, in US dollars.",
    );
    let _ = writeln!(out, "ccmux_cost_usd {}", stats.cost_usd);
    family(
        &mut out,
        "ccmux_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
    );
    let _ = writeln!(out, "ccmux_uptime_seconds {}", stats.uptime_secs);
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
