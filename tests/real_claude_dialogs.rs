//! Every dialog of the real Claude Code CLI through a real `ccmux serve` (so with its hooks),
//! offline against `fixtures/messages_api.py`. Opt-in:
//!
//! ```sh
//! CCMUX_REAL_CLAUDE=/path/to/claude [CCMUX_RUNS=10] [CCMUX_SAVE_RECORDINGS=1] \
//!     cargo test --test real_claude_dialogs -- --ignored --nocapture --test-threads 1
//! ```
//!
//! Per dialog and run it prints when the dialog was on screen and when ccmux said
//! `waiting_input` (both as polled through the API, every 10 ms), and whether a raw key sent
//! 300 ms after `waiting_input` was taken. With `CCMUX_SAVE_RECORDINGS=1` the first run of each
//! is kept with ccmux's own recorder as `tests/recordings/claude_NAME.cast`, with a reply that
//! quotes every dialog after it, for `tests/detect.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::real_cli::{Bench, Trust};
use serde_json::json;

/// One dialog and how to provoke it, recognise it on screen, and press a key in it.
struct Dialog {
    name: &'static str,
    mode: &'static str,
    trust: Trust,
    /// What to type to provoke it; `None`: it shows on start.
    prompt: Option<&'static str>,
    /// The dialog measured comes after another one, answered first (through `answer`).
    after_another: bool,
    /// On screen while it is up (checked on the screen's text).
    drawn: fn(&str) -> bool,
    /// The raw key sent 300 ms after `waiting_input`, and what the screen shows once taken.
    key: &'static str,
    taken: fn(&str) -> bool,
}

const DIALOGS: &[Dialog] = &[
    Dialog {
        name: "permission",
        mode: "default",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("use a TOOL please"),
        drawn: |s| s.contains("Do you want to proceed?"),
        key: "\r",
        taken: |s| !s.contains("Do you want to proceed?"),
    },
    Dialog {
        name: "two_permissions",
        mode: "default",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("use TWO TOOLS please"),
        drawn: |s| s.contains("Do you want to proceed?"),
        key: "\r",
        taken: |s| s.contains("touch second.txt") || !s.contains("Do you want to proceed?"),
    },
    Dialog {
        name: "second_permission",
        mode: "default",
        trust: Trust::Accepted,
        after_another: true,
        prompt: Some("use TWO TOOLS please"),
        drawn: |s| s.contains("touch second.txt") && s.contains("Do you want to proceed?"),
        key: "\r",
        taken: |s| !s.contains("Do you want to proceed?"),
    },
    Dialog {
        name: "question",
        mode: "default",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("ASK please"),
        drawn: |s| s.contains("Chat about this"),
        key: "1",
        taken: |s| !s.contains("Chat about this"),
    },
    Dialog {
        name: "questions",
        mode: "default",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("ASK2 please"),
        drawn: |s| s.contains("Chat about this"),
        key: "1",
        taken: |s| s.contains("☒ Library"),
    },
    Dialog {
        name: "plan_approval",
        mode: "plan",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("PLAN please"),
        drawn: |s| s.contains("Would you like to proceed?"),
        key: "\x1b",
        taken: |s| !s.contains("Would you like to proceed?"),
    },
    Dialog {
        name: "exit_plan_mode",
        mode: "plan",
        trust: Trust::Accepted,
        after_another: false,
        prompt: Some("EXITPLAN please"),
        drawn: |s| s.contains("Exit plan mode?"),
        key: "\x1b",
        taken: |s| !s.contains("Exit plan mode?"),
    },
    Dialog {
        name: "trust",
        mode: "default",
        trust: Trust::NotYet,
        after_another: false,
        prompt: None,
        drawn: |s| s.contains("Quick safety check"),
        key: "\x1b[B",
        taken: |s| s.contains("❯ Yes, I trust this folder"),
    },
];

/// One run: when the dialog showed, when ccmux said `waiting_input` (ms after the prompt),
/// why, and whether the raw key was taken.
#[derive(Debug)]
struct Run {
    drawn_ms: u128,
    waiting_ms: u128,
    reason: String,
    input_since: bool,
    taken: bool,
}

