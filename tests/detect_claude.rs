//! `ccmux detect` over the real Claude Code 2.1.332's dialogs, recorded offline with ccmux's
//! own recorder by `tests/real_claude_dialogs.rs` (`CCMUX_SAVE_RECORDINGS=1`): each dialog is
//! `waiting_input` once it has been drawn for the profile's settle time (when Claude Code
//! takes keys), not before; the reply quoting every dialog after it stays idle; /compact is
//! busy, one Ctrl-C stays idle, a usage limit waits, an API error retried is busy and a final
//! one is an error. No Claude Code needed.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ccmux::recording::asciicast::{EventKind, read_file};
use ccmux::session::probe::Probe;
use ccmux::session::profile::Profile;
use common::server::{detect, detect_timed};

fn recording(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/recordings/claude_{name}.cast"))
}

/// Seconds into `name`'s recording at which its screen first shows `text`.
fn drawn_at(name: &str, text: &str) -> f64 {
    let recording = read_file(&recording(name)).unwrap();
    let mut screen = Probe::new(Profile::generic(), recording.header.size());
    for event in &recording.events {
        if let EventKind::Output(bytes) = &event.kind {
            screen.feed(bytes.as_bytes());
            if screen.terminal().text().contains(text) {
                return event.time;
            }
        }
    }
    panic!("{name}: `{text}` never shows");
}

/// A recording's name, the text its dialog shows, the rule that reads it, and the states
/// after the dialog (before the quoting turn).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const TURN: [(&str, &str); 2] = [("busy", "working title"), ("idle", "input box")];

#[test]
fn each_real_dialog_waits_for_input_once_it_takes_keys_and_its_quote_stays_idle() {
    // Ready, the turn that asks, the dialog, the key pressed in it (run on or cancelled), and
    // the turn whose reply quotes every dialog: busy, then idle.
    let dialogs: &[Case] = &[
        (
            "permission",
            "Do you want to proceed?",
            "permission prompt",
            &[("busy", "working title"), ("idle", "input box")],
        ),
        (
            "two_permissions",
            "Do you want to proceed?",
            "permission prompt",
            &[
                ("busy", "working title"),
                ("waiting_input", "permission prompt"),
                ("idle", "input box"),
            ],
        ),
        (
            "question",
            "Chat about this",
            "question",
            &[("busy", "working title"), ("idle", "input box")],
        ),
        (
            "questions",
            "Chat about this",
            "question",
            &[("idle", "input box")],
        ),
        (
            "plan_approval",
            "Would you like to proceed?",
            "plan approval",
            &[("idle", "input box")],
        ),
        (
            "exit_plan_mode",
            "Exit plan mode?",
            "exit plan mode",
            &[("idle", "input box")],
        ),
    ];
    for (name, text, rule, after) in dialogs {
        let timeline = detect_timed(&recording(name));
        let steps: Vec<(&str, &str)> = timeline
            .iter()
            .map(|(_, s, r)| (s.as_str(), r.as_str()))
            .collect();
        let mut want = vec![("ready", "input box"), ("busy", "working title")];
        want.push(("waiting_input", rule));
        want.extend_from_slice(after);
        want.extend_from_slice(&TURN);
        assert_eq!(steps, want, "{name}");
        let waiting = timeline[2].0;
        let drawn = drawn_at(name, text);
        let settle = Profile::claude().dialog_settle.as_secs_f64();
        assert!(
            waiting + 0.001 >= drawn + settle && waiting < drawn + settle + 0.1,
            "{name}: drawn at {drawn:.3} s, waiting_input at {waiting:.3} s"
        );
    }
}

#[test]
fn the_folder_trust_question_waits_for_input_once_it_takes_keys() {
    let timeline = detect_timed(&recording("trust"));
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    let (waiting, state, reason) = &timeline[0];
    assert_eq!(
        (state.as_str(), reason.as_str()),
        ("waiting_input", "folder trust")
    );
    let drawn = drawn_at("trust", "Quick safety check");
    let settle = Duration::from_millis(150).as_secs_f64();
    assert!(
        *waiting + 0.001 >= drawn + settle,
        "drawn {drawn}, waiting {waiting}"
    );
}

#[test]
fn compact_is_busy_one_ctrl_c_stays_idle_and_limits_and_errors_say_so() {
    let steps = |name: &str| detect(&recording(name));
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(s, r)| (s.to_string(), r.to_string()))
            .collect()
    };
    // "hello", then /compact (busy while compacting), then one Ctrl-C: still idle.
    let mut want = vec![("ready", "input box")];
    want.extend_from_slice(&TURN);
    want.extend_from_slice(&TURN);
    assert_eq!(steps("compact_ctrl_c"), pairs(&want));
    assert_eq!(
        steps("usage_limit"),
        pairs(&[
            ("ready", "input box"),
            ("busy", "working title"),
            ("waiting_input", "usage limit"),
        ])
    );
    let failed = steps("api_error");
    assert_eq!(failed[2].0, "error", "{failed:?}");
    assert!(
        failed[2].1.starts_with("API error: 529 Overloaded."),
        "{failed:?}"
    );
}
