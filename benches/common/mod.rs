//! What the benches feed ccmux, and how they time a session.

use std::time::{Duration, Instant};

use ccmux::manager::{Manager, ManagerConfig};
use ccmux::session::{SessionConfig, SessionState};

/// `size` bytes of varied text with some colour, like a build log (about 60-byte lines).
pub fn build_log(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 200);
    let mut i = 0u64;
    while out.len() < size {
        out.extend_from_slice(
            format!(
                "\x1b[32m{i:>8}\x1b[0m compiling crate-{} v0.{}.{} (/src/crate)\r\n",
                i % 97,
                i % 13,
                i % 7
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.truncate(size);
    out
}

/// How long a session takes from its start until its program has exited and been reaped.
pub async fn time_to_exit(config: SessionConfig) -> Duration {
    let manager = Manager::new(ManagerConfig::default()).expect("the manager starts");
    let started = Instant::now();
    let session = manager.create_session(config).await.unwrap();
    let mut status = session.watch_status();
    status
        .wait_for(|s| s.state == SessionState::Terminated)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    manager.shutdown().await;
    elapsed
}
