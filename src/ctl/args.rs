//! What `ccmux ctl` takes on its command line.

use clap::{Args, Subcommand};

/// How `ctl send` ends, for scripts; matches `SendOutcome::exit_code`.
const SEND_EXIT_STATUS: &str = "\
Exit status:
  0  finished: the session is ready or idle
  1  ctl failed: ccmux unreachable, or the request refused
  2  bad arguments
  3  timed out: the command is still running
  4  waiting for input: a question, a permission prompt or a login
  5  the session ended
  6  the session reports an error";

/// How `ctl wait` and `ctl new --wait` end: as `ctl send` does.
const WAIT_EXIT_STATUS: &str = "\
Exit status:
  0  the session is in a state waited for
  1  ctl failed: ccmux unreachable, or the request refused
  2  bad arguments
  3  timed out
  4  waiting for input: a question, a permission prompt or a login
  5  the session ended
  6  the session reports an error";

/// What every `ID` below takes.
const ID_HELP: &str = "Sessions are named by id, by WORKSPACE/TASK, or by a task id alone when a \
single workspace has it.";

#[derive(Debug, Args)]
#[command(after_help = ID_HELP)]
pub struct CtlArgs {
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Run this on another machine's ccmux, over ssh (see [remote] in the config).
    #[arg(short = 'H', long, value_name = "[USER@]HOST")]
    pub host: Option<String>,
    #[command(subcommand)]
    pub command: CtlCommand,
}

#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// List sessions.
    List,
    /// Start a session: `ctl new --task T [--cwd P] [--template NAME] [--wait] -- argv…`.
    #[command(after_help = WAIT_EXIT_STATUS)]
    New {
        /// The task id: names the session; one live session per task in a workspace.
        #[arg(long)]
        task: String,
        /// Project directory (default: the current one).
        #[arg(long)]
        cwd: Option<std::path::PathBuf>,
        /// A [templates.NAME] from the config.
        #[arg(long)]
        template: Option<String>,
        /// Detector profile: claude, shell, generic or a [profiles.NAME].
        #[arg(long)]
        profile: Option<String>,
        /// Run in a git worktree of the project (named after the task, or NAME), on branch
        /// ccmux/NAME.
        #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
        worktree: Option<String>,
        /// Wait until the session takes commands (ready or idle); exits as `ctl wait` does.
        #[arg(long)]
        wait: bool,
        /// Seconds `--wait` waits at most.
        #[arg(long, default_value_t = 300.0, requires = "wait")]
        timeout: f64,
        #[arg(last = true)]
        argv: Vec<String>,
    },
    /// Wait until a session is in one of the given states, or waits for a person, errs or ends.
    #[command(after_help = WAIT_EXIT_STATUS)]
    Wait {
        id: String,
        /// States to wait for (comma-separated or repeated): initializing, authenticating,
        /// ready, busy, idle, waiting_input, terminating, terminated, error. Default: ready,idle.
        #[arg(long, value_delimiter = ',')]
        state: Vec<String>,
        /// Seconds to wait at most.
        #[arg(long, default_value_t = 300.0)]
        timeout: f64,
    },
    /// Send a command and print its output once it finishes.
    #[command(after_help = SEND_EXIT_STATUS)]
    Send {
        id: String,
        text: String,
        /// Seconds to wait.
        #[arg(long, default_value_t = 300.0)]
        timeout: f64,
    },
    /// Send raw keys (escapes like `\r`, `\x1b` are decoded).
    Input { id: String, data: String },
    /// Print the output log; `--follow` keeps streaming it. To a terminal, control sequences
    /// are stripped unless `--raw`.
    Output {
        id: String,
        #[arg(long)]
        follow: bool,
        /// Only lines matching this regular expression.
        #[arg(long, value_name = "REGEX")]
        grep: Option<String>,
        /// Only entries of these types: output, input, state, error, system (comma-separated).
        #[arg(long = "type", value_name = "TYPES")]
        types: Option<String>,
        /// Keep control sequences even when writing to a terminal.
        #[arg(long)]
        raw: bool,
    },
    /// Write the session's asciicast recording to stdout: `ctl record ID > session.cast`.
    Record { id: String },
    /// Print the current screen.
    Screen { id: String },
    /// Copy a session's history and screen as text, to stdout or a file.
    Copy {
        id: String,
        /// Lines A to B, numbered from 1 (the oldest kept) or from -1 (the last); either end may
        /// be left out: `--lines -20:` is the last twenty.
        #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
        lines: Option<crate::ctl::copy::LineRange>,
        /// Write to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Set a session's terminal size in columns and rows.
    Resize { id: String, cols: u32, rows: u32 },
    /// Interrupt what the session is doing (Esc for Claude Code, Ctrl-C otherwise).
    Interrupt { id: String },
    /// Start an ended session again as it was made (a restore that failed, once its cause is
    /// fixed); Claude Code resumes its conversation.
    Restart { id: String },
    /// Answer the dialog a session waits on: an option's number, `yes` or `no`. Waits until
    /// the dialog takes keys and checks that the answer was taken.
    Answer { id: String, choice: String },
    /// Terminate a session; one that had already ended is said so, with exit status 5.
    Kill {
        id: String,
        /// SIGKILL at once instead of asking it to stop first.
        #[arg(long)]
        force: bool,
        /// Remove the session's git worktree too, if it has no uncommitted changes.
        #[arg(long)]
        remove_worktree: bool,
    },
    /// Dismiss an ended session: its pane goes from every client and it leaves `ls`.
    Rm { id: String },
    /// The commands the session's task ran, kept across restarts.
    History { id: String },
    /// Run a [macros.NAME] from the server's config against a session, step by step.
    Macro { id: String, name: String },
    /// The API's counters in Prometheus' text format.
    Metrics,
    /// Sessions per state, totals since start, and uptime.
    Stats,
}
