//! Every dialog of Claude Code 2.1.332 by its shape and place, as captured offline from the
//! real CLI (see tests/recordings/claude_*.cast for the same screens on their real timeline),
//! and the same texts quoted in a reply, which stay idle.

use super::tests::{obs, verdict_of};
use super::*;
use crate::session::profile::Profile;

const RULE: &str = "────────────────────────────────────────────────────────────────";
const BOX: &str = "❯ \n────────────────────────────────────────────────────────────────\n  ⏸ manual mode on · ? for shortcuts";

fn claude(lines: &[&str]) -> (Verdict, String) {
    verdict_of(Profile::claude(), &lines.join("\n"), "").expect("a verdict")
}

fn waiting(reason: &str) -> (Verdict, String) {
    (Verdict::WaitingInput, reason.to_string())
}

#[test]
fn the_folder_trust_question_is_a_dialog() {
    let got = claude(&[
        RULE,
        " Accessing workspace:",
        "",
        " /tmp/project",
        "",
        " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source",
        " project, or work from your team). If not, take a moment to review what's in this folder first.",
        "",
        " ❯ No, exit",
        "   Yes, I trust this folder",
        "",
        " Enter to confirm · Esc to cancel",
    ]);
    assert_eq!(got, waiting("folder trust"));
}

#[test]
fn permission_plan_and_exit_plan_dialogs_are_dialogs() {
    let dashes = "╌".repeat(60);
    let permission = claude(&[
        "● Creating the first file",
        "  ⎿  $ touch first.txt",
        RULE,
        " Bash command",
        " Create the first file",
        &dashes,
        " touch first.txt",
        &dashes,
        " Do you want to proceed?",
        " ❯ 1. Yes",
        "   2. Yes, and always allow access to /tmp/project from this project",
        "   4. No",
        " Esc to cancel · Tab to amend",
    ]);
    assert_eq!(permission, waiting("permission prompt"));
    let plan = claude(&[
        "   Ready to code?",
        "   Here is Claude's plan:",
        "   1. Create notes.txt",
        RULE,
        "   Claude has written up a plan and is ready to execute. Would you like to proceed?",
        "   ❯ 1. Yes, and use auto mode",
        "     2. Yes, manually approve edits",
        "     3. Tell Claude what to change",
        "        shift+tab to approve with this feedback",
        "   ctrl+g to edit in Vim · ~/.claude/plans/plan.md",
    ]);
    assert_eq!(plan, waiting("plan approval"));
    let exit = claude(&[
        RULE,
        "   Exit plan mode?",
        "   Claude wants to exit plan mode",
        "   ❯ 1. Yes, and switch to default (ask each time) for this session",
        "     2. No",
    ]);
    assert_eq!(exit, waiting("exit plan mode"));
}

const QUESTION_1: &[&str] = &[
    "❯ ASK2 please",
    RULE,
    "←  ☐ Library  ☐ Tests  ✔ Submit  →",
    "Which library should we use for dates?",
    "❯ 1. date-fns",
    "     Small and modular",
    "  2. Luxon",
    "  3. Type something.",
    RULE,
    "  4. Chat about this",
    "Enter to select · Tab/Arrow keys to navigate · Esc to cancel",
    "",
];

#[test]
fn each_question_of_ask_user_question_is_a_dialog_of_its_own() {
    assert_eq!(claude(QUESTION_1), waiting("question"));
    let second: Vec<String> = QUESTION_1
        .iter()
        .map(|l| {
            l.replace("☐ Library", "☒ Library")
                .replace("dates", "tests")
        })
        .collect();
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let mut d = Detector::new(Profile::claude(), Instant::now());
    let t0 = Instant::now();
    let settle = Profile::claude().dialog_settle;
    let seen = |d: &mut Detector, lines: &[&str], at| d.decide(&obs(&lines.join("\n"), ""), at);
    assert_eq!(
        seen(&mut d, QUESTION_1, t0).verdict,
        None,
        "not before it settled"
    );
    let first = seen(&mut d, QUESTION_1, t0 + settle);
    let next = seen(&mut d, &second, t0 + settle * 2);
    assert_eq!(next.verdict, None, "the next question settles too");
    let next = seen(&mut d, &second, t0 + settle * 3);
    assert!(first.dialog.is_some() && next.dialog.is_some());
    assert_ne!(first.dialog, next.dialog);
    let review = claude(&[
        RULE,
        "←  ☒ Library  ☒ Tests  ✔ Submit  →",
        "Review your answers",
        " ● Which library should we use for dates?",
        "   → Luxon",
        "❯ 1. Submit answers",
        "  2. Cancel",
    ]);
    assert_eq!(review, waiting("question review"));
}

