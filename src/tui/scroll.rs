//! Scroll mode: browsing a pane's history and searching it with `/`, `n` and `N`. The history
//! is the server's: the client shows the page it asks for (see `App::ask_pages`), and a search
//! runs in the server, which answers with the offset that shows the match.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

use crate::protocol::ClientMessage;
use crate::screen::history::Direction;
use crate::tui::app::{App, Mode};
use crate::tui::pane::Pane as Session;

/// Marks every place `needle` shows in `area`, as scroll mode's search finds it.
pub fn highlight(buf: &mut Buffer, area: Rect, needle: &str) {
    if needle.is_empty() {
        return;
    }
    let marked = Style::default().bg(Color::Yellow).fg(Color::Black);
    for y in area.top()..area.bottom() {
        // Each cell's symbol and where it starts in the row's text, so a match (found in the
        // text) maps back to the cells it covers, wide characters included.
        let mut text = String::new();
        let mut starts = Vec::new();
        for x in area.left()..area.right() {
            starts.push((text.len(), x));
            text.push_str(buf[(x, y)].symbol());
        }
        for (at, _) in text.match_indices(needle) {
            let end = at + needle.len();
            for &(start, x) in &starts {
                if start >= at && start < end {
                    buf[(x, y)].set_style(marked);
                }
            }
        }
    }
}

fn scroll_mode(search: String, typing: bool) -> Mode {
    Mode::Scroll { search, typing }
}

impl App {
    /// Asks for the page each scrolled pane shows, unless it is asked for already.
    pub fn ask_pages(&mut self) {
        let mut asks = Vec::new();
        for pane in &mut self.panes {
            let offset = self.scroll.get(&pane.id()).copied().unwrap_or(0);
            if offset > 0 && pane.asked != Some(offset) {
                pane.asked = Some(offset);
                asks.push(ClientMessage::Page {
                    session: pane.id(),
                    offset,
                });
            }
        }
        for ask in asks {
            self.ask(ask);
        }
    }

    pub(super) fn on_scroll_key(&mut self, key: KeyEvent, search: String, typing: bool) {
        let Some(session) = self.focused() else {
            return;
        };
        self.mode = if typing {
            self.on_search_key(&session, key, search)
        } else if self.selection.is_some() {
            self.on_select_key(&session, key, search)
        } else {
            self.on_browse_key(&session, key, search)
        };
    }

    /// While a search is typed: Enter looks for it, Esc drops it.
    fn on_search_key(&mut self, session: &Session, key: KeyEvent, mut search: String) -> Mode {
        match key.code {
            KeyCode::Enter => {
                self.find(session, &search, true);
                return scroll_mode(search, false);
            }
            KeyCode::Esc => return scroll_mode(String::new(), false),
            KeyCode::Backspace => {
                search.pop();
            }
            KeyCode::Char(c) => search.push(c),
            _ => {}
        }
        scroll_mode(search, true)
    }

    /// Moving through the history; Esc or q goes back to the live screen.
    fn on_browse_key(&mut self, session: &Session, key: KeyEvent, search: String) -> Mode {
        let id = session.id();
        let page = (session.terminal_size().rows as usize)
            .saturating_sub(1)
            .max(1);
        let offset = self.scroll.get(&id).copied().unwrap_or(0);
        let offset = match key.code {
            _ if self
                .keymap
                .keys(crate::config::Action::Select)
                .iter()
                .any(|&chord| crate::keys::chord_matches(chord, key)) =>
            {
                self.start_selection();
                return scroll_mode(search, false);
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                self.scroll.remove(&id);
                // "No more matches" belongs to scroll mode; it does not outlive it.
                self.message = None;
                return Mode::Normal;
            }
            KeyCode::Char('/') => return scroll_mode(String::new(), true),
            KeyCode::Char(c @ ('n' | 'N')) => {
                self.find(session, &search, c == 'n');
                return scroll_mode(search, false);
            }
            KeyCode::Up | KeyCode::Char('k') => offset + 1,
            KeyCode::Down | KeyCode::Char('j') => offset.saturating_sub(1),
            KeyCode::PageUp | KeyCode::Char('b') => offset + page,
            KeyCode::PageDown | KeyCode::Char(' ') => offset.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => usize::MAX,
            KeyCode::Char('G') | KeyCode::End => 0,
            _ => offset,
        };
        let history = session.history_len();
        self.scroll.insert(id, offset.min(history));
        scroll_mode(search, false)
    }

    /// Asks for the next match of `needle` above (`older`) or below the current view; the
    /// answer scrolls to it, or says there is none.
    fn find(&mut self, session: &Session, needle: &str, older: bool) {
        if needle.is_empty() {
            return;
        }
        let offset = self.scroll.get(&session.id()).copied().unwrap_or(0);
        self.ask(ClientMessage::Search {
            session: session.id(),
            needle: needle.to_string(),
            offset,
            direction: if older {
                Direction::Older
            } else {
                Direction::Newer
            },
        });
    }
}
