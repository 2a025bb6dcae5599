//! The claude profile driven end to end on the Claude Code fixture, through real PTYs.

mod common;

use std::time::Duration;

use ccmux::session::event::EventKind;
use ccmux::session::{Ending, SessionError, SessionState};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_goes_ready_busy_idle_and_returns_the_reply() {
    let dir = scratch_dir();
    let manager = manager();
    let mut events = manager.subscribe();
    let session = manager
        .create_session(claude("turn", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("say hello from the fixture", WAIT)
        .await
        .unwrap();
    assert_eq!(result.output, "hello from the fixture");
    assert_eq!(result.state, SessionState::Idle);
    assert!(!result.timed_out);

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EventKind::State(change) = event.kind {
            seen.push(change.to);
        }
    }
    use SessionState::*;
    assert_eq!(seen, vec![Ready, Busy, Idle]);
    assert!(session.status().state_reason.contains("input box"));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_line_reply_keeps_its_lines_and_drops_the_chrome() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("lines", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let result = session
        .send_command("say first line\nsecond line", WAIT)
        .await
        .unwrap();
    assert_eq!(result.output, "first line\n  second line");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_command_is_submitted_not_left_as_a_paste() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("paste", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let long = format!("say {}", "x".repeat(300));
    let result = session.send_command(long, WAIT).await.unwrap();
    assert_eq!(result.state, SessionState::Idle);
    assert!(result.output.starts_with("xxxx"), "{}", result.output);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_prompt_is_waiting_input_and_enter_accepts_it() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("perm", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("create a file, with permission", WAIT)
        .await
        .unwrap();
    assert_eq!(result.state, SessionState::WaitingInput);
    assert!(session.status().state_reason.contains("permission prompt"));

    // A dialog drops keys for its first 100 ms, as Claude Code's does.
    tokio::time::sleep(ccmux::session::dialog::KEY_GUARD).await;
    session.send_input("\r").await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    assert!(dir.path().join("created_by_tool.txt").exists());
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_interrupts_a_busy_turn() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("esc", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;

    let result = session
        .send_command("please be slow", Duration::from_millis(1500))
        .await
        .unwrap();
    assert!(result.timed_out);
    assert_eq!(result.state, SessionState::Busy);
    assert!(session.status().state_reason.contains("esc to interrupt"));

    session.interrupt().await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    wait_screen(&manager, &session, "Interrupted").await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_while_busy_is_refused_with_a_typed_error() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("refuse", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session
        .send_command("please be slow", Duration::from_millis(300))
        .await
        .unwrap();
    let err = session.send_command("another", WAIT).await.unwrap_err();
    assert_eq!(err, SessionError::NotAcceptingCommands(SessionState::Busy));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_session_is_authenticating() {
    let dir = scratch_dir();
    let manager = manager();
    let mut config = claude("nokey", dir.path());
    config.auth_token = None;
    config
        .environment
        .insert("ANTHROPIC_API_KEY".into(), String::new());
    let session = manager.create_session(config).await.unwrap();
    wait_state(&session, SessionState::Authenticating).await;
    assert!(session.status().state_reason.contains("not logged in"));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_menu_is_authenticating_and_esc_leaves_it() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("login", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let result = session.send_command("/login", WAIT).await.unwrap();
    assert_eq!(result.state, SessionState::Authenticating);
    session.send_input("\x1b").await.unwrap();
    wait_state(&session, SessionState::Idle).await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_quits_and_the_session_is_terminated_with_its_code() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("exit", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let result = session.send_command("/exit", WAIT).await.unwrap();
    assert_eq!(result.state, SessionState::Terminated);
    assert_eq!(session.status().exit_code, Some(0));
    assert!(
        session
            .screen()
            .lines
            .join("\n")
            .contains("claude --resume")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_twice_quits_claude() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("ctrlc", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session.send_input("\x03").await.unwrap();
    wait_screen(&manager, &session, "Press Ctrl-C again to exit").await;
    session.send_input("\x03").await.unwrap();
    wait_state(&session, SessionState::Terminated).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_startup_failure_message_is_an_error_state() {
    let dir = scratch_dir();
    let manager = manager();
    let mut config = claude("err", dir.path());
    config.command = [
        "sh",
        "-c",
        "echo 'Unable to connect to Anthropic services'; sleep 30",
    ]
    .map(String::from)
    .to_vec();
    let session = manager.create_session(config).await.unwrap();
    wait_state(&session, SessionState::Error).await;
    let info = session.terminate(Ending::Graceful).await;
    assert_eq!(info.status.state, SessionState::Terminated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_queries_are_answered_so_the_program_does_not_hang() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(claude("da1", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let screen = session.screen().lines.join("\n");
    assert!(!screen.contains("did not answer"), "{screen}");
    manager.shutdown().await;
}
