//! Snapshot tests of rendered panes: a screen fed to the server's terminal as bytes (no
//! process), read as the rows a frame carries, painted with its border as `draw` paints a pane, into a `TestBackend`, and compared with
//! `tests/snapshots/NAME.txt`. `UPDATE_SNAPSHOTS=1 cargo test --lib snapshot` rewrites the
//! files; the diff is then the review.

use std::path::{Path, PathBuf};

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::text::Span;

use crate::screen::styled::rows_of;
use crate::session::{SessionState, TerminalSize};
use crate::tui::app::inner;
use crate::tui::attention::Mark;
use crate::tui::render::paint;
use crate::tui::title::PaneHeader;

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The bytes drawing screen `name` of `tests/fixtures/screens/` (see `tests/profiles.rs`).
fn screen(name: &str) -> Vec<u8> {
    let text =
        std::fs::read_to_string(manifest(&format!("tests/fixtures/screens/{name}.txt"))).unwrap();
    let mut out = b"\x1b[?1049h\x1b[H\x1b[2J".to_vec();
    let rows: Vec<String> = text.lines().map(|l| l.replace('‸', "")).collect();
    out.extend(rows.join("\r\n").as_bytes());
    out
}

/// A pane `width` × `height` showing `bytes` under `header`, as text.
fn render(header: &PaneHeader, bytes: &[u8], width: u16, height: u16) -> String {
    let mut backend = ratatui::Terminal::new(TestBackend::new(width, height)).unwrap();
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let size = TerminalSize {
        cols: inner(area).width,
        rows: inner(area).height,
    };
    let rows = rows_of(size, bytes);
    backend
        .draw(|frame| {
            frame.render_widget(header.block(width), area);
            paint(&rows, inner(area), frame.buffer_mut());
        })
        .unwrap();
    text(backend.backend().buffer())
}

/// A buffer's rows as they look on a terminal: a wide character's second cell is not text.
fn text(buf: &Buffer) -> String {
    let mut rows = Vec::new();
    for y in 0..buf.area.height {
        let (mut row, mut x) = (String::new(), 0);
        while x < buf.area.width {
            let symbol = buf[(x, y)].symbol();
            row.push_str(symbol);
            x += u16::try_from(Span::raw(symbol).width().max(1)).unwrap_or(1);
        }
        rows.push(row);
    }
    rows.join("\n")
}

/// `rendered` is what `tests/snapshots/NAME.txt` holds, or becomes it under `UPDATE_SNAPSHOTS`.
fn assert_snapshot(name: &str, rendered: &str) {
    let path = manifest(&format!("tests/snapshots/{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{rendered}\n")).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; UPDATE_SNAPSHOTS=1 writes it", path.display()));
    assert!(
        expected.trim_end_matches('\n') == rendered,
        "{name} changed; UPDATE_SNAPSHOTS=1 accepts it.\nexpected:\n{expected}\ngot:\n{rendered}"
    );
}

fn header(state: SessionState) -> PaneHeader<'static> {
    PaneHeader {
        number: 1,
        name: "fix-login",
        state,
        project_path: Path::new("/home/me/src/project"),
        focused: true,
        scrolled: false,
        zoomed: false,
        mark: Mark::None,
        stopped: None,
        claude: "",
    }
}

#[test]
fn a_ready_claude_pane() {
    let rendered = render(
        &header(SessionState::Ready),
        &screen("claude_ready"),
        72,
        12,
    );
    assert_snapshot("claude_ready_pane", &rendered);
}

#[test]
fn an_unfocused_claude_pane_asking_permission_with_its_mark_lit() {
    let pane = PaneHeader {
        focused: false,
        mark: Mark::Lit,
        ..header(SessionState::WaitingInput)
    };
    let rendered = render(&pane, &screen("claude_permission"), 60, 16);
    assert_snapshot("claude_permission_pane", &rendered);
}

#[test]
fn a_narrow_pane_that_failed_keeps_its_screen_and_says_why() {
    let pane = PaneHeader {
        stopped: Some("cannot reach the API"),
        ..header(SessionState::Error)
    };
    let rendered = render(&pane, &screen("claude_unreachable"), 30, 6);
    assert_snapshot("narrow_error_pane", &rendered);
}

#[test]
fn wide_characters_take_two_cells_and_the_border_stays_put() {
    let bytes = "\x1b[31m红色\x1b[0m text\r\n\x1b[1mbold\x1b[0m 😀 end".as_bytes();
    let rendered = render(&header(SessionState::Idle), bytes, 24, 4);
    assert_snapshot("wide_characters_pane", &rendered);
}
