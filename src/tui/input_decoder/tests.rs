use crossterm::event::MouseEventKind as Kind;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent};

use super::{HELD_LIMIT, InputDecoder, Waiting};

fn decoded(bytes: &[u8]) -> Vec<Event> {
    InputDecoder::default().decode(bytes, Waiting::Nothing)
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

fn plain(code: KeyCode) -> Event {
    key(code, KeyModifiers::NONE)
}

fn mouse(kind: Kind, column: u16, row: u16, modifiers: KeyModifiers) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers,
    })
}

#[test]
fn f3_with_modifiers_is_a_key_and_not_a_cursor_report() {
    let (shift, ctrl, alt) = (
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
    );
    assert_eq!(decoded(b"\x1b[1;2R"), [key(KeyCode::F(3), shift)]);
    assert_eq!(decoded(b"\x1b[1;5R"), [key(KeyCode::F(3), ctrl)]);
    assert_eq!(decoded(b"\x1b[1;4R"), [key(KeyCode::F(3), shift | alt)]);
    assert_eq!(decoded(b"\x1bOR"), [plain(KeyCode::F(3))]);
    // A real report (row 5) is not a key; the key after it still is.
    assert_eq!(decoded(b"\x1b[5;9Rx"), [plain(KeyCode::Char('x'))]);
}

#[test]
fn cursor_editing_and_function_keys_decode_with_their_modifiers() {
    let cases: &[(&[u8], Event)] = &[
        (b"\x1b[A", plain(KeyCode::Up)),
        (b"\x1bOD", plain(KeyCode::Left)),
        (b"\x1b[1;5C", key(KeyCode::Right, KeyModifiers::CONTROL)),
        (b"\x1b[H", plain(KeyCode::Home)),
        (b"\x1b[4~", plain(KeyCode::End)),
        (b"\x1b[3;2~", key(KeyCode::Delete, KeyModifiers::SHIFT)),
        (b"\x1b[5~", plain(KeyCode::PageUp)),
        (b"\x1b[6;3~", key(KeyCode::PageDown, KeyModifiers::ALT)),
        (b"\x1bOP", plain(KeyCode::F(1))),
        (b"\x1b[15~", plain(KeyCode::F(5))),
        (b"\x1b[24;2~", key(KeyCode::F(12), KeyModifiers::SHIFT)),
        (b"\x1b[[C", plain(KeyCode::F(3))),
        (b"\x1b[Z", key(KeyCode::BackTab, KeyModifiers::SHIFT)),
    ];
    for (bytes, want) in cases {
        assert_eq!(decoded(bytes), std::slice::from_ref(want), "{bytes:?}");
    }
}

#[test]
fn control_bytes_characters_and_alt_decode_as_crossterm_did() {
    let ctrl = KeyModifiers::CONTROL;
    assert_eq!(
        decoded("\r\t\x7f\x01\n\0é".as_bytes()),
        [
            plain(KeyCode::Enter),
            plain(KeyCode::Tab),
            plain(KeyCode::Backspace),
            key(KeyCode::Char('a'), ctrl),
            key(KeyCode::Char('j'), ctrl),
            key(KeyCode::Char(' '), ctrl),
            plain(KeyCode::Char('é')),
        ]
    );
    assert_eq!(
        decoded(b"A"),
        [key(KeyCode::Char('A'), KeyModifiers::SHIFT)]
    );
    assert_eq!(
        decoded(b"\x1bx"),
        [key(KeyCode::Char('x'), KeyModifiers::ALT)]
    );
    assert_eq!(
        decoded(b"\x1b\x01"),
        [key(KeyCode::Char('a'), ctrl | KeyModifiers::ALT)]
    );
}

#[test]
fn a_lone_esc_is_the_key_unless_more_input_is_waiting() {
    assert_eq!(decoded(b"\x1b"), [plain(KeyCode::Esc)]);
    assert_eq!(
        decoded(b"\x1b\x1b"),
        [plain(KeyCode::Esc), plain(KeyCode::Esc)]
    );
    let mut decoder = InputDecoder::default();
    assert_eq!(decoder.decode(b"\x1b", Waiting::More), []);
    assert_eq!(
        decoder.decode(b"[A", Waiting::Nothing),
        [plain(KeyCode::Up)]
    );
}

