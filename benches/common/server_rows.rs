//! The compare bench's rows for a server's own costs, with no client attached: a command's
//! round trip, many idle sessions (threads, memory, creation, idle CPU), and the API's latency
//! while sessions flood.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use super::echo_runs::report;
use super::flood::Flood;
use super::headless::{Serve, TmuxServer, proc_status, until};
use super::headless_rows::{LONG, POLL, SIZE, median_of};
use super::sandbox;
use super::table::{Row, failed, ratio, row};

const ROUND_TRIPS: usize = 30;
const API_REQUESTS: usize = 400;
const IDLE: Duration = Duration::from_secs(10);
const BASH_I: &[&str] = &["bash", "--norc", "--noprofile", "-i"];

pub fn round_trip_row(exe: &Path) -> Row {
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

pub fn many_sessions_rows(exe: &Path) -> Vec<Row> {
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

pub fn api_row(exe: &Path, flood: &Flood) -> Row {
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
