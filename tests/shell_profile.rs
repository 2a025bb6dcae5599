//! The shell profile on a real interactive bash in a real PTY.

mod common;

use std::time::Duration;

use ccmux::session::event::EventKind;
use ccmux::session::{SessionState, TerminalSize};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_goes_ready_then_busy_and_idle_around_a_command() {
    let dir = scratch_dir();
    let manager = manager();
    let mut events = manager.subscribe();
    let session = manager
        .create_session(bash("sh", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("echo hello; echo world", WAIT)
        .await
        .unwrap();
    assert_eq!(result.output, "hello\nworld");
    assert_eq!(result.state, SessionState::Idle);

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EventKind::State(change) = event.kind {
            seen.push(change.to);
        }
    }
    use SessionState::*;
    assert_eq!(seen, vec![Ready, Busy, Idle]);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_command_times_out_busy_and_interrupt_stops_it() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("sleep", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("sleep 100", Duration::from_millis(800))
        .await
        .unwrap();
    assert!(result.timed_out);
    assert_eq!(result.state, SessionState::Busy);
    assert!(result.duration_ms >= 800);

    session.interrupt().await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    let after = session.send_command("echo still here", WAIT).await.unwrap();
    assert_eq!(after.output, "still here");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yes_no_question_is_waiting_input_until_answered() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("ask", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let asked = session
        .send_command(
            "read -p 'Delete everything? [y/N] ' a; echo answer=$a",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(asked.state, SessionState::WaitingInput);
    session.send_input("y\r").await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    wait_screen(&manager, &session, "answer=y").await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_a_command_stops_at_is_waiting_input_until_answered() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("questions", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    for question in [
        "Proceed (yes/no)? ",
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
        "Enter your name: ",
    ] {
        let asked = session
            .send_command(&format!("read -p '{question}' a; echo answer=$a"), WAIT)
            .await
            .unwrap();
        assert_eq!(asked.state, SessionState::WaitingInput, "{question:?}");
        session.send_input("ok\r").await.unwrap();
        wait_state(&session, SessionState::Idle).await;
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colon_typed_at_the_prompt_or_printed_in_passing_is_no_question() {
    let dir = scratch_dir();
    let manager = manager();
    let mut events = manager.subscribe();
    let session = manager
        .create_session(bash("colons", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("printf 'Compiling: '; sleep 0.1; echo done", WAIT)
        .await
        .unwrap();
    assert_eq!(result.state, SessionState::Idle);
    session.send_input("echo typed: ").await.unwrap();
    wait_screen(&manager, &session, "echo typed:").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(session.state(), SessionState::Idle);

    while let Ok(event) = events.try_recv() {
        if let EventKind::State(change) = event.kind {
            assert_ne!(change.to, SessionState::WaitingInput, "{change:?}");
        }
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resize_reaches_the_child_with_sigwinch() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("resize", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    assert_eq!(
        session
            .send_command("stty size", WAIT)
            .await
            .unwrap()
            .output,
        "40 120"
    );

    session
        .send_command("trap 'echo got-winch' WINCH", WAIT)
        .await
        .unwrap();
    session
        .resize(TerminalSize { cols: 90, rows: 25 })
        .await
        .unwrap();
    wait_screen(&manager, &session, "got-winch").await;
    assert_eq!(
        session.status().terminal_size,
        TerminalSize { cols: 90, rows: 25 }
    );
    assert_eq!(session.screen().cols, 90);
    wait_state(&session, SessionState::Idle).await;
    let size = session.send_command("stty size", WAIT).await.unwrap();
    assert_eq!(size.output, "25 90");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_output_never_blocks_keys() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("flood", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session
        .send_command("yes flood", Duration::from_millis(500))
        .await
        .unwrap();
    session.interrupt().await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    assert!(session.status().bytes_read > 100_000);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_child_gets_the_token_but_not_the_nesting_variables() {
    let dir = scratch_dir();
    let manager = manager();
    let mut config = bash("env", dir.path());
    config.auth_token = Some("sk-abcdef".into());
    let session = manager.create_session(config).await.unwrap();
    wait_state(&session, SessionState::Ready).await;
    let seen = session
        .send_command(
            "echo \"key=$ANTHROPIC_API_KEY nested=${CLAUDECODE:-no} term=$TERM\"",
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(seen.output, "key=sk-abcdef nested=no term=xterm-256color");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exit_code_is_recorded_when_the_shell_exits() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("exit", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let result = session.send_command("exit 7", WAIT).await.unwrap();
    assert_eq!(result.state, SessionState::Terminated);
    assert_eq!(session.status().exit_code, Some(7));
    assert!(session.status().state_reason.contains("exited with code 7"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_records_each_command_and_its_result() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("hist", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session.send_command("echo one", WAIT).await.unwrap();
    session.send_command("echo two", WAIT).await.unwrap();
    let history = session.history().await;
    let commands: Vec<&str> = history.iter().map(|r| r.command.as_str()).collect();
    assert_eq!(commands, vec!["echo one", "echo two"]);
    assert_eq!(history[1].result.as_ref().unwrap().output, "two");
    assert_eq!(session.status().commands_run, 2);
    manager.shutdown().await;
}
