//! A client attached in a real PTY the bench owns, ccmux's or tmux's, and what it and its
//! server cost: CPU (user + system, from `/proc/PID/stat`), the bytes the server sends a
//! client over its socket (through a counting proxy, `proxy.rs`; `rchar` of `/proc/PID/io`
//! does not count a socket's `recv`) and the bytes its terminal gets (counted as the PTY hands
//! them on). Only the multiplexer's own processes count, not the programs in its
//! panes: the client, and the run's other processes of the same program (its server).

use std::process::{Child, Command, Stdio};

use anyhow::Context as _;
use std::time::{Duration, Instant};

use super::ccmux_client;
use super::proxy::Proxy;
use super::pty_client::PtyClient;
use super::sandbox;
use super::tmux_client;

/// One attached client, ccmux's or tmux's, with its server.
pub enum Attached<'a> {
    Ccmux(ccmux_client::Running<'a>),
    Tmux(tmux_client::Running),
}

impl Attached<'_> {
    pub fn client(&mut self) -> &mut PtyClient {
        match self {
            Self::Ccmux(run) => &mut run.client,
            Self::Tmux(run) => &mut run.client,
        }
    }

    fn pty(&self) -> &PtyClient {
        match self {
            Self::Ccmux(run) => &run.client,
            Self::Tmux(run) => &run.client,
        }
    }

    pub fn server_pids(&self) -> Vec<u32> {
        match self {
            Self::Ccmux(run) => run.server_pids(),
            Self::Tmux(run) => run.server_pids(),
        }
    }

    /// What the client and the server have used so far.
    pub fn meter(&self) -> Meter {
        let client = self.pty().pid();
        let servers = self.server_pids();
        Meter {
            at: Instant::now(),
            client_ticks: client.and_then(sandbox::cpu_ticks).unwrap_or(0),
            server_ticks: servers.iter().filter_map(|&p| sandbox::cpu_ticks(p)).sum(),
            terminal_bytes: self.pty().bytes_received(),
        }
    }

    /// Bytes a second the server sends one client over its socket, over `window`, once the
    /// client shows `shown`: a second client, `ccmux attach` through a counting proxy. None for
    /// tmux, whose server writes its clients' terminals itself (its socket carries no screen).
    pub fn socket_rate(&self, shown: &str, window: Duration) -> Option<anyhow::Result<f64>> {
        match self {
            Self::Ccmux(run) => Some(proxied_rate(run, shown, window)),
            Self::Tmux(_) => None,
        }
    }

    /// Resident memory of the client and of its server (summed over its processes), in KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        let rss = |pid: u32| super::headless::proc_status(pid, "VmRSS").unwrap_or(0);
        let client = self.pty().pid().map_or(0, rss);
        (client, self.server_pids().into_iter().map(rss).sum())
    }
}

fn proxied_rate(run: &ccmux_client::Running, shown: &str, window: Duration) -> anyhow::Result<f64> {
    let socket = run.socket().context("this ccmux has no server socket")?;
    let name = socket.file_name().context("a socket's name")?;
    let proxy = Proxy::start(&socket, &name.to_string_lossy())?;
    let mut client = run.attach_through(proxy.runtime_dir())?;
    client.expect(Duration::from_secs(20), shown, |s| {
        s.contents().contains(shown)
    })?;
    client.settle(Duration::from_secs(1));
    let (before, started) = (proxy.bytes_to_clients(), Instant::now());
    client.settle(window);
    let sent = proxy.bytes_to_clients().saturating_sub(before);
    Ok(sent as f64 / started.elapsed().as_secs_f64())
}

/// Counters at one instant.
#[derive(Clone, Copy)]
pub struct Meter {
    at: Instant,
    client_ticks: u64,
    server_ticks: u64,
    terminal_bytes: u64,
}

impl Meter {
    /// What was used between `before` and this.
    pub fn since(&self, before: &Meter) -> Usage {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let cpu =
            |ticks: u64, was: u64| Duration::from_secs_f64(ticks.saturating_sub(was) as f64 / hz);
        Usage {
            wall: self.at - before.at,
            client_cpu: cpu(self.client_ticks, before.client_ticks),
            server_cpu: cpu(self.server_ticks, before.server_ticks),
            terminal_bytes: self.terminal_bytes.saturating_sub(before.terminal_bytes),
        }
    }
}

/// Use over an interval.
pub struct Usage {
    pub wall: Duration,
    pub client_cpu: Duration,
    pub server_cpu: Duration,
    /// What reached the client's terminal, whoever wrote it (tmux's server writes it itself).
    pub terminal_bytes: u64,
}

impl Usage {
    pub fn total_cpu(&self) -> Duration {
        self.client_cpu + self.server_cpu
    }

    /// CPU time as a share of one core over the interval, in percent.
    pub fn share(&self, cpu: Duration) -> f64 {
        100.0 * cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }

    /// Bytes a second over the interval.
    pub fn rate(&self, bytes: u64) -> f64 {
        bytes as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// One `yes > /dev/null` per core, as a laptop whose cores are already busy; killed when
/// dropped.
pub struct Busy(Vec<Child>);

impl Busy {
    pub fn per_core() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let mut hogs = Self(Vec::new());
        for _ in 0..cores {
            hogs.0.push(
                Command::new("yes")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()?,
            );
        }
        Ok(hogs)
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        for hog in &mut self.0 {
            let _ = hog.kill();
            let _ = hog.wait();
        }
    }
}
