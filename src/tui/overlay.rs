//! Boxes drawn over the panes: help, the new-session prompt and the rename prompt. Each box is
//! as wide as its text, and the text wraps when the screen is narrower than that.

use crate::tui::canvas::Surface;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph};

use crate::tui::app::{App, Mode};
use crate::tui::prompt::{
    FIELDS, Field, HOST_FIELD, HostChoice, NewSessionPrompt, RenamePrompt, Selection,
};

/// Columns a box takes besides its text: a border and a space each side.
const FRAME: u16 = 4;

/// Draws the box the mode calls for, if any.
pub fn draw(frame: &mut Surface, app: &mut App) {
    let room = usize::from(frame.area().width.saturating_sub(FRAME));
    match &app.mode {
        Mode::Help { top } => {
            let top = *top;
            let lines = help(app, room);
            let shown = show(
                frame,
                " ccmux keys ",
                lines,
                " ↑↓ scroll · other keys close ",
                top,
            );
            // Scrolling past the end stops there, so the way back up is as long.
            app.mode = Mode::Help { top: shown };
        }
        Mode::NewSession(prompt) => {
            show(frame, " new session ", new_session(prompt, room), "", 0);
        }
        Mode::Rename(prompt) => {
            let title = format!(" rename pane {} ", app.pane_number(prompt.session));
            show(frame, &title, rename(prompt, room), "", 0);
        }
        Mode::Macro(picker) => {
            let title = format!(" run a macro on pane {} ", app.pane_number(picker.session));
            let bottom = " ↑↓ choose · Enter run · Esc cancel ";
            show(frame, &title, picker.lines(), bottom, 0);
        }
        _ => {}
    }
}

/// One row per action, with its keys, in the keymap's order.
fn help(app: &App, room: usize) -> Vec<Line<'static>> {
    let prefix = app.config.ui.prefix;
    let mut rows: Vec<(String, &str)> = app
        .keymap
        .iter()
        .map(|(action, keys)| {
            let keys: Vec<String> = keys.iter().map(|k| k.label()).collect();
            (keys.join(" "), action.description())
        })
        .collect();
    rows.push(("1-9".to_string(), "focus the pane with that number"));
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let key_style = Style::default().fg(Color::Cyan);
    let mut lines = plain(&format!("Press {prefix}, then:"), room, Style::default());
    lines.push(Line::raw(""));
    for (keys, what) in rows {
        for (i, part) in wrap(what, room.saturating_sub(key_width + 2))
            .into_iter()
            .enumerate()
        {
            let keys = if i == 0 { keys.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:>key_width$}  "), key_style),
                Span::raw(part),
            ]));
        }
    }
    lines.push(Line::raw(""));
    let twice = format!("{prefix} twice sends {prefix} to the pane.");
    lines.extend(plain(&twice, room, Style::default()));
    lines
}

fn new_session(prompt: &NewSessionPrompt, room: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = FIELDS
        .iter()
        .zip(&prompt.values)
        .enumerate()
        .map(|(i, (name, value))| {
            let mut line = vec![Span::raw(format!("{name:>8}: "))];
            if i == prompt.field {
                line.extend(editing(value));
            } else {
                line.push(Span::raw(value.text.clone()));
            }
            Line::from(line)
        })
        .collect();
    if let Some(host) = &prompt.host {
        lines.push(host_line(host, prompt.field == FIELDS.len()));
    }
    lines.push(Line::raw(""));
    let mut keys =
        "Tab next field · typing replaces a selected value · Enter start · Esc cancel · \
                    command @NAME uses a template"
            .to_string();
    if prompt.host.is_some() {
        keys.push_str(" · ←→ on host picks the machine");
    }
    lines.extend(plain(&keys, room, Style::default().fg(Color::DarkGray)));
    lines
}

/// `host: [local]  box  gpu`: every machine, the chosen one in brackets (and reversed while
/// the field is edited).
fn host_line(host: &HostChoice, editing: bool) -> Line<'static> {
    let mut line = vec![Span::raw(format!("{HOST_FIELD:>8}: "))];
    for (link, name) in host.names.iter().enumerate() {
        if link > 0 {
            line.push(Span::raw("  "));
        }
        if link == host.chosen {
            let style = if editing {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            };
            line.push(Span::styled(format!("[{name}]"), style));
        } else {
            line.push(Span::raw(name.clone()));
        }
    }
    Line::from(line)
}

fn rename(prompt: &RenamePrompt, room: usize) -> Vec<Line<'static>> {
    let mut name = vec![Span::raw("name: ")];
    name.extend(editing(&prompt.name));
    let mut lines = vec![Line::from(name), Line::raw("")];
    let keys = "Enter keeps it · Esc cancels · empty: the task id again";
    lines.extend(plain(keys, room, Style::default().fg(Color::DarkGray)));
    lines
}

