//! The keymap: the keys pressed after the prefix name [`Action`]s. This one table drives the
//! TUI's key dispatch, its help screen, the hint in its status bar and `ccmux config check`, so
//! `[ui] keybindings = { zoom = "Z" }` changes all of them at once.

use std::collections::BTreeMap;
use std::fmt;

use crate::config::action::Action;
use crate::config::key::{KeyChord, KeyCode};

/// Which keys run which action: each action's default keys, unless `[ui] keybindings` gives
/// it one of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// In help order.
    bindings: Vec<(Action, Vec<KeyChord>)>,
}

impl Keymap {
    pub fn new(keybindings: &BTreeMap<Action, KeyChord>) -> Self {
        let bindings = Action::ALL
            .into_iter()
            .map(|action| {
                let keys = match keybindings.get(&action) {
                    Some(key) => vec![*key],
                    None => action.default_keys(),
                };
                (action, keys)
            })
            .collect();
        Self { bindings }
    }

    /// Every action with its keys, in help order.
    pub fn iter(&self) -> impl Iterator<Item = (Action, &[KeyChord])> {
        self.bindings.iter().map(|(a, keys)| (*a, keys.as_slice()))
    }

    /// The keys of `action`.
    pub fn keys(&self, action: Action) -> &[KeyChord] {
        self.iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, keys)| keys)
    }

    /// The first key of `action` as help shows it, for hints that name one key.
    pub fn key_label(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(|k| k.label())
            .unwrap_or_default()
    }

    /// The action of the first key that `pressed` says was pressed.
    pub fn action(&self, pressed: impl Fn(KeyChord) -> bool) -> Option<Action> {
        self.iter()
            .find(|(_, keys)| keys.iter().any(|key| pressed(*key)))
            .map(|(action, _)| action)
    }

    /// Keys that would mean two things after `prefix`: two actions, an action and the prefix
    /// itself (pressed twice it reaches the pane), or an action and a session's number.
    pub fn clashes(&self, prefix: KeyChord) -> Vec<Clash> {
        let mut uses: Vec<(KeyChord, Vec<Use>)> = Vec::new();
        let mut add = |key: KeyChord, used: Use| match uses.iter_mut().find(|(k, _)| *k == key) {
            Some((_, found)) => found.push(used),
            None => uses.push((key, vec![used])),
        };
        add(prefix, Use::Prefix);
        for (action, keys) in self.iter() {
            for key in keys {
                if is_session_number(*key) {
                    add(*key, Use::Number);
                }
                add(*key, Use::Action(action));
            }
        }
        uses.into_iter()
            .filter(|(_, used)| used.len() > 1)
            .map(|(key, uses)| Clash { key, uses })
            .collect()
    }
}

/// Whether a key focuses a session after the prefix: `1`–`9`, the numbers panes show (the TUI
/// reads them in `on_command_key`). These keys are not in the keymap and cannot be bound.
fn is_session_number(key: KeyChord) -> bool {
    matches!(key.code, KeyCode::Char('1'..='9')) && !key.ctrl && !key.alt
}

/// A key with more than one meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub key: KeyChord,
    pub uses: Vec<Use>,
}

/// One meaning of a key after the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Prefix,
    Number,
    Action(Action),
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uses: Vec<String> = self
            .uses
            .iter()
            .map(|used| match used {
                Use::Prefix => "the prefix".to_string(),
                Use::Number => format!("focusing session {}", self.key),
                Use::Action(action) => action.to_string(),
            })
            .collect();
        write!(
            f,
            "key `{}` is bound twice: {}",
            self.key,
            uses.join(" and ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(pairs: &[(Action, &str)]) -> BTreeMap<Action, KeyChord> {
        pairs
            .iter()
            .map(|(a, k)| (*a, k.parse().unwrap()))
            .collect()
    }

    #[test]
    fn the_default_keys_mean_one_thing_each() {
        let keymap = Keymap::new(&BTreeMap::new());
        assert_eq!(keymap.clashes(KeyChord::ctrl('a')), Vec::new());
        let zoom = KeyChord::plain(KeyCode::Char('z'));
        assert_eq!(keymap.action(|k| k == zoom), Some(Action::Zoom));
    }

    #[test]
    fn a_binding_replaces_the_actions_default_keys() {
        let keymap = Keymap::new(&bind(&[(Action::FocusLeft, "a")]));
        let a: KeyChord = "a".parse().unwrap();
        assert_eq!(keymap.keys(Action::FocusLeft), [a]);
        assert_eq!(keymap.keys(Action::FocusRight).len(), 2, "right and l stay");
    }

    #[test]
    fn a_key_for_two_things_is_a_clash() {
        let clashes = |pairs| Keymap::new(&bind(pairs)).clashes(KeyChord::ctrl('a'));
        let twice = clashes(&[(Action::Zoom, "Z"), (Action::Help, "Z")]);
        assert_eq!(twice.len(), 1);
        assert_eq!(
            twice[0].to_string(),
            "key `Z` is bound twice: zoom and help"
        );
        let on_default = clashes(&[(Action::Zoom, "c")]);
        assert_eq!(
            on_default[0].uses,
            [Use::Action(Action::New), Use::Action(Action::Zoom)]
        );
        let on_prefix = clashes(&[(Action::Zoom, "ctrl-a")]);
        assert_eq!(on_prefix[0].uses, [Use::Prefix, Use::Action(Action::Zoom)]);
        let on_number = clashes(&[(Action::Zoom, "3")]);
        assert_eq!(
            on_number[0].to_string(),
            "key `3` is bound twice: focusing session 3 and zoom"
        );
    }
}
