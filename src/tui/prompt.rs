//! The TUI's prompts: a new session's task id, project path and command, with defaults filled
//! in; a pane's name.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent};

use crate::protocol::NewSession;
use crate::session::SessionId;

pub const FIELDS: [&str; 3] = ["task id", "path", "command"];

#[derive(Debug)]
pub struct NewSessionPrompt {
    pub values: [String; 3],
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
                format!("task-{number}"),
                cwd.display().to_string(),
                command.to_string(),
            ],
            field: 0,
        }
    }

    /// Tab/Shift-Tab move between fields; Enter on the last one (or Ctrl-Enter) submits.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<NewSession> {
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Tab | KeyCode::Down => self.field = (self.field + 1) % FIELDS.len(),
            KeyCode::BackTab | KeyCode::Up => {
                self.field = (self.field + FIELDS.len() - 1) % FIELDS.len()
            }
            KeyCode::Enter if self.field + 1 < FIELDS.len() => self.field += 1,
            KeyCode::Enter => return Outcome::Submit(self.request()),
            KeyCode::Backspace => {
                self.values[self.field].pop();
            }
            KeyCode::Char(c) => self.values[self.field].push(c),
            _ => {}
        }
        Outcome::Continue
    }

    /// `@NAME` as the command picks template NAME; otherwise words split on whitespace.
    fn request(&self) -> NewSession {
        let [task, path, command] = &self.values;
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
    pub name: String,
}

impl RenamePrompt {
    /// Enter keeps the name, Esc cancels.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<String> {
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Enter => return Outcome::Submit(self.name.trim().to_string()),
            KeyCode::Backspace => {
                self.name.pop();
            }
            KeyCode::Char(c) => self.name.push(c),
            _ => {}
        }
        Outcome::Continue
    }
}