/// The field being edited: its text shown selected (reversed), or followed by the caret.
fn editing(field: &Field) -> Vec<Span<'static>> {
    match field.selection {
        Selection::All => vec![Span::styled(
            field.text.clone(),
            Style::default().add_modifier(Modifier::REVERSED),
        )],
        Selection::None => vec![Span::raw(field.text.clone()), Span::raw("▏")],
    }
}

/// Draws `lines` centred in a box as big as they are, as far as the screen allows, from line
/// `top` on; returns the line shown first, `top` or less when fewer lines are left below.
fn show(
    frame: &mut Surface,
    title: &str,
    lines: Vec<Line<'static>>,
    bottom: &str,
    top: u16,
) -> u16 {
    let text_width = lines
        .iter()
        .map(Line::width)
        .chain([title, bottom].map(|t| t.chars().count()))
        .max()
        .unwrap_or(0);
    let height = lines.len() as u16 + 2;
    let area = centered(frame.area(), text_width as u16 + FRAME, height);
    let top = top.min(height - area.height);
    let block = Block::bordered()
        .title(title.to_string())
        .title_bottom(bottom.to_string())
        .border_type(BorderType::Rounded)
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((top, 0)), area);
    top
}

/// `text` wrapped to `room` columns, each line in `style`.
fn plain(text: &str, room: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, room)
        .into_iter()
        .map(|line| Line::styled(line, style))
        .collect()
}

/// `text` in lines of at most `room` characters, broken at spaces; a longer word is cut.
fn wrap(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= room {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            lines.push(word.drain(..room).collect());
        }
    }
    lines.push(line);
    lines
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::harness::Harness;

    /// The text inside the box whose top border holds `title`, rows joined by spaces.
    fn boxed_text(screen: &str, title: &str) -> String {
        let lines: Vec<&str> = screen.lines().collect();
        let top = lines
            .iter()
            .position(|l| l.contains(title))
            .expect("the box");
        lines[top + 1..]
            .iter()
            .take_while(|l| !l.contains('╰'))
            .map(|l| l.split('│').nth(1).unwrap_or("").trim())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[tokio::test]
    async fn the_help_box_holds_its_text_whole_and_wraps_on_a_narrow_screen() {
        let mut h = Harness::start(&["sleep 30"]).await;
        h.press(&["ctrl-a", "?"]);
        for (cols, rows) in [(100, 40), (44, 60)] {
            h.resize(cols, rows);
            let (text, _) = h.frame().await;
            let help = boxed_text(&text, "ccmux keys");
            for whole in [
                "interrupt (Esc for Claude Code, Ctrl-C otherwise)",
                "ctrl-a twice sends ctrl-a to the pane.",
            ] {
                let words: Vec<&str> = whole.split(' ').collect();
                let found: Vec<&str> = help.split_whitespace().collect();
                assert!(
                    found.windows(words.len()).any(|w| w == words.as_slice()),
                    "{cols} columns: `{whole}` in\n{text}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_help_taller_than_the_screen_scrolls() {
        let mut h = Harness::start(&["sleep 30"]).await;
        h.resize(100, 12);
        h.press(&["ctrl-a", "?"]);
        let (text, _) = h.frame().await;
        assert!(text.contains("Press ctrl-a, then:") && !text.contains("end this workspace"));
        for _ in 0..40 {
            h.press(&["down"]);
        }
        let (text, _) = h.frame().await;
        assert!(text.contains("end this workspace") && !text.contains("Press ctrl-a"));
        h.press(&["up"]);
        let (text, _) = h.frame().await;
        assert!(
            !text.contains("ctrl-a twice"),
            "one line up from the end:\n{text}"
        );
        h.press(&["x"]);
        let (text, _) = h.frame().await;
        assert!(!text.contains("ccmux keys"), "any other key closes it");
    }

    #[tokio::test]
    async fn the_new_session_box_holds_its_footer_whole() {
        let mut h = Harness::start(&["sleep 30"]).await;
        h.press(&["ctrl-a", "c"]);
        for cols in [100, 50] {
            h.resize(cols, 20);
            let (text, _) = h.frame().await;
            let prompt = boxed_text(&text, "new session");
            assert!(
                prompt.contains("Esc cancel · command @NAME uses a template"),
                "{cols} columns:\n{text}"
            );
        }
    }

    #[test]
    fn text_wraps_at_spaces_and_cuts_only_longer_words() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
        assert_eq!(wrap("fits", 10), ["fits"]);
    }
}