fn provoke(bench: &Bench, id: u64, dialog: &Dialog) -> Run {
    if let Some(prompt) = dialog.prompt {
        bench.type_line(id, prompt);
    }
    if dialog.after_another {
        bench.wait(id, "the first dialog", |i| i["state"] == "waiting_input");
        let path = format!("/api/v1/sessions/{id}/answer");
        let (status, body) = bench
            .server
            .call("POST", &path, Some(json!({"choice": "yes"})));
        assert_eq!(status, 200, "{body}");
    }
    let t0 = Instant::now();
    let (mut drawn, mut waiting) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    let info = loop {
        let info = bench.get(id);
        let now = t0.elapsed().as_millis();
        if drawn.is_none() && (dialog.drawn)(&bottom(&bench.screen(id))) {
            drawn = Some(now);
        }
        if waiting.is_none() && info["state"] == "waiting_input" {
            waiting = Some(now);
        }
        if let (Some(_), Some(_)) = (drawn, waiting) {
            break info;
        }
        assert!(
            Instant::now() < deadline,
            "{}: {info}\n{}",
            dialog.name,
            bench.screen(id)
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_millis(300));
    bench.keys(id, dialog.key);
    let deadline = Instant::now() + Duration::from_secs(3);
    let taken = loop {
        if (dialog.taken)(&bench.screen(id)) {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        drawn_ms: drawn.unwrap(),
        waiting_ms: waiting.unwrap(),
        reason: info["state_reason"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        input_since: info["input_since"].is_string(),
        taken,
    }
}

/// The screen's last 14 rows with text: where a live dialog is drawn. The reply of an earlier
/// run that quotes every dialog sits higher up, and must not count as one drawn.
fn bottom(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    rows[rows.len().saturating_sub(14)..].join("\n")
}

/// Back to the input box after a run: whatever is left of the dialogs is cancelled.
fn settle(bench: &Bench, id: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while bench.get(id)["state"] != "idle" {
        if bench.get(id)["state"] == "waiting_input" {
            std::thread::sleep(Duration::from_millis(400));
            bench.keys(id, "\x1b");
        }
        assert!(
            Instant::now() < deadline,
            "never idle again:\n{}",
            bench.screen(id)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings")
}

fn keep(bench: &Bench, id: u64, name: &str) {
    if std::env::var("CCMUX_SAVE_RECORDINGS").is_ok() {
        let file = recordings().join(format!("claude_{name}.cast"));
        std::fs::write(&file, bench.recording(id)).unwrap();
        println!("kept {}", file.display());
    }
}

#[test]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
fn every_real_dialog_is_waiting_input_once_it_takes_keys() {
    let runs: usize = std::env::var("CCMUX_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let mut bench = Bench::new();
    let mut table = Vec::new();
    for dialog in DIALOGS {
        let mut results = Vec::new();
        let mut id = bench.start(
            &format!("{}-0", dialog.name),
            dialog.mode,
            dialog.trust,
            &[],
        );
        for run in 0..runs {
            if run > 0 && dialog.trust == Trust::NotYet {
                bench.end(id);
                id = bench.start(
                    &format!("{}-{run}", dialog.name),
                    dialog.mode,
                    dialog.trust,
                    &[],
                );
            }
            let result = provoke(&bench, id, dialog);
            println!("{} run {run}: {result:?}", dialog.name);
            results.push(result);
            if dialog.trust == Trust::Accepted {
                settle(&bench, id);
            }
            if run == 0 && !dialog.after_another {
                if dialog.trust == Trust::Accepted {
                    bench.type_line(id, "QUOTE please");
                    bench.wait(id, "the quoting reply", |i| i["state"] == "idle");
                    std::thread::sleep(Duration::from_secs(1));
                }
                keep(&bench, id, dialog.name);
            }
        }
        bench.end(id);
        table.push((dialog.name, results));
    }
    println!(
        "\n| dialog | runs | state | waiting_input after drawn (ms, min/median/max) | raw key at +300 ms taken |"
    );
    println!("|---|---|---|---|---|");
    for (name, results) in &table {
        let mut lag: Vec<i128> = results
            .iter()
            .map(|r| r.waiting_ms as i128 - r.drawn_ms as i128)
            .collect();
        lag.sort_unstable();
        let taken = results.iter().filter(|r| r.taken).count();
        let reasons: Vec<&str> = results.iter().map(|r| r.reason.as_str()).collect();
        println!(
            "| {name} | {} | waiting_input ({}) | {}/{}/{} | {taken}/{} |",
            results.len(),
            reasons[0],
            lag[0],
            lag[lag.len() / 2],
            lag[lag.len() - 1],
            results.len()
        );
        assert!(results.iter().all(|r| r.input_since), "{name}: {results:?}");
    }
    for (name, results) in &table {
        assert!(results.iter().all(|r| r.taken), "{name}: {results:?}");
    }
}

/// The busy, idle and error screens recorded the same way: /compact, one Ctrl-C, an API
/// key's usage limit, and an API error retried then given up on.
#[test]
#[ignore = "needs the real Claude Code: set CCMUX_REAL_CLAUDE to its path"]
fn real_busy_idle_and_error_screens_are_recorded() {
    let bench = Bench::new();
    let mut states = Vec::new();
    let mut bench = bench;
    let id = bench.start("compact", "default", Trust::Accepted, &[]);
    bench.type_line(id, "hello");
    bench.wait(id, "the reply", |i| i["state"] == "idle");
    bench.type_line(id, "/compact");
    let busy = bench.wait(id, "compacting", |i| i["state"] == "busy");
    states.push(("/compact", busy["state_reason"].clone()));
    bench.wait(id, "compacted", |i| i["state"] == "idle");
    std::thread::sleep(Duration::from_millis(500));
    bench.keys(id, "\x03");
    std::thread::sleep(Duration::from_millis(300));
    assert!(bench.screen(id).contains("Press Ctrl-C again to exit"));
    states.push(("Ctrl-C once", bench.get(id)["state"].clone()));
    std::thread::sleep(Duration::from_secs(2));
    keep(&bench, id, "compact_ctrl_c");
    bench.end(id);

    let id = bench.start("limit", "default", Trust::Accepted, &[]);
    bench.type_line(id, "LIMIT please");
    let limited = bench.wait(id, "the limit", |i| i["state"] == "waiting_input");
    states.push(("usage limit", limited["state_reason"].clone()));
    keep(&bench, id, "usage_limit");
    bench.end(id);

    let id = bench.start(
        "fail",
        "default",
        Trust::Accepted,
        &[("CLAUDE_CODE_MAX_RETRIES", "2")],
    );
    bench.type_line(id, "FAIL please");
    let retrying = bench.wait(id, "retrying", |i| {
        i["state_reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("API error, retrying")
    });
    states.push(("API error retried", retrying["state_reason"].clone()));
    let failed = bench.wait(id, "the error", |i| i["state"] == "error");
    states.push(("API error final", failed["state_reason"].clone()));
    keep(&bench, id, "api_error");
    bench.end(id);
    for (what, state) in states {
        println!("{what}: {state}");
    }
}
