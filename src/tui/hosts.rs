//! The other machines whose panes share this client's view (see `remote::mux`), and the
//! state of each one's link, which the mux sets and the TUI shows.

use std::sync::Mutex;
use std::time::Instant;

/// The hosts whose panes share this client's view with the local ones (see `remote::mux`),
/// link 1 first, and the state of each one's link.
pub struct Hosts {
    names: Vec<String>,
    states: Mutex<Vec<HostState>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostState {
    Connecting,
    Up,
    Down(Instant),
}

impl Hosts {
    pub fn new(names: Vec<String>) -> Self {
        let states = Mutex::new(vec![HostState::Connecting; names.len()]);
        Self { names, states }
    }

    /// Each host, link 1 first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The host of link `link`; none for this machine's.
    pub fn name(&self, link: usize) -> Option<&str> {
        self.names.get(link.checked_sub(1)?).map(String::as_str)
    }

    pub fn state(&self, link: usize) -> Option<HostState> {
        let states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        states.get(link.checked_sub(1)?).copied()
    }

    pub fn set_state(&self, link: usize, state: HostState) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = link.checked_sub(1).and_then(|i| states.get_mut(i)) {
            *slot = state;
        }
    }

    /// `box, gpu ⟳`: each host, marked when its link is not up.
    pub(super) fn label(&self) -> String {
        let mark = |link| match self.state(link) {
            Some(HostState::Up) => "",
            _ => " ⟳",
        };
        let names = self.names.iter().enumerate();
        let labels: Vec<String> = names.map(|(i, n)| format!("{n}{}", mark(i + 1))).collect();
        labels.join(", ")
    }
}
