//! The claude rules against the real Claude Code 2.1 screens (shared/claude-code-screens.md).

use super::*;
use crate::session::profile::Profile;

/// What the detector sees of `screen` with the cursor after `cursor_line`.
pub(super) fn obs(screen: &str, cursor_line: &str) -> ScreenView {
    let rows: Vec<&str> = screen.split('\n').collect();
    ScreenView::from_rows(&rows, cursor_line, "")
}

const RULE: &str = "────────────────────────────────────────────────────────────────";

fn screen(lines: &[&str]) -> String {
    lines.join("\n")
}

/// The verdict on a screen that stays as it is (a dialog is believed once it has settled).
pub(super) fn verdict_of(
    profile: Profile,
    text: &str,
    cursor_line: &str,
) -> Option<(Verdict, String)> {
    let start = Instant::now() - Duration::from_secs(10);
    let mut d = Detector::new(profile, start);
    let view = obs(text, cursor_line);
    let first = d.decide(&view, Instant::now());
    match first.recheck_at {
        Some(at) if first.verdict.is_none() => d.decide(&view, at).verdict,
        _ => first.verdict,
    }
}

fn claude(text: &str) -> Option<Verdict> {
    verdict_of(Profile::claude(), text, "").map(|(v, _)| v)
}

#[test]
fn claude_ready_screen_is_a_prompt() {
    let s = screen(&[
        " ▐▛███▛█   Claude Code v2.1.328",
        "▝▜██████▀  Opus 5.5 · API Usage Billing",
        " ▝▝   ▝▝   /tmp/project",
        "",
        RULE,
        "❯ ",
        RULE,
        "  ⏵⏵ auto mode on (shift+tab to cycle) · ← for agents",
    ]);
    assert_eq!(claude(&s), Some(Verdict::Prompt));
}

#[test]
fn claude_busy_screen_has_a_spinner_and_esc_to_interrupt() {
    let s = screen(&[
        "❯ please be SLOW",
        "✽ Tempering…",
        "  ⎿  Tip: Start small, ask Claude for a plan, and check its edits",
        RULE,
        "❯ ",
        RULE,
        "  ⏵⏵ auto mode on (shift+tab to cycle) · esc to interrupt",
    ]);
    let (v, reason) = verdict_of(Profile::claude(), &s, "").unwrap();
    assert_eq!(v, Verdict::Busy);
    assert_eq!(reason, "esc to interrupt");
}

#[test]
fn claude_permission_prompt_waits_for_input() {
    let s = screen(&[
        "● Creating a file",
        "  ⎿  $ touch created_by_tool.txt",
        RULE,
        " Bash command",
        " Do you want to proceed?",
        " ❯ 1. Yes",
        "   2. Yes, and always allow access to /tmp/project from this project",
        "   4. No",
        " Esc to cancel · Tab to amend",
    ]);
    assert_eq!(claude(&s), Some(Verdict::WaitingInput));
}

#[test]
fn claude_any_numbered_dialog_waits_for_input() {
    let s = screen(&[
        " Pick a theme",
        " ❯ 1. Dark",
        "   2. Light",
        " Esc to cancel",
    ]);
    assert_eq!(claude(&s), Some(Verdict::WaitingInput));
}

#[test]
fn claude_login_screens_are_authenticating() {
    let menu = screen(&[
        " Select login method:",
        " ❯ 1. Claude account with subscription",
        "   2. Anthropic Console account",
        "   3. 3rd-party platform",
        " Esc to cancel",
    ]);
    assert_eq!(claude(&menu), Some(Verdict::Authenticating));
    let footer = screen(&[RULE, "❯ ", RULE, "  Not logged in · run /login"]);
    assert_eq!(claude(&footer), Some(Verdict::Authenticating));
    // The same words in the transcript, above the input box, are a quote.
    let reply = screen(&[
        "❯ hi",
        "  ⎿  Not logged in · Please run /login",
        RULE,
        "❯ ",
        RULE,
    ]);
    assert_eq!(claude(&reply), Some(Verdict::Prompt));
}

#[test]
fn claude_startup_failure_is_an_error() {
    let s = "Unable to connect to Anthropic services\nFailed to connect to api.anthropic.com";
    assert_eq!(claude(s), Some(Verdict::Error));
}

#[test]
fn claude_banner_alone_is_not_yet_ready() {
    assert_eq!(claude(" ▐▛███▛█   Claude Code v2.1.328"), None);
}

#[test]
fn after_a_submission_an_unchanged_prompt_is_not_believed_until_settled() {
    let s = screen(&[RULE, "❯ ", RULE]);
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::claude(), t0);
    d.on_submit(t0);
    let view = obs(&s, "");
    let early = d.decide(&view, t0 + Duration::from_millis(100));
    assert_eq!(early.verdict, None);
    assert_eq!(early.recheck_at, Some(t0 + Profile::claude().settle));
    let late = d.decide(&view, t0 + Duration::from_secs(2));
    assert_eq!(late.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
}

