//! Starting and ending sessions: nothing half-made, nothing left behind.

mod common;

use std::time::{Duration, Instant};

use ccmux::manager::{Manager, ManagerConfig, ManagerError};
use ccmux::session::{Ending, SessionConfig, SessionError, SessionState};
use common::*;

fn sleeper(task_name: &str, dir: &std::path::Path) -> SessionConfig {
    SessionConfig::new(task(task_name), dir).with_command(["sleep", "600"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_kills_a_grandchild_that_ignores_hangup() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("trap", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session
        .send_command("(trap '' HUP; exec sleep 60) & echo started", WAIT)
        .await
        .unwrap();
    let pid = session.pid();
    assert!(
        session_processes(pid).len() >= 2,
        "the background sleep should be running"
    );

    let started = Instant::now();
    let info = manager
        .terminate(session.id(), Ending::Graceful)
        .await
        .unwrap();
    assert_eq!(info.status.state, SessionState::Terminated);
    assert_eq!(session_processes(pid), Vec::<i32>::new());
    // Polite hangup, grace period, then SIGKILL for the one that ignored it.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_terminate_skips_the_grace_period() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("force", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    session.send_command("trap '' HUP", WAIT).await.unwrap();
    let started = Instant::now();
    manager
        .terminate(session.id(), Ending::Forced)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(session_processes(session.pid()), Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_program_is_a_clear_error_and_no_session() {
    let dir = scratch_dir();
    let manager = manager();
    let config =
        SessionConfig::new(task("missing"), dir.path()).with_command(["no-such-program-xyz"]);
    let workspace = config.workspace.clone();
    let err = manager.create_session(config).await.unwrap_err();
    assert_eq!(
        err,
        ManagerError::Session(SessionError::ProgramNotFound("no-such-program-xyz".into()))
    );
    assert_eq!(
        err.to_string(),
        "`no-such-program-xyz` was not found on PATH"
    );
    assert!(manager.list().is_empty());
    assert!(manager.find_task(&workspace, &task("missing")).is_none());
    // The task id is free again.
    let ok = manager
        .create_session(sleeper("missing", dir.path()))
        .await
        .unwrap();
    manager.terminate(ok.id(), Ending::Forced).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_project_path_is_a_clear_error_and_no_session() {
    let dir = scratch_dir();
    let gone = dir.path().join("nowhere");
    let manager = manager();
    let err = manager
        .create_session(sleeper("nowhere", &gone))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert!(manager.list().is_empty());
    assert_eq!(manager.stats().created_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_executable_is_refused() {
    let dir = scratch_dir();
    let script = dir.path().join("plain.txt");
    std::fs::write(&script, "hello").unwrap();
    let manager = manager();
    let config = SessionConfig::new(task("plain"), dir.path())
        .with_command([script.to_string_lossy().into_owned()]);
    let err = manager.create_session(config).await.unwrap_err();
    assert!(err.to_string().contains("is not executable"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_has_one_live_session_at_a_time() {
    let dir = scratch_dir();
    let manager = manager();
    let first = manager
        .create_session(sleeper("dup", dir.path()))
        .await
        .unwrap();
    let err = manager
        .create_session(sleeper("dup", dir.path()))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ManagerError::TaskConflict {
            workspace: first.workspace().clone(),
            task_id: task("dup"),
            session_id: first.id()
        }
    );
    manager.terminate(first.id(), Ending::Forced).await.unwrap();
    let second = manager
        .create_session(sleeper("dup", dir.path()))
        .await
        .unwrap();
    assert_ne!(second.id(), first.id());
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_limit_counts_live_sessions() {
    let dir = scratch_dir();
    let manager = Manager::new(ManagerConfig {
        max_sessions: 2,
        ..ManagerConfig::default()
    })
    .expect("the manager starts");
    let a = manager
        .create_session(sleeper("a", dir.path()))
        .await
        .unwrap();
    manager
        .create_session(sleeper("b", dir.path()))
        .await
        .unwrap();
    let err = manager
        .create_session(sleeper("c", dir.path()))
        .await
        .unwrap_err();
    assert_eq!(err, ManagerError::TooManySessions(2));
    manager.terminate(a.id(), Ending::Forced).await.unwrap();
    manager
        .create_session(sleeper("c", dir.path()))
        .await
        .unwrap();
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_terminated_after_the_idle_timeout() {
    let dir = scratch_dir();
    let manager = Manager::new(ManagerConfig {
        idle_timeout: Some(Duration::from_millis(700)),
        ..ManagerConfig::default()
    })
    .expect("the manager starts");
    let session = manager
        .create_session(bash("idle", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    wait_state(&session, SessionState::Terminated).await;
    let (log, _) = session.output(0, 1000).await;
    assert!(
        log.iter()
            .any(|e| e.content.contains("→ terminating: idle for 0.7s")),
        "{log:#?}"
    );
    assert_eq!(session_processes(session.pid()), Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_session_is_not_idle_timed_out() {
    let dir = scratch_dir();
    let manager = Manager::new(ManagerConfig {
        idle_timeout: Some(Duration::from_millis(500)),
        ..ManagerConfig::default()
    })
    .expect("the manager starts");
    let session = manager
        .create_session(bash("busy", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let result = session
        .send_command("sleep 2; echo done", WAIT)
        .await
        .unwrap();
    assert_eq!(result.output, "done");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_every_session_and_refuses_new_ones() {
    let dir = scratch_dir();
    let manager = manager();
    let mut pids = Vec::new();
    for name in ["one", "two", "three"] {
        let session = manager
            .create_session(bash(name, dir.path()))
            .await
            .unwrap();
        wait_state(&session, SessionState::Ready).await;
        session
            .send_command("(trap '' HUP; exec sleep 60) &", WAIT)
            .await
            .unwrap();
        pids.push(session.pid());
    }
    manager.shutdown().await;
    for pid in pids {
        assert_eq!(session_processes(pid), Vec::<i32>::new());
    }
    assert!(
        manager
            .list()
            .iter()
            .all(|s| s.state() == SessionState::Terminated)
    );
    let err = manager
        .create_session(sleeper("late", dir.path()))
        .await
        .unwrap_err();
    assert_eq!(err, ManagerError::ShuttingDown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_to_an_ended_session_are_refused() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(sleeper("ended", dir.path()))
        .await
        .unwrap();
    manager
        .terminate(session.id(), Ending::Forced)
        .await
        .unwrap();
    assert_eq!(
        session.send_command("hi", WAIT).await.unwrap_err(),
        SessionError::Ended
    );
    assert_eq!(
        session.send_input("x").await.unwrap_err(),
        SessionError::Ended
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_ended_by_a_signal_is_killed_by_the_signals_name() {
    let dir = scratch_dir();
    let manager = manager();
    // A polite terminate hangs up first, and sleep dies of it.
    let hung_up = manager
        .create_session(sleeper("hup", dir.path()))
        .await
        .unwrap();
    let info = manager
        .terminate(hung_up.id(), Ending::Graceful)
        .await
        .unwrap();
    assert_eq!(info.status.state_reason, "killed by SIGHUP");

    let killed = manager
        .create_session(SessionConfig::new(task("kill"), dir.path()).with_command([
            "sh",
            "-c",
            "kill -KILL $$",
        ]))
        .await
        .unwrap();
    wait_state(&killed, SessionState::Terminated).await;
    assert_eq!(killed.status().state_reason, "killed by SIGKILL");
    manager.shutdown().await;
}
