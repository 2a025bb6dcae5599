//! What a client of the server's socket is sent while a session floods: frames of the screen,
//! pulled with a window of unacknowledged frames — never a backlog, and never more than
//! `ui.frame_cap` screens a second, however much the program prints. Through a real server
//! process and its Unix socket, speaking the protocol as the TUI does.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use ccmux::protocol::{self, Attach, ClientMessage, ServerMessage};
use ccmux::screen::Frame;
use ccmux::screen::schedule::WINDOW;
use ccmux::screen::styled::{Row, row_text};
use common::server::start_server_with_config;
use tokio::sync::mpsc;

const FRAME_CAP: u32 = 20;

/// Prints `line N` for ever increasing N, as fast as it can.
const FLOOD: &str =
    "import itertools, sys\nfor i in itertools.count():\n    sys.stdout.write(f'line {i}\\n')";
/// Prints `line 0` to `line 99999` as fast as it can, then `done`, and waits.
const BURST: &str = "import sys, time\nfor i in range(100000):\n    sys.stdout.write(f'line {i}\\n')\n\
                     print('done', flush=True)\ntime.sleep(60)";

struct Client {
    to_server: mpsc::Sender<ClientMessage>,
    from_server: mpsc::Receiver<ServerMessage>,
    /// The screen as the frames so far draw it.
    rows: Vec<Row>,
    /// Its size, columns × rows.
    size: (usize, usize),
}

impl Client {
    /// Attaches to a new workspace whose one session floods.
    async fn attach_to_a_flood(home: &Path) -> Self {
        Self::attach_to(home, FLOOD).await
    }

    /// Attaches to a new workspace whose one session runs `python`.
    async fn attach_to(home: &Path, python: &str) -> Self {
        let socket = home.join("run/ccmux/default");
        let stream = ccmux::socket_stream::SocketStream::connect(&socket)
            .await
            .unwrap();
        let channels = ccmux::client::handshake(stream)
            .await
            .unwrap()
            .into_channels();
        let attach = Attach {
            workspace: None,
            create: true,
            cwd: home.to_path_buf(),
            config: None,
            run: vec!["python3".into(), "-c".into(), python.into()],
            tokens: Default::default(),
        };
        channels
            .to_server
            .send(ClientMessage::Attach(attach))
            .await
            .unwrap();
        Self {
            to_server: channels.to_server,
            from_server: channels.from_server,
            rows: Vec::new(),
            size: (0, 0),
        }
    }

    /// The frames that come within `wait`, applied to `rows`, with their encoded sizes.
    async fn frames_within(&mut self, wait: Duration, ack: bool) -> Vec<(u64, usize)> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut got = Vec::new();
        while let Ok(Some(message)) =
            tokio::time::timeout_at(deadline, self.from_server.recv()).await
        {
            let size = protocol::encode(&message).unwrap().len();
            if let ServerMessage::Frame { frame, screens } = message {
                for (_, screen) in screens {
                    self.apply(screen);
                }
                got.push((frame, size));
                if ack {
                    self.take(frame).await;
                }
            }
        }
        got
    }

    async fn take(&self, frame: u64) {
        let taken = ClientMessage::FrameTaken { frame };
        self.to_server.send(taken).await.unwrap();
    }

    fn apply(&mut self, frame: Frame) {
        if frame.full {
            self.rows = vec![Row::new(); usize::from(frame.rows)];
        }
        self.size = (usize::from(frame.cols), usize::from(frame.rows));
        for (at, row) in frame.changed {
            self.rows[usize::from(at)] = row;
        }
    }

    /// The `N` of each `line N` on the screen, top to bottom.
    fn numbers(&self) -> Vec<u64> {
        self.rows
            .iter()
            .filter_map(|r| row_text(r).strip_prefix("line ")?.parse().ok())
            .collect()
    }
}

