//! A pane's border and title: which session it is, what it is doing, whether it wants you.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::session::SessionState;
use crate::tui::attention::Mark;
use crate::tui::render::{short_path, state_glyph, state_style};

/// Longest project path shown in a title, in characters.
const PATH_WIDTH: usize = 30;

/// Shortest shortened path worth showing; with less room the path goes.
const PATH_MIN: usize = 8;

/// Characters of the name kept before the state's word gives way to its glyph alone.
const NAME_MIN: usize = 8;

/// Everything a pane's border shows.
pub struct PaneHeader<'a> {
    /// What the focus-by-number keys call the pane (see `App::pane_number`).
    pub number: u64,
    /// The task id, or the name the user gave the pane.
    pub name: &'a str,
    pub state: SessionState,
    pub project_path: &'a Path,
    pub focused: bool,
    /// Showing history rather than the live screen.
    pub scrolled: bool,
    /// The only pane shown.
    pub zoomed: bool,
    pub mark: Mark,
    /// How the session ended (`exited with code 3`) or the error it is in, shown under its
    /// screen: a terminated or failed session's screen stays, and this says why.
    pub stopped: Option<&'a str>,
    /// Claude Code's cost and context (`$0.42 · ctx 17%`), or empty.
    pub claude: &'a str,
}

impl PaneHeader<'_> {
    /// The border for a pane `width` columns wide. When the title does not fit, the path goes
    /// first, then the name is shortened down to `NAME_MIN` characters; with less room still,
    /// Claude Code's figures go and the state shows as its glyph alone, so that the name stays:
    /// number, name and the state's glyph always show.
    pub fn block(&self, width: u16) -> Block<'static> {
        let room = usize::from(width.saturating_sub(2));
        let mut flags = Vec::new();
        if self.scrolled {
            flags.push(Span::styled(" [scroll]", Style::default().fg(Color::Cyan)));
        }
        if self.zoomed {
            flags.push(Span::styled(" [zoom]", Style::default().fg(Color::Cyan)));
        }
        let claude = (!self.claude.is_empty()).then(|| {
            Span::styled(
                format!(" {}", self.claude),
                Style::default().fg(Color::DarkGray),
            )
        });
        match self.mark {
            Mark::Lit => flags.push(Span::styled(" ◆ ", lit())),
            Mark::Dim => flags.push(Span::styled(" ◆ ", Style::default().fg(Color::Magenta))),
            Mark::None => {}
        }
        let number = Span::raw(format!(" {} ", self.number));
        let glyph = format!(" {}", state_glyph(self.state));
        let word = format!("{glyph} {}", self.state);
        let flags_width = flags.iter().map(Span::width).sum::<usize>();
        let full = number.width() + word.chars().count() + flags_width;
        let with_claude = full + claude.as_ref().map_or(0, Span::width);
        let name_min = self.name.chars().count().min(NAME_MIN);
        let (state, claude, fixed) = if with_claude + name_min <= room {
            (word, claude, with_claude)
        } else if full + name_min <= room {
            (word, None, full)
        } else {
            let fixed = number.width() + glyph.chars().count() + flags_width;
            (glyph, None, fixed)
        };
        let name = shorten(self.name, room.saturating_sub(fixed));
        let used = fixed + name.chars().count();
        let mut title = vec![
            number,
            Span::styled(name, Style::default().add_modifier(Modifier::BOLD)),
            Span::styled(state, state_style(self.state)),
        ];
        title.extend(claude);
        title.extend(flags);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_type(if self.focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(self.border_style())
            .title(Line::from(title));
        // The path's own two spaces of margin, then at least PATH_MIN of it.
        let path_room = room.saturating_sub(used + 2).min(PATH_WIDTH);
        if path_room >= PATH_MIN {
            let path = short_path(self.project_path, path_room);
            block = block.title(Line::from(format!(" {path} ")).right_aligned());
        }
        if let Some(reason) = self.stopped {
            block = block.title_bottom(
                Line::styled(format!(" {reason} "), Style::default().fg(Color::Gray))
                    .left_aligned(),
            );
        }
        block
    }

    fn border_style(&self) -> Style {
        match (self.focused, self.mark) {
            (true, _) => Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            (false, Mark::Lit) => Style::default().fg(Color::Magenta),
            _ => Style::default().fg(Color::DarkGray),
        }
    }
}

fn lit() -> Style {
    Style::default().fg(Color::Black).bg(Color::Magenta)
}

