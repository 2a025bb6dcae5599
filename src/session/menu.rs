//! The options of the dialog at the bottom of a screen, and the keys that pick one.
//!
//! Claude Code draws two kinds: numbered (`❯ 1. Yes` / `  2. No`: the digit picks), and
//! unnumbered (the folder-trust question's `❯ No, exit` / `  Yes, I trust this folder`: the
//! arrows move the cursor `❯`, Enter picks).

use regex::Regex;

use crate::session::dialog::{AnswerError, Choice};

/// The dialog's options, as drawn.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Menu {
    pub options: Vec<String>,
    pub numbered: bool,
    /// The option the cursor is on.
    pub cursor: usize,
}

impl Menu {
    /// The menu at the bottom of `lines`: the last run of numbered lines that counts up from 1
    /// (numbered lists higher up, in the transcript, are not the dialog); else the unnumbered
    /// options around the last cursor line; else none.
    pub fn read(lines: &[String]) -> Self {
        let numbered = numbered(lines);
        if !numbered.is_empty() {
            let cursor = cursor_among(lines, &numbered).unwrap_or(0);
            return Self {
                options: numbered,
                numbered: true,
                cursor,
            };
        }
        unnumbered(lines).unwrap_or_default()
    }

    /// The option `choice` names: its number, the first option saying Yes (else the first),
    /// the option saying No, or the option with that label (`(Recommended)` aside, any case;
    /// else the only one starting so). `None` for No when no option says it.
    fn pick(&self, choice: &Choice) -> Result<Option<usize>, AnswerError> {
        let starts = |i: usize, word: &str| {
            self.options[i]
                .to_lowercase()
                .starts_with(&word.to_lowercase())
        };
        let all = 0..self.options.len();
        Ok(match choice {
            Choice::Number(n) if usize::from(*n) > self.options.len() => {
                return Err(AnswerError::NoSuchOption {
                    choice: *n,
                    offered: self.options.len() as u8,
                });
            }
            Choice::Number(n) => Some(usize::from(*n) - 1),
            Choice::Yes => Some(all.clone().find(|&i| starts(i, "yes")).unwrap_or(0)),
            Choice::No => all.clone().find(|&i| starts(i, "no")),
            Choice::Label(label) => {
                let bare = |i: usize| {
                    let o = self.options[i].trim_end_matches("(Recommended)").trim();
                    o.eq_ignore_ascii_case(label.trim())
                };
                let mut starting = all.clone().filter(|&i| starts(i, label.trim()));
                let only = match (starting.next(), starting.next()) {
                    (Some(i), None) => Some(i),
                    _ => None,
                };
                let found = all.clone().find(|&i| bare(i)).or(only);
                Some(found.ok_or_else(|| AnswerError::NoSuchLabel {
                    label: label.clone(),
                    offered: self.options.join(" · "),
                })?)
            }
        })
    }
}

/// The keys that pick `choice` in `menu`. With no options: a plain question, as a shell
/// program asks it, answered with a line; but in a menu-driven program (`menus`, Claude Code)
/// a line's Enter would pick the highlighted option, so that is refused.
pub fn keys(choice: &Choice, menu: &Menu, menus: bool) -> Result<Vec<u8>, AnswerError> {
    if menu.options.is_empty() && menus {
        return Err(AnswerError::NoOptions);
    }
    if menu.options.is_empty() {
        let line = match choice {
            Choice::Yes => "y".to_string(),
            Choice::No => "n".to_string(),
            Choice::Number(n) => n.to_string(),
            Choice::Label(label) => label.clone(),
        };
        return Ok(format!("{line}\r").into_bytes());
    }
    let Some(index) = menu.pick(choice)? else {
        return Ok(b"\x1b".to_vec());
    };
    if menu.numbered {
        // Claude Code's menus take an option's digit as picking it.
        return Ok((index + 1).to_string().into_bytes());
    }
    let (arrow, steps) = if index >= menu.cursor {
        ("\x1b[B", index - menu.cursor)
    } else {
        ("\x1b[A", menu.cursor - index)
    };
    Ok(format!("{}\r", arrow.repeat(steps)).into_bytes())
}

/// A numbered option line of a dialog: `❯ 1. Yes` or `  2. No`.
fn option_line() -> Regex {
    Regex::new(r"^\s*(?:❯\s*)?([1-9])\.\s+(\S.*)$").expect("valid option pattern")
}

fn numbered(lines: &[String]) -> Vec<String> {
    let pattern = option_line();
    let mut found: Vec<(u8, String)> = Vec::new();
    for line in lines.iter().rev() {
        let Some(caps) = pattern.captures(line) else {
            if found.last().is_some_and(|(n, _)| *n == 1) {
                break;
            }
            continue;
        };
        let n: u8 = caps[1].parse().unwrap_or(0);
        let follows = found.last().is_none_or(|(next, _)| n + 1 == *next);
        if !follows {
            found.clear();
        }
        found.push((n, caps[2].trim_end().to_string()));
        if n == 1 {
            break;
        }
    }
    if found.last().is_none_or(|(n, _)| *n != 1) {
        return Vec::new();
    }
    found.into_iter().rev().map(|(_, text)| text).collect()
}