#[test]
fn a_dialog_is_believed_once_it_has_been_drawn_for_the_settle_time() {
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::claude(), t0);
    let view = obs(&QUESTION_1.join("\n"), "");
    let early = d.decide(&view, t0);
    assert_eq!(early.verdict, None);
    assert_eq!(early.recheck_at, Some(t0 + Duration::from_millis(150)));
    let late = d.decide(&view, t0 + Duration::from_millis(150));
    assert_eq!(late.verdict, Some(waiting("question")));
}

#[test]
fn a_reply_quoting_every_dialog_busy_and_login_text_is_idle() {
    let quote = [
        "❯ QUOTE please",
        "● Here is what the dialogs look like:",
        "  Do you want to proceed?",
        "  ❯ 1. Yes",
        "    2. No",
        "  Esc to cancel · Tab to amend",
        "  Would you like to proceed?",
        "  ❯ 1. Yes, and use auto mode",
        "  ctrl+g to edit in Vim",
        "  Quick safety check: Is this a project you created or one you trust?",
        "  ❯ No, exit",
        "    Yes, I trust this folder",
        "  Enter to confirm · Esc to cancel",
        "  ☐ Library",
        "  ❯ 1. date-fns",
        "    2. Type something.",
        "  Enter to select · ↑/↓ to navigate · Esc to cancel",
        "  ✻ Tempering… (esc to interrupt)",
        "  Compacting conversation…",
        "  Not logged in · Please run /login",
        "  Select login method:",
        "  You've hit your session limit · resets 3pm",
        "  API Error: 529 Overloaded · Retrying in 5 seconds… (attempt 2/10)",
        "  Press Ctrl-C again to exit",
        "✻ Brewed for 0s · done 1:36 AM",
        RULE,
        BOX,
    ];
    assert_eq!(claude(&quote), (Verdict::Prompt, "input box".to_string()));
}

#[test]
fn a_usage_limit_waits_and_says_when_it_resets() {
    let limit = |line: &str| {
        let text = format!("❯ go on\n{line}\n\n{RULE}\n{BOX}");
        let t0 = Instant::now();
        let mut d = Detector::new(Profile::claude(), t0);
        d.decide(&obs(&text, ""), t0);
        d.decide(&obs(&text, ""), t0 + Duration::from_secs(1))
    };
    let got = limit("  ⎿  You've hit your session limit · resets 12:50am (America/Los_Angeles)");
    assert_eq!(
        got.verdict,
        Some(waiting(
            "usage limit · resets 12:50am (America/Los_Angeles)"
        ))
    );
    assert_eq!(got.resets.as_deref(), Some("12:50am (America/Los_Angeles)"));
    let got = limit("● 5-hour limit reached - resets 3pm");
    assert_eq!(got.verdict, Some(waiting("usage limit · resets 3pm")));
    let got = limit("● Claude AI usage limit reached|1795690000");
    assert_eq!(got.resets.as_deref(), Some("1795690000"));
    let got = limit("● API Error: Request rejected (429) · usage limit reached");
    assert_eq!(got.verdict, Some(waiting("usage limit")));
    // Once the user wrote on, the limit is history.
    let text = format!("● 5-hour limit reached - resets 3pm\n❯ continue\n● Done.\n{RULE}\n{BOX}");
    let mut d = Detector::new(Profile::claude(), Instant::now());
    let later = d.decide(&obs(&text, ""), Instant::now() + Duration::from_secs(1));
    assert_eq!(later.verdict.map(|v| v.0), Some(Verdict::Prompt));
}

#[test]
fn api_errors_being_retried_are_busy_and_a_final_one_is_an_error() {
    let retrying = claude(&[
        "❯ FAIL please",
        "✻ Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED) · retrying in 8s · attempt 6/10",
        RULE,
        "❯ ",
        RULE,
        "  ⏸ manual mode on · esc to interrupt",
    ]);
    assert_eq!(
        retrying,
        (
            Verdict::Busy,
            "API error, retrying (attempt 6/10): Connection refused — a firewall or proxy may be \
             blocking it (ECONNREFUSED)"
                .to_string()
        )
    );
    let failed = claude(&[
        "❯ FAIL please",
        "● API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment. If it",
        "  persists, check your inference gateway (127.0.0.1:45273).",
        RULE,
        "❯ Resend your message to try again",
        RULE,
        "  ⏸ manual mode on · ? for shortcuts",
    ]);
    assert_eq!(failed.0, Verdict::Error);
    assert!(
        failed.1.starts_with("API error: 529 Overloaded."),
        "{}",
        failed.1
    );
}

#[test]
fn press_ctrl_c_again_keeps_the_prompt_idle() {
    let got = claude(&["● Done.", RULE, "❯ ", RULE, "  Press Ctrl-C again to exit"]);
    assert_eq!(got, (Verdict::Prompt, "input box".to_string()));
}
