//! The compare bench's rows with a client attached: a real `ccmux` client and a real
//! `tmux attach` client, each in a real 120×40 PTY, doing the same work in the same run (see
//! `attached_start.rs` for how each scenario starts, `attached.rs` for what is counted).

use std::path::Path;
use std::time::Duration;

use super::attached::{Attached, Busy, Usage};
use super::attached_start::{DONE, Program, then_done};
use super::ccmux_client::{Ccmux, FRAME_CAP};
use super::echo_runs::{report, sample_under_flood};
use super::flood::Flood;
use super::pty_client::{COLS, ROWS};
use super::table::{Row, ratio, row};
use super::typometer::{self, Latencies};

/// Times the log is shown through each, alternately.
const LOG_ROUNDS: usize = 2;
/// How long the client's CPU and traffic are counted while a pane floods.
const WINDOW: Duration = Duration::from_secs(5);
const ECHO_SAMPLES: usize = 100;
/// Panes, each with a full history, in the memory rows.
const PANES: usize = 10;
const LONG: Duration = Duration::from_secs(300);

fn programs(ccmux: &Ccmux) -> [Program<'_>; 2] {
    [Program::Ccmux(ccmux), Program::Tmux]
}

/// CPU to show the 64 MiB log in the one pane of an attached client, client + server, and each
/// apart: the range over the rounds, and the ratio of their means.
pub fn log_rows(ccmux: &Ccmux, flood: &Flood) -> Vec<Row> {
    let mut runs: [Vec<Usage>; 2] = Default::default();
    for _ in 0..LOG_ROUNDS {
        for (program, runs) in programs(ccmux).into_iter().zip(&mut runs) {
            eprintln!("{}: attached, 64 MiB log", program.name());
            runs.extend(report(show_log(program, flood.log())));
        }
    }
    let parts: [(&str, Part); 4] = [
        (
            "CPU, 64 MiB log, attached: client + server",
            Usage::total_cpu,
        ),
        ("  the client's part", |u| u.client_cpu),
        ("  the server's part", |u| u.server_cpu),
        ("  wall time", |u| u.wall),
    ];
    let [c, t] = &runs;
    parts
        .into_iter()
        .map(|(work, part)| {
            let secs = |runs: &[Usage]| -> Vec<f64> {
                runs.iter().map(|u| part(u).as_secs_f64()).collect()
            };
            let (c, t) = (secs(c), secs(t));
            row(
                work,
                range(&c, "s"),
                range(&t, "s"),
                ratio(mean(&c), mean(&t), "(lower is better)"),
            )
        })
        .collect()
}

/// One figure of a `Usage`.
type Part = fn(&Usage) -> Duration;

fn show_log(program: Program, log: &Path) -> anyhow::Result<Usage> {
    let mut run = program.one_shell()?;
    let before = run.meter();
    let command = then_done(&format!("cat '{}'", log.display()));
    run.client().send(format!("{command}\r").as_bytes())?;
    run.client().expect(LONG, "the log's end on screen", |s| {
        s.contents().contains(DONE)
    })?;
    Ok(run.meter().since(&before))
}