/// Which of `options` the last cursor line shows.
fn cursor_among(lines: &[String], options: &[String]) -> Option<usize> {
    let line = lines
        .iter()
        .rev()
        .find(|l| l.trim_start().starts_with('❯'))?;
    options
        .iter()
        .position(|o| line.trim_end().ends_with(o.as_str()))
}

/// The options around the last cursor line: the rows next to it indented to its text,
/// up to a blank row or one indented otherwise; none of them numbered (an orphan numbered
/// line is no menu).
fn unnumbered(lines: &[String]) -> Option<Menu> {
    let at = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with('❯'))?;
    let line = &lines[at];
    let indent = line.chars().take_while(|c| *c == ' ').count() + 2;
    let text = |l: &String| {
        let lead = l.chars().take_while(|c| *c == ' ').count();
        (lead == indent && !l.trim().is_empty()).then(|| l.trim().to_string())
    };
    let above: Vec<String> = lines[..at].iter().rev().map_while(text).collect();
    let below = lines[at + 1..].iter().map_while(text);
    let current = line.trim_start().trim_start_matches('❯').trim().to_string();
    let cursor = above.len();
    let options: Vec<String> = above
        .into_iter()
        .rev()
        .chain(std::iter::once(current))
        .chain(below)
        .collect();
    let numbered = option_line();
    let plain = !options.iter().any(|o| numbered.is_match(o));
    (options.len() > 1 && plain).then_some(Menu {
        options,
        numbered: false,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    const DIALOG: &str = "● Creating a file\n  1. a list in the transcript\n  2. more\n\
        ──────\n Bash command\n Do you want to proceed?\n ❯ 1. Yes\n   2. Yes, and always allow\n\
        \x20  3. No\n\n Esc to cancel · Tab to amend";

    const TRUST: &str = " Quick safety check: Is this a project you created or one you trust?\n\n \
        ❯ No, exit\n   Yes, I trust this folder\n\n Enter to confirm · Esc to cancel";

    const QUESTION: &str = "☐ Library\nWhich library?\n❯ 1. date-fns (Recommended)\n     Small\n\
        \x20 2. Luxon\n  3. Type something.\n──────\n  4. Chat about this\n\
        Enter to select · ↑/↓ to navigate · Esc to cancel";

    #[test]
    fn the_dialog_options_are_the_last_numbered_run_from_one() {
        let menu = Menu::read(&lines(DIALOG));
        assert_eq!(menu.options, ["Yes", "Yes, and always allow", "No"]);
        assert!(menu.numbered);
        assert!(
            Menu::read(&lines("❯ hello\n  2. orphan"))
                .options
                .is_empty()
        );
    }

    #[test]
    fn choices_become_the_option_digit_or_a_line_for_a_plain_question() {
        let menu = Menu::read(&lines(DIALOG));
        assert_eq!(keys(&Choice::Yes, &menu, true).unwrap(), b"1");
        assert_eq!(keys(&Choice::No, &menu, true).unwrap(), b"3");
        assert_eq!(keys(&Choice::Number(2), &menu, true).unwrap(), b"2");
        assert_eq!(
            keys(&Choice::Number(4), &menu, true),
            Err(AnswerError::NoSuchOption {
                choice: 4,
                offered: 3
            })
        );
        let none = Menu::default();
        assert_eq!(keys(&Choice::No, &none, false).unwrap(), b"n\r");
        assert_eq!(keys(&Choice::No, &none, true), Err(AnswerError::NoOptions));
        let allow = Menu {
            options: vec!["Allow".into()],
            numbered: true,
            cursor: 0,
        };
        assert_eq!(keys(&Choice::No, &allow, true).unwrap(), b"\x1b");
    }

    #[test]
    fn the_trust_question_is_answered_with_arrows_and_enter() {
        let menu = Menu::read(&lines(TRUST));
        assert_eq!(menu.options, ["No, exit", "Yes, I trust this folder"]);
        assert_eq!((menu.numbered, menu.cursor), (false, 0));
        assert_eq!(keys(&Choice::Yes, &menu, true).unwrap(), b"\x1b[B\r");
        assert_eq!(keys(&Choice::No, &menu, true).unwrap(), b"\r");
        let label = Choice::Label("yes, i trust this folder".into());
        assert_eq!(keys(&label, &menu, true).unwrap(), b"\x1b[B\r");
    }

    #[test]
    fn a_question_is_answered_by_number_or_label() {
        let menu = Menu::read(&lines(QUESTION));
        assert_eq!(
            menu.options,
            [
                "date-fns (Recommended)",
                "Luxon",
                "Type something.",
                "Chat about this"
            ]
        );
        assert_eq!(
            keys(&Choice::Label("luxon".into()), &menu, true).unwrap(),
            b"2"
        );
        assert_eq!(
            keys(&Choice::Label("date-fns".into()), &menu, true).unwrap(),
            b"1"
        );
        assert_eq!(keys(&Choice::Yes, &menu, true).unwrap(), b"1");
        assert!(matches!(
            keys(&Choice::Label("moment".into()), &menu, true),
            Err(AnswerError::NoSuchLabel { .. })
        ));
    }
}
