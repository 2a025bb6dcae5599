//! One frame: the panes, the status bar, and any overlay.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget};

use crate::session::{Session, SessionId};
use crate::tui::app::{App, Mode, inner};
use crate::tui::layout::pane_areas;
use crate::tui::prompt::FIELDS;
use crate::tui::render::{draw_screen, short_path, state_glyph, state_style};

/// How long a pane mid-way through a synchronized update keeps showing its previous frame.
pub const SYNC_LIMIT: Duration = Duration::from_millis(150);

/// The last complete picture of each pane, shown while its program is mid-update.
#[derive(Default)]
pub struct PaneCache {
    frames: HashMap<SessionId, Buffer>,
}

/// Draws everything; returns when a pane held back by a synchronized update must be redrawn.
pub fn draw(frame: &mut Frame, app: &mut App, cache: &mut PaneCache) -> Option<Instant> {
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
    let ratio = if app.ratio > 0.0 {
        app.ratio
    } else {
        app.even_ratio(shown.len())
    };
    let rects = pane_areas(main, shown.len(), app.layout, ratio);
    app.panes = shown
        .iter()
        .zip(&rects)
        .map(|(s, r)| (s.id(), *r))
        .collect();
    cache
        .frames
        .retain(|id, _| sessions.iter().any(|s| s.id() == *id));

    let mut recheck = None;
    for (session, rect) in shown.iter().zip(rects) {
        let index = sessions
            .iter()
            .position(|s| s.id() == session.id())
            .unwrap_or(0)
            + 1;
        let is_focused = Some(session.id()) == focused;
        frame.render_widget(pane_block(app, session, index, is_focused), rect);
        let held = draw_pane(frame, app, session, inner(rect), is_focused, cache);
        recheck = recheck.into_iter().chain(held).min();
    }
    if sessions.is_empty() {
        let hint = format!(
            "No sessions. {} c starts one; {} q quits.",
            app.config.ui.prefix, app.config.ui.prefix
        );
        frame.render_widget(
            Paragraph::new(hint).style(Style::default().fg(Color::DarkGray)),
            main,
        );
    }
    frame.render_widget(status_line(app, &sessions), status);
    match &app.mode {
        Mode::Help => help(frame, app),
        Mode::NewSession(prompt) => {
            let area = centered(frame.area(), 70, 7);
            frame.render_widget(Clear, area);
            let lines: Vec<Line> = FIELDS
                .iter()
                .zip(&prompt.values)
                .enumerate()
                .map(|(i, (name, value))| {
                    let style = if i == prompt.field {
                        Style::default().add_modifier(Modifier::REVERSED)
                    } else {
                        Style::default()
                    };
                    Line::from(vec![
                        Span::raw(format!("{name:>8}: ")),
                        Span::styled(value.clone(), style),
                    ])
                })
                .chain([
                    Line::raw(""),
                    Line::styled(
                        "Tab next field · Enter start · Esc cancel · command @NAME uses a template",
                        Style::default().fg(Color::DarkGray),
                    ),
                ])
                .collect();
            let block = Block::bordered()
                .title(" new session ")
                .border_type(BorderType::Rounded);
            frame.render_widget(Paragraph::new(lines).block(block), area);
        }
        _ => {}
    }
    app.frames += 1;
    recheck
}

