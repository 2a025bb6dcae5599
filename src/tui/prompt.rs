//! The TUI's prompts: a new session's task id, project path and command, with defaults filled
//! in; a pane's name.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent};

use crate::protocol::NewSession;
use crate::session::SessionId;

pub const FIELDS: [&str; 3] = ["task id", "path", "command"];

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
    pub field: usize,
}

/// What a key did to a prompt.
pub enum Outcome<T> {
    Continue,
    Cancel,
    Submit(T),
}

impl NewSessionPrompt {
    pub fn new(cwd: &Path, command: &str, number: usize) -> Self {
        Self {
            values: [
                Field::prefilled(format!("task-{number}")),
                Field::prefilled(cwd.display().to_string()),
                Field::prefilled(command),
            ],
            field: 0,
        }
    }

    /// Tab/Shift-Tab (or the arrows) move between fields, selecting the one entered; Enter
    /// starts the session from any field, as the hint says.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<NewSession> {
        let step = match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit(self.request()),
            KeyCode::Tab | KeyCode::Down => 1,
            KeyCode::BackTab | KeyCode::Up => FIELDS.len() - 1,
            code => {
                self.values[self.field].on_key(code);
                return Outcome::Continue;
            }
        };
        self.field = (self.field + step) % FIELDS.len();
        self.values[self.field].selection = Selection::All;
        Outcome::Continue
    }

    /// `@NAME` as the command picks template NAME; otherwise words split on whitespace.
    fn request(&self) -> NewSession {
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
