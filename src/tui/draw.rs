//! One frame: the panes, the status bar, and any overlay.

use std::time::Instant;

use crate::tui::canvas::Surface;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::Paragraph;

use crate::config::Action;
use crate::session::SessionState;
use crate::tui::app::{App, Mode, inner};
use crate::tui::layout::pane_areas;
use crate::tui::link::draw_down;
use crate::tui::overlay;
use crate::tui::pane::Pane as Session;
use crate::tui::render::paint;
use crate::tui::status_bar::status_line;
use crate::tui::title::PaneHeader;

/// Draws everything; returns when the picture will change by itself (a flashing mark), so the
/// loop can wake for it.
pub fn draw(frame: &mut Surface, app: &mut App) -> Option<Instant> {
    let area = frame.area();
    let (main, status) = (
        Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1)),
        Rect::new(
            area.x,
            area.y + area.height.saturating_sub(1),
            area.width,
            1.min(area.height),
        ),
    );
    let sessions = app.sessions();
    let focused = app.focused().map(|s| s.id());
    let shown: Vec<&Session> = if app.zoom {
        sessions
            .iter()
            .filter(|s| Some(s.id()) == focused)
            .collect()
    } else {
        sessions.iter().collect()
    };
    let rects = pane_areas(main, shown.len(), app.layout, &app.weights);
    app.areas = shown
        .iter()
        .zip(&rects)
        .map(|(s, r)| (s.id(), *r))
        .collect();
    let now = Instant::now();
    let mut recheck = app.attention.next_change(now);
    for (session, rect) in shown.iter().zip(rects) {
        let is_focused = Some(session.id()) == focused;
        let stopped = matches!(
            session.state(),
            SessionState::Terminated | SessionState::Error
        );
        let claude = session.claude_summary();
        // A pane of another machine's session says which machine.
        let host = app.link.pane_host(session.id());
        let name = match host {
            Some((host, _)) => format!("{host}: {}", app.name(session)),
            None => app.name(session).to_string(),
        };
        let header = PaneHeader {
            number: app.pane_number(session.id()),
            name: &name,
            state: session.state(),
            project_path: session.project_path(),
            focused: is_focused,
            scrolled: app.scroll.get(&session.id()).is_some_and(|o| *o > 0),
            zoomed: app.zoom,
            mark: app.attention.mark(session.id(), now),
            stopped: stopped.then(|| session.state_reason()),
            claude: &claude,
        };
        frame.render_widget(header.block(rect.width), rect);
        draw_pane(frame, app, session, inner(rect), is_focused);
        if let Some((host, Some(since))) = host {
            let next = draw_down(frame, rect, inner(rect), host, since);
            recheck = Some(recheck.map_or(next, |r| r.min(next)));
        }
    }
    if sessions.is_empty() {
        let (prefix, keymap) = (app.config.ui.prefix, &app.keymap);
        let hint = format!(
            "No sessions. {prefix} {} starts one; {prefix} {} quits.",
            keymap.key_label(Action::New),
            keymap.key_label(Action::Quit)
        );
        frame.render_widget(
            Paragraph::new(hint).style(Style::default().fg(Color::DarkGray)),
            main,
        );
    }
    frame.render_widget(status_line(app, &sessions), status);
    overlay::draw(frame, app);
    app.frames += 1;
    recheck
}

/// Draws a pane's screen as the server last sent it (or the page of history it is scrolled to).
fn draw_pane(frame: &mut Surface, app: &App, session: &Session, area: Rect, focused: bool) {
    let offset = app.scroll.get(&session.id()).copied().unwrap_or(0);
    paint(session.rows(offset), area, frame.buffer_mut());
    if focused && let Some(cursor) = pane_cursor(session, area, offset) {
        frame.set_cursor_position(cursor);
    }
    if let Mode::Scroll { search, .. } = &app.mode
        && focused
    {
        crate::tui::scroll::highlight(frame.buffer_mut(), area, search);
    }
    if let Some(selection) = app.selection.filter(|s| s.pane == session.id()) {
        let top = crate::tui::select::view_top(session, offset);
        let keyboard = matches!(app.mode, Mode::Scroll { .. });
        crate::tui::select::highlight(frame.buffer_mut(), area, top, &selection, keyboard);
    }
}

