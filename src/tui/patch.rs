//! Drawing a frame that changed nothing but rows of panes (an echo) in place: only those rows
//! are painted and compared with what the terminal shows, not the whole screen. Anything else
//! (a box over the panes, a selection, scroll mode, a pane's first or resized frame, anything
//! else waiting to be drawn) takes the full draw.

use ratatui::backend::Backend;
use ratatui::layout::Rect;

use crate::protocol::ServerMessage;
use crate::session::{SessionId, TerminalSize};
use crate::tui::app::{App, Mode, inner};
use crate::tui::canvas::Canvas;
use crate::tui::draw::pane_cursor;
use crate::tui::render::paint;

/// The rows a frame changes, pane by pane.
pub struct Plan(Vec<(SessionId, Vec<u16>)>);

/// The plan for `message`, read before the app takes it, when it can be drawn in place: a
/// frame whose every screen is a pane drawn as it is (on the screen, not scrolled, not down,
/// the same size as before), bringing rows and a cursor and nothing else.
pub fn plan(app: &App, message: &ServerMessage) -> Option<Plan> {
    let ServerMessage::Frame { screens, .. } = message else {
        return None;
    };
    if !matches!(app.mode, Mode::Normal) || app.selection.is_some() {
        return None;
    }
    let rows = screens.iter().map(|(id, frame)| {
        let pane = app.panes.iter().find(|p| p.id() == *id)?;
        let size = TerminalSize {
            cols: frame.cols,
            rows: frame.rows,
        };
        let plain = !frame.full
            && frame.modes.is_none()
            && frame.title.is_none()
            && pane.grid().size == Some(size)
            && app.areas.iter().any(|(shown, _)| shown == id)
            && app.scroll.get(id).is_none_or(|offset| *offset == 0)
            && app
                .link
                .pane_host(*id)
                .is_none_or(|(_, down)| down.is_none());
        plain.then(|| (*id, frame.changed.iter().map(|(row, _)| *row).collect()))
    });
    rows.collect::<Option<Vec<_>>>().map(Plan)
}

/// Draws the rows `plan` names as the app now has them, and the focused pane's cursor.
pub fn draw<B: Backend>(canvas: &mut Canvas<B>, app: &App, plan: Plan) -> Result<(), B::Error> {
    let focused = app.focused().map(|p| p.id());
    for (id, rows) in plan.0 {
        let (Some(pane), Some((_, rect))) = (
            app.panes.iter().find(|p| p.id() == id),
            app.areas.iter().find(|(shown, _)| *shown == id),
        ) else {
            continue;
        };
        let area = inner(*rect);
        let lines = &pane.grid().lines;
        for row in rows.into_iter().filter(|row| *row < area.height) {
            let Some(line) = lines.get(usize::from(row)) else {
                continue;
            };
            let strip = Rect::new(area.x, area.y + row, area.width, 1);
            canvas.patch(strip, |buf| paint(std::slice::from_ref(line), strip, buf))?;
        }
        if Some(id) == focused {
            canvas.place_cursor(pane_cursor(pane, area, 0))?;
        }
    }
    canvas.flush()
}
