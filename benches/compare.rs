//! ccmux against tmux, in the same run, on the same work: `cargo bench --bench compare` prints
//! one table. Ratios are the result; absolute figures only describe the machine.
//!
//! Two kinds of rows. With a client attached (`common/attached_rows.rs`): a real `ccmux`
//! client and a real tmux client, each in a real 120×40 PTY the bench owns, with their
//! servers: CPU to show a 64 MiB log (client and server apart), the client's CPU and traffic
//! while a pane floods (the bytes it reads, against the bound `ui.frame_cap` × screen, and the
//! bytes its terminal gets), keystroke echo idle and beside a flooding pane, each again with
//! one `yes` per core running, and memory with ten panes of full history. With no client
//! (`common/headless_rows.rs`, `common/server_rows.rs`): ccmux through `ccmux serve` and its
//! API, tmux through its command line. Each scenario has a sandbox of its own
//! (`common/sandbox.rs`).
//!
//! `CCMUX_BENCH_BIN=path` measures another ccmux binary than this checkout's release build.
//! `CCMUX_COMPARE_ONLY=name,…` runs only those scenarios (names below, in `SCENARIOS`);
//! `attached` runs every attached one, e.g. `CCMUX_COMPARE_ONLY=attached cargo bench --bench
//! compare`.

#[path = "common/attached.rs"]
mod attached;
#[path = "common/attached_rows.rs"]
mod attached_rows;
#[path = "common/attached_start.rs"]
mod attached_start;
#[path = "common/ccmux_client.rs"]
mod ccmux_client;
#[path = "common/echo_runs.rs"]
mod echo_runs;
#[path = "common/flood.rs"]
mod flood;
#[path = "common/headless.rs"]
mod headless;
#[path = "common/headless_rows.rs"]
mod headless_rows;
#[path = "common/proxy.rs"]
mod proxy;
#[path = "common/pty_client.rs"]
mod pty_client;
#[path = "common/sandbox.rs"]
mod sandbox;
#[path = "common/scroll_rows.rs"]
mod scroll_rows;
#[path = "common/server_rows.rs"]
mod server_rows;
#[path = "common/table.rs"]
mod table;
#[path = "common/tmux_client.rs"]
mod tmux_client;
#[path = "common/typometer.rs"]
mod typometer;

use std::path::PathBuf;

use ccmux_client::Ccmux;
use flood::Flood;

/// Every scenario's name, in the order they run; `attached` names the first five at once.
const SCENARIOS: &[&str] = &[
    "attached-log",
    "attached-flood",
    "attached-echo",
    "attached-history",
    "attached-page",
    "flood",
    "history",
    "command",
    "sessions",
    "api",
];

fn main() {
    let exe = std::env::var_os("CCMUX_BENCH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ccmux")), PathBuf::from);
    let ccmux = Ccmux::detect(&exe).expect("ccmux --help");
    let exe = exe.canonicalize().expect("the ccmux binary exists");
    eprintln!("ccmux: {}", exe.display());
    let only = std::env::var("CCMUX_COMPARE_ONLY").unwrap_or_default();
    let chosen: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .collect();
    if let Some(unknown) = chosen
        .iter()
        .find(|o| **o != "attached" && !SCENARIOS.contains(o))
    {
        eprintln!("CCMUX_COMPARE_ONLY: no scenario {unknown:?}; there are attached, {SCENARIOS:?}");
        std::process::exit(2);
    }
    let run = |name: &str| {
        chosen.is_empty()
            || chosen.contains(&name)
            || (name.starts_with("attached-") && chosen.contains(&"attached"))
    };
    let flood = Flood::write().expect("write the flood's build log");
    let files = tempfile::tempdir().expect("a temporary directory");
    let history = files.path().join("history.log");
    std::fs::write(&history, headless_rows::history_log()).expect("write the history's lines");

    let mut rows = Vec::new();
    if run("attached-log") {
        rows.extend(attached_rows::log_rows(&ccmux, &flood));
    }
    if run("attached-flood") {
        rows.extend(attached_rows::flood_rows(&ccmux, &flood));
    }
    if run("attached-echo") {
        rows.extend(attached_rows::echo_rows(&ccmux));
    }
    if run("attached-history") {
        rows.extend(attached_rows::history_rows(&ccmux, &history));
    }
    if run("attached-page") {
        rows.extend(scroll_rows::page_rows(&ccmux, &history));
    }
    if run("flood") {
        rows.extend(headless_rows::flood_rows(&exe, &flood));
    }
    if run("history") {
        rows.push(headless_rows::history_row(&exe, &history));
    }
    if run("command") {
        rows.push(server_rows::round_trip_row(&exe));
    }
    if run("sessions") {
        rows.extend(server_rows::many_sessions_rows(&exe));
    }
    if run("api") {
        rows.push(server_rows::api_row(&exe, &flood));
    }
    table::print(&rows);
}