/// Where a focused pane drawn in `area`, scrolled `offset` rows up, shows its cursor.
pub fn pane_cursor(session: &Session, area: Rect, offset: usize) -> Option<Position> {
    let cursor = session.grid().cursor.filter(|c| c.visible)?;
    (offset == 0 && cursor.row < area.height && cursor.col < area.width)
        .then(|| Position::new(area.x + cursor.col, area.y + cursor.row))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::schedule::SYNC_LIMIT;
    use crate::tui::harness::{Harness, screen_has, wait_for};

    #[tokio::test]
    async fn a_pane_mid_update_shows_its_last_whole_frame_until_the_limit() {
        let mut h = Harness::start(&[
            "printf 'whole-frame'; sleep 0.3; printf '\\033[?2026h\\033[2J\\033[Hhalf'; sleep 30",
        ])
        .await;
        wait_for(&h.sessions[0], |s| screen_has(s, "whole-frame")).await;
        let (text, recheck) = h.frame().await;
        assert!(text.contains("whole-frame") && recheck.is_none(), "{text}");

        wait_for(&h.sessions[0], |s| screen_has(s, "half")).await;
        let (text, recheck) = h.frame().await;
        assert!(text.contains("whole-frame"), "held back:\n{text}");
        assert!(!text.contains("half"), "no half-drawn frame:\n{text}");
        assert!(
            recheck.is_none(),
            "the server sends the screen when the hold ends"
        );

        tokio::time::sleep(SYNC_LIMIT).await;
        let (text, _) = h.frame().await;
        assert!(
            text.contains("half") && !text.contains("whole-frame"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn an_ended_pane_keeps_its_last_screen_and_says_how_it_ended() {
        let mut h = Harness::start(&[
            "printf 'last words'; exit 3",
            "printf 'cut short'; kill -KILL $$",
        ])
        .await;
        for session in &h.sessions {
            wait_for(session, |s| s.state() == SessionState::Terminated).await;
        }
        let (text, recheck) = h.frame().await;
        assert!(
            text.contains("last words") && text.contains("cut short"),
            "{text}"
        );
        assert!(text.contains("1 t1 ○ terminated"), "{text}");
        let bottom = text.lines().nth(10).unwrap();
        assert!(bottom.contains(" exited with code 3 "), "{text}");
        assert!(bottom.contains(" killed by SIGKILL "), "{text}");
        assert!(recheck.is_none(), "nothing left to wait for");
    }

    #[tokio::test]
    async fn zoom_shows_in_the_title_and_the_status_bar() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        h.press(&["ctrl-a", "z"]);
        let (text, _) = h.frame().await;
        let (top, bar) = (text.lines().next().unwrap(), text.lines().last().unwrap());
        assert!(top.contains("1 t1") && top.contains("[zoom]"), "{text}");
        assert!(bar.contains("[zoom]"), "{text}");
        h.press(&["ctrl-a", "z"]);
        let (text, _) = h.frame().await;
        assert!(!text.contains("[zoom]"), "{text}");
    }

    #[tokio::test]
    async fn narrow_panes_show_number_task_and_state_before_the_path() {
        let mut h = Harness::start(&["sleep 30", "sleep 30", "sleep 30", "sleep 30"]).await;
        for session in &h.sessions {
            wait_for(session, |s| s.state() == SessionState::Ready).await;
        }
        // Columns: four panes of 20 columns.
        h.press(&["ctrl-a", "space"]);
        let (text, _) = h.frame().await;
        let top = text.lines().next().unwrap();
        for n in 1..=4 {
            assert!(top.contains(&format!(" {n} t{n} ● ready")), "{top}");
        }
    }

    #[tokio::test]
    async fn the_real_cursor_sits_where_the_focused_program_has_it_unless_hidden() {
        let mut h =
            Harness::start(&["printf 'ab\\ncd'; sleep 0.3; printf '\\033[?25l'; sleep 30"]).await;
        wait_for(&h.sessions[0], |s| screen_has(s, "cd")).await;
        h.frame().await;
        let backend = h.terminal.backend();
        assert!(backend.cursor_visible());
        // Row 1, column 2 of the screen, inside the pane's border.
        assert_eq!(backend.cursor_position(), Position::new(3, 2));

        wait_for(&h.sessions[0], |s| {
            s.terminal().lock().screen().hide_cursor()
        })
        .await;
        h.frame().await;
        assert!(!h.terminal.backend().cursor_visible());
    }

    #[tokio::test]
    async fn scroll_mode_marks_the_matches_and_says_when_there_are_no_more() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut h =
            Harness::start(&["for i in 1 2 3; do echo \"row $i needle\"; done; sleep 30"]).await;
        wait_for(&h.sessions[0], |s| screen_has(s, "row 3 needle")).await;
        h.frame().await;
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
        h.app.on_key(ctrl_a);
        h.app.on_key(key('['));
        h.app.on_key(key('/'));
        for c in "needle".chars() {
            h.app.on_key(key(c));
        }
        h.app
            .on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let (text, _) = h.frame().await;
        let buf = h.terminal.backend().buffer();
        let row = text
            .lines()
            .position(|l| l.contains("row 1 needle"))
            .unwrap() as u16;
        let at = text
            .lines()
            .nth(row as usize)
            .unwrap()
            .chars()
            .position(|c| c == 'n')
            .unwrap() as u16;
        assert_eq!(
            buf[(at, row)].bg,
            Color::Yellow,
            "the match is marked:\n{text}"
        );
        assert_ne!(buf[(at - 2, row)].bg, Color::Yellow, "its neighbour is not");

        // Everything is on screen: there is nothing older to go to.
        h.app.on_key(key('n'));
        let (text, _) = h.frame().await;
        let bar = text.lines().last().unwrap();
        assert!(
            bar.contains("no more matches"),
            "said inside scroll mode: {bar}"
        );
        h.app.on_key(key('q'));
        let (text, _) = h.frame().await;
        assert!(
            !text.lines().last().unwrap().contains("no more matches"),
            "not after it"
        );
    }
}
