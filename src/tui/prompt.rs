//! The TUI's prompts: a new session's task id, project path and command, with defaults filled
//! in, and the machine to start it on when the view shows other hosts; a pane's name.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent};

use crate::protocol::NewSession;
use crate::session::SessionId;

pub const FIELDS: [&str; 3] = ["task id", "path", "command"];
/// The field after the text fields, when the view shows other hosts.
pub const HOST_FIELD: &str = "host";

/// Whether a field's text is selected: a value filled in for the user is, so that typing
/// replaces it (as after a select-all) rather than appending to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    All,
    /// The caret is after the text: typing appends.
    None,
}

/// One line of text being edited.
#[derive(Debug)]
pub struct Field {
    pub text: String,
    pub selection: Selection,
}

impl Field {
    /// A value filled in for the user: selected, so typing replaces it.
    pub fn prefilled(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            selection: Selection::All,
        }
    }

    /// Typing replaces a selected text; Backspace deletes it, or the last character; Right
    /// or End keep it and move the caret after it. Other keys do nothing.
    fn on_key(&mut self, code: KeyCode) {
        let selected = self.selection == Selection::All;
        match code {
            KeyCode::Char(_) | KeyCode::Backspace if selected => self.text.clear(),
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char(_) | KeyCode::Right | KeyCode::End => {}
            _ => return,
        }
        if let KeyCode::Char(c) = code {
            self.text.push(c);
        }
        self.selection = Selection::None;
    }
}

#[derive(Debug)]
pub struct NewSessionPrompt {
    pub values: [Field; 3],
    /// Where the session starts; `None` when the view shows this machine's server alone.
    pub host: Option<HostChoice>,
    /// The field being edited: a text field, or `FIELDS.len()` for the host.
    pub field: usize,
}

/// The machines a session may start on, by link (0: this machine, then each host), each with
/// the project path the prompt suggests there.
#[derive(Debug)]
pub struct HostChoice {
    pub names: Vec<String>,
    pub paths: Vec<String>,
    pub chosen: usize,
}

/// A session to start, and the link of the server to start it on.
pub struct Start {
    pub link: usize,
    pub new: NewSession,
}

/// What a key did to a prompt.
pub enum Outcome<T> {
    Continue,
    Cancel,
    Submit(T),
}

impl NewSessionPrompt {
    /// The path suggested is `cwd`, or the chosen host's when `host` is given.
    pub fn new(cwd: &Path, command: &str, number: usize, host: Option<HostChoice>) -> Self {
        let path = match &host {
            Some(host) => host.paths[host.chosen].clone(),
            None => cwd.display().to_string(),
        };
        Self {
            values: [
                Field::prefilled(format!("task-{number}")),
                Field::prefilled(path),
                Field::prefilled(command),
            ],
            host,
            field: 0,
        }
    }

    /// Tab/Shift-Tab (or the arrows) move between fields, selecting the one entered; on the
    /// host field, Left/Right (or Space) pick the machine; Enter starts the session from any
    /// field, as the hint says.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<Start> {
        let count = FIELDS.len() + usize::from(self.host.is_some());
        let step = match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit(self.request()),
            KeyCode::Tab | KeyCode::Down => 1,
            KeyCode::BackTab | KeyCode::Up => count - 1,
            code => {
                match self.values.get_mut(self.field) {
                    Some(field) => field.on_key(code),
                    None => self.cycle_host(code),
                }
                return Outcome::Continue;
            }
        };
        self.field = (self.field + step) % count;
        if let Some(field) = self.values.get_mut(self.field) {
            field.selection = Selection::All;
        }
        Outcome::Continue
    }

    /// Right or Space picks the next machine, Left the one before. A path the user left as
    /// suggested follows the machine; one they typed stays.
    fn cycle_host(&mut self, code: KeyCode) {
        let Some(host) = &mut self.host else {
            return;
        };
        let count = host.names.len();
        let next = match code {
            KeyCode::Right | KeyCode::Char(' ') => (host.chosen + 1) % count,
            KeyCode::Left => (host.chosen + count - 1) % count,
            _ => return,
        };
        let path = &mut self.values[1];
        if path.text == host.paths[host.chosen] {
            *path = Field::prefilled(host.paths[next].clone());
        }
        host.chosen = next;
    }

    fn request(&self) -> Start {
        let link = self.host.as_ref().map_or(0, |h| h.chosen);
        let new = self.new_session();
        Start { link, new }
    }

    /// `@NAME` as the command picks template NAME; otherwise words split on whitespace.
    fn new_session(&self) -> NewSession {
        let [task, path, command] = self.values.each_ref().map(|f| f.text.as_str());
        let command = command.trim();
        let (template, argv) = match command.strip_prefix('@') {
            Some(name) => (Some(name.trim().to_string()), None),
            None if command.is_empty() => (None, None),
            None => (
                None,
                Some(command.split_whitespace().map(str::to_string).collect()),
            ),
        };
        NewSession {
            task_id: task.trim().to_string(),
            project_path: path.trim().into(),
            command: argv,
            template,
        }
    }
}

/// A name for one pane, shown instead of its task id in this client; empty: the task id again.
#[derive(Debug)]
pub struct RenamePrompt {
    pub session: SessionId,
    /// Filled in with the pane's name, selected: typing replaces it.
    pub name: Field,
}

impl RenamePrompt {
    /// Enter keeps the name, Esc cancels.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<String> {
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit(self.name.text.trim().to_string()),
            code => self.name.on_key(code),
        }
        Outcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;

    fn press(prompt: &mut NewSessionPrompt, codes: &[KeyCode]) -> Option<Start> {
        let mut submitted = None;
        for code in codes {
            if let Outcome::Submit(start) = prompt.on_key(KeyEvent::new(*code, KeyModifiers::NONE))
            {
                submitted = Some(start);
            }
        }
        submitted
    }

    #[test]
    fn the_suggested_path_follows_the_machine_picked_and_a_typed_one_stays() {
        let host = HostChoice {
            names: vec!["local".into(), "box".into()],
            paths: vec!["/here".into(), "/there".into()],
            chosen: 0,
        };
        let mut prompt = NewSessionPrompt::new(Path::new("/here"), "bash", 1, Some(host));
        use KeyCode::*;
        press(&mut prompt, &[Tab, Tab, Tab, Right]);
        assert_eq!(prompt.values[1].text, "/there");
        press(&mut prompt, &[Left]);
        assert_eq!(prompt.values[1].text, "/here");

        press(
            &mut prompt,
            &[Tab, Tab, Char('/'), Char('x'), Tab, Tab, Char(' ')],
        );
        assert_eq!(prompt.values[1].text, "/x", "typed, so it stays");
        let start = press(&mut prompt, &[Enter]).expect("Enter starts it");
        assert_eq!(start.link, 1);
        assert_eq!(start.new.project_path, Path::new("/x"));
    }
}
