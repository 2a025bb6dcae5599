//! Property tests: arbitrary input through every place a peer or a program can reach — a
//! session's terminal, the replay a client rebuilds it from, the key and mouse encoders, config
//! loading, and the socket protocol's frames. None may panic; the terminal's memory stays
//! bounded.

mod common;

use std::io::Write;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};
use proptest::prelude::*;

use ccmux::protocol::{self, ClientMessage, ServerMessage};
use ccmux::session::replay::replay;
use ccmux::session::{Terminal, TerminalSize};
use common::rss_kib;

fn small_size() -> impl Strategy<Value = TerminalSize> {
    (2u16..120, 2u16..50).prop_map(|(cols, rows)| TerminalSize { cols, rows })
}

/// Bytes a terminal program may print: escape sequences are much likelier than in noise.
fn terminal_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(b"\x1b[".to_vec()),
        Just(b"\x1b]".to_vec()),
        Just(b"\x1b[?1049h".to_vec()),
        Just(b"\x1b[?2026h".to_vec()),
        Just(b"\x1b[6n".to_vec()),
        Just(b"\r\n".to_vec()),
        "[ -~]{0,40}".prop_map(String::into_bytes),
        "\\PC{0,8}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_terminal_takes_any_output_and_its_replay_rebuilds_its_screen(
        size in small_size(),
        chunks in proptest::collection::vec(terminal_bytes(), 1..8),
    ) {
        let mut terminal = Terminal::new(size, 100);
        for chunk in &chunks {
            terminal.process(chunk);
        }
        let mut copy = Terminal::new(terminal.size(), 100);
        copy.process(&replay(&terminal));
        prop_assert_eq!(copy.lines(), terminal.lines());
        prop_assert_eq!(copy.screen().cursor_position(), terminal.screen().cursor_position());
    }

    #[test]
    fn every_key_encodes_without_panicking(
        c in any::<char>(),
        f in 0u8..30,
        modifiers in 0u8..16,
        application_cursor in any::<bool>(),
    ) {
        let modifiers = KeyModifiers::from_bits_truncate(modifiers);
        let modes = ccmux::keys::Modes { application_cursor };
        for code in [KeyCode::Char(c), KeyCode::F(f), KeyCode::Up, KeyCode::Home, KeyCode::BackTab] {
            if let Some(bytes) = ccmux::keys::encode(KeyEvent::new(code, modifiers), modes) {
                prop_assert!(!bytes.is_empty());
            }
        }
        let paste = ccmux::keys::paste(&c.to_string(), application_cursor);
        prop_assert!(!paste.is_empty());
    }

    #[test]
    fn mouse_reports_stay_within_what_each_encoding_can_say(
        x in 1u16..3000,
        y in 1u16..3000,
        modifiers in 0u8..16,
        kind in 0usize..6,
        mode in 0usize..5,
        encoding in 0usize..3,
    ) {
        use vt100::{MouseProtocolEncoding as E, MouseProtocolMode as M};
        let kinds = [
            MouseEventKind::Down(MouseButton::Left),
            MouseEventKind::Up(MouseButton::Middle),
            MouseEventKind::Drag(MouseButton::Right),
            MouseEventKind::Moved,
            MouseEventKind::ScrollUp,
            MouseEventKind::ScrollDown,
        ];
        let modes = [M::None, M::Press, M::PressRelease, M::ButtonMotion, M::AnyMotion];
        let encodings = [E::Default, E::Utf8, E::Sgr];
        let report = ccmux::keys::mouse(
            kinds[kind],
            KeyModifiers::from_bits_truncate(modifiers),
            (x, y),
            modes[mode],
            encodings[encoding],
        );
        if let Some(bytes) = report {
            prop_assert!(bytes.starts_with(b"\x1b["));
            if encodings[encoding] == E::Default {
                prop_assert!(x <= 223 && y <= 223, "legacy reports cannot say {}", x.max(y));
            }
        }
    }

    #[test]
    fn any_toml_is_loaded_or_refused_with_an_error(text in "(\\PC|\n){0,400}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        let _ = ccmux::config::load_file(&path, |_| None);
    }

    #[test]
    fn any_frame_is_decoded_or_refused(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut frame = (body.len() as u32).to_be_bytes().to_vec();
        frame.extend(&body);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let _ = protocol::read::<ClientMessage>(&mut frame.as_slice()).await;
            let _ = protocol::read::<ServerMessage>(&mut frame.as_slice()).await;
        });
    }

    #[test]
    fn any_json_is_a_websocket_request_or_an_error(text in "\\PC{0,200}") {
        let _ = serde_json::from_str::<ccmux::protocol::websocket::WsRequest>(&text);
        let _ = serde_json::from_str::<ccmux::protocol::websocket::WsEvent>(&text);
    }
}

#[test]
fn an_endless_escape_sequence_keeps_the_terminal_small() {
    let mut terminal = Terminal::new(TerminalSize { cols: 80, rows: 24 }, 1000);
    let before = rss_kib();
    terminal.process(b"\x1b]0;");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        terminal.process(&chunk);
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "64 MiB of one OSC string grew RSS by {grown} KiB"
    );
}
