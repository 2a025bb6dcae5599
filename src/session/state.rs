//! The per-session state machine: which states exist and which moves between them are legal.
//!
//! Both signals move the state through this one table, each move with its reason: the screen's
//! rules (reason: the rule's name) and Claude Code's hooks (reasons `hook: …` and
//! `permission: TOOL INPUT`; see `claude` for which wins when they disagree).

use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a session is doing. Serialized snake_case, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "State")]
pub enum SessionState {
    /// Spawned; the program has not yet shown anything we recognise.
    Initializing,
    /// The program asks the user to log in.
    Authenticating,
    /// First moment the session can take a command.
    Ready,
    /// Working on a command.
    Busy,
    /// Finished a command and can take the next one.
    Idle,
    /// The program asks a question (yes/no, a menu) and waits for an answer.
    WaitingInput,
    /// A terminate was requested; the process group is being signalled.
    Terminating,
    /// The child has been reaped.
    Terminated,
    /// Something went wrong that the program itself reported or ccmux detected.
    Error,
}

impl SessionState {
    pub const ALL: [SessionState; 9] = [
        Self::Initializing,
        Self::Authenticating,
        Self::Ready,
        Self::Busy,
        Self::Idle,
        Self::WaitingInput,
        Self::Terminating,
        Self::Terminated,
        Self::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "initializing",
            Self::Authenticating => "authenticating",
            Self::Ready => "ready",
            Self::Busy => "busy",
            Self::Idle => "idle",
            Self::WaitingInput => "waiting_input",
            Self::Terminating => "terminating",
            Self::Terminated => "terminated",
            Self::Error => "error",
        }
    }

    /// Ready or idle: the only states in which a command is accepted.
    pub fn accepts_commands(self) -> bool {
        matches!(self, Self::Ready | Self::Idle)
    }

    /// The process is gone or going: nothing else can happen but termination.
    pub fn is_ending(self) -> bool {
        matches!(self, Self::Terminating | Self::Terminated)
    }

    /// The table of legal moves. Everything may end; nothing leaves `terminated`.
    pub fn can_become(self, to: SessionState) -> bool {
        use SessionState::*;
        if self == to {
            return false;
        }
        match (self, to) {
            (Terminated, _) => false,
            (Terminating, to) => matches!(to, Terminated | Error),
            (_, Terminating | Terminated | Error) => true,
            (_, Initializing) => false,
            // `ready` is only ever the first time a command can be taken. A program that
            // reported an error and carried on leaves `error` as its screen says.
            (from, Ready) => matches!(from, Initializing | Authenticating | WaitingInput | Error),
            // `idle` follows work, or a question answered once the session was ready.
            (from, Idle) => matches!(from, Busy | WaitingInput | Authenticating | Error),
            (from, Busy) => matches!(from, Ready | Idle | WaitingInput | Authenticating | Error),
            (_, Authenticating | WaitingInput) => true,
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A move the table forbids. Logged and ignored, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("illegal state transition {from} → {to} ({reason})")]
pub struct IllegalTransition {
    pub from: SessionState,
    pub to: SessionState,
    pub reason: String,
}

/// One accepted move, with why it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub from: SessionState,
    pub to: SessionState,
    /// Which rule matched or which event caused it, for people asking "why busy?".
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The current state with its reason, and the only place that moves it.
#[derive(Debug, Clone)]
pub struct StateMachine {
    state: SessionState,
    reason: String,
    been_ready: bool,
}

impl StateMachine {
    pub fn new() -> Self {
        Self {
            state: SessionState::Initializing,
            reason: "spawned".to_string(),
            been_ready: false,
        }
    }

    pub fn state(&self) -> SessionState {
        self.state
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether the session has ever been able to take a command: decides ready vs idle.
    pub fn been_ready(&self) -> bool {
        self.been_ready
    }

    /// Moves to `to` if the table allows it. Staying put is `Ok(None)` and only updates the reason.
    pub fn transition(
        &mut self,
        to: SessionState,
        reason: impl Into<String>,
    ) -> Result<Option<StateChange>, IllegalTransition> {
        let reason = reason.into();
        if to == self.state {
            // Same state, perhaps for a new reason (busy: "command sent" → "esc to interrupt").
            self.reason = reason;
            return Ok(None);
        }
        if !self.state.can_become(to) {
            return Err(IllegalTransition {
                from: self.state,
                to,
                reason,
            });
        }
        let change = StateChange {
            from: self.state,
            to,
            reason: reason.clone(),
            at: Utc::now(),
        };
        self.state = to;
        self.reason = reason;
        self.been_ready |= to.accepts_commands();
        Ok(Some(change))
    }
}

impl Default for StateMachine {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::SessionState::*;
    use super::*;

    #[test]
    fn states_serialize_in_snake_case() {
        let names: Vec<String> = SessionState::ALL
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        assert_eq!(
            names.join(","),
            r#""initializing","authenticating","ready","busy","idle","waiting_input","terminating","terminated","error""#
        );
    }

    #[test]
    fn the_happy_path_is_legal() {
        let mut sm = StateMachine::new();
        for to in [
            Authenticating,
            Ready,
            Busy,
            Idle,
            Busy,
            WaitingInput,
            Busy,
            Idle,
            Terminating,
            Terminated,
        ] {
            assert!(sm.transition(to, "test").unwrap().is_some(), "→ {to}");
        }
    }

    #[test]
    fn the_moves_hooks_make_are_in_the_table() {
        // UserPromptSubmit, tool hooks: busy from wherever a turn can start or go on.
        for from in [Ready, Idle, WaitingInput] {
            assert!(from.can_become(Busy), "{from} → busy");
        }
        // PermissionRequest while working; Stop after work or a question.
        assert!(Busy.can_become(WaitingInput));
        assert!(Busy.can_become(Idle) && WaitingInput.can_become(Idle));
        // A hook never revives an ended session.
        assert!(!Terminating.can_become(Busy) && !Terminated.can_become(Idle));
    }

    #[test]
    fn ready_happens_once_and_idle_only_after_work() {
        assert!(!Initializing.can_become(Idle));
        assert!(!Busy.can_become(Ready));
        assert!(!Idle.can_become(Ready));
        assert!(Busy.can_become(Idle));
        assert!(WaitingInput.can_become(Ready));
    }

    #[test]
    fn a_program_that_carries_on_after_an_error_leaves_it() {
        for to in [Ready, Idle, Busy, WaitingInput, Authenticating] {
            assert!(Error.can_become(to), "error → {to}");
        }
        assert!(!Error.can_become(Initializing));
    }

    #[test]
    fn nothing_leaves_terminated_and_terminating_only_ends() {
        for to in SessionState::ALL {
            assert!(!Terminated.can_become(to));
        }
        assert!(!Terminating.can_become(Idle));
        assert!(Terminating.can_become(Terminated));
    }

    #[test]
    fn an_illegal_move_is_a_typed_error_and_changes_nothing() {
        let mut sm = StateMachine::new();
        let err = sm.transition(Idle, "quiet").unwrap_err();
        assert_eq!((err.from, err.to), (Initializing, Idle));
        assert_eq!(sm.state(), Initializing);
    }

    #[test]
    fn staying_in_the_same_state_emits_nothing() {
        let mut sm = StateMachine::new();
        assert_eq!(sm.transition(Initializing, "again").unwrap(), None);
    }
}