#[test]
fn after_a_submission_a_prompt_counts_at_once_once_work_was_seen() {
    let busy = screen(&["✽ Tempering…", RULE, "❯ ", RULE, "esc to interrupt"]);
    let idle = screen(&[RULE, "❯ ", RULE]);
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::claude(), t0);
    d.on_submit(t0);
    let at = t0 + Duration::from_millis(50);
    let b = d.decide(&obs(&busy, ""), at);
    assert_eq!(b.verdict.map(|(v, _)| v), Some(Verdict::Busy));
    let i = d.decide(&obs(&idle, ""), at);
    assert_eq!(i.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
}

#[test]
fn shell_prompt_at_cursor_needs_quiet_output() {
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::shell(), t0);
    let view = obs("user@host:~$", "user@host:~$ ");
    assert_eq!(d.decide(&view, t0).verdict, None);
    let later = d.decide(&view, t0 + Duration::from_millis(200));
    assert_eq!(later.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
}

#[test]
fn shell_yes_no_question_waits_for_input() {
    let v = verdict_of(Profile::shell(), "", "Remove file? [y/N] ");
    assert_eq!(v.map(|(v, _)| v), Some(Verdict::WaitingInput));
}

#[test]
fn shell_yes_no_variants_with_a_question_mark_wait_for_input() {
    for line in [
        "Proceed (yes/no)? ",
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
        "Continue (y/n)? ",
    ] {
        let v = verdict_of(Profile::shell(), "", line);
        assert_eq!(v.map(|(v, _)| v), Some(Verdict::WaitingInput), "{line:?}");
    }
}

#[test]
fn shell_line_ending_in_a_colon_is_a_question_once_a_command_stalls_on_it() {
    let t0 = Instant::now();
    let view = obs("Enter your name:", "Enter your name: ");
    let mut idle = Detector::new(Profile::shell(), t0);
    assert_eq!(
        idle.decide(&view, t0 + Duration::from_secs(5)).verdict,
        None,
        "typed at the prompt, no command runs"
    );

    let mut running = Detector::new(Profile::shell(), t0);
    running.on_submit(t0);
    running.on_output(t0);
    let soon = running.decide(&view, t0 + Duration::from_millis(300));
    assert_eq!(soon.verdict, None, "output may still follow");
    assert_eq!(soon.recheck_at, Some(t0 + Duration::from_secs(1)));
    let stalled = running.decide(&view, t0 + Duration::from_secs(1));
    assert_eq!(
        stalled.verdict,
        Some((Verdict::WaitingInput, "question at cursor".to_string()))
    );
}

#[test]
fn generic_is_busy_while_output_flows_then_idle() {
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::generic(), t0);
    let view = obs("tick", "");
    let flowing = d.decide(&view, t0 + Duration::from_millis(10));
    assert_eq!(flowing.verdict.map(|(v, _)| v), Some(Verdict::Busy));
    assert_eq!(
        flowing.recheck_at,
        Some(t0 + Profile::generic().prompt_quiet)
    );
    let quiet = d.decide(&view, t0 + Duration::from_secs(1));
    assert_eq!(quiet.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
}

#[test]
fn claude_esc_to_interrupt_in_the_transcript_does_not_beat_the_input_box() {
    let s = screen(&[
        "❯ what does the footer say while you work?",
        "● It says esc to interrupt.",
        RULE,
        "❯ ",
        RULE,
        "  ⏵⏵ auto mode on (shift+tab to cycle) · ← for agents",
    ]);
    let (v, reason) = verdict_of(Profile::claude(), &s, "").unwrap();
    assert_eq!((v, reason.as_str()), (Verdict::Prompt, "input box"));
}

#[test]
fn claude_a_reply_asking_to_proceed_is_no_permission_dialog() {
    let s = screen(&["● Do you want to proceed?", RULE, "❯ ", RULE]);
    assert_eq!(claude(&s), Some(Verdict::Prompt));
}

#[test]
fn claude_a_spinner_in_the_title_is_busy_and_the_resting_mark_is_not() {
    let s = screen(&[RULE, "❯ ", RULE, "  ⏵⏵ auto mode on (shift+tab to cycle)"]);
    let rows: Vec<&str> = s.split('\n').collect();
    let decide = |title: &str| {
        let mut d = Detector::new(Profile::claude(), Instant::now() - Duration::from_secs(10));
        d.decide(&ScreenView::from_rows(&rows, "", title), Instant::now())
            .verdict
    };
    assert_eq!(
        decide("◐ Claude Code"),
        Some((Verdict::Busy, "working title".to_string()))
    );
    assert_eq!(
        decide("✳ Claude Code").map(|(v, _)| v),
        Some(Verdict::Prompt)
    );
}

