//! The TUI's commands as data: each [`Action`] has a name for `[ui] keybindings`, default
//! keys, a word for the status bar's hint and a line for help (see `keymap.rs`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::key::KeyChord;

/// How an action is named, bound and explained.
struct Spec {
    /// Its name in `[ui] keybindings`.
    name: &'static str,
    /// Its default keys, as config writes them, separated by spaces.
    keys: &'static str,
    /// A word for the status bar's hint; neighbours with the same word are shown together.
    hint: &'static str,
    /// A line for the help screen.
    description: &'static str,
}

/// Writes the actions once: the enum, `Action::ALL` in the order help lists them, and each
/// one's [`Spec`] (its name, default keys, hint word and help line).
macro_rules! actions {
    ($($action:ident => ($name:literal, $keys:literal, $hint:literal, $description:literal),)*) => {
        /// Something the TUI does when its key follows the prefix.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action {
            $($action,)*
        }

        impl Action {
            /// Every action, in the order help lists them.
            pub const ALL: [Action; [$($name),*].len()] = [$(Action::$action),*];

            fn spec(self) -> Spec {
                let (name, keys, hint, description) = match self {
                    $(Action::$action => ($name, $keys, $hint, $description),)*
                };
                Spec {
                    name,
                    keys,
                    hint,
                    description,
                }
            }
        }
    };
}

actions! {
    New => ("new", "c", "new", "new session (task, path, command; @NAME: a template)"),
    Close => ("close", "x", "close", "close the focused pane, ending its session"),
    Interrupt => ("interrupt", "i", "interrupt", "interrupt (Esc for Claude Code, Ctrl-C otherwise)"),
    FocusLeft => ("focus_left", "left h", "focus", "focus the pane to the left"),
    FocusRight => ("focus_right", "right l", "focus", "focus the pane to the right"),
    FocusUp => ("focus_up", "up k", "focus", "focus the pane above"),
    FocusDown => ("focus_down", "down j", "focus", "focus the pane below"),
    Next => ("next", "n", "cycle", "focus the next pane"),
    Previous => ("previous", "p", "cycle", "focus the previous pane"),
    SwapPrevious => ("swap_previous", "{", "swap", "swap the focused pane with the previous one"),
    SwapNext => ("swap_next", "}", "swap", "swap the focused pane with the next one"),
    Rename => ("rename", ",", "rename", "name the focused pane (in this client only)"),
    Zoom => ("zoom", "z", "zoom", "zoom the focused pane, or unzoom"),
    Layout => ("layout", "space", "layout", "cycle layout: grid, columns, rows"),
    Shrink => ("shrink", "<", "resize", "shrink the focused pane's column (its row in rows)"),
    Grow => ("grow", ">", "resize", "grow the focused pane's column (its row in rows)"),
    Scroll => ("scroll", "[", "scroll", "scroll mode: history, / search, n N, q leaves"),
    Macro => ("macro", "m", "macro", "run a [macros.NAME] on the focused pane (a picker)"),
    Usage => ("usage", "u", "usage", "show or hide CPU and memory in the status bar"),
    Select => ("select", "v", "select", "select text (in scroll mode too): move, then copy key or Enter"),
    Copy => ("copy", "y", "copy", "copy the selection, or else the screen, to the clipboard"),
    Help => ("help", "?", "help", "this help"),
    Detach => ("detach", "d", "detach", "detach: sessions keep running (`ccmux attach`)"),
    NextWorkspace => ("next_workspace", "w", "workspace", "show the next workspace"),
    Quit => ("quit", "q", "quit", "end this workspace's sessions (asks when working)"),
    AnswerYes => ("answer_yes", "a", "answer", "answer the focused pane's permission dialog: yes (allow)"),
    AnswerNo => ("answer_no", "b", "answer", "answer the focused pane's permission dialog: no (block)"),
    NextWaiting => ("next_waiting", "tab", "waiting", "focus the next pane waiting for input"),
}

impl Action {
    /// Its line in help.
    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// Its word in the status bar's hint.
    pub fn hint(self) -> &'static str {
        self.spec().hint
    }

    /// The keys it has unless `[ui] keybindings` gives it one.
    pub fn default_keys(self) -> Vec<KeyChord> {
        self.spec()
            .keys
            .split(' ')
            .map(|key| key.parse().expect("the built-in keys parse"))
            .collect()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec().name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`: the actions are {names}", names = names())]
pub struct UnknownAction(String);

fn names() -> String {
    Action::ALL.map(|a| a.spec().name).join(", ")
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.spec().name == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_to_their_action() {
        for action in Action::ALL {
            assert_eq!(action.to_string().parse::<Action>(), Ok(action));
        }
        let err = "zom".parse::<Action>().unwrap_err().to_string();
        assert!(
            err.contains("unknown action `zom`") && err.contains("zoom"),
            "{err}"
        );
    }
}
