//! Control sequences taken out of a session's output, leaving the text a person reads.
//!
//! Stateful, so that a sequence split across two reads is still removed whole.

/// Where in a sequence the last chunk stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// In `ESC [` (or C1 CSI) parameters, up to the final byte.
    Csi,
    /// In a string (OSC, DCS, SOS, PM, APC), up to BEL or ST.
    String,
    /// After ESC inside a string: `\` ends it.
    StringEscape,
    /// After ESC and an intermediate byte (`ESC ( B`): one more character.
    Intermediate,
    /// After a CR: dropped before LF, kept as a line break otherwise.
    Return,
}

#[derive(Debug, Default)]
pub struct AnsiStripper {
    state: State,
    /// Something was written since the last line break: a lone CR then starts a new line.
    line_has_text: bool,
}

impl AnsiStripper {
    /// `text` without escape sequences and control characters; CR LF becomes LF, a lone CR
    /// after some text (a line redrawn in place) a line break, and tabs stay.
    pub fn strip(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            self.state = match (self.state, c) {
                (State::Return, '\n') => {
                    out.push('\n');
                    self.line_has_text = false;
                    State::Text
                }
                (State::Return, c) => {
                    if std::mem::take(&mut self.line_has_text) {
                        out.push('\n');
                    }
                    self.text(c, &mut out)
                }
                (State::Text, c) => self.text(c, &mut out),
                (State::Escape, '[') => State::Csi,
                (State::Escape, ']' | 'P' | 'X' | '^' | '_') => State::String,
                (State::Escape, ' '..='/') => State::Intermediate,
                (State::Escape | State::Intermediate, _) => State::Text,
                (State::Csi, '@'..='~') => State::Text,
                (State::Csi, _) => State::Csi,
                (State::String, '\x07' | '\u{9c}') => State::Text,
                (State::String, '\x1b') => State::StringEscape,
                (State::String, _) => State::String,
                (State::StringEscape, '\\') => State::Text,
                (State::StringEscape, _) => State::String,
            };
        }
        out
    }

    fn text(&mut self, c: char, out: &mut String) -> State {
        match c {
            '\x1b' => State::Escape,
            '\u{9b}' => State::Csi,
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => State::String,
            '\r' => State::Return,
            '\n' => {
                out.push(c);
                self.line_has_text = false;
                State::Text
            }
            c if c.is_control() && c != '\t' => State::Text,
            c => {
                out.push(c);
                self.line_has_text = true;
                State::Text
            }
        }
    }
}

/// `text` stripped on its own, for a whole line or entry.
pub fn strip(text: &str) -> String {
    AnsiStripper::default().strip(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_cursor_moves_titles_and_modes_are_removed() {
        let raw = "\x1b[?1049h\x1b[1;31mred\x1b[0m \x1b]0;title\x07plain\x1b(B\x1b[2K\r\n";
        assert_eq!(strip(raw), "red plain\n");
    }

    #[test]
    fn a_sequence_split_across_chunks_is_removed_whole() {
        let mut s = AnsiStripper::default();
        let mut out = s.strip("a\x1b[3");
        out += &s.strip("1mb\x1b]52;c;");
        out += &s.strip("eHl=\x1b\\c\r");
        out += &s.strip("\nd");
        assert_eq!(out, "abc\nd");
    }

    #[test]
    fn a_carriage_return_breaks_a_line_only_after_text() {
        assert_eq!(strip("10%\r20%\r\n\x1b[?2004l\rout\r\n"), "10%\n20%\nout\n");
    }

    #[test]
    fn controls_other_than_newline_and_tab_are_dropped() {
        assert_eq!(strip("a\x07b\x08\tc\u{9b}2Jd"), "ab\tcd");
    }
}
