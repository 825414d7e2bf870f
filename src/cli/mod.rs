//! The `stsim` command line: argument parsing, commands, printing and exit codes.

use std::process::ExitCode;

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
