//! Keystroke-to-echo latency through ccmux and through tmux, in the same run, the way a person
//! at a terminal feels it: each program runs as the client of a real 120×40 PTY the bench owns,
//! with an interactive bash in a pane; the bench types one letter and times until the client
//! has drawn it (see `common/typometer.rs`).
//!
//! `cargo bench --bench echo` prints one table: echo latency in an idle pane, and while the
//! other pane prints a 64 MiB build log in a loop; how long a new client takes to attach to a
//! server with ten full screens (only when ccmux has a server); ccmux's CPU with eight idle
//! sessions. The binary's `--help` says which design it has (`-L`, `attach`, `kill-server`).
//! `CCMUX_BENCH_BIN=path` measures another ccmux binary than this checkout's release build.

#[path = "common/ccmux_client.rs"]
mod ccmux_client;
#[path = "common/echo_runs.rs"]
mod echo_runs;
#[path = "common/flood.rs"]
mod flood;
#[path = "common/pty_client.rs"]
mod pty_client;
#[path = "common/sandbox.rs"]
mod sandbox;
#[path = "common/tmux_client.rs"]
mod tmux_client;
#[path = "common/typometer.rs"]
mod typometer;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ccmux_client::Ccmux;
use echo_runs::{BASH, report, sessions};
use flood::Flood;
use typometer::{Latencies, PROMPT};

/// Timed keys per scenario and program.
const SAMPLES: usize = 300;
/// Each full-screen session prints this much; its last number marks its screen as drawn.
const FULL_SCREEN: &[&str] = &["bash", "-c", "seq 1 5000; exec bash --norc --noprofile"];
const LAST_LINE: &str = "5000";
/// Attaches timed, one after the other, to the same server.
const ATTACHES: usize = 5;
/// Ticks are counted over this long with every session idle.
const IDLE: Duration = Duration::from_secs(10);

fn main() {
    // Another build (say, before and after a change) can be measured without rebuilding this.
    let exe = std::env::var_os("CCMUX_BENCH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ccmux")), PathBuf::from);
    let ccmux = Ccmux::detect(&exe).expect("ccmux --help");
    eprintln!("ccmux: {}", exe.display());
    eprintln!("ccmux design: {:?}", ccmux.features);
    let flood = Flood::write().expect("write the flood's build log");

    let idle = (
        report(echo_runs::ccmux_idle(&ccmux, SAMPLES)),
        report(echo_runs::tmux_idle(SAMPLES)),
    );
    let flooded = (
        report(echo_runs::ccmux_flood(&ccmux, &flood, SAMPLES)),
        report(echo_runs::tmux_flood(&flood, SAMPLES)),
    );
    let attach = report(ccmux_attach(&ccmux));
    let cpu = report(ccmux_idle_cpu(&ccmux));

    println!(
        "{:<20} {:<30} {:<30} ccmux/tmux p50 / p99",
        "scenario", "ccmux p50/p90/p99/max ms", "tmux p50/p90/p99/max ms"
    );
    echo_row("idle echo", &idle);
    echo_row("echo under flood", &flooded);
    let attach = match attach {
        Some(Some(attaches)) => attaches.to_string(),
        Some(None) => "n/a (no server)".into(),
        None => "failed".into(),
    };
    println!("{:<20} {attach}", "attach 10 full");
    let cpu = cpu.map_or("failed".into(), |cpu| cpu.to_string());
    println!("{:<20} {cpu}", format!("idle CPU {} s", IDLE.as_secs()));
}

fn echo_row(name: &str, (ccmux, tmux): &(Option<Latencies>, Option<Latencies>)) {
    let cell = |l: &Option<Latencies>| {
        l.as_ref().map_or("failed".into(), |l| match l.missed {
            0 => l.summary(),
            n => format!("{} ({n} missed)", l.summary()),
        })
    };
    let ratio = match (ccmux, tmux) {
        (Some(c), Some(t)) => {
            let of = |q| c.percentile(q).as_secs_f64() / t.percentile(q).as_secs_f64();
            format!("{:.1} / {:.1}", of(0.5), of(0.99))
        }
        _ => "-".into(),
    };
    println!("{name:<20} {:<30} {:<30} {ratio}", cell(ccmux), cell(tmux));
}

