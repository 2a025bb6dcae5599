//! How each attached scenario starts, through ccmux and through tmux alike: a client in a real
//! 120×40 PTY, the panes' programs started the way a user would start them (a project's
//! `ccmux.toml`, typing into a shell, `tmux split-window`), so the same scenario measures any
//! ccmux binary, before or after a change to how its client and server talk.

use std::path::Path;
use std::time::Duration;

use super::attached::Attached;
use super::ccmux_client::{Ccmux, Spec};
use super::echo_runs::{self, BASH, sessions};
use super::flood::Flood;
use super::tmux_client;
use super::typometer;

/// What a pane prints once its work's output is in: its arrival on screen ends a timing. The
/// commands print it as `printf 'FLOOD-%s\n' DONE`, so a shell's echo of the command line is
/// never taken for it.
pub const DONE: &str = "FLOOD-DONE";
const LONG: Duration = Duration::from_secs(300);

/// Which multiplexer a scenario runs through.
#[derive(Clone, Copy)]
pub enum Program<'a> {
    Ccmux(&'a Ccmux),
    Tmux,
}

impl<'a> Program<'a> {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ccmux(_) => "ccmux",
            Self::Tmux => "tmux",
        }
    }

    /// A client showing one bash pane, its prompt drawn and the client quiet.
    pub fn one_shell(self) -> anyhow::Result<Attached<'a>> {
        let mut run = match self {
            Self::Ccmux(ccmux) => Attached::Ccmux(ccmux.start(&sessions(&["typing"], BASH))?),
            Self::Tmux => Attached::Tmux(tmux_client::Running::start()?),
        };
        typometer::wait_ready(run.client())?;
        Ok(run)
    }

    /// A client with two bash panes, the first focused and ready for typing, the second
    /// printing `flood` in a loop (the caller stops it).
    pub fn flooding(self, flood: &Flood) -> anyhow::Result<Attached<'a>> {
        Ok(match self {
            Self::Ccmux(ccmux) => Attached::Ccmux(echo_runs::ccmux_flooding(ccmux, flood)?),
            Self::Tmux => Attached::Tmux(echo_runs::tmux_flooding(flood)?),
        })
    }

    /// A client with `panes` panes, each of which has printed `log` (then sleeps), once every
    /// pane shows that it has.
    pub fn printed(self, panes: usize, log: &Path) -> anyhow::Result<Attached<'a>> {
        let work = then_done(&format!("cat '{}'", log.display()));
        let mut run = match self {
            Self::Ccmux(ccmux) => {
                let command = format!("{work}; exec sleep 3600");
                let argv = ["sh", "-c", command.as_str()];
                let names: Vec<String> = (0..panes).map(|i| format!("history{i}")).collect();
                let specs: Vec<Spec> = names
                    .iter()
                    .map(|task_id| Spec {
                        task_id,
                        command: &argv,
                    })
                    .collect();
                Attached::Ccmux(ccmux.start(&specs)?)
            }
            Self::Tmux => {
                let mut run = tmux_client::Running::start()?;
                typometer::wait_ready(&mut run.client)?;
                for _ in 1..panes {
                    run.split_tiled(&format!("{work}; exec sleep 3600"))?;
                }
                run.client.send(format!("{work}\r").as_bytes())?;
                Attached::Tmux(run)
            }
        };
        run.client()
            .expect(LONG, &format!("{DONE} in all {panes} panes"), |s| {
                s.contents().matches(DONE).count() >= panes
            })?;
        Ok(run)
    }
}

/// `WORK`, then the marker. CAN first ends any escape sequence the work's output broke off in
/// (the 64 MiB log is cut mid-line), so the marker is printed, not eaten.
pub fn then_done(work: &str) -> String {
    format!("{work}; printf '\\030\\033[0m\\n'; printf 'FLOOD-%s\\n' DONE")
}