#[test]
fn a_command_sent_after_an_error_is_not_ended_by_that_errors_old_text_before_its_echo() {
    let spec: crate::session::profile_spec::ProfileSpec =
        toml::from_str("based_on = 'shell'\nerror = ['it-broke']\n").unwrap();
    let t0 = Instant::now();
    let mut d = Detector::new(spec.to_profile("fails"), t0);
    let broke = obs("errs$ echo it-broke\nit-broke\nerrs$ ", "errs$ ");
    let verdict = |d: &mut Detector, at: Instant| d.decide(&broke, at).verdict.map(|(v, _)| v);
    assert_eq!(verdict(&mut d, t0), Some(Verdict::Error));
    // The next command's keys are written; the screen has not changed yet.
    d.on_submit(t0 + Duration::from_secs(1));
    assert_eq!(verdict(&mut d, t0 + Duration::from_millis(1010)), None);
}

#[test]
fn a_reported_error_gives_way_once_the_program_prints_more_unless_it_shows_again() {
    let spec: crate::session::profile_spec::ProfileSpec =
        toml::from_str("idle = ['(?m)^>>> $']\nerror = ['Traceback']\nquiet_ms = 0\n").unwrap();
    let t0 = Instant::now();
    let mut d = Detector::new(spec.to_profile("py"), t0);
    let crashed = obs(
        "Traceback (most recent call last):\nKeyError: 'x'\n>>> ",
        ">>> ",
    );
    let verdict = |d: &mut Detector, view: &ScreenView, at: Instant| {
        d.decide(view, at).verdict.map(|(v, _)| v)
    };
    assert_eq!(verdict(&mut d, &crashed, t0), Some(Verdict::Error));
    assert_eq!(
        verdict(&mut d, &crashed, t0 + Duration::from_secs(1)),
        Some(Verdict::Error),
        "nothing new was printed"
    );
    d.on_output(t0 + Duration::from_secs(2));
    let carried_on = obs(
        "Traceback (most recent call last):\nKeyError: 'x'\n>>> 1 + 1\n2\n>>> ",
        ">>> ",
    );
    assert_eq!(
        verdict(&mut d, &carried_on, t0 + Duration::from_secs(2)),
        Some(Verdict::Prompt)
    );
    d.on_output(t0 + Duration::from_secs(3));
    let again = obs(
        "Traceback (most recent call last):\nKeyError: 'x'\n>>> 1/0\nTraceback (most recent call last):\n>>> ",
        ">>> ",
    );
    assert_eq!(
        verdict(&mut d, &again, t0 + Duration::from_secs(3)),
        Some(Verdict::Error)
    );
}
/// A shell that was at `user@host:~$ ` when a command was submitted.
fn shell_at_prompt(t0: Instant) -> Detector {
    let mut d = Detector::new(Profile::shell(), t0);
    let prompt = obs("user@host:~$", "user@host:~$ ");
    let ready = d.decide(&prompt, t0 + Duration::from_millis(200));
    assert_eq!(ready.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
    d
}

#[test]
fn shell_prompt_back_after_a_commands_output_ends_it_without_waiting_for_quiet() {
    let t0 = Instant::now();
    let mut d = shell_at_prompt(t0);
    let submitted = t0 + Duration::from_secs(1);
    d.on_submit(submitted);
    let unchanged = "user@host:~$ ";
    assert!(!d.look_at_once(unchanged, false), "nothing printed yet");
    let printed = submitted + Duration::from_millis(2);
    d.on_output(printed);
    assert!(d.look_at_once(unchanged, false));
    let done = d.decide(
        &obs("user@host:~$ echo ok\nok\nuser@host:~$", unchanged),
        printed,
    );
    assert_eq!(
        done.verdict,
        Some((Verdict::Prompt, "prompt at cursor".to_string()))
    );
}

#[test]
fn shell_prompt_unlike_the_one_submitted_at_still_needs_quiet_output() {
    let t0 = Instant::now();
    let mut d = shell_at_prompt(t0);
    let submitted = t0 + Duration::from_secs(1);
    d.on_submit(submitted);
    d.on_output(submitted);
    let other = "user@host:/tmp$ ";
    assert!(!d.look_at_once(other, false));
    let view = obs("user@host:/tmp$", other);
    let early = d.decide(&view, submitted + Duration::from_millis(10));
    assert_eq!(early.verdict, None);
    let quiet = d.decide(&view, submitted + Profile::shell().prompt_quiet);
    assert_eq!(quiet.verdict.map(|(v, _)| v), Some(Verdict::Prompt));
}

#[test]
fn a_screen_prompt_is_looked_at_on_every_whole_frame_while_a_submission_runs() {
    let t0 = Instant::now();
    let mut d = Detector::new(Profile::claude(), t0);
    assert!(!d.look_at_once("❯ ", false), "no submission");
    d.on_submit(t0);
    assert!(d.look_at_once("", false));
    assert!(!d.look_at_once("", true), "half a frame");
}
