//! Keystroke-to-echo latency, measured the way a person feels it (the "typometer" method):
//! type one printable key into the client's terminal and time until the client has drawn it.
//!
//! The echo is found on the screen model rather than as a byte in the output stream: under a
//! flood the other pane draws letters all the time, and a redraw of the status bar may hold the
//! typed letter too, so only the prompt followed by exactly the text typed so far counts.
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::time::Duration;

use super::pty_client::PtyClient;

/// The shells' prompt: plain ASCII with no trailing space, so the typed text follows it directly
/// in the screen's text whatever a client does with blank cells.
pub const PROMPT: &str = "ECHO>";
/// Characters typed before the line is cleared: short enough for a half-width pane.
const LINE: usize = 30;
/// Longer than any echo worth measuring; a miss is counted, not timed.
const ECHO_LIMIT: Duration = Duration::from_secs(5);
/// Misses after which the run is broken rather than slow.
const MAX_MISSES: usize = 5;
/// Ctrl-U: readline's "discard the line".
const CLEAR_LINE: u8 = 0x15;

/// The measured latencies of one scenario.
pub struct Latencies {
    sorted: Vec<Duration>,
    pub missed: usize,
}

impl Latencies {
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self {
            sorted: samples,
            missed: 0,
        }
    }

    /// The samples of several runs of one scenario as one.
    pub fn merged(parts: Vec<Latencies>) -> Self {
        let missed = parts.iter().map(|p| p.missed).sum();
        let samples = parts.into_iter().flat_map(|p| p.sorted).collect();
        Self {
            missed,
            ..Self::new(samples)
        }
    }

    /// Nearest-rank percentile, `q` in 0..=1.
    pub fn percentile(&self, q: f64) -> Duration {
        let rank = ((q * self.sorted.len() as f64).ceil() as usize).max(1);
        self.sorted[rank.min(self.sorted.len()) - 1]
    }

    /// `p50/p90/p99/max` in milliseconds.
    pub fn summary(&self) -> String {
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e3);
        format!(
            "{}/{}/{}/{}",
            ms(self.percentile(0.5)),
            ms(self.percentile(0.9)),
            ms(self.percentile(0.99)),
            ms(self.percentile(1.0))
        )
    }
}

/// Waits until the client shows the prompt and has stopped drawing (or keeps drawing only a
/// clock), so the first sample does not race start-up work.
pub fn wait_ready(client: &mut PtyClient) -> anyhow::Result<()> {
    client.expect(Duration::from_secs(20), "the prompt", |s| {
        s.contents().contains(PROMPT)
    })?;
    client.wait_quiet(Duration::from_millis(300), Duration::from_secs(3));
    Ok(())
}

/// Types `count` timed keys into the focused pane, whose line must be empty (and is left so);
/// `still_valid` is asked after each one whether the conditions of the scenario still hold (else it is dropped).
pub fn sample(
    client: &mut PtyClient,
    count: usize,
    mut still_valid: impl FnMut() -> bool,
) -> anyhow::Result<Latencies> {
    let mut samples = Vec::with_capacity(count);
    let mut missed = 0;
    let mut typed = String::new();
    let mut keys = (b'a'..=b'z').cycle();
    let mut pauses = Pauses(0x2545_f491);
    for attempt in 1.. {
        if samples.len() == count {
            break;
        }
        anyhow::ensure!(
            attempt <= 2 * count,
            "only {} of {attempt} samples were taken while the scenario held",
            samples.len()
        );
        if typed.len() == LINE {
            clear_line(client, &mut typed)?;
        }
        client.settle(pauses.next());
        let key = keys.next().expect("cycle never ends");
        typed.push(key as char);
        let expected = format!("{PROMPT}{typed}");
        let sent = client.send(&[key])?;
        match client.wait_for(ECHO_LIMIT, |s| s.contents().contains(&expected)) {
            Some(drawn) if still_valid() => samples.push(drawn.saturating_duration_since(sent)),
            Some(_) => {}
            None => {
                missed += 1;
                eprintln!(
                    "no echo of {expected:?} within {ECHO_LIMIT:?}; the prompt's line: {:?}",
                    prompt_line(client.screen())
                );
                anyhow::ensure!(
                    missed <= MAX_MISSES,
                    "{missed} keys never echoed; last {expected:?}; screen:\n{}",
                    client.screen().contents()
                );
                clear_line(client, &mut typed)?;
            }
        }
    }
    // The line as it was found, for whatever comes next.
    clear_line(client, &mut typed)?;
    samples.sort();
    Ok(Latencies {
        sorted: samples,
        missed,
    })
}

/// The screen's line holding the prompt, for saying what a miss looked like.
fn prompt_line(screen: &vt100::Screen) -> Option<String> {
    let contents = screen.contents();
    let line = contents.lines().find(|line| line.contains(PROMPT))?;
    Some(line.to_string())
}

/// Clears the line (untimed) and lets the redraw that follows pass before the next key.
fn clear_line(client: &mut PtyClient, typed: &mut String) -> anyhow::Result<()> {
    let first = format!("{PROMPT}{}", &typed[..typed.len().min(1)]);
    client.send(&[CLEAR_LINE])?;
    if !typed.is_empty() {
        client.expect(Duration::from_secs(5), "the line to clear", |s| {
            !s.contents().contains(&first)
        })?;
    }
    client.settle(Duration::from_millis(30));
    typed.clear();
    Ok(())
}

/// Pauses of 5–20 ms between keys, varied (xorshift) so samples do not lock onto a client's
/// frame clock, yet the same in every run.
struct Pauses(u32);

impl Pauses {
    fn next(&mut self) -> Duration {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        Duration::from_millis(5 + u64::from(x % 16))
    }
}
