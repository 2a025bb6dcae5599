//! Keystroke-to-echo scenarios shared by the echo and compare benches: a bash pane typed into
//! while idle, or while another pane prints a 64 MiB build log in a loop, through ccmux and
//! through tmux.

use std::time::Duration;

use super::ccmux_client::{Ccmux, Spec};
use super::flood::{self, Flood};
use super::pty_client::PtyClient;
use super::tmux_client;
use super::typometer::{self, Latencies, PROMPT};

pub const BASH: &[&str] = &["bash", "--norc", "--noprofile"];

/// The result, or None after saying on stderr why the scenario failed.
pub fn report<T>(result: anyhow::Result<T>) -> Option<T> {
    result.map_err(|e| eprintln!("scenario failed: {e:#}")).ok()
}

pub fn ccmux_idle(ccmux: &Ccmux, samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("ccmux: idle echo");
    let mut run = ccmux.start(&sessions(&["typing"], BASH))?;
    typometer::wait_ready(&mut run.client)?;
    typometer::sample(&mut run.client, samples, || true)
}

pub fn tmux_idle(samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("tmux: idle echo");
    let mut run = tmux_client::Running::start()?;
    typometer::wait_ready(&mut run.client)?;
    typometer::sample(&mut run.client, samples, || true)
}

/// Pane 1 is typed into while pane 2 floods; the flood is started by typing it into pane 2.
pub fn ccmux_flood(ccmux: &Ccmux, flood: &Flood, samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("ccmux: echo under flood");
    let _stop = flood.stopper();
    let mut run = ccmux.start(&sessions(&["typing", "flood"], BASH))?;
    run.client
        .expect(Duration::from_secs(20), "both prompts", |s| {
            s.contents().matches(PROMPT).count() >= 2
        })?;
    typometer::wait_ready(&mut run.client)?;
    run.focus(2)?;
    // A leading space: the echoed command never reads as the prompt followed by a letter.
    run.client
        .send(format!(" {}\r", flood.command()).as_bytes())?;
    run.focus(1)?;
    sample_under_flood(&mut run.client, flood, samples)
}

pub fn tmux_flood(flood: &Flood, samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("tmux: echo under flood");
    let _stop = flood.stopper();
    let mut run = tmux_client::Running::start()?;
    typometer::wait_ready(&mut run.client)?;
    run.split(&flood.command())?;
    sample_under_flood(&mut run.client, flood, samples)
}

/// Samples once the flood shows, counting only keys typed while it still runs.
fn sample_under_flood(
    client: &mut PtyClient,
    flood: &Flood,
    samples: usize,
) -> anyhow::Result<Latencies> {
    client.expect(Duration::from_secs(10), "the flood on screen", |s| {
        s.contents().contains("Compiling crate-")
    })?;
    let pid = flood
        .pid()
        .ok_or_else(|| anyhow::anyhow!("the flood is not running"))?;
    typometer::sample(client, samples, || flood::running(pid))
}

/// One session per task id, all running `command`.
pub fn sessions<'a>(task_ids: &[&'a str], command: &'a [&'a str]) -> Vec<Spec<'a>> {
    task_ids
        .iter()
        .map(|&task_id| Spec { task_id, command })
        .collect()
}
