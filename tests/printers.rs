//! Text from elsewhere reaches a terminal only through `terminal_text`: no code in `src/`
//! prints around it, and the few that write to stdout or stderr themselves are listed here
//! with the reason each may.

use std::path::{Path, PathBuf};

/// Files that write to stdout or stderr directly, and why that is safe.
const DIRECT_WRITERS: &[(&str, &str)] = &[
    ("src/terminal_text.rs", "the one door itself"),
    (
        "src/tui/mod.rs",
        "the TUI paints cells with ratatui, which never emits their controls",
    ),
    (
        "src/tui/frame_out.rs",
        "writes the frames ratatui painted (see src/tui/mod.rs)",
    ),
    (
        "src/ctl/play.rs",
        "`ccmux play` replays a recording the user chose, into a screen",
    ),
    (
        "src/ctl/output.rs",
        "`ctl log` applies `inert` itself, or writes raw with --raw / to a pipe",
    ),
    ("src/ctl/copy.rs", "`ctl copy` writes through `for_stdout`"),
    (
        "src/remote/bridge.rs",
        "`ccmux bridge` writes the socket protocol to ssh's channel, never to a terminal",
    ),
    (
        "src/ctl/client.rs",
        "`ctl recording` downloads a file's bytes, as asked",
    ),
    ("src/ctl/mod.rs", "asks whether stdout is a terminal"),
    (
        "src/hook.rs",
        "the user's own status line command's output, to Claude Code",
    ),
    ("src/main.rs", "shell completions from clap"),
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Whether `line` calls one of std's printing macros (not ours, `crate::outln!` and the like).
fn calls_std_printer(line: &str) -> bool {
    ["print!", "println!", "eprint!", "eprintln!"]
        .iter()
        .any(|m| {
            line.match_indices(m).any(|(at, _)| {
                let before = line[..at].chars().next_back();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            })
        })
}

#[test]
fn nothing_in_src_prints_around_the_escaping_printers() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut bypasses = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let direct_ok = DIRECT_WRITERS.iter().any(|(f, _)| *f == name);
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if calls_std_printer(code)
                || !direct_ok && (code.contains("stdout()") || code.contains("stderr()"))
            {
                bypasses.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        bypasses.is_empty(),
        "print through ccmux's out!/outln!/errln! (src/terminal_text.rs), which escape text \
         from elsewhere on a terminal:\n{}",
        bypasses.join("\n")
    );
}

#[test]
fn the_check_sees_a_bypass() {
    assert!(calls_std_printer(r#"    println!("{}", name);"#));
    assert!(calls_std_printer(r#"eprintln!("x")"#));
    assert!(!calls_std_printer(
        r#"crate::terminal_text::outln!("{}", name);"#
    ));
    assert!(!calls_std_printer(r#"ccmux::terminal_text::errln!("x")"#));
}