/// From spawning `ccmux attach` to its first frame with every session's last line, against a
/// server whose ten sessions have each filled a screen; a few attaches, each hung up after.
/// None when ccmux has no server.
fn ccmux_attach(ccmux: &Ccmux) -> anyhow::Result<Option<Attaches>> {
    if !ccmux.features.attach {
        return Ok(None);
    }
    eprintln!("ccmux: attach to 10 full screens");
    let names: Vec<String> = (1..=10).map(|i| format!("full{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut run = ccmux.start(&sessions(&names, FULL_SCREEN))?;
    let drawn = |s: &vt100::Screen| s.contents().matches(LAST_LINE).count();
    // A layout may not show all ten; then the frame to wait for is the one the first client saw.
    run.client
        .wait_for(Duration::from_secs(20), |s| drawn(s) >= names.len());
    run.client
        .wait_quiet(Duration::from_millis(500), Duration::from_secs(5));
    let shown = drawn(run.client.screen());
    anyhow::ensure!(
        shown > 0,
        "no session's last line on screen:\n{}",
        run.client.screen().contents()
    );
    run.hang_up();
    let mut times = Vec::new();
    for _ in 0..ATTACHES {
        anyhow::ensure!(
            !run.server_pids().is_empty(),
            "no ccmux server outlived its client"
        );
        let started = Instant::now();
        let mut attached = run.attach()?;
        let done = attached.expect(Duration::from_secs(10), "the attached frame", |s| {
            drawn(s) >= shown
        })?;
        times.push(done - started);
        attached.stop(libc::SIGHUP, Duration::from_secs(3));
    }
    times.sort();
    Ok(Some(Attaches { times, shown }))
}

/// How long each attach took, shortest first.
struct Attaches {
    times: Vec<Duration>,
    /// Sessions whose last line the frame had to show.
    shown: usize,
}

impl std::fmt::Display for Attaches {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let ms = |d: &Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "median {:.1} ms of {} (min {:.1}, max {:.1}; {} panes shown)",
            ms(&self.times[self.times.len() / 2]),
            self.times.len(),
            ms(&self.times[0]),
            ms(&self.times[self.times.len() - 1]),
            self.shown
        )
    }
}

/// CPU ticks (user + system) ccmux used while eight sessions sat at their prompts.
struct Cpu {
    /// None when ccmux is one process (no server).
    server: Option<u64>,
    client: u64,
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        match self.server {
            Some(server) => write!(f, "server {server} ticks, ")?,
            None => write!(f, "server n/a (one process), ")?,
        }
        write!(f, "client {} ticks ({hz} ticks/s)", self.client)
    }
}

fn ccmux_idle_cpu(ccmux: &Ccmux) -> anyhow::Result<Cpu> {
    eprintln!("ccmux: idle CPU with 8 sessions");
    let names: Vec<String> = (1..=8).map(|i| format!("idle{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut run = ccmux.start(&sessions(&names, BASH))?;
    run.client.wait_for(Duration::from_secs(20), |s| {
        s.contents().matches(PROMPT).count() >= names.len()
    });
    typometer::wait_ready(&mut run.client)?;
    let client = run.client.pid().expect("a running client has a pid");
    let servers = run.server_pids();
    let ticks = |pids: &[u32]| {
        pids.iter()
            .filter_map(|&p| sandbox::cpu_ticks(p))
            .sum::<u64>()
    };
    let before = (ticks(&servers), ticks(&[client]));
    // Keep reading the terminal meanwhile, as a terminal emulator would.
    run.client.settle(IDLE);
    let after = (ticks(&servers), ticks(&[client]));
    Ok(Cpu {
        server: (!servers.is_empty()).then(|| after.0 - before.0),
        client: after.1 - before.1,
    })
}
