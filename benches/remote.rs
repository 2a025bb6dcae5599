//! A pane on another machine, reached through ssh over the loopback: a real sshd (the tests'
//! `tests/common/sshd.rs`) whose key runs this checkout's ccmux in a sandbox of its own stands
//! for the other machine; the client is `ccmux -L NAME attach --host` on a real PTY in another
//! sandbox, measured the way `echo` measures a local one (see `common/typometer.rs`).
//!
//! `cargo bench --bench remote` prints: echo latency of a remote pane while idle and while the
//! other remote pane prints a 64 MiB build log in a loop; the bytes per second ssh delivers to
//! the client meanwhile (bounded by the frame rate, not by the flood); and the time from a
//! dropped link (the client's ssh killed) to the restored view. Both ends run this checkout's
//! build (`CCMUX_BENCH_BIN` is not read here).

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
#[path = "../tests/common/sshd.rs"]
mod sshd;
#[path = "common/tmux_client.rs"]
mod tmux_client;
#[path = "common/typometer.rs"]
mod typometer;

use std::path::Path;
use std::time::{Duration, Instant};

use ccmux_client::{Ccmux, Running};
use echo_runs::{BASH, report, sessions};
use flood::Flood;
use pty_client::PtyClient;
use sandbox::Sandbox;
use sshd::Sshd;
use typometer::{Latencies, PROMPT};

/// Timed keys per scenario.
const SAMPLES: usize = 200;
/// Links dropped, one after the other.
const DROPS: usize = 5;
/// How long ssh's delivery is counted while a pane floods.
const RATE_WINDOW: Duration = Duration::from_secs(5);

fn main() {
    let exe = Path::new(env!("CARGO_BIN_EXE_ccmux"));
    let ccmux = Ccmux::detect(exe).expect("ccmux --help");
    let flood = Flood::write().expect("write the flood's build log");
    let idle = report(remote_idle(&ccmux, exe));
    let flooded = report(remote_flood(&ccmux, exe, &flood));
    let drops = report(remote_drops(&ccmux, exe));

    println!("{:<28} result", "remote pane (loopback ssh)");
    let echo = |l: &Latencies| format!("p50/p90/p99/max ms {} ({} missed)", l.summary(), l.missed);
    println!(
        "{:<28} {}",
        "idle echo",
        idle.as_ref().map_or("failed".into(), echo)
    );
    match flooded {
        Some((latencies, rate)) => {
            println!("{:<28} {}", "echo under flood", echo(&latencies));
            println!(
                "{:<28} {:.0} KiB/s",
                "ssh delivers under flood",
                rate / 1024.0
            );
        }
        None => println!("{:<28} failed", "echo under flood"),
    }
    let drops = drops.map_or("failed".into(), |d| {
        let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e3);
        format!(
            "median {} ms, max {} ms ({DROPS} drops)",
            ms(d[d.len() / 2]),
            ms(d[d.len() - 1])
        )
    });
    println!("{:<28} {drops}", "dropped link → view");
}

/// A client on another machine's server: the sshd standing for the link, and its own sandbox.
struct Remote {
    client: PtyClient,
    _sshd: Sshd,
    _sandbox: Sandbox,
}

impl Remote {
    /// `ccmux -L NAME attach --host` to the server of `run`, from a sandbox of its own.
    fn attach(exe: &Path, run: &Running) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = run
            .sandbox()
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let sshd = Sshd::start_with_env(&env);
        let sandbox = Sandbox::new("ccmux-remote")?;
        let host = sshd.host();
        let args = ["-L", run.sandbox().name(), "attach", "--host", &host];
        let mut command = sandbox.command(exe, &args);
        command.env("CCMUX_SSH", sshd.ssh_command());
        let client = PtyClient::spawn(command)?;
        Ok(Self {
            client,
            _sshd: sshd,
            _sandbox: sandbox,
        })
    }

    /// The client's ssh: what a dropped link kills, and what carries the frames.
    fn ssh(&self) -> anyhow::Result<u32> {
        let client = self
            .client
            .pid()
            .ok_or_else(|| anyhow::anyhow!("no client"))?;
        sshd::descendants(client)
            .into_iter()
            .find(|&pid| sandbox::exe(pid).is_some_and(|exe| exe.ends_with("ssh")))
            .ok_or_else(|| anyhow::anyhow!("the client runs no ssh"))
    }
}

fn remote_idle(ccmux: &Ccmux, exe: &Path) -> anyhow::Result<Latencies> {
    eprintln!("remote: idle echo");
    let mut run = ccmux.start(&sessions(&["typing"], BASH))?;
    typometer::wait_ready(&mut run.client)?;
    let mut remote = Remote::attach(exe, &run)?;
    typometer::wait_ready(&mut remote.client)?;
    typometer::sample(&mut remote.client, SAMPLES, || true)
}

/// Echo in the remote client's first pane while its second floods, and what ssh delivers
/// meanwhile (bytes written to the client's pipe, from /proc/PID/io).
fn remote_flood(ccmux: &Ccmux, exe: &Path, flood: &Flood) -> anyhow::Result<(Latencies, f64)> {
    eprintln!("remote: echo under flood");
    let _stop = flood.stopper();
    let run = echo_runs::ccmux_flooding(ccmux, flood)?;
    let mut remote = Remote::attach(exe, &run)?;
    typometer::wait_ready(&mut remote.client)?;
    let ssh = remote.ssh()?;
    let before = written(ssh)?;
    let start = Instant::now();
    remote.client.settle(RATE_WINDOW);
    let rate = (written(ssh)? - before) as f64 / start.elapsed().as_secs_f64();
    let latencies = echo_runs::sample_under_flood(&mut remote.client, flood, SAMPLES)?;
    Ok((latencies, rate))
}

/// Kills the client's ssh, then times until the pane has said "reconnecting" and shows its
/// prompt again on a new link; sorted.
fn remote_drops(ccmux: &Ccmux, exe: &Path) -> anyhow::Result<Vec<Duration>> {
    eprintln!("remote: dropped links");
    let mut run = ccmux.start(&sessions(&["typing"], BASH))?;
    typometer::wait_ready(&mut run.client)?;
    let mut remote = Remote::attach(exe, &run)?;
    typometer::wait_ready(&mut remote.client)?;
    let mut times = Vec::new();
    for _ in 0..DROPS {
        let ssh = remote.ssh()?;
        let dropped = Instant::now();
        // SAFETY: kill(2) on the client's ssh child, found a moment ago under the client.
        unsafe { libc::kill(ssh as libc::pid_t, libc::SIGKILL) };
        let limit = Duration::from_secs(10);
        remote.client.expect(limit, "reconnecting", |s| {
            s.contents().contains("reconnecting")
        })?;
        let back = remote.client.expect(limit, "the view restored", |s| {
            let text = s.contents();
            !text.contains("reconnecting") && text.contains(PROMPT)
        })?;
        times.push(back - dropped);
        remote.client.settle(Duration::from_millis(500));
    }
    times.sort();
    Ok(times)
}

/// Bytes the process has written so far (`wchar` of /proc/PID/io).
fn written(pid: u32) -> anyhow::Result<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))?;
    io.lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no wchar in /proc/{pid}/io"))
}