/// Whether the screen is one moment of the flood: consecutive lines, not rows of two (the
/// last may be a line half written).
fn one_moment(numbers: &[u64]) -> bool {
    let whole = &numbers[..numbers.len().saturating_sub(1)];
    whole.len() > 10 && whole.windows(2).all(|w| w[1] == w[0] + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_falls_behind_gets_the_newest_screen_not_a_backlog() {
    let server = start_server_with_config(&format!("[ui]\nframe_cap = {FRAME_CAP}\n"));
    let mut client = Client::attach_to(server.home.path(), BURST).await;
    // Taking none: the server sends its window's worth and waits.
    let unacked = client.frames_within(Duration::from_secs(1), false).await;
    assert!(!unacked.is_empty(), "no frame at all");
    assert!(
        unacked.len() as u64 <= WINDOW,
        "{} frames sent without an acknowledgement",
        unacked.len()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, screen) = server.call("GET", "/api/v1/sessions/1/screen", None);
        if screen["lines"].to_string().contains("done") {
            break;
        }
        assert!(Instant::now() < deadline, "the burst never ended: {screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let more = client
        .frames_within(Duration::from_millis(300), false)
        .await;
    assert!(
        unacked.len() + more.len() <= WINDOW as usize,
        "still waiting"
    );

    // Taken: one frame brings the client from what it has to the screen as it is now.
    let last = more.last().or(unacked.last()).unwrap().0;
    client.take(last).await;
    let next = client
        .frames_within(Duration::from_millis(1000), true)
        .await;
    assert_eq!(
        next.iter().map(|f| f.0).collect::<Vec<_>>(),
        [last + 1],
        "one frame, not a queue of old ones"
    );
    let numbers = client.numbers();
    assert!(one_moment(&numbers), "a whole screen: {numbers:?}");
    assert_eq!(
        numbers.last(),
        Some(&99_999),
        "the newest screen: {numbers:?}"
    );
    assert!(row_text(client.rows.iter().rev().find(|r| !r.is_empty()).unwrap()) == "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_costs_a_client_at_most_frame_cap_screens_a_second() {
    let server = start_server_with_config(&format!("[ui]\nframe_cap = {FRAME_CAP}\n"));
    let mut client = Client::attach_to_a_flood(server.home.path()).await;
    client.frames_within(Duration::from_secs(1), true).await;
    let started = Instant::now();
    let frames = client.frames_within(Duration::from_secs(3), true).await;
    let seconds = started.elapsed().as_secs_f64();
    let bytes: usize = frames.iter().map(|f| f.1).sum();
    // A full frame of the screen: each cell a byte of text, each row's run and index a few
    // bytes, the frame's header some more.
    let (cols, rows) = client.size;
    let screen = cols * rows + rows * 16 + 256;
    let most_frames = (f64::from(FRAME_CAP) * seconds).ceil() as usize + 1;
    eprintln!(
        "{} frames, {bytes} bytes in {seconds:.2} s: {:.0} bytes/s (bound {} frames/s × {screen})",
        frames.len(),
        bytes as f64 / seconds,
        FRAME_CAP
    );
    assert!(
        frames.len() >= 10,
        "the flood is shown: {} frames",
        frames.len()
    );
    assert!(frames.len() <= most_frames, "{} frames", frames.len());
    assert!(
        frames.iter().all(|f| f.1 <= screen),
        "a frame is at most a screen: {:?}",
        frames.iter().map(|f| f.1).max()
    );
    assert!(one_moment(&client.numbers()), "{:?}", client.numbers());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_sent_frames_only_of_the_sessions_it_draws() {
    let server = start_server_with_config(&format!("[ui]\nframe_cap = {FRAME_CAP}\n"));
    let mut client = Client::attach_to_a_flood(server.home.path()).await;
    assert!(
        !client
            .frames_within(Duration::from_secs(1), true)
            .await
            .is_empty()
    );
    // As a client zoomed on another pane says.
    let hidden = ClientMessage::Shown { sessions: vec![] };
    client.to_server.send(hidden).await.unwrap();
    client.frames_within(Duration::from_millis(300), true).await;
    let frames = client.frames_within(Duration::from_secs(1), true).await;
    assert!(
        frames.is_empty(),
        "{} frames of a pane not drawn",
        frames.len()
    );

    let id = ccmux::session::SessionId(1);
    let shown = ClientMessage::Shown { sessions: vec![id] };
    client.to_server.send(shown).await.unwrap();
    client.rows.clear();
    client.frames_within(Duration::from_millis(500), true).await;
    assert!(
        one_moment(&client.numbers()),
        "drawn again in full: {:?}",
        client.numbers()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echo_beside_a_flood_is_sent_at_once_not_at_the_next_tick() {
    use ccmux::screen::input::{Input, Key, TypedKey};
    // Two frames a second: a tick is half a second away.
    let server = start_server_with_config("[ui]\nframe_cap = 2\n");
    let mut client = Client::attach_to_a_flood(server.home.path()).await;
    client.frames_within(Duration::from_millis(500), true).await;
    let workspace = server.home.path().file_name().unwrap().to_string_lossy();
    let body = serde_json::json!({"task_id": "echo", "project_path": server.home.path(),
                                  "workspace": workspace, "command": ["cat"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let echo = ccmux::session::SessionId(info["session_id"].as_u64().unwrap());
    client.frames_within(Duration::from_secs(2), true).await;

    let mut waits = Vec::new();
    for c in ['a', 'b', 'c', 'd', 'e'] {
        let key = TypedKey {
            key: Key::Char(c),
            ctrl: false,
            alt: false,
            shift: false,
        };
        let typed = ClientMessage::Input {
            session: echo,
            input: Input::Key(key),
        };
        let sent = Instant::now();
        client.to_server.send(typed).await.unwrap();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), client.from_server.recv())
                .await
                .expect("the echo comes")
                .unwrap();
            if let ServerMessage::Frame { frame, screens } = message {
                client.take(frame).await;
                let echoed = screens.iter().any(|(id, f)| {
                    *id == echo && f.changed.iter().any(|(_, row)| row_text(row).ends_with(c))
                });
                if echoed {
                    waits.push(sent.elapsed());
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    waits.sort();
    eprintln!("echo frames after {waits:?}");
    assert!(
        waits[2] < Duration::from_millis(250),
        "the echo waited for a tick: {waits:?}"
    );
}
