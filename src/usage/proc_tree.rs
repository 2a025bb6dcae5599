//! One pass over `/proc`: every process with its parent, session, CPU time and memory, so a
//! session's whole tree can be summed, including children that left its process group.

use std::collections::HashMap;

use crate::session::SessionId;

#[derive(Debug, Clone, Copy)]
struct Process {
    parent: i32,
    session: i32,
    cpu_ticks: u64,
    rss_pages: u64,
}

/// What one session's processes add up to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Total {
    pub cpu_ticks: u64,
    pub rss_bytes: u64,
    pub processes: u32,
}

pub struct Table {
    processes: HashMap<i32, Process>,
    children: HashMap<i32, Vec<i32>>,
}

impl Table {
    pub fn read() -> Self {
        let processes: HashMap<i32, Process> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .filter_map(|pid: i32| Some((pid, read_stat(pid)?)))
            .collect();
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        for (pid, p) in &processes {
            children.entry(p.parent).or_default().push(*pid);
        }
        Self {
            processes,
            children,
        }
    }

    /// For each `(session, pid)`: the process, its descendants, and whatever else runs in the
    /// terminal session it leads (jobs reparented to us when their parent died).
    pub fn totals(&self, roots: &[(SessionId, u32)]) -> HashMap<SessionId, Total> {
        let page = page_size();
        roots
            .iter()
            .map(|&(id, pid)| {
                let pid = pid as i32;
                let mut members: Vec<i32> = self
                    .processes
                    .iter()
                    .filter(|(_, p)| p.session == pid)
                    .map(|(pid, _)| *pid)
                    .collect();
                let mut stack = vec![pid];
                while let Some(next) = stack.pop() {
                    members.push(next);
                    stack.extend(self.children.get(&next).into_iter().flatten());
                }
                members.sort_unstable();
                members.dedup();
                let mut total = Total::default();
                for p in members.iter().filter_map(|m| self.processes.get(m)) {
                    total.cpu_ticks += p.cpu_ticks;
                    total.rss_bytes += p.rss_pages * page;
                    total.processes += 1;
                }
                (id, total)
            })
            .collect()
    }
}

/// Fields 4 (ppid), 6 (session), 14–15 (utime, stime) and 24 (rss) of `/proc/PID/stat`.
fn read_stat(pid: i32) -> Option<Process> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses; field 3 follows the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<i64>().ok();
    Some(Process {
        parent: field(4)? as i32,
        session: field(6)? as i32,
        cpu_ticks: (field(14)? + field(15)?) as u64,
        rss_pages: field(24)?.max(0) as u64,
    })
}

pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system and touches no memory.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

fn page_size() -> u64 {
    // SAFETY: as above.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as u64 } else { 4096 }
}
