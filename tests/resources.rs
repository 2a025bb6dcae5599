//! Resource use measured from inside the process: fds, threads, memory. These tests have a
//! binary of their own and run one at a time, since the counts are per process.

mod common;

use std::time::{Duration, Instant};

use ccmux::manager::{Manager, ManagerConfig};
use ccmux::session::{Ending, SessionConfig, SessionState};
use common::*;
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

fn sleeper(task_name: &str, dir: &std::path::Path) -> SessionConfig {
    SessionConfig::new(task(task_name), dir).with_command(["sleep", "600"])
}

/// A manager that forgets ended sessions, after one session came and went: the runtime's
/// blocking pool and the registry start lazily, and must not count as leaks.
async fn warmed_up_manager(dir: &std::path::Path) -> Manager {
    let manager = Manager::new(ManagerConfig {
        retain_ended: 0,
        ..ManagerConfig::default()
    })
    .expect("the manager starts");
    let warm = manager.create_session(sleeper("warm", dir)).await.unwrap();
    manager.terminate(warm.id(), Ending::Forced).await.unwrap();
    drop(warm);
    tokio::time::sleep(Duration::from_millis(200)).await;
    manager
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_sessions_come_and_go_without_leaking_fds_or_threads() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = scratch_dir();
    let manager = warmed_up_manager(dir.path()).await;
    let (fds_before, threads_before) = (open_fds(), threads());

    let mut pids = Vec::new();
    for i in 0..200 {
        let session = manager
            .create_session(sleeper(&format!("cycle-{i}"), dir.path()))
            .await
            .unwrap();
        pids.push(session.pid());
        manager
            .terminate(session.id(), Ending::forced(i % 2 == 0))
            .await
            .unwrap();
    }
    // Reading, writing and waiting end once their PTY and child are gone.
    let deadline = Instant::now() + WAIT;
    while (open_fds() > fds_before || threads() > threads_before) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let alive = pids
        .iter()
        .filter(|&&p| !session_processes(p).is_empty())
        .count();
    println!(
        "200 cycles: fds {fds_before} → {}, threads {threads_before} → {}, processes left {alive}",
        open_fds(),
        threads()
    );
    assert_eq!(open_fds(), fds_before);
    assert_eq!(threads(), threads_before);
    assert_eq!(alive, 0);
    assert_eq!(manager.stats().terminated_total, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_osc_string_keeps_memory_bounded() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = scratch_dir();
    let manager = manager();
    let before = rss_kib();
    // 100 MiB of OSC body with no terminator until the very end, then visible text.
    let script = "import os\nos.write(1, b'\\x1b]0;')\nblock = b'A' * (1 << 20)\nfor _ in range(100):\n    os.write(1, block)\nos.write(1, b'\\x07survived\\r\\n')\nimport time; time.sleep(600)";
    let session = manager
        .create_session(python("osc", dir.path(), script))
        .await
        .unwrap();
    let mut status = session.watch_status();
    tokio::time::timeout(
        Duration::from_secs(120),
        status.wait_for(|s| s.bytes_read >= 100 << 20),
    )
    .await
    .expect("the session never read the whole OSC")
    .unwrap();
    wait_screen(&manager, &session, "survived").await;
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    println!("RSS grew {grown_mib} MiB while reading a 100 MiB OSC");
    // The output log keeps up to 16 MiB of raw text; the parser may keep only 64 KiB of OSC.
    assert!(grown_mib < 48, "RSS grew {grown_mib} MiB");
    manager.shutdown().await;
}

/// A program in raw mode that never reads its input: whatever is written to it has to wait.
fn non_reader(task_name: &str, dir: &std::path::Path) -> SessionConfig {
    SessionConfig::new(task(task_name), dir).with_command([
        "sh",
        "-c",
        "stty raw -echo; echo not-reading; exec sleep 600",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_that_asks_for_the_cursor_in_a_loop_and_never_reads_keeps_memory_bounded() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = scratch_dir();
    let manager = manager();
    let script = "import os, tty\ntty.setraw(0)\nwhile True:\n    os.write(1, b'\\x1b[6n' * 1024)";
    let mut config = python("dsr-loop", dir.path(), script);
    // The output log has a bound of its own (16 MiB); keep it out of this measurement.
    config.output_limit = 100;
    let before = rss_kib();
    let session = manager.create_session(config).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let asked = session.status().bytes_read / 4;
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    println!("RSS grew {grown_mib} MiB while the program asked {asked} times in 3 s");
    assert!(asked > 100_000, "the program asked only {asked} times");
    assert!(grown_mib < 32, "RSS grew {grown_mib} MiB");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_flooded_with_input_they_never_read_leave_no_thread_or_fd_behind() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = scratch_dir();
    let manager = warmed_up_manager(dir.path()).await;
    let (fds_before, threads_before) = (open_fds(), threads());

    for i in 0..20 {
        let session = manager
            .create_session(non_reader(&format!("flood-{i}"), dir.path()))
            .await
            .unwrap();
        wait_screen(&manager, &session, "not-reading").await;
        for _ in 0..3 {
            // Refused once 1 MiB waits; what matters here is what is left after the end.
            let _ = session.send_input(vec![b'x'; 1_000_000]).await;
        }
        manager
            .terminate(session.id(), Ending::forced(i % 2 == 0))
            .await
            .unwrap();
    }
    let deadline = Instant::now() + WAIT;
    while (open_fds() > fds_before || threads() > threads_before) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "20 flooded sessions: fds {fds_before} → {}, threads {threads_before} → {}",
        open_fds(),
        threads()
    );
    assert_eq!(open_fds(), fds_before);
    assert_eq!(threads(), threads_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_left_the_session_but_kept_its_terminal_is_killed_at_terminate() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = scratch_dir();
    let manager = warmed_up_manager(dir.path()).await;
    let (fds_before, threads_before) = (open_fds(), threads());

    for i in 0..5 {
        let session = manager
            .create_session(bash(&format!("escape-{i}"), dir.path()))
            .await
            .unwrap();
        wait_state(&session, SessionState::Ready).await;
        // A new session of its own, the PTY still its stdin, stdout and stderr.
        session
            .send_input("setsid sh -c 'echo pid=$$=o$((0))k; exec sleep 300' &\r")
            .await
            .unwrap();
        wait_screen(&manager, &session, "=o0k").await;
        let screen = session.screen().lines.join("\n");
        let pid: i32 = screen
            .split("pid=")
            .filter_map(|s| s.split("=o0k").next()?.parse().ok())
            .next()
            .unwrap_or_else(|| panic!("no pid on screen:\n{screen}"));
        wait_for_process("sleep", || vec![pid]);
        manager
            .terminate(session.id(), Ending::Graceful)
            .await
            .unwrap();
        let reaped = !std::path::Path::new(&format!("/proc/{pid}")).exists();
        assert!(
            reaped,
            "sleep {pid} survived the session, or was left a zombie"
        );
    }
    let deadline = Instant::now() + WAIT;
    while (open_fds() > fds_before || threads() > threads_before) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "5 sessions with an escaped sleep: fds {fds_before} → {}, threads {threads_before} → {}",
        open_fds(),
        threads()
    );
    assert_eq!(open_fds(), fds_before);
    assert_eq!(threads(), threads_before);
}
