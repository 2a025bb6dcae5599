//! ccmux against tmux, in the same run, on the same work: `cargo bench --bench compare` prints
//! one table. Ratios are the result; absolute figures only describe the machine.
//!
//! Both run as servers with no client attached (ccmux through `ccmux serve` and its API, tmux
//! through its command line), except the echo rows, which type into a client on a real PTY
//! (see `common/echo_runs.rs`). Each scenario has a sandbox of its own (`common/sandbox.rs`).
//! `CCMUX_BENCH_BIN=path` measures another ccmux binary than this checkout's release build.

#[path = "common/ccmux_client.rs"]
mod ccmux_client;
#[path = "common/echo_runs.rs"]
mod echo_runs;
#[path = "common/flood.rs"]
mod flood;
#[path = "common/headless.rs"]
mod headless;
#[path = "common/pty_client.rs"]
mod pty_client;
#[path = "common/sandbox.rs"]
mod sandbox;
#[path = "common/tmux_client.rs"]
mod tmux_client;
#[path = "common/typometer.rs"]
mod typometer;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use ccmux_client::Ccmux;
use echo_runs::report;
use flood::Flood;
use headless::{Serve, TmuxServer, proc_status, until};
use typometer::Latencies;

/// The floods' terminal, 200×50.
const SIZE: (u16, u16) = (200, 50);
/// What a flood's shell prints once its program is done; its arrival on screen ends the timing.
const DONE: &str = "FLOOD-DONE";
const HISTORY_LINES: usize = 10_000;
/// Times each flood is measured, alternately through ccmux and tmux.
const FLOOD_ROUNDS: usize = 3;
/// Sessions whose memory is averaged in the history row.
const HISTORY_SESSIONS: usize = 4;
const ECHO_SAMPLES: usize = 100;
const ROUND_TRIPS: usize = 30;
const API_REQUESTS: usize = 400;
const IDLE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);
const LONG: Duration = Duration::from_secs(300);
const BASH_I: &[&str] = &["bash", "--norc", "--noprofile", "-i"];

/// One line of the table.
struct Row {
    work: String,
    ccmux: String,
    tmux: String,
    ratio: String,
}

fn main() {
    let exe = std::env::var_os("CCMUX_BENCH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ccmux")), PathBuf::from);
    let ccmux = Ccmux::detect(&exe).expect("ccmux --help");
    let exe = exe.canonicalize().expect("the ccmux binary exists");
    eprintln!("ccmux: {}", exe.display());
    let flood = Flood::write().expect("write the flood's build log");
    let files = tempfile::tempdir().expect("a temporary directory");
    let history = files.path().join("history.log");
    std::fs::write(&history, history_log()).expect("write the history's lines");

    // `CCMUX_COMPARE_ONLY=flood,history,echo,command,sessions,api` runs only those scenarios.
    let only = std::env::var("CCMUX_COMPARE_ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only.split(',').any(|o| o.trim() == name);
    let mut rows = Vec::new();
    if run("flood") {
        let log = format!("cat '{}'", flood.log().display());
        let work = "64 MiB log, 90-byte lines, 200×50";
        let log_bytes = std::fs::read(flood.log()).expect("read the flood's build log");
        rows.extend(flood_row(&exe, work, &log, &log_bytes));
        let yes = "yes | head -c 16777216";
        rows.extend(flood_row(
            &exe,
            "yes | head -c 16M",
            yes,
            &b"y\n".repeat(8 << 20),
        ));
    }
    if run("history") {
        rows.push(history_row(&exe, &history));
    }
    if run("echo") {
        rows.extend(echo_rows(&ccmux, &flood));
    }
    if run("command") {
        rows.push(round_trip_row(&exe));
    }
    if run("sessions") {
        rows.extend(many_sessions_rows(&exe));
    }
    if run("api") {
        rows.push(api_row(&exe, &flood));
    }

    println!("{:<40} {:<26} {:<26} ccmux/tmux", "work", "ccmux", "tmux");
    for row in rows {
        println!(
            "{:<40} {:<26} {:<26} {}",
            row.work, row.ccmux, row.tmux, row.ratio
        );
    }
}

fn row(work: &str, ccmux: String, tmux: String, ratio: String) -> Row {
    Row {
        work: work.into(),
        ccmux,
        tmux,
        ratio,
    }
}

fn failed<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map_or("failed".into(), ToString::to_string)
}

fn ratio(ccmux: Option<f64>, tmux: Option<f64>, note: &str) -> String {
    match (ccmux, tmux) {
        (Some(c), Some(t)) if t > 0.0 => format!("{:.2}× {note}", c / t),
        _ => "-".into(),
    }
}

