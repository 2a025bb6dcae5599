//! Cuts over-long OSC strings before they reach vt100.
//!
//! vt100 (through vte) buffers an OSC string until its terminator, so an unterminated `ESC ]`
//! followed by endless bytes would grow memory one to one. This filter forwards at most
//! [`OSC_LIMIT`] bytes of any OSC body, drops the rest, and still forwards the terminator so
//! the parser leaves the OSC state when the program finally ends it.

/// Longest OSC body passed on to the parser.
pub const OSC_LIMIT: usize = 64 * 1024;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    /// Inside an OSC body, with how many body bytes were seen.
    Osc(usize),
    /// Saw ESC inside an OSC body: `\` ends it (ST), anything else starts a new sequence.
    OscEscape(usize),
}

#[derive(Debug)]
pub struct OscLimiter {
    state: State,
    limit: usize,
}

impl Default for OscLimiter {
    fn default() -> Self {
        Self::with_limit(OSC_LIMIT)
    }
}

impl OscLimiter {
    pub fn with_limit(limit: usize) -> Self {
        Self {
            state: State::Ground,
            limit,
        }
    }

    /// Appends to `out` what of `input` the parser should see.
    pub fn filter(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        let mut rest = input;
        while let Some((&byte, after)) = rest.split_first() {
            // Outside escape sequences, every byte up to the next ESC passes as it is.
            if self.state == State::Ground && byte != ESC {
                let run = memchr::memchr(ESC, rest).unwrap_or(rest.len());
                out.extend_from_slice(&rest[..run]);
                rest = &rest[run..];
                continue;
            }
            if self.step(byte) {
                out.push(byte);
            }
            rest = after;
        }
    }

    /// Advances by one byte; returns whether the byte is forwarded.
    fn step(&mut self, byte: u8) -> bool {
        let (next, forward) = match self.state {
            State::Ground => (
                if byte == ESC {
                    State::Escape
                } else {
                    State::Ground
                },
                true,
            ),
            State::Escape => match byte {
                b']' => (State::Osc(0), true),
                ESC => (State::Escape, true),
                _ => (State::Ground, true),
            },
            State::Osc(n) => match byte {
                BEL | CAN | SUB => (State::Ground, true),
                ESC => (State::OscEscape(n), true),
                _ => (State::Osc(n + 1), n < self.limit),
            },
            State::OscEscape(_) if byte == b']' => (State::Osc(0), true),
            State::OscEscape(_) if byte == ESC => (State::Escape, true),
            State::OscEscape(_) => (State::Ground, true),
        };
        self.state = next;
        forward
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limit: usize, input: &[u8]) -> Vec<u8> {
        let mut f = OscLimiter::with_limit(limit);
        let mut out = Vec::new();
        f.filter(input, &mut out);
        out
    }

    #[test]
    fn ordinary_text_and_short_oscs_pass_untouched() {
        let input = b"hello \x1b]0;title\x07 world \x1b[1mbold\x1b]2;t\x1b\\";
        assert_eq!(run(16, input), input.to_vec());
    }

    #[test]
    fn a_long_osc_body_is_cut_but_its_terminator_kept() {
        let out = run(4, b"\x1b]0;abcdefgh\x07after");
        assert_eq!(out, b"\x1b]0;ab\x07after".to_vec());
    }

    #[test]
    fn the_cut_carries_across_chunks() {
        let mut f = OscLimiter::with_limit(3);
        let mut out = Vec::new();
        f.filter(b"\x1b]xy", &mut out);
        f.filter(b"zzzz", &mut out);
        f.filter(b"\x1b\\ok", &mut out);
        assert_eq!(out, b"\x1b]xyz\x1b\\ok".to_vec());
    }
}
