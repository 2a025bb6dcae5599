//! The soak test: many create/command/delete cycles with floods, terminal queries and clients
//! that attach and stop reading, after which fds, threads, memory and processes must be back
//! where they started. Slow, so opt-in:
//!
//! ```sh
//! cargo test --release --test soak -- --ignored --nocapture     # CCMUX_SOAK_CYCLES=1000 by default
//! ```

mod common;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ccmux::client::Channels;
use ccmux::manager::{Manager, ManagerConfig};
use ccmux::protocol::{Attach, ClientMessage};
use ccmux::session::{Ending, SessionConfig};
use common::*;

/// Clients that attached and then stopped reading, kept open a while before they go.
const STALLED_CLIENTS: usize = 4;

fn cycle_config(i: usize, dir: &std::path::Path) -> (SessionConfig, Option<&'static str>) {
    let config = SessionConfig::new(task(&format!("soak-{i}")), dir);
    match i % 4 {
        // A flood far larger than any queue.
        0 => (
            config.with_command(["sh", "-c", "head -c 3000000 /dev/urandom | od; sleep 60"]),
            None,
        ),
        // A raw-mode program that asks the terminal questions and never reads the answers.
        1 => (
            config.with_command([
                "sh",
                "-c",
                "stty raw -echo; for i in 1 2 3 4 5 6 7 8; do printf '\\033[6n\\033[c'; done; sleep 60",
            ]),
            None,
        ),
        // A shell that runs a command to its end.
        _ => (
            config
                .with_command(["bash", "--norc", "--noprofile", "-i"])
                .with_env("PS1", "soak$ "),
            Some("echo soak-done"),
        ),
    }
}

/// A client that attaches to the session's workspace and then never reads.
async fn stalled_client(manager: &Manager, dir: &std::path::Path) -> Channels {
    let connection = ccmux::client::handshake(ccmux::server::serve_in_process(manager.clone()))
        .await
        .expect("the in-process server says hello");
    let channels = connection.into_channels();
    let attach = Attach {
        workspace: Some(ccmux::session::WorkspaceName::default()),
        create: false,
        cwd: dir.to_path_buf(),
        config: None,
        run: Vec::new(),
        tokens: Default::default(),
    };
    let _ = channels.to_server.send(ClientMessage::Attach(attach)).await;
    channels
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run with --ignored"]
async fn soak_sessions_floods_queries_and_stalled_clients_leave_nothing_behind() {
    let cycles: usize = std::env::var("CCMUX_SOAK_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let dir = scratch_dir();
    let manager = Manager::new(ManagerConfig {
        retain_ended: 0,
        ..ManagerConfig::default()
    })
    .expect("the manager starts");
    // Warm up what starts lazily (the blocking pool, the registry), so it does not count.
    let (warm, _) = cycle_config(2, dir.path());
    let session = manager.create_session(warm).await.unwrap();
    manager
        .terminate(session.id(), Ending::Forced)
        .await
        .unwrap();
    drop(session);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (fds, threads_before, rss) = (open_fds(), threads(), rss_kib());

    let started = Instant::now();
    let mut stalled = VecDeque::new();
    let mut pids = Vec::new();
    for i in 0..cycles {
        let (config, command) = cycle_config(i, dir.path());
        let session = manager.create_session(config).await.unwrap();
        pids.push(session.pid());
        if i % 5 == 0 {
            stalled.push_back(stalled_client(&manager, dir.path()).await);
            if stalled.len() > STALLED_CLIENTS {
                stalled.pop_front();
            }
        }
        match command {
            Some(command) => {
                let ready = session
                    .wait_for_state(Duration::from_secs(10), |s| s.accepts_commands())
                    .await;
                assert!(ready.is_ok(), "cycle {i}: {ready:?}");
                let result = session.send_command(command, Duration::from_secs(10)).await;
                assert!(
                    result.as_ref().is_ok_and(|r| !r.timed_out),
                    "cycle {i}: {result:?}"
                );
            }
            None => tokio::time::sleep(Duration::from_millis(30)).await,
        }
        manager
            .terminate(session.id(), Ending::forced(i % 3 == 0))
            .await
            .unwrap();
    }
    stalled.clear();
    let deadline = Instant::now() + Duration::from_secs(30);
    while (open_fds() > fds || threads() > threads_before) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = pids
        .iter()
        .filter(|&&p| !session_processes(p).is_empty())
        .count();
    let grown = rss_kib().saturating_sub(rss);
    println!(
        "{cycles} cycles in {:.0} s: fds {fds} → {}, threads {threads_before} → {}, \
         RSS {} → {} MiB (+{} KiB), processes left {left}",
        started.elapsed().as_secs_f64(),
        open_fds(),
        threads(),
        rss / 1024,
        rss_kib() / 1024,
        grown
    );
    assert_eq!(open_fds(), fds, "fds");
    assert_eq!(threads(), threads_before, "threads");
    assert_eq!(left, 0, "processes");
    assert!(grown < 64 * 1024, "RSS grew {grown} KiB");
}
