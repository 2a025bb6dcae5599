//! Hostile output: floods, endless escape sequences, broken UTF-8, giant lines.

mod common;

use std::time::Duration;

use ccmux::session::SessionState;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_output_log_drops_the_oldest_entries_and_keeps_counting() {
    let dir = scratch_dir();
    let manager = manager();
    let mut config = python(
        "limit",
        dir.path(),
        "import sys, time\nfor i in range(300):\n    print('line', i, flush=True)\n    time.sleep(0.002)",
    );
    config.output_limit = 50;
    let session = manager.create_session(config).await.unwrap();
    wait_state(&session, SessionState::Terminated).await;

    let (entries, next_seq) = session.output(0, 10_000).await;
    assert!(entries.len() <= 50, "kept {} entries", entries.len());
    assert!(next_seq > 50, "only {next_seq} entries were ever logged");
    assert_eq!(
        entries.first().unwrap().seq,
        next_seq - entries.len() as u64
    );
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let text: String = entries.iter().map(|e| e.content.as_str()).collect();
    assert!(text.contains("line 299"));
    assert!(!text.contains("line 0\r\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_and_a_ten_megabyte_line_do_not_break_the_session() {
    let dir = scratch_dir();
    let manager = manager();
    let session = manager
        .create_session(bash("junk", dir.path()))
        .await
        .unwrap();
    wait_state(&session, SessionState::Ready).await;
    let junk = "python3 -c \"import os; os.write(1, b'\\xff\\xfe\\xc3(\\xe2\\x82' + b'x' * 10_000_000 + b'\\n')\"";
    let result = session
        .send_command(junk, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!result.timed_out);
    assert_eq!(result.state, SessionState::Idle);
    // The result keeps the last 4 MiB of a huge output; the log has the start.
    assert!(result.output.ends_with("xxxx"));
    let (log, _) = session.output(0, 100_000).await;
    let printed = log.iter().find(|e| e.content.contains("xxxx")).unwrap();
    let head: String = printed.content.chars().take(20).collect();
    assert!(
        head.contains("\u{fffd}\u{fffd}\u{fffd}("),
        "invalid bytes become U+FFFD: {head:?}"
    );

    let after = session.send_command("echo still fine", WAIT).await.unwrap();
    assert_eq!(after.output, "still fine");
    assert!(session.status().bytes_read > 10_000_000);
    manager.shutdown().await;
}
