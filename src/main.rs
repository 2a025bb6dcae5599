use clap::Parser;

/// ccmux: run many Claude Code sessions side by side.
#[derive(Parser)]
#[command(version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    Cli::parse();
    Ok(())
}
