//! Turns what a session printed during a command into the command's textual result.

use crate::session::profile::ReplyRules;

/// Plain text from a terminal byte stream: escape sequences removed, `\r\n` → `\n`, a lone
/// `\r` rewinds the line (progress bars keep their last state), backspace erases.
pub fn strip_ansi(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut line = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\n' => {
                out.push_str(line.trim_end());
                out.push('\n');
                line.clear();
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => line.clear(),
            '\x08' => {
                line.pop();
            }
            '\t' => line.push('\t'),
            c if c.is_control() => {}
            c => line.push(c),
        }
    }
    out.push_str(line.trim_end());
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        }
        Some(']') | Some('P') | Some('_') | Some('^') => {
            while let Some(c) = chars.next() {
                if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        Some('(') | Some(')') | Some('#') => {
            chars.next();
        }
        _ => {}
    }
}

/// The result of a line-oriented command: the stream after the echoed command line, without
/// the prompt that came back at the end.
pub fn stream_reply(raw: &str, command: &str, is_prompt: impl Fn(&str) -> bool) -> String {
    let text = strip_ansi(raw);
    let mut lines: Vec<&str> = text.lines().collect();
    let command = command.trim();
    // Whatever came before the echo (a late trap message, a redrawn prompt) is not the reply.
    let first_line = command.lines().next().unwrap_or_default();
    if let Some(echo) = lines
        .iter()
        .position(|l| !first_line.is_empty() && l.contains(first_line))
    {
        lines.drain(..=echo);
    }
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || is_prompt(l))
    {
        lines.pop();
    }
    lines.join("\n")
}

/// The reply of a full-screen program (Claude Code): the transcript lines after the last echo
/// of the command, up to the input box, without spinners, tips and bullets.
pub fn transcript_reply(lines: &[String], command: &str, rules: &ReplyRules) -> String {
    let first_line = command.trim().lines().next().unwrap_or_default();
    let head: String = first_line.chars().take(40).collect();
    let echo = format!("{}{}", rules.echo_prefix, head);
    let start = lines
        .iter()
        .rposition(|l| !head.is_empty() && l.trim_start().starts_with(&echo))
        // A multi-line command is echoed on as many lines.
        .map_or(0, |i| i + command.trim().lines().count().max(1));
    let reply: Vec<String> = lines[start.min(lines.len())..]
        .iter()
        .take_while(|l| !rules.end.is_match(l))
        .filter(|l| !rules.drop.iter().any(|re| re.is_match(l)))
        .map(|l| strip_prefix(l, &rules.strip_prefixes))
        .collect();
    reply.join("\n").trim().to_string()
}

fn strip_prefix(line: &str, prefixes: &[String]) -> String {
    prefixes
        .iter()
        .find_map(|p| line.strip_prefix(p.as_str()))
        .unwrap_or(line)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::profile::Profile;

    #[test]
    fn escapes_and_carriage_returns_are_removed() {
        let raw = "\x1b[1;32mgreen\x1b[0m\r\n10%\r50%\r100%\r\n\x1b]0;title\x07done";
        assert_eq!(strip_ansi(raw), "green\n100%\ndone");
    }

    #[test]
    fn backspace_erases_the_previous_character() {
        assert_eq!(strip_ansi("abx\x08c"), "abc");
    }

    #[test]
    fn shell_reply_drops_the_echo_and_the_next_prompt() {
        let raw = "echo hi\r\nhi\r\nuser@host:~$ ";
        assert_eq!(stream_reply(raw, "echo hi", |l| l.ends_with('$')), "hi");
    }

    #[test]
    fn shell_reply_ignores_what_was_printed_before_the_echo() {
        let raw = "$ got-winch\r\n$ stty size\r\n25 90\r\n$ ";
        assert_eq!(
            stream_reply(raw, "stty size", |l| l.ends_with('$')),
            "25 90"
        );
    }

    #[test]
    fn claude_reply_is_the_transcript_after_the_echo_without_chrome() {
        let rules = Profile::claude().reply.unwrap();
        let lines: Vec<String> = [
            "❯ earlier question",
            "● earlier answer",
            "❯ what is 2+2?",
            "",
            "● 2 + 2 = 4.",
            "  That is all.",
            "",
            "✻ Churned for 0s · done 10:49 PM",
            "────────────────",
            "❯ ",
            "────────────────",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            transcript_reply(&lines, "what is 2+2?", &rules),
            "2 + 2 = 4.\n  That is all."
        );
    }
}
