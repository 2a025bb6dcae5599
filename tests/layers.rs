//! The crate's floors, checked the way a reviewer reads `src/`: every `crate::x` (and, in
//! `main.rs`, `ccmux::x`) a file names is an import of top-level module `x`. A module may import
//! from its own floor's neighbours (when the floor allows it) and from floors below, never from
//! above; and no import cycle may span two top-level modules. ARCHITECTURE.md says why each
//! floor holds what it holds; the floors themselves are written down only here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Whether the modules of one floor may import each other (never in a cycle).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Siblings {
    MayUse,
    Independent,
}

struct Floor {
    name: &'static str,
    modules: &'static [&'static str],
    siblings: Siblings,
}

/// Bottom up. `main` is the binary's `main.rs`.
const FLOORS: &[Floor] = &[
    floor(
        "leaves",
        &[
            "paths",
            "logging",
            "ids",
            "keys",
            "terminal_text",
            "socket_stream",
            "write_room",
        ],
        Siblings::MayUse,
    ),
    floor(
        "claude code facts",
        &["claude", "worktree"],
        Siblings::Independent,
    ),
    floor("engine", &["session"], Siblings::MayUse),
    floor(
        "services",
        &["recording", "history", "usage", "metrics", "output_filter"],
        Siblings::Independent,
    ),
    floor("manager", &["manager"], Siblings::MayUse),
    floor("screens", &["screen"], Siblings::MayUse),
    floor("config", &["config"], Siblings::MayUse),
    floor("macros", &["macros"], Siblings::MayUse),
    floor("protocol", &["protocol"], Siblings::MayUse),
    floor("http base", &["http"], Siblings::MayUse),
    floor("doors", &["web", "api", "server"], Siblings::MayUse),
    floor(
        "programs",
        &[
            "client", "remote", "tui", "ctl", "hook", "ls", "cli", "main",
        ],
        Siblings::MayUse,
    ),
];

const fn floor(name: &'static str, modules: &'static [&'static str], siblings: Siblings) -> Floor {
    Floor {
        name,
        modules,
        siblings,
    }
}

/// One file's import of another top-level module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

#[test]
fn every_module_imports_only_from_its_floor_or_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

/// The TUI paints what the server renders: no file of it names the session's terminal or a
/// terminal parser (its tests read the server's sessions through their handles).
#[test]
fn the_tui_parses_no_terminal_output() {
    let tui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = Vec::new();
    collect(&tui, &tui, &mut files);
    let parsing: Vec<&str> = files
        .iter()
        .filter(|(_, text)| {
            let code = code_only(text);
            ["vt100", "session::Terminal", "terminal::Terminal"]
                .iter()
                .any(|name| code.contains(name))
        })
        .map(|(path, _)| path.as_str())
        .collect();
    assert!(
        parsing.is_empty(),
        "tui/ parses terminal output in {parsing:?}"
    );
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((rel, std::fs::read_to_string(&path).expect("a source file")));
        }
    }
}

/// Every breach of the floors in `files` (path under `src/`, text), as sentences.
fn check(files: &[(String, String)]) -> Vec<String> {
    let floor_of: BTreeMap<&str, usize> = FLOORS
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.modules.iter().map(move |m| (*m, i)))
        .collect();
    let mut problems = Vec::new();
    let mut present = BTreeSet::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let Some(from) = top_module(path) else {
            continue;
        };
        present.insert(from.clone());
        if !floor_of.contains_key(from.as_str()) {
            problems.push(format!("{path}: module `{from}` is on no floor"));
            continue;
        }
        for import in imports(path, &from, text) {
            if let Some(problem) = judge(&import, &floor_of) {
                problems.push(problem);
            }
            graph.entry(import.from).or_default().insert(import.to);
        }
    }
    let stale = floor_of.keys().filter(|m| !present.contains(**m));
    problems.extend(stale.map(|m| format!("the floors name `{m}`, which src/ does not have")));
    problems.extend(
        cycles(&graph)
            .into_iter()
            .map(|c| format!("import cycle: {}", c.join(" -> "))),
    );
    problems
}

/// The top-level module a file belongs to; `None` for `lib.rs`, which only declares them.
fn top_module(path: &str) -> Option<String> {
    let first = path.split('/').next()?;
    match first {
        "lib.rs" => None,
        _ => Some(first.trim_end_matches(".rs").to_string()),
    }
}

fn judge(import: &Import, floor_of: &BTreeMap<&str, usize>) -> Option<String> {
    let at = |m: &str| floor_of.get(m).copied();
    let (Some(from), Some(to)) = (at(&import.from), at(&import.to)) else {
        return Some(format!(
            "{}:{}: `{}` imports `{}`, which is on no floor",
            import.file, import.line, import.from, import.to
        ));
    };
    let wrong = to > from || (to == from && FLOORS[from].siblings == Siblings::Independent);
    wrong.then(|| {
        format!(
            "{}:{}: `{}` ({}) imports `{}` ({})",
            import.file, import.line, import.from, FLOORS[from].name, import.to, FLOORS[to].name
        )
    })
}