fn pane_block<'a>(app: &App, session: &Session, index: usize, focused: bool) -> Block<'a> {
    let status = session.status();
    let attention = app.attention.contains(&session.id());
    let mut title = vec![
        Span::raw(format!(" {index} ")),
        Span::styled(
            session.task_id().to_string(),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(" "),
        Span::styled(
            format!("{} {}", state_glyph(status.state), status.state),
            state_style(status.state),
        ),
    ];
    if app.scroll.get(&session.id()).is_some_and(|o| *o > 0) {
        title.push(Span::styled(" [scroll]", Style::default().fg(Color::Cyan)));
    }
    if attention {
        title.push(Span::styled(
            " ◆ ",
            Style::default().fg(Color::Black).bg(Color::Magenta),
        ));
    }
    let path = short_path(&session.info().project_path, 30);
    let border = if focused {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else if attention {
        Style::default().fg(Color::Magenta)
    } else {
        Style::default().fg(Color::DarkGray)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(title))
        .title(Line::from(format!(" {path} ")).right_aligned())
}

/// Draws a pane's screen (or its cached frame while the program is mid-update).
fn draw_pane(
    frame: &mut Frame,
    app: &App,
    session: &Session,
    area: Rect,
    focused: bool,
    cache: &mut PaneCache,
) -> Option<Instant> {
    let offset = app.scroll.get(&session.id()).copied().unwrap_or(0);
    let mut terminal = session.terminal().lock();
    if let Some(since) = terminal.synchronized_since()
        && since.elapsed() < SYNC_LIMIT
        && let Some(old) = cache.frames.get(&session.id())
        && old.area == area
    {
        frame.buffer_mut().merge(old);
        return Some(since + SYNC_LIMIT);
    }
    terminal.screen_mut().set_scrollback(offset);
    let screen = terminal.screen();
    let buf = frame.buffer_mut();
    draw_screen(screen, area, buf);
    if focused && offset == 0 && !screen.hide_cursor() {
        let (row, col) = screen.cursor_position();
        if row < area.height && col < area.width {
            frame.set_cursor_position(Position::new(area.x + col, area.y + row));
        }
    }
    terminal.screen_mut().set_scrollback(0);
    let mut copy = Buffer::empty(area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            copy[(x, y)] = frame.buffer_mut()[(x, y)].clone();
        }
    }
    cache.frames.insert(session.id(), copy);
    None
}

fn status_line<'a>(app: &App, sessions: &[Session]) -> Paragraph<'a> {
    let mut spans = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let focused = app.focused().map(|s| s.id());
    for (i, s) in sessions.iter().enumerate() {
        let state = s.state();
        *counts.entry(state.to_string()).or_default() += 1;
        let mut style = state_style(state);
        if focused == Some(s.id()) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        spans.push(Span::styled(
            format!(" {}{}:{} ", state_glyph(state), i + 1, s.task_id()),
            style,
        ));
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect();
    spans.push(Span::styled(
        format!(" {} ", summary.join(" · ")),
        Style::default().fg(Color::DarkGray),
    ));
    let hint = match &app.mode {
        Mode::Prefix => "c new · x close · i interrupt · ←↑↓→ focus · 1-9 · z zoom · space layout · < > resize · [ scroll · ? help · q quit".to_string(),
        Mode::Scroll { search, typing: true } => format!("search: {search}▏"),
        Mode::Scroll { .. } => "scroll: ↑↓ PgUp PgDn g G · / search · n N · q leave".to_string(),
        _ => app.message.clone().unwrap_or_else(|| format!("{} ? help", app.config.ui.prefix)),
    };
    spans.push(Span::styled(
        format!(" {hint} "),
        Style::default().fg(Color::White),
    ));
    if let Some(addr) = app.api_addr {
        spans.push(Span::styled(
            format!(" api {addr} "),
            Style::default().fg(Color::DarkGray),
        ));
    }
    Paragraph::new(Line::from(spans)).style(Style::default().bg(Color::Indexed(235)))
}

fn help(frame: &mut Frame, app: &App) {
    let prefix = app.config.ui.prefix;
    let rows = [
        ("c", "new session (task, path, command)"),
        ("x", "close the focused pane (ends its session)"),
        ("i", "interrupt (Esc for Claude Code, Ctrl-C otherwise)"),
        ("←↑↓→ / hjkl", "focus the pane in that direction"),
        ("1-9, n, p", "focus by number, next, previous"),
        ("z", "zoom the focused pane"),
        ("space", "cycle layout: grid, columns, rows"),
        ("< >", "shrink / grow the first column or row"),
        ("[", "scroll mode: history, / search, n N, q leaves"),
        ("?", "this help"),
        ("q", "quit (asks when sessions are working)"),
    ];
    let mut lines = vec![Line::from(format!("Press {prefix}, then:")), Line::raw("")];
    lines.extend(rows.iter().map(|(k, what)| {
        Line::from(vec![
            Span::styled(format!("{k:>12}  "), Style::default().fg(Color::Cyan)),
            Span::raw(*what),
        ])
    }));
    lines.push(Line::raw(""));
    lines.push(Line::from(format!(
        "{prefix} twice sends {prefix} to the pane. Any key closes this."
    )));
    let area = centered(frame.area(), 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    Paragraph::new(lines)
        .block(
            Block::bordered()
                .title(" ccmux keys ")
                .border_type(BorderType::Rounded),
        )
        .render(area, frame.buffer_mut());
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
