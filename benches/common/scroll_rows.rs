//! Scroll mode through an attached client: how long a page up through 10 000 lines of history
//! takes to show, from the key to the whole page drawn. ccmux's client asks its server for the
//! page (the history is the server's); tmux's copy mode reads its own.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use super::attached_rows::latency_row;
use super::attached_start::Program;
use super::ccmux_client::Ccmux;
use super::echo_runs::report;
use super::pty_client::COLS;
use super::table::Row;
use super::typometer::Latencies;

/// Pages timed, from the bottom of the history up.
const PAGES: usize = 30;
const PAGE_UP: &[u8] = b"\x1b[5~";
/// Numbered lines a page up may keep from the page before (tmux keeps two rows).
const OVERLAP: u64 = 3;
const LIMIT: Duration = Duration::from_secs(5);

pub fn page_rows(ccmux: &Ccmux, log: &Path) -> Vec<Row> {
    let [c, t] = [Program::Ccmux(ccmux), Program::Tmux].map(|program| {
        eprintln!("{}: attached, paging up through history", program.name());
        report(page_up(program, log))
    });
    vec![latency_row(
        "scroll mode: a page up, 10k lines history",
        c.as_ref(),
        t.as_ref(),
    )]
}

fn page_up(program: Program, log: &Path) -> anyhow::Result<Latencies> {
    let scroll_mode: &[u8] = match program {
        Program::Ccmux(_) => b"\x01[",
        Program::Tmux => b"\x02[",
    };
    let mut run = program.printed(1, log)?;
    let client = run.client();
    client.settle(Duration::from_millis(500));
    client.type_slowly(scroll_mode)?;
    client.settle(Duration::from_millis(300));
    let mut samples = Vec::with_capacity(PAGES);
    for _ in 0..PAGES {
        let before = numbers(client.screen());
        let top = *before.iter().min().context("no history line on screen")?;
        let sent = client.send(PAGE_UP)?;
        let drawn = client.expect(LIMIT, "the page above", |s| {
            paged(&numbers(s), top, before.len())
        })?;
        samples.push(drawn.saturating_duration_since(sent));
        client.settle(Duration::from_millis(20));
    }
    Ok(Latencies::new(samples))
}

/// The numbers of the history lines on screen (each begins with its number and " Compiling";
/// a line wider than the pane goes on in a row that does not, and a title or status bar's
/// figures are no line's).
fn numbers(screen: &vt100::Screen) -> Vec<u64> {
    screen
        .rows(0, COLS)
        .filter_map(|row| {
            let rest = row.trim_start_matches(|c: char| !c.is_alphanumeric());
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            rest[digits..]
                .starts_with(" Compiling")
                .then(|| rest[..digits].parse().ok())
                .flatten()
        })
        .collect()
}

/// The page above `top` is drawn: every numbered line is above it, and there are at least
/// half as many as before (lines wrap, so a page holds more or fewer of them than the last).
fn paged(now: &[u64], top: u64, count: usize) -> bool {
    now.len() * 2 >= count && now.iter().all(|&n| n < top + OVERLAP)
}
