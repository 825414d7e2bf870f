//! The `stsim` command line: argument parsing, commands, printing and exit codes.
//!
//! Exit codes (as ripgrep documents its own): 0 success; 1 a document was rejected, an
//! expectation failed or a run did not settle; 2 usage, input or I/O error. This is the only
//! module that prints or exits.

mod run;
mod shell;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// stsim: an offline, deterministic simulator of Kubernetes StatefulSets.
#[derive(Debug, Parser)]
#[command(name = "stsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run manifests through the API server's defaulting, admission and validation, as
    /// `kubectl apply --dry-run=server` does against a fresh kind cluster.
    Validate(validate::ValidateArgs),
    /// Replay a scenario (a `*.console` transcript, a `*.md` lesson, a `*.sh` script) or a
    /// model folder against a fresh simulated cluster, printing what a terminal would show
    /// and checking the expected output.
    Run(run::RunArgs),
    /// An interactive prompt over a live simulated cluster (kubectl, sleep, stsim
    /// directives).
    Shell(shell::ShellArgs),
}

/// What a command produced: its stdout, its stderr and its exit code. Commands build these
/// instead of printing, so tests can run them in-process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Bytes for standard output.
    pub stdout: String,
    /// Bytes for standard error.
    pub stderr: String,
    /// The exit code.
    pub code: u8,
}

/// Runs a parsed command line, with `stdin` available to commands that read `-`.
pub fn run(cli: Cli, stdin: &mut dyn std::io::Read) -> Output {
    match cli.command {
        Command::Validate(args) => validate::run(&args, stdin),
        Command::Run(args) => run::run(&args),
        Command::Shell(args) => shell::run(&args, stdin),
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let out = run(cli, &mut std::io::stdin().lock());
    // A closed pipe (`stsim ... | head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().lock().write_all(out.stderr.as_bytes());
    ExitCode::from(out.code)
}