/// While the other pane floods: the client's CPU and the bytes its terminal gets, then the
/// bytes a second client gets from the server's socket (alone, the first stays attached),
/// then the echo in the focused pane, with and without busy cores.
pub fn flood_rows(ccmux: &Ccmux, flood: &Flood) -> Vec<Row> {
    let [c, t] = programs(ccmux).map(|program| {
        eprintln!("{}: attached, beside a flooding pane", program.name());
        report(flooded(program, flood))
    });
    let pick = |f: fn(&Flooded) -> f64| (c.as_ref().map(f), t.as_ref().map(f));
    let share = |f: &Flooded| f.usage.share(f.usage.client_cpu);
    let server = |f: &Option<Flooded>| f.as_ref().map(|f| f.usage.share(f.usage.server_cpu));
    let cpu_cell = |f: &Option<Flooded>| match (f.as_ref().map(share), server(f)) {
        (Some(client), Some(server)) => format!("{client:.1} % (server {server:.0} %)"),
        _ => "failed".into(),
    };
    let (cs, ts) = pick(share);
    let terminal = pick(|f| f.usage.rate(f.usage.terminal_bytes));
    let socket = c.as_ref().and_then(|f| f.socket);
    let bound = f64::from(FRAME_CAP) * f64::from(COLS) * f64::from(ROWS);
    let hogs = c.as_ref().or(t.as_ref()).map_or(0, |f| f.hogs);
    vec![
        row(
            "client CPU while a pane floods, % core",
            cpu_cell(&c),
            cpu_cell(&t),
            ratio(cs, ts, ""),
        ),
        row(
            "bytes/s server → client socket, pane floods",
            rate(socket),
            "n/a: its server writes the tty".into(),
            format!(
                "bound {FRAME_CAP}/s × {COLS}×{ROWS} B = {}",
                rate(Some(bound))
            ),
        ),
        row(
            "bytes/s to the client's terminal, same",
            rate(terminal.0),
            rate(terminal.1),
            ratio(terminal.0, terminal.1, ""),
        ),
        latency_row(
            "keystroke echo beside a flooding pane",
            c.as_ref().map(|f| &f.echo),
            t.as_ref().map(|f| &f.echo),
        ),
        latency_row(
            &format!("  the same, {hogs} busy processes (yes)"),
            c.as_ref().map(|f| &f.busy_echo),
            t.as_ref().map(|f| &f.busy_echo),
        ),
    ]
}

struct Flooded {
    usage: Usage,
    /// Through a second client (ccmux only; None when it failed, said on stderr).
    socket: Option<f64>,
    echo: Latencies,
    busy_echo: Latencies,
    hogs: usize,
}

fn flooded(program: Program, flood: &Flood) -> anyhow::Result<Flooded> {
    let _stop = flood.stopper();
    let mut run = program.flooding(flood)?;
    run.client().settle(Duration::from_secs(1));
    let before = run.meter();
    run.client().settle(WINDOW);
    let usage = run.meter().since(&before);
    let socket = run.socket_rate("Compiling crate-", WINDOW).and_then(report);
    let echo = sample_under_flood(run.client(), flood, ECHO_SAMPLES)?;
    let busy = Busy::per_core()?;
    let busy_echo = sample_under_flood(run.client(), flood, ECHO_SAMPLES)?;
    Ok(Flooded {
        usage,
        socket,
        echo,
        busy_echo,
        hogs: busy.count(),
    })
}

/// Echo in the one pane of an idle client, with and without busy cores. Both clients run at
/// once and take the keys in turns (see `in_turns`).
pub fn echo_rows(ccmux: &Ccmux) -> Vec<Row> {
    eprintln!("ccmux and tmux: attached, idle echo, in turns of {ECHO_TURN} keys");
    let echoes = report(idle_echo(ccmux));
    let hogs = echoes.as_ref().map_or(0, |(_, _, hogs)| *hogs);
    let of = |load: usize, program: usize| {
        echoes
            .as_ref()
            .map(|(idle, busy, _)| &[idle, busy][load][program])
    };
    vec![
        latency_row("keystroke echo, idle", of(0, 0), of(0, 1)),
        latency_row(
            &format!("  the same, {hogs} busy processes (yes)"),
            of(1, 0),
            of(1, 1),
        ),
    ]
}

/// Keys timed in each client for the idle rows, and in a row before the other's turn.
const IDLE_ECHO_SAMPLES: usize = 200;
const ECHO_TURN: usize = 25;

fn idle_echo(ccmux: &Ccmux) -> anyhow::Result<([Latencies; 2], [Latencies; 2], usize)> {
    let mut runs = [
        Program::Ccmux(ccmux).one_shell()?,
        Program::Tmux.one_shell()?,
    ];
    let idle = in_turns(&mut runs)?;
    let busy = Busy::per_core()?;
    let loaded = in_turns(&mut runs)?;
    Ok((idle, loaded, busy.count()))
}

