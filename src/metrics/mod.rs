//! Counters for `GET /metrics`, kept in the manager (no global registry): commands by how they
//! ended, how long they took, and API requests by route and status. What the manager already
//! knows (sessions by state, bytes read) is read from it when scraped; see `render.rs`.

mod render;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use schemars::JsonSchema;
use serde::Serialize;

use crate::session::command::Outcome;

pub use render::render;

/// Upper bounds of the command-duration histogram, in seconds: from a shell's echo to an
/// hour-long agent run.
pub const DURATION_BUCKETS: [f64; 10] =
    [0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0];

/// Counts for `stats`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Stats {
    pub by_state: BTreeMap<String, usize>,
    pub live: usize,
    pub created_total: u64,
    pub terminated_total: u64,
    pub commands_run: u64,
    pub bytes_read: u64,
    /// What Claude Code reported the sessions still listed have cost, in US dollars.
    pub cost_usd: f64,
    pub uptime_secs: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    commands: [AtomicU64; Outcome::ALL.len()],
    /// Commands at most each bucket's bound (not cumulative here; summed when rendered).
    duration_buckets: [AtomicU64; DURATION_BUCKETS.len()],
    duration_ms_sum: AtomicU64,
    duration_count: AtomicU64,
    /// Requests by (route, status). Routes are the API's fixed patterns and statuses a few
    /// codes, so the map stays small whatever clients send.
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Metrics {
    pub fn command_finished(&self, outcome: Outcome, duration_ms: u64) {
        let index = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0);
        self.commands[index].fetch_add(1, Ordering::Relaxed);
        let seconds = duration_ms as f64 / 1000.0;
        if let Some(bucket) = DURATION_BUCKETS.iter().position(|b| seconds <= *b) {
            self.duration_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.duration_ms_sum
            .fetch_add(duration_ms, Ordering::Relaxed);
        self.duration_count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request(&self, route: &'static str, status: u16) {
        *self.requests.lock().entry((route, status)).or_default() += 1;
    }

    fn commands(&self, outcome: Outcome) -> u64 {
        let index = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0);
        self.commands[index].load(Ordering::Relaxed)
    }
}
