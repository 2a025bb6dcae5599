//! Keystroke-to-echo scenarios shared by the echo and compare benches: a bash pane typed into
//! while idle, or while another pane prints a 64 MiB build log in a loop, through ccmux and
//! through tmux.
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::time::Duration;

use super::ccmux_client::{self, Ccmux, Spec};
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

/// Pane 1 is typed into while pane 2 floods.
pub fn ccmux_flood(ccmux: &Ccmux, flood: &Flood, samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("ccmux: echo under flood");
    let _stop = flood.stopper();
    let mut run = ccmux_flooding(ccmux, flood)?;
    sample_under_flood(&mut run.client, flood, samples)
}

pub fn tmux_flood(flood: &Flood, samples: usize) -> anyhow::Result<Latencies> {
    eprintln!("tmux: echo under flood");
    let _stop = flood.stopper();
    let mut run = tmux_flooding(flood)?;
    sample_under_flood(&mut run.client, flood, samples)
}

/// A ccmux client with two bash panes, the first focused and ready for typing, the second
/// printing the flood (started by typing it there) once it shows. The caller stops the flood.
pub fn ccmux_flooding<'a>(
    ccmux: &'a Ccmux,
    flood: &Flood,
) -> anyhow::Result<ccmux_client::Running<'a>> {
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
    flood_on_screen(&mut run.client)?;
    Ok(run)
}

/// The same through tmux: its first pane focused, a second one split off printing the flood.
pub fn tmux_flooding(flood: &Flood) -> anyhow::Result<tmux_client::Running> {
    let mut run = tmux_client::Running::start()?;
    typometer::wait_ready(&mut run.client)?;
    run.split(&flood.command())?;
    flood_on_screen(&mut run.client)?;
    Ok(run)
}

fn flood_on_screen(client: &mut PtyClient) -> anyhow::Result<()> {
    client.expect(Duration::from_secs(10), "the flood on screen", |s| {
        s.contents().contains("Compiling crate-")
    })?;
    Ok(())
}

/// Samples the focused pane, counting only keys typed while the flood still runs.
pub fn sample_under_flood(
    client: &mut PtyClient,
    flood: &Flood,
    samples: usize,
) -> anyhow::Result<Latencies> {
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