#[test]
fn a_sequence_split_across_reads_is_held_until_its_end() {
    let mut decoder = InputDecoder::default();
    assert_eq!(
        decoder.decode(b"a\x1b[1;", Waiting::Nothing),
        [plain(KeyCode::Char('a'))]
    );
    assert!(decoder.holds());
    assert_eq!(
        decoder.decode(b"2R", Waiting::Nothing),
        [key(KeyCode::F(3), KeyModifiers::SHIFT)]
    );
    assert!(!decoder.holds());
    assert_eq!(
        decoder.decode("é".as_bytes().split_at(1).0, Waiting::Nothing),
        []
    );
    assert_eq!(
        decoder.decode("é".as_bytes().split_at(1).1, Waiting::Nothing),
        [plain(KeyCode::Char('é'))]
    );
}

#[test]
fn what_is_held_when_no_more_input_comes_is_keys_as_typed() {
    let mut decoder = InputDecoder::default();
    assert_eq!(decoder.decode(b"\x1b[", Waiting::Nothing), []);
    assert_eq!(
        decoder.flush(),
        [key(KeyCode::Char('['), KeyModifiers::ALT)]
    );
    assert_eq!(decoder.decode(b"\x1bO", Waiting::Nothing), []);
    assert_eq!(
        decoder.flush(),
        [key(
            KeyCode::Char('O'),
            KeyModifiers::SHIFT | KeyModifiers::ALT
        )]
    );
    assert!(!decoder.holds());
}

#[test]
fn pastes_arrive_whole_and_an_endless_one_is_handed_on_in_parts() {
    let mut decoder = InputDecoder::default();
    assert_eq!(decoder.decode(b"\x1b[200~one\r", Waiting::Nothing), []);
    assert!(decoder.holds_paste());
    assert_eq!(
        decoder.decode(b"two\x1b[201~x", Waiting::Nothing),
        [Event::Paste("one\rtwo".into()), plain(KeyCode::Char('x'))]
    );
    let mut decoder = InputDecoder::default();
    let mut endless = b"\x1b[200~".to_vec();
    endless.resize(HELD_LIMIT + 100, b'y');
    let events = decoder.decode(&endless, Waiting::Nothing);
    assert!(matches!(&events[..], [Event::Paste(text)] if text.len() == HELD_LIMIT + 94));
    assert!(decoder.holds_paste());
    assert_eq!(
        decoder.decode(b"end\x1b[201~", Waiting::Nothing),
        [Event::Paste("end".into())]
    );
    assert!(!decoder.holds());
}

#[test]
fn a_paste_whose_end_never_comes_is_handed_on_when_flushed() {
    let mut decoder = InputDecoder::default();
    assert_eq!(decoder.decode(b"\x1b[200~half", Waiting::Nothing), []);
    assert_eq!(decoder.flush(), [Event::Paste("half".into())]);
    assert!(!decoder.holds());
}

#[test]
fn an_unknown_sequence_is_dropped_and_an_endless_one_cut_off() {
    assert_eq!(decoded(b"\x1b[?1;2cq"), [plain(KeyCode::Char('q'))]);
    assert_eq!(decoded(b"\x1b[99~q"), [plain(KeyCode::Char('q'))]);
    let mut endless = b"\x1b[".to_vec();
    endless.extend([b'1'; 100]);
    endless.push(b'q');
    // Cut off at its limit: not held, and the input after it is input again.
    let events = decoded(&endless);
    assert_eq!(events.last(), Some(&plain(KeyCode::Char('q'))));
    assert!(events.len() < 100, "{} events", events.len());
}

#[test]
fn mouse_reports_decode_in_sgr_x10_and_rxvt_encodings() {
    let none = KeyModifiers::NONE;
    assert_eq!(
        decoded(b"\x1b[<0;10;5M\x1b[<0;10;5m"),
        [
            mouse(Kind::Down(MouseButton::Left), 9, 4, none),
            mouse(Kind::Up(MouseButton::Left), 9, 4, none),
        ]
    );
    assert_eq!(
        decoded(b"\x1b[<64;1;1M\x1b[<32;3;4M\x1b[<18;2;2M"),
        [
            mouse(Kind::ScrollUp, 0, 0, none),
            mouse(Kind::Drag(MouseButton::Left), 2, 3, none),
            mouse(Kind::Down(MouseButton::Right), 1, 1, KeyModifiers::CONTROL),
        ]
    );
    assert_eq!(
        decoded(b"\x1b[M !\""),
        [mouse(Kind::Down(MouseButton::Left), 0, 1, none)]
    );
    assert_eq!(
        decoded(b"\x1b[35;7;8M"),
        [mouse(Kind::Up(MouseButton::Left), 6, 7, none)]
    );
}

#[test]
fn focus_changes_decode() {
    assert_eq!(
        decoded(b"\x1b[I\x1b[O"),
        [Event::FocusGained, Event::FocusLost]
    );
}
