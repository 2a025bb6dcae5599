//! The TUI at work and at rest, through the release binary in a real terminal (tmux).
//!
//! `cargo bench --bench tui` prints a table: how long one pane takes to print 64 MiB with the
//! TUI drawing it, against the same output swallowed by a session with no TUI (same run, same
//! pane size); how many frames the TUI drew meanwhile (the cap is 60 a second); and the CPU
//! ccmux used with four idle sessions over 10 s.

mod common;
#[path = "../tests/common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::Duration;

use ccmux::session::{ProfileKind, SessionConfig, TaskId};
use tmux::Tmux;

const MIB: usize = 1024 * 1024;
/// The tmux window; one pane's inner area is two columns and three rows smaller.
const WINDOW: (u16, u16) = (200, 50);
const BASH: &str = r#"["bash", "--norc", "--noprofile"]"#;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("build.log");
    std::fs::write(&log, common::build_log(64 * MIB)).unwrap();
    let floods = [
        (
            "64 MiB of `yes` (2-byte lines)",
            "yes | head -c 67108864".to_string(),
        ),
        (
            "64 MiB build log (60-byte lines)",
            format!("cat {}", log.display()),
        ),
    ];
    println!(
        "{:<34} {:>9} {:>11} {:>7} {:>9} {:>10}",
        "scenario", "TUI s", "no-TUI s", "ratio", "frames", "ccmux CPU"
    );
    for (name, command) in &floods {
        let tui = flood_in_tui(command);
        let bare = flood_without_tui(command, dir.path());
        println!(
            "{name:<34} {:>9.2} {:>11.2} {:>7.2} {:>9} {:>9.2}s",
            tui.elapsed.as_secs_f64(),
            bare.as_secs_f64(),
            tui.elapsed.as_secs_f64() / bare.as_secs_f64(),
            tui.frames,
            tui.cpu.as_secs_f64(),
        );
    }
    let idle = idle_sessions(4, Duration::from_secs(10));
    println!(
        "{:<34} {:>9.2} {:>11} {:>7} {:>9} {:>9.2}s   ({} wakeups)",
        "4 idle sessions",
        idle.elapsed.as_secs_f64(),
        "-",
        "-",
        idle.frames,
        idle.cpu.as_secs_f64(),
        idle.wakeups
    );
}

struct Run {
    elapsed: Duration,
    /// Frames drawn from start to quit.
    frames: u64,
    /// ccmux's user + system time over `elapsed`.
    cpu: Duration,
    /// Context switches of all ccmux's threads over `elapsed`.
    wakeups: u64,
}

/// Runs `command` in the only pane of a TUI and times it from inside the pane.
fn flood_in_tui(command: &str) -> Run {
    let tmux = start(&format!("[defaults]\ncommand = {BASH}\n"));
    tmux.wait_for(|s| s.contains("● ready"), "the shell is ready");
    let pid = tmux.ccmux_pid();
    let before = Usage::of(pid);
    tmux.text(&format!(
        "s=$(date +%s%N); {command}; echo FLOOD-DONE $(( ($(date +%s%N) - s) / 1000 ))us"
    ));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_within(
        Duration::from_secs(600),
        |s| micros(s).is_some(),
        "the flood ends",
    );
    let usage = Usage::of(pid).since(&before);
    Run {
        elapsed: Duration::from_micros(micros(&screen).unwrap()),
        frames: quit_and_count_frames(&tmux),
        cpu: usage.cpu,
        wakeups: usage.switches,
    }
}

/// The microseconds the pane printed after `FLOOD-DONE` (not the typed command's text).
fn micros(screen: &str) -> Option<u64> {
    screen.split("FLOOD-DONE ").skip(1).find_map(|rest| {
        let (number, _) = rest.split_once("us")?;
        number.parse().ok()
    })
}

/// The same command in a session of the same size that nothing draws.
fn flood_without_tui(command: &str, dir: &Path) -> Duration {
    let config = SessionConfig::new(TaskId::new("bare").unwrap(), dir)
        .with_command(["bash", "-c", command])
        .with_size(WINDOW.0 - 2, WINDOW.1 - 3)
        .with_profile(ProfileKind::Shell);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(common::time_to_exit(config))
}

fn idle_sessions(n: usize, span: Duration) -> Run {
    let config: String = (1..=n)
        .map(|i| format!("[[session]]\ntask_id = \"idle{i}\"\ncommand = {BASH}\n"))
        .collect();
    let tmux = start(&config);
    tmux.wait_for(
        |s| s.matches("● ready").count() == n,
        "every session is ready",
    );
    // Let the last state changes and resizes settle before measuring.
    std::thread::sleep(Duration::from_secs(1));
    let pid = tmux.ccmux_pid();
    let before = Usage::of(pid);
    std::thread::sleep(span);
    let usage = Usage::of(pid).since(&before);
    Run {
        elapsed: span,
        frames: quit_and_count_frames(&tmux),
        cpu: usage.cpu,
        wakeups: usage.switches,
    }
}

fn start(config: &str) -> Tmux {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    tmux::write_trusted_project_file(home.path(), &project, config);
    Tmux::start(home, &project, &[], WINDOW)
}

/// Quits (confirming if asked) and reads the frame count ccmux logs on the way out.
fn quit_and_count_frames(tmux: &Tmux) -> u64 {
    tmux.keys(&["C-a", "q", "y"]);
    tmux.wait_for(|s| s.contains("CCMUX-EXITED"), "ccmux quits");
    let log = std::fs::read_to_string(tmux.home().join("state/ccmux/ccmux.log")).unwrap();
    let line = log
        .lines()
        .rfind(|l| l.contains("the TUI stopped"))
        .unwrap();
    let (_, frames) = line.split_once("frames=").unwrap();
    frames.trim().parse().unwrap()
}

/// CPU time and context switches of a process, from /proc.
struct Usage {
    cpu: Duration,
    switches: u64,
}

impl Usage {
    fn of(pid: u32) -> Self {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // Fields after the command name (which may hold spaces): utime and stime are 12 and 13.
        let fields: Vec<u64> = stat
            .rsplit_once(") ")
            .unwrap()
            .1
            .split(' ')
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        let cpu = Duration::from_millis((fields[11] + fields[12]) * 1000 / ticks);
        let switches = std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("status")).ok())
            .flat_map(|status| {
                status
                    .lines()
                    .filter(|l| l.contains("ctxt_switches"))
                    .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
                    .collect::<Vec<_>>()
            })
            .sum();
        Self { cpu, switches }
    }

    fn since(self, before: &Self) -> Self {
        Self {
            cpu: self.cpu.saturating_sub(before.cpu),
            switches: self.switches.saturating_sub(before.switches),
        }
    }
}
