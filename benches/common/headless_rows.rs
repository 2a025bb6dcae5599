//! The compare bench's rows for a server with no client attached: a flood's wall time (and
//! vt100 alone on the same bytes, the floor under ccmux), and the memory history costs.
//! ccmux runs as `ccmux serve` driven through its API, tmux through its command line.

use std::path::Path;
use std::time::{Duration, Instant};

use super::attached_start::{self, DONE};
use super::echo_runs::report;
use super::flood::Flood;
use super::headless::{Serve, TmuxServer, proc_status, until};
use super::table::{Row, ratio, row};

/// The floods' terminal, 200×50.
pub const SIZE: (u16, u16) = (200, 50);
pub const HISTORY_LINES: usize = 10_000;
/// Times each flood is measured, alternately through ccmux and tmux.
const FLOOD_ROUNDS: usize = 3;
/// Sessions whose memory is averaged in the history row.
const HISTORY_SESSIONS: usize = 4;
pub const POLL: Duration = Duration::from_millis(100);
pub const LONG: Duration = Duration::from_secs(300);

/// `HISTORY_LINES` lines of 200 columns, coloured like a build log.
pub fn history_log() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..HISTORY_LINES {
        let text = format!(
            "{i:>8} Compiling crate-{:02} v0.{}.{} (/src/workspace/crates/crate-{:02}) {}",
            i % 97,
            i % 13,
            i % 7,
            i % 97,
            "warning: unused variable `x` in function body; ".repeat(3)
        );
        let text: String = text.chars().take(199).collect();
        out.extend(format!("\x1b[32m{}\x1b[0m{}\n", &text[..8], &text[8..]).as_bytes());
    }
    out
}

/// `WORK`, the marker, then a sleep that keeps the screen as it is (see `attached_start.rs`).
fn then_done(work: &str) -> String {
    format!("{}; exec sleep 3600", attached_start::then_done(work))
}

/// The 64 MiB log and `yes`, each through ccmux, through tmux and through vt100 alone.
pub fn flood_rows(exe: &Path, flood: &Flood) -> Vec<Row> {
    let log = format!("cat '{}'", flood.log().display());
    let work = "64 MiB log, 90-byte lines, 200×50";
    let log_bytes = std::fs::read(flood.log()).expect("read the flood's build log");
    let mut rows = Vec::from(flood_row(exe, work, &log, &log_bytes));
    let yes = "yes | head -c 16777216";
    rows.extend(flood_row(
        exe,
        "yes | head -c 16M",
        yes,
        &b"y\n".repeat(8 << 20),
    ));
    rows
}

/// The flood through ccmux and through tmux, and a row for the floor under ccmux: vt100 alone
/// parsing the same output (`bytes`, as the PTY hands it on) in-process.
fn flood_row(exe: &Path, work: &str, command: &str, bytes: &[u8]) -> [Row; 2] {
    eprintln!("flood: {work}");
    // Alternating rounds, median of each: a machine's load changes during a run, and this way
    // both see the same changes.
    let (mut ccmux, mut tmux, mut alone) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..FLOOD_ROUNDS {
        ccmux.extend(report(ccmux_flood(exe, command)));
        tmux.extend(report(tmux_flood(command)));
        alone.push(vt100_alone(bytes));
    }
    let (ccmux, tmux, alone) = (median_of(ccmux), median_of(tmux), median_of(alone));
    let mib = bytes.len() as f64 / (1024.0 * 1024.0);
    let speed = |t: &Option<Duration>| t.map(|t| mib / t.as_secs_f64());
    let cell = |t: &Option<Duration>| {
        t.map_or("failed".into(), |t| {
            format!(
                "{:.2} s, {:.1} MiB/s",
                t.as_secs_f64(),
                mib / t.as_secs_f64()
            )
        })
    };
    let ratio_note = "speed (higher is better)";
    [
        row(
            work,
            cell(&ccmux),
            cell(&tmux),
            ratio(speed(&ccmux), speed(&tmux), ratio_note),
        ),
        row(
            "  the same, parsed by vt100 alone (in-process)",
            cell(&alone),
            cell(&tmux),
            ratio(speed(&alone), speed(&tmux), ratio_note),
        ),
    ]
}