/// `text` in at most `room` characters, cut with an ellipsis.
fn shorten(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let kept: String = text.chars().take(room.saturating_sub(1)).collect();
    if room == 0 {
        kept
    } else {
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    use crate::tui::harness::row;

    fn header(state: SessionState) -> PaneHeader<'static> {
        PaneHeader {
            number: 2,
            name: "api",
            state,
            project_path: Path::new("/srv/work/api"),
            focused: false,
            scrolled: false,
            zoomed: false,
            mark: Mark::None,
            stopped: None,
            claude: "",
        }
    }

    fn render(header: &PaneHeader) -> Buffer {
        render_at(header, 50)
    }

    fn render_at(header: &PaneHeader, width: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, 3)).unwrap();
        terminal
            .draw(|frame| frame.render_widget(header.block(width), frame.area()))
            .unwrap();
        terminal.backend().buffer().clone()
    }

    fn top_row(buf: &Buffer) -> String {
        row(buf, 0).concat()
    }

    /// The colour of the first cell of `word` in the top border.
    fn colour_of(buf: &Buffer, word: &str) -> Color {
        let top = row(buf, 0);
        let x = (0..top.len())
            .find(|&x| top[x..].concat().starts_with(word))
            .unwrap_or_else(|| panic!("`{word}` is not in `{}`", top.concat()));
        buf[(x as u16, 0)].fg
    }

    #[test]
    fn the_title_names_the_pane_its_state_and_its_path() {
        let buf = render(&header(SessionState::WaitingInput));
        let top = top_row(&buf);
        assert!(top.starts_with("┌ 2 api ? waiting_input"), "{top}");
        assert!(top.ends_with(" /srv/work/api ┐"), "{top}");
    }

    #[test]
    fn each_state_has_its_colour() {
        use SessionState::*;
        for (state, colour) in [
            (Initializing, Color::Cyan),
            (Authenticating, Color::Blue),
            (Ready, Color::Green),
            (Busy, Color::Yellow),
            (Idle, Color::Green),
            (WaitingInput, Color::Magenta),
            (Terminating, Color::DarkGray),
            (Terminated, Color::DarkGray),
            (Error, Color::Red),
        ] {
            let buf = render(&header(state));
            assert_eq!(colour_of(&buf, &state.to_string()), colour, "{state}");
        }
    }

    #[test]
    fn the_focused_pane_has_a_thick_bright_border() {
        let focused = render(&PaneHeader {
            focused: true,
            ..header(SessionState::Idle)
        });
        assert_eq!(focused[(0, 1)].symbol(), "┃");
        assert_eq!(focused[(0, 1)].fg, Color::Cyan);
        let other = render(&header(SessionState::Idle));
        assert_eq!(other[(0, 1)].symbol(), "│");
        assert_eq!(other[(0, 1)].fg, Color::DarkGray);
    }

    #[test]
    fn a_lit_mark_colours_the_border_and_a_dim_one_only_the_mark() {
        let lit = render(&PaneHeader {
            mark: Mark::Lit,
            ..header(SessionState::Idle)
        });
        assert!(top_row(&lit).contains("idle ◆"));
        assert_eq!(lit[(0, 1)].fg, Color::Magenta);
        let mark = |buf: &Buffer| {
            let x = (0..buf.area.width).find(|&x| buf[(x, 0)].symbol() == "◆");
            buf[(x.expect("a mark"), 0)].clone()
        };
        assert_eq!(mark(&lit).bg, Color::Magenta);
        let dim = render(&PaneHeader {
            mark: Mark::Dim,
            ..header(SessionState::Idle)
        });
        assert_eq!(
            (mark(&dim).fg, mark(&dim).bg),
            (Color::Magenta, Color::Reset)
        );
        assert_eq!(dim[(0, 1)].fg, Color::DarkGray);
    }

    #[test]
    fn claude_codes_cost_and_context_follow_the_state() {
        let buf = render(&PaneHeader {
            claude: "$0.42 · ctx 17%",
            ..header(SessionState::Idle)
        });
        assert!(
            top_row(&buf).contains("idle $0.42 · ctx 17%"),
            "{}",
            top_row(&buf)
        );
    }

    #[test]
    fn a_scrolled_pane_says_so() {
        let buf = render(&PaneHeader {
            scrolled: true,
            ..header(SessionState::Busy)
        });
        assert!(top_row(&buf).contains("busy [scroll]"));
    }

    #[test]
    fn a_zoomed_pane_says_so() {
        let buf = render(&PaneHeader {
            zoomed: true,
            ..header(SessionState::Idle)
        });
        assert!(top_row(&buf).contains("idle [zoom]"), "{}", top_row(&buf));
    }

    #[test]
    fn a_narrow_title_drops_the_path_then_the_states_word_keeping_the_name() {
        let long_path = PaneHeader {
            project_path: Path::new("/srv/work/a/rather/long/project/path"),
            ..header(SessionState::Busy)
        };
        let top = top_row(&render_at(&long_path, 40));
        assert!(top.starts_with("┌ 2 api ◐ busy"), "{top}");
        assert!(top.ends_with(" …/long/project/path ┐"), "shortened: {top}");
        let top = top_row(&render_at(&long_path, 22));
        assert_eq!(top, "┌ 2 api ◐ busy───────┐", "no room for the path");

        let long_name = PaneHeader {
            name: "refactor-the-parser",
            ..header(SessionState::WaitingInput)
        };
        let top = top_row(&render_at(&long_name, 38));
        assert_eq!(top, "┌ 2 refactor-the-par… ? waiting_input┐");
        // Narrower, the state's word goes before the name would: its glyph stays.
        let top = top_row(&render_at(&long_name, 28));
        assert_eq!(top, "┌ 2 refactor-the-parser ?──┐");
        let top = top_row(&render_at(&long_name, 16));
        assert_eq!(top, "┌ 2 refactor… ?┐");
    }

    #[test]
    fn an_ended_pane_says_why_on_its_bottom_border() {
        let buf = render(&PaneHeader {
            stopped: Some("exited with code 3"),
            ..header(SessionState::Terminated)
        });
        let bottom = row(&buf, 2).concat();
        assert!(bottom.starts_with("└ exited with code 3 ─"), "{bottom}");
    }
}
