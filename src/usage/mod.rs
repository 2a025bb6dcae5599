//! What a session costs the machine: CPU and resident memory summed over every process it
//! started, read from `/proc`.
//!
//! Nothing is sampled in the background: a sample is taken when somebody asks (session info,
//! stats, the TUI's usage toggle) and kept for [`FRESH_FOR`], so a screen that polls costs
//! one `/proc` walk per interval however many clients look.

mod proc_tree;

use std::collections::HashMap;
use std::time::{Duration, Instant};

pub use crate::session::Resources;
use crate::session::SessionId;

/// How long a sample answers for before the next request takes a new one.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// CPU time is a difference: without a recent earlier sample, two are taken this far apart.
const CPU_WINDOW: Duration = Duration::from_millis(250);
/// An earlier sample older than this says nothing about what the session does now.
const STALE_AFTER: Duration = Duration::from_secs(10);

/// The last reading of each session, kept to difference CPU times and to answer again soon.
#[derive(Debug, Default)]
pub struct Sampler {
    last: HashMap<SessionId, Reading>,
}

#[derive(Debug, Clone, Copy)]
struct Reading {
    at: Instant,
    cpu_ticks: u64,
    resources: Resources,
}

impl Sampler {
    /// The usage of each `(session, pid)`, sampled now unless a fresh sample exists. Reads
    /// `/proc` and may sleep [`CPU_WINDOW`]: call it off the async workers.
    pub fn sample(&mut self, sessions: &[(SessionId, u32)]) -> HashMap<SessionId, Resources> {
        let now = Instant::now();
        self.last.retain(|_, r| now - r.at < STALE_AFTER);
        let stale: Vec<(SessionId, u32)> = sessions
            .iter()
            .filter(|(id, _)| self.last.get(id).is_none_or(|r| now - r.at >= FRESH_FOR))
            .copied()
            .collect();
        if !stale.is_empty() {
            self.refresh(&stale);
        }
        sessions
            .iter()
            .filter_map(|(id, _)| Some((*id, self.last.get(id)?.resources)))
            .collect()
    }

    /// New readings of `stale`; a session seen for the first time is read twice, a moment
    /// apart, since CPU use is a difference.
    fn refresh(&mut self, stale: &[(SessionId, u32)]) {
        let first_time: Vec<(SessionId, u32)> = stale
            .iter()
            .filter(|(id, _)| !self.last.contains_key(id))
            .copied()
            .collect();
        if !first_time.is_empty() {
            let at = Instant::now();
            for (id, total) in proc_tree::Table::read().totals(&first_time) {
                self.remember(id, at, total, 0.0);
            }
            std::thread::sleep(CPU_WINDOW);
        }
        let at = Instant::now();
        for (id, total) in proc_tree::Table::read().totals(stale) {
            let cpu_percent = self.last.get(&id).map_or(0.0, |base| {
                let elapsed = at.duration_since(base.at).as_secs_f64();
                let ticks = total.cpu_ticks.saturating_sub(base.cpu_ticks) as f64;
                100.0 * ticks / proc_tree::ticks_per_second() / elapsed.max(1e-3)
            });
            self.remember(id, at, total, (cpu_percent * 10.0).round() / 10.0);
        }
    }

    fn remember(&mut self, id: SessionId, at: Instant, total: proc_tree::Total, cpu_percent: f64) {
        let resources = Resources {
            cpu_percent,
            rss_bytes: total.rss_bytes,
            processes: total.processes,
        };
        let reading = Reading {
            at,
            cpu_ticks: total.cpu_ticks,
            resources,
        };
        self.last.insert(id, reading);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_uses_memory_and_a_spinning_thread_shows_as_cpu() {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinning = stop.clone();
        let spinner = std::thread::spawn(move || {
            while !spinning.load(std::sync::atomic::Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        });
        let me = SessionId(1);
        let mut sampler = Sampler::default();
        let usage = sampler.sample(&[(me, std::process::id())])[&me];
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spinner.join().unwrap();
        assert!(usage.rss_bytes > 1 << 20, "{usage:?}");
        assert!(usage.cpu_percent > 10.0, "{usage:?}");
        assert!(usage.processes >= 1);
    }
}