/// [`IDLE_ECHO_SAMPLES`] keys typed into each client, [`ECHO_TURN`] at a time, alternately: both
/// are timed across the same stretch of the run, so a box whose speed drifts (a VM's
/// neighbours, a busy process's phases) moves both alike. Each key still comes after a pause in
/// which its own client is idle, as when only one runs.
fn in_turns(runs: &mut [Attached; 2]) -> anyhow::Result<[Latencies; 2]> {
    let mut taken: [Vec<Latencies>; 2] = Default::default();
    for _ in 0..IDLE_ECHO_SAMPLES / ECHO_TURN {
        for (run, taken) in runs.iter_mut().zip(&mut taken) {
            taken.push(typometer::sample(run.client(), ECHO_TURN, || true)?);
        }
    }
    Ok(taken.map(Latencies::merged))
}

/// Memory of the client and of the server once ten panes each printed `log` (10 000 lines of
/// 200 columns, more rows than a pane's history keeps).
pub fn history_rows(ccmux: &Ccmux, log: &Path) -> Vec<Row> {
    let [c, t] = programs(ccmux).map(|program| {
        eprintln!("{}: attached, {PANES} panes of history", program.name());
        report(history_rss(program, log))
    });
    let mib = |kib: Option<u64>| kib.map(|k| k as f64 / 1024.0);
    let cell = |v: Option<f64>| v.map_or("failed".into(), |v| format!("{v:.1} MiB"));
    let part = |f: fn(&(u64, u64)) -> u64| (mib(c.as_ref().map(f)), mib(t.as_ref().map(f)));
    let (client, server) = (part(|r| r.0), part(|r| r.1));
    vec![
        row(
            &format!("client RSS, {PANES} panes × 10k rows history"),
            cell(client.0),
            cell(client.1),
            ratio(client.0, client.1, "(lower is better)"),
        ),
        row(
            "  the server's RSS",
            cell(server.0),
            cell(server.1),
            ratio(server.0, server.1, "(lower is better)"),
        ),
    ]
}

fn history_rss(program: Program, log: &Path) -> anyhow::Result<(u64, u64)> {
    let mut run = program.printed(PANES, log)?;
    run.client().settle(Duration::from_secs(1));
    Ok(run.rss_kib())
}

/// A row of latencies, p50 and p99 of each.
pub fn latency_row(work: &str, c: Option<&Latencies>, t: Option<&Latencies>) -> Row {
    let ms = |l: &Latencies, q| l.percentile(q).as_secs_f64() * 1e3;
    let cell = |l: Option<&Latencies>| {
        l.map_or("failed".into(), |l| {
            format!("p50 {:.2} / p99 {:.1} ms", ms(l, 0.5), ms(l, 0.99))
        })
    };
    let ratios = match (c, t) {
        (Some(c), Some(t)) => format!(
            "p50 {:.2}× / p99 {:.2}×",
            ms(c, 0.5) / ms(t, 0.5).max(1e-6),
            ms(c, 0.99) / ms(t, 0.99).max(1e-6)
        ),
        _ => "-".into(),
    };
    row(work, cell(c), cell(t), ratios)
}

/// `lo–hi UNIT` over the values, or "failed" when there are none.
fn range(values: &[f64], unit: &str) -> String {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match values.len() {
        0 => "failed".into(),
        1 => format!("{lo:.2} {unit}"),
        _ => format!("{lo:.2}–{hi:.2} {unit}"),
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Bytes a second, in the unit that reads best.
fn rate(bytes: Option<f64>) -> String {
    match bytes {
        None => "failed".into(),
        Some(b) if b >= 1024.0 * 1024.0 => format!("{:.1} MiB/s", b / (1024.0 * 1024.0)),
        Some(b) => format!("{:.1} KiB/s", b / 1024.0),
    }
}