/// `HISTORY_LINES` lines of 200 columns, coloured like a build log.
fn history_log() -> Vec<u8> {
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

/// `sh -c 'WORK; echo DONE; exec sleep 3600'`: the marker shows once the work's output is in.
/// CAN first ends any escape sequence the work's output broke off in (the 64 MiB log is cut
/// mid-line), so the marker is printed, not eaten.
fn then_done(work: &str) -> String {
    format!("{work}; printf '\\030\\033[0m\\n'; echo {DONE}; exec sleep 3600")
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

fn history_row(exe: &Path, log: &Path) -> Row {
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

fn echo_rows(ccmux: &Ccmux, flood: &Flood) -> Vec<Row> {
    let idle = (
        report(echo_runs::ccmux_idle(ccmux, ECHO_SAMPLES)),
        report(echo_runs::tmux_idle(ECHO_SAMPLES)),
    );
    let flooded = (
        report(echo_runs::ccmux_flood(ccmux, flood, ECHO_SAMPLES)),
        report(echo_runs::tmux_flood(flood, ECHO_SAMPLES)),
    );
    let cell = |l: &Option<Latencies>| {
        l.as_ref().map_or("failed".into(), |l| {
            let ms = |q| l.percentile(q).as_secs_f64() * 1e3;
            format!("p50 {:.1} / p99 {:.1} ms", ms(0.5), ms(0.99))
        })
    };
    let p50 = |l: &Option<Latencies>| l.as_ref().map(|l| l.percentile(0.5).as_secs_f64());
    [
        ("keystroke echo, idle", idle),
        ("keystroke echo, other pane floods", flooded),
    ]
    .into_iter()
    .map(|(work, (c, t))| {
        row(
            work,
            cell(&c),
            cell(&t),
            ratio(p50(&c), p50(&t), "p50 (lower is better)"),
        )
    })
    .collect()
}

fn round_trip_row(exe: &Path) -> Row {
    eprintln!("command round-trip");
    let ccmux = report(ccmux_round_trip(exe));
    let tmux = report(tmux_round_trip());
    let ms = |d: &Option<Duration>| d.map(|d| d.as_secs_f64() * 1e3);
    let cell =
        |d: &Option<Duration>| ms(d).map_or("failed".into(), |ms| format!("median {ms:.1} ms"));
    row(
        "command `echo ok` on bash, round-trip",
        cell(&ccmux),
        format!("{} (send-keys + capture)", cell(&tmux)),
        ratio(ms(&ccmux), ms(&tmux), "(lower is better)"),
    )
}

fn median(times: Vec<Duration>) -> Duration {
    median_of(times).unwrap_or_default()
}

fn median_of(mut times: Vec<Duration>) -> Option<Duration> {
    times.sort();
    times.get(times.len() / 2).copied()
}

fn ccmux_round_trip(exe: &Path) -> anyhow::Result<Duration> {
    let serve = Serve::start(exe, 8)?;
    let id = serve.create("bash", BASH_I, SIZE)?;
    until(LONG, POLL, "bash ready", || Ok(serve.state(id)? == "ready"))?;
    let mut times = Vec::new();
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        let (status, result) = serve.call(
            "POST",
            &format!("/sessions/{id}/commands"),
            Some(json!({"command": "echo ok", "timeout": 10})),
        )?;
        times.push(started.elapsed());
        anyhow::ensure!(
            status == 200 && result["output"] == "ok",
            "{status} {result}"
        );
    }
    Ok(median(times))
}

fn tmux_round_trip() -> anyhow::Result<Duration> {
    let tmux = TmuxServer::start("bash --norc --noprofile -i", SIZE, 2000)?;
    // Through tmux's `sh -c` bash may lose PS1 and show its default prompt, `bash-5.2$ ` (`#` as root).
    until(LONG, POLL, "bash's prompt", || {
        Ok(tmux.screen(":0")?.contains(['$', '>', '#']))
    })?;
    let mut times = Vec::new();
    for i in 0..ROUND_TRIPS {
        let word = format!("ok{i}");
        let started = Instant::now();
        tmux.run(&["send-keys", "-t", ":0", &format!("echo {word}"), "Enter"])?;
        until(LONG, Duration::ZERO, "the echo", || {
            Ok(tmux.screen(":0")?.lines().any(|l| l.trim_end() == word))
        })?;
        times.push(started.elapsed());
    }
    Ok(median(times))
}

/// What a server looks like with `n` idle bash sessions.
struct Many {
    threads: u64,
    rss_kib: u64,
}

fn many_sessions_rows(exe: &Path) -> Vec<Row> {
    eprintln!("many sessions");
    let ccmux = report(ccmux_many(exe));
    let tmux = report(tmux_many());
    let mut rows = Vec::new();
    for (i, n) in [100, 200].into_iter().enumerate() {
        let pick = |m: &Option<(Vec<Many>, Duration, u64)>, f: fn(&Many) -> u64| {
            m.as_ref().map(|(at, _, _)| f(&at[i]))
        };
        let threads = (pick(&ccmux, |m| m.threads), pick(&tmux, |m| m.threads));
        rows.push(row(
            &format!("OS threads, {n} idle bash sessions"),
            failed(&threads.0),
            failed(&threads.1),
            ratio(threads.0.map(|v| v as f64), threads.1.map(|v| v as f64), ""),
        ));
        let rss = (pick(&ccmux, |m| m.rss_kib), pick(&tmux, |m| m.rss_kib));
        let mib = |k: &Option<u64>| {
            k.map_or("failed".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        };
        rows.push(row(
            &format!("server RSS, {n} idle bash sessions"),
            mib(&rss.0),
            mib(&rss.1),
            ratio(
                rss.0.map(|v| v as f64),
                rss.1.map(|v| v as f64),
                "(lower is better)",
            ),
        ));
    }
    let created = |m: &Option<(Vec<Many>, Duration, u64)>| m.as_ref().map(|(_, t, _)| *t);
    let (c, t) = (created(&ccmux), created(&tmux));
    let secs =
        |d: Option<Duration>| d.map_or("failed".into(), |d| format!("{:.2} s", d.as_secs_f64()));
    rows.push(row(
        "create 200 bash sessions",
        secs(c),
        format!("{} (new-window)", secs(t)),
        ratio(
            c.map(|d| d.as_secs_f64()),
            t.map(|d| d.as_secs_f64()),
            "(lower is better)",
        ),
    ));
    let ticks = |m: &Option<(Vec<Many>, Duration, u64)>| m.as_ref().map(|(_, _, t)| *t);
    let (c, t) = (ticks(&ccmux), ticks(&tmux));
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let cell = |v: Option<u64>| v.map_or("failed".into(), |v| format!("{v} ticks ({hz}/s)"));
    rows.push(row(
        &format!("idle CPU, 200 sessions, {} s", IDLE.as_secs()),
        cell(c),
        cell(t),
        "-".into(),
    ));
    rows
}

fn snapshot(pid: u32) -> Many {
    Many {
        threads: proc_status(pid, "Threads").unwrap_or(0),
        rss_kib: proc_status(pid, "VmRSS").unwrap_or(0),
    }
}

/// The server at 100 and 200 sessions, the time the 200 creations took, and its CPU ticks over
/// `IDLE` with all 200 idle.
fn ccmux_many(exe: &Path) -> anyhow::Result<(Vec<Many>, Duration, u64)> {
    let serve = Serve::start(exe, 250)?;
    let (mut at, mut creating, mut ids) = (Vec::new(), Duration::ZERO, Vec::new());
    for n in [100, 200] {
        let started = Instant::now();
        while ids.len() < n {
            ids.push(serve.create(&format!("s{}", ids.len()), BASH_I, (80, 24))?);
        }
        creating += started.elapsed();
        until(
            LONG,
            Duration::from_millis(200),
            "every session ready",
            || {
                let (_, list) = serve.call("GET", "/sessions", None)?;
                let list = list["sessions"].as_array().cloned().unwrap_or_default();
                Ok(list.iter().filter(|s| s["state"] == "ready").count() >= n)
            },
        )?;
        std::thread::sleep(Duration::from_secs(1));
        at.push(snapshot(serve.pid()));
    }
    let ticks = idle_ticks(serve.pid());
    Ok((at, creating, ticks))
}

fn tmux_many() -> anyhow::Result<(Vec<Many>, Duration, u64)> {
    let tmux = TmuxServer::start("bash --norc --noprofile -i", (80, 24), 2000)?;
    let pid = tmux.pid()?;
    let (mut at, mut creating, mut windows) = (Vec::new(), Duration::ZERO, 1);
    for n in [100, 200] {
        let started = Instant::now();
        while windows < n {
            tmux.window("bash --norc --noprofile -i")?;
            windows += 1;
        }
        creating += started.elapsed();
        std::thread::sleep(Duration::from_secs(2));
        at.push(snapshot(pid));
    }
    Ok((at, creating, idle_ticks(pid)))
}

fn idle_ticks(pid: u32) -> u64 {
    std::thread::sleep(Duration::from_secs(2));
    let before = sandbox::cpu_ticks(pid).unwrap_or(0);
    std::thread::sleep(IDLE);
    sandbox::cpu_ticks(pid).unwrap_or(0).saturating_sub(before)
}

fn api_row(exe: &Path, flood: &Flood) -> Row {
    eprintln!("API latency under flood");
    let ccmux = report(ccmux_api(exe, flood));
    row(
        "API GET /sessions while 4 sessions flood",
        ccmux.unwrap_or_else(|| "failed".into()),
        "n/a (no API)".into(),
        "-".into(),
    )
}

fn ccmux_api(exe: &Path, flood: &Flood) -> anyhow::Result<String> {
    let serve = Serve::start(exe, 8)?;
    let ids = (0..4)
        .map(|i| serve.create(&format!("flood{i}"), &["sh", "-c", &flood.command()], SIZE))
        .collect::<anyhow::Result<Vec<_>>>()?;
    until(LONG, POLL, "the floods on screen", || {
        Ok(serve.screen(ids[3])?.contains("Compiling crate-"))
    })?;
    let mut times = Vec::new();
    for _ in 0..API_REQUESTS {
        let started = Instant::now();
        let (status, _) = serve.call("GET", "/sessions", None)?;
        times.push(started.elapsed());
        anyhow::ensure!(status == 200, "GET /sessions: {status}");
    }
    times.sort();
    let ms = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    Ok(format!("p50 {:.1} / p99 {:.1} ms", ms(0.5), ms(0.99)))
}
