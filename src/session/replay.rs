//! Bytes that rebuild a terminal elsewhere: what a client that attaches (or falls behind and
//! resyncs) is sent before the live output, so its own parser shows what the session's shows.
//!
//! vt100 can format its visible state as escape codes but the history is ours, so the history
//! goes first as lines with colours (they scroll off the top as a real terminal's would), then
//! the screen, its modes and the cursor are drawn over them.

use crate::session::terminal::Terminal;

/// Reproduces `terminal`'s history, screen, cursor and input modes when fed to a fresh
/// terminal of the same size and scrollback.
pub fn replay(terminal: &Terminal) -> Vec<u8> {
    let screen = terminal.screen();
    let mut out = String::new();
    // The history scrolls off the top as a real terminal's would: its rows, then the screen's
    // (blank rows while the alternate screen hides the primary one), which the screen's own
    // state is then drawn over.
    terminal.write_history(&mut out);
    if screen.alternate_screen() {
        out.push_str(&"\r\n".repeat(usize::from(terminal.size().rows) - 1));
        out.push_str("\x1b[?1049h");
    } else {
        let mut rows = String::new();
        // Writing to a String cannot fail.
        let _ = screen.write_contents_formatted_basic(
            &mut rows,
            vt100::capture::BasicFormattedCaptureRange::Visible,
        );
        out.push_str("\x1b[m");
        out.push_str(&rows.replace('\n', "\r\n"));
        out.push_str("\x1b[0m");
    }
    out.push_str(&screen.state_formatted());
    if terminal.focus_reporting() {
        out.push_str("\x1b[?1004h");
    }
    if terminal.synchronized_since().is_some() {
        out.push_str("\x1b[?2026h");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::config::TerminalSize;

    fn fed(bytes: &[u8]) -> Terminal {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 4 }, 100);
        t.process(bytes);
        t
    }

    fn rebuilt(original: &Terminal) -> Terminal {
        fed(&replay(original))
    }

    #[test]
    fn the_screen_cursor_and_colours_come_back() {
        let original = fed(b"plain\r\n\x1b[31mred\x1b[0m\r\nab\x1b[1D");
        let copy = rebuilt(&original);
        assert_eq!(copy.lines(), original.lines());
        assert_eq!(
            copy.screen().cursor_position(),
            original.screen().cursor_position()
        );
        let red = copy.screen().cell(1, 0).unwrap();
        assert_eq!(red.fgcolor(), vt100::Color::Idx(1));
    }

    #[test]
    fn history_comes_back_oldest_first_with_its_colours() {
        let mut bytes = b"\x1b[32mfirst\x1b[0m\r\n".to_vec();
        for i in 0..10 {
            bytes.extend(format!("line{i}\r\n").as_bytes());
        }
        let original = fed(&bytes);
        let copy = rebuilt(&original);
        assert_eq!(copy.lines(), original.lines());
        assert_eq!(copy.lines_with_history(), original.lines_with_history());
        let view = copy.scrolled(usize::MAX).unwrap();
        let first = view.screen().cell(0, 0).unwrap();
        assert_eq!(first.contents(), "f");
        assert_eq!(first.fgcolor(), vt100::Color::Idx(2));
    }

    #[test]
    fn input_modes_and_the_alternate_screen_come_back() {
        let original = fed(b"\x1b[?1049h\x1b[?1h\x1b[?2004h\x1b[?1004h\x1b[?1002h\x1b[?1006hfull");
        let copy = rebuilt(&original);
        let screen = copy.screen();
        assert!(screen.alternate_screen());
        assert!(screen.application_cursor() && screen.bracketed_paste());
        assert!(copy.focus_reporting());
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::ButtonMotion
        );
        assert_eq!(copy.lines(), original.lines());
    }
}