/// vt100 parsing `bytes` in 16 KiB chunks at the floods' size, with no history, no PTY and no
/// server: what ccmux's live screen costs at the least.
fn vt100_alone(bytes: &[u8]) -> Duration {
    let with_crs: Vec<u8> = bytes
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|line| match line.split_last() {
            Some((b'\n', text)) => [text, b"\r\n"].concat(),
            _ => line.to_vec(),
        })
        .collect();
    let nz = |v: u16| std::num::NonZeroU16::new(v).expect("a size");
    let mut parser = vt100::Parser::new(nz(SIZE.1), nz(SIZE.0), 0);
    let started = Instant::now();
    for chunk in with_crs.chunks(16 * 1024) {
        parser.process(chunk);
    }
    started.elapsed()
}

fn ccmux_flood(exe: &Path, command: &str) -> anyhow::Result<Duration> {
    let serve = Serve::start(exe, 8)?;
    let started = Instant::now();
    let id = serve.create("flood", &["sh", "-c", &then_done(command)], SIZE)?;
    until(LONG, POLL, "the flood's end on screen", || {
        Ok(serve.screen(id)?.contains(DONE))
    })?;
    Ok(started.elapsed())
}

fn tmux_flood(command: &str) -> anyhow::Result<Duration> {
    let tmux = TmuxServer::start("sleep 3600", SIZE, 2000)?;
    let started = Instant::now();
    tmux.window(&then_done(command))?;
    until(LONG, POLL, "the flood's end on screen", || {
        Ok(tmux.screen(":1")?.contains(DONE))
    })?;
    Ok(started.elapsed())
}

pub fn history_row(exe: &Path, log: &Path) -> Row {
    eprintln!("history memory");
    let command = then_done(&format!("cat '{}'", log.display()));
    let ccmux = report(ccmux_history(exe, &command));
    let tmux = report(tmux_history(&command));
    let cell =
        |kib: &Option<f64>| kib.map_or("failed".into(), |k| format!("{:.1} MiB", k / 1024.0));
    row(
        "history: 10k lines × 200 cols, per session",
        cell(&ccmux),
        cell(&tmux),
        ratio(ccmux, tmux, "memory (lower is better)"),
    )
}

/// RSS growth of the server per session, in KiB, once every session printed the history.
fn ccmux_history(exe: &Path, command: &str) -> anyhow::Result<f64> {
    let serve = Serve::start(exe, 8)?;
    // One session first, so the growth measured is the sessions', not the runtime's start-up.
    let warm = serve.create("warm", &["sh", "-c", &then_done("true")], SIZE)?;
    until(LONG, POLL, "the warm-up session", || {
        Ok(serve.screen(warm)?.contains(DONE))
    })?;
    let before = proc_status(serve.pid(), "VmRSS").unwrap_or(0);
    let ids = (0..HISTORY_SESSIONS)
        .map(|i| serve.create(&format!("history{i}"), &["sh", "-c", command], SIZE))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for id in ids {
        until(LONG, POLL, "the history printed", || {
            Ok(serve.screen(id)?.contains(DONE))
        })?;
    }
    std::thread::sleep(Duration::from_secs(1));
    let after = proc_status(serve.pid(), "VmRSS").unwrap_or(0);
    Ok(after.saturating_sub(before) as f64 / HISTORY_SESSIONS as f64)
}

fn tmux_history(command: &str) -> anyhow::Result<f64> {
    let tmux = TmuxServer::start("sleep 3600", SIZE, HISTORY_LINES)?;
    let pid = tmux.pid()?;
    let before = proc_status(pid, "VmRSS").unwrap_or(0);
    for _ in 0..HISTORY_SESSIONS {
        tmux.window(command)?;
    }
    for window in 1..=HISTORY_SESSIONS {
        let target = format!(":{window}");
        until(LONG, POLL, "the history printed", || {
            Ok(tmux.screen(&target)?.contains(DONE))
        })?;
    }
    std::thread::sleep(Duration::from_secs(1));
    let after = proc_status(pid, "VmRSS").unwrap_or(0);
    Ok(after.saturating_sub(before) as f64 / HISTORY_SESSIONS as f64)
}

pub fn median_of(mut times: Vec<Duration>) -> Option<Duration> {
    times.sort();
    times.get(times.len() / 2).copied()
}