/// The other top-level modules `text` names through `crate::` (or `ccmux::` in `main.rs`).
fn imports(path: &str, from: &str, text: &str) -> Vec<Import> {
    let code = code_only(text);
    let roots: &[&str] = if from == "main" {
        &["crate::", "ccmux::"]
    } else {
        &["crate::"]
    };
    let mut found = BTreeSet::new();
    for (index, line) in code.lines().enumerate() {
        for root in roots {
            for (at, _) in line.match_indices(root) {
                let before = line[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                    continue;
                }
                let rest = &line[at + root.len()..];
                for to in first_segments(rest, &code, code_offset(&code, index, at + root.len())) {
                    if to != from && to != "self" {
                        found.insert((index + 1, to));
                    }
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(line, to)| Import {
            file: path.to_string(),
            line,
            from: from.to_string(),
            to,
        })
        .collect()
}

fn code_offset(code: &str, line: usize, column: usize) -> usize {
    code.lines().take(line).map(|l| l.len() + 1).sum::<usize>() + column
}

/// `x::…` gives `x`; a group `{a::b, c}` (possibly over several lines) gives `a` and `c`.
fn first_segments(rest: &str, code: &str, offset: usize) -> Vec<String> {
    if !rest.starts_with('{') {
        return ident(rest).into_iter().collect();
    }
    let group = &code[offset + 1..];
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                out.extend(ident(&group[start..i]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.extend(ident(&group[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

fn ident(s: &str) -> Option<String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| s[..end].to_string())
}

/// `text` with comments removed and string and char literals emptied, lines kept in place.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep_newlines = |s: &[u8], out: &mut String| {
        out.extend(s.iter().filter(|&&c| c == b'\n').map(|_| '\n'));
    };
    while i < b.len() {
        let rest = &text[i..];
        let end = if rest.starts_with("//") {
            i + rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            i + block_comment_len(rest)
        } else if let Some(len) = raw_string_len(rest) {
            i + len
        } else if rest.starts_with('"') {
            i + quoted_len(rest, '"')
        } else if let Some(len) = char_literal_len(rest) {
            i + len
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        keep_newlines(&b[i..end], &mut out);
        out.push(' ');
        i = end;
    }
    out
}

fn block_comment_len(s: &str) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if s[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += s[i..].chars().next().unwrap().len_utf8();
        }
    }
    s.len()
}

fn quoted_len(s: &str, quote: char) -> usize {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return i + 1;
        }
    }
    s.len()
}

/// `r"…"`, `r#"…"#`, `br"…"` and so on.
fn raw_string_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = body.len() - body.trim_start_matches('#').len();
    let after = body[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = after.find(&close).map_or(after.len(), |e| e + close.len());
    Some(s.len() - after.len() + end)
}

/// `'x'`, `'\n'`, `'\u{1b}'`; a lifetime (`'a`) is not one.
fn char_literal_len(s: &str) -> Option<usize> {
    let mut chars = s.chars();
    (chars.next()? == '\'').then_some(())?;
    let first = chars.next()?;
    if first == '\\' {
        return Some(quoted_len(s, '\''));
    }
    (chars.next()? == '\'').then(|| 1 + first.len_utf8() + 1)
}

/// Every import cycle among top-level modules, as the modules on it.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_string()]);
        while let Some(m) = stack.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for m in graph.keys() {
        if done.contains(m) || !reaches(m, m) {
            continue;
        }
        let members: Vec<String> = graph
            .keys()
            .filter(|o| *o == m || (reaches(m, o) && reaches(o, m)))
            .cloned()
            .collect();
        done.extend(members.iter().cloned());
        out.push(members);
    }
    out
}

mod the_checker {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = FLOORS
            .iter()
            .flat_map(|f| f.modules)
            .map(|m| (format!("{m}.rs"), String::new()))
            .collect();
        all.extend(list.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        all
    }

    #[test]
    fn refuses_an_import_from_a_floor_above() {
        let problems = check(&files(&[(
            "session/stream.rs",
            "use std::sync::Arc;\nuse crate::recording::Tap;\n",
        )]));
        assert_eq!(
            problems,
            ["session/stream.rs:2: `session` (engine) imports `recording` (services)"]
        );
    }

    #[test]
    fn refuses_services_that_import_each_other_and_reads_groups() {
        let text = "use crate::{\n    session::SessionId,\n    metrics::{Metrics, Stats},\n};";
        let problems = check(&files(&[("history/mod.rs", text)]));
        assert_eq!(
            problems,
            ["history/mod.rs:1: `history` (services) imports `metrics` (services)"]
        );
    }

    #[test]
    fn refuses_a_cycle_between_two_folders_of_one_floor() {
        let problems = check(&files(&[
            ("api/guard.rs", "use crate::web::Caller;"),
            (
                "web/socket.rs",
                "fn f() -> crate::api::AppState { todo!() }",
            ),
        ]));
        assert_eq!(problems, ["import cycle: api -> web"]);
    }

    #[test]
    fn ignores_comments_strings_and_takes_downward_imports() {
        let text = "//! see crate::tui\n/* crate::api */\nconst S: &str = \"crate::web\";\n\
                    const R: &str = r#\"crate::server\"#;\nfn f<'a>(c: char) -> bool { c == '\"' }\n\
                    use crate::session::Session;\nuse crate::paths;";
        assert_eq!(
            check(&files(&[("manager/mod.rs", text)])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn refuses_a_module_on_no_floor() {
        let problems = check(&files(&[("gadget.rs", "")]));
        assert_eq!(problems, ["gadget.rs: module `gadget` is on no floor"]);
    }
}
