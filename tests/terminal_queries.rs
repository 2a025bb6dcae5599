//! Answers to terminal queries (DA, DSR, XTVERSION, …) reach a program that asked and waits,
//! and never a shell that reads them as a command line.

mod common;

use std::time::Duration;

use ccmux::session::SessionState;
use common::*;

/// What a shell prints when it ran a reply as a command, and the replies themselves.
const GARBAGE: [&str; 4] = ["command not found", "1;2c", "0n", ";1R"];

fn assert_no_garbage(screen: &str) {
    for garbage in GARBAGE {
        assert!(
            !screen.contains(garbage),
            "{garbage:?} on screen:\n{screen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_printed_by_a_shell_builtin_are_not_typed_into_the_shell() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("builtin", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let asked = session
        .send_command(r"printf '\033[c\033[6n\033[5n\033[>q'", WAIT)
        .await
        .unwrap();
    assert_eq!(asked.state, SessionState::Idle);

    the_next_command_runs_cleanly(&session).await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_in_the_output_of_a_running_command_are_not_answered() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("urandom", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    // Random bytes, then a reset (random bytes switch modes and charsets), then queries asked
    // while the terminal is still in the mode a shell runs commands in.
    let flood = r"head -c 2M /dev/urandom; printf '\033c\033[c\033[6n'; sleep 1";
    let done = session
        .send_command(flood, Duration::from_secs(120))
        .await
        .unwrap();
    assert!(!done.timed_out);

    the_next_command_runs_cleanly(&session).await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_in_raw_mode_that_asks_for_the_cursor_gets_its_answer() {
    let dir = scratch_dir();
    let manager = manager();
    let script = "import os, sys, tty\ntty.setraw(0)\nos.write(1, b'ab\\x1b[6n')\nreply = b''\nwhile not reply.endswith(b'R'):\n    reply += os.read(0, 1)\nos.write(1, b'\\r\\ngot ' + reply[1:] + b'\\r\\n')\nimport time; time.sleep(600)";
    let session = manager
        .create_session(python("dsr", dir.path(), script))
        .await
        .unwrap();
    wait_screen(&manager, &session, "got [1;3R").await;
    manager.shutdown().await;
}

/// No answer was typed into the shell: the next command runs as typed and the screen shows no
/// stray reply.
async fn the_next_command_runs_cleanly(session: &ccmux::session::Session) {
    let next = session
        .send_command("echo next-$((6*7))", WAIT)
        .await
        .unwrap();
    assert_eq!(next.output, "next-42");
    assert_eq!(next.state, SessionState::Idle);
    assert_no_garbage(&session.screen().lines.join("\n"));
}
