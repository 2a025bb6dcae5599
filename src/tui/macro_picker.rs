//! The macro picker: the config's `[macros.NAME]`, one to run on the focused pane.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::config::Config;
use crate::session::SessionId;
use crate::tui::prompt::Outcome;

#[derive(Debug)]
pub struct MacroPicker {
    /// The pane the macro will run on: the one focused when the picker opened.
    pub session: SessionId,
    /// Each macro's name and step count, sorted by name.
    pub macros: Vec<(String, usize)>,
    pub selected: usize,
}

impl MacroPicker {
    /// `None` when the config has no macros.
    pub fn new(config: &Config, session: SessionId) -> Option<Self> {
        let macros: Vec<(String, usize)> = config
            .macros
            .iter()
            .map(|(name, spec)| (name.clone(), spec.steps.len()))
            .collect();
        (!macros.is_empty()).then_some(Self {
            session,
            macros,
            selected: 0,
        })
    }

    /// ↑↓ (or k j) choose, Enter runs, 1–9 run that one, Esc cancels.
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome<String> {
        let last = self.macros.len() - 1;
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(last),
            KeyCode::Enter => return Outcome::Submit(self.macros[self.selected].0.clone()),
            KeyCode::Char(c @ '1'..='9') => {
                let index = usize::from(c as u8 - b'1');
                if let Some((name, _)) = self.macros.get(index) {
                    return Outcome::Submit(name.clone());
                }
            }
            KeyCode::Esc | KeyCode::Char('q') => return Outcome::Cancel,
            _ => {}
        }
        Outcome::Continue
    }

    pub fn lines(&self) -> Vec<Line<'static>> {
        self.macros
            .iter()
            .enumerate()
            .map(|(i, (name, steps))| {
                let style = if i == self.selected {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                Line::from(vec![
                    Span::raw(format!("{:>2} ", i + 1)),
                    Span::styled(name.clone(), style),
                    Span::raw(format!("  ({steps} steps)")),
                ])
            })
            .collect()
    }
}
