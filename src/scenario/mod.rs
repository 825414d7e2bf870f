//! Scenarios: what a person would type (`design.md` §3). Parsing of transcripts and scripts,
//! the shell tokenizer for their command lines, expected-output matching, the `sleep` and
//! `stsim` directives, the runner that replays a scenario against a simulated cluster, and the
//! trace it can write (`design.md` §4).

pub mod directive;
pub mod expect;
pub mod loops;
pub mod parse;
pub mod run;
pub mod shell;
pub mod trace;

pub use parse::{Expected, Form, Heredoc, Scenario, ScenarioError, Step, load};
pub use run::{Mismatch, RunConfig, RunResult, StepError, run_file, scenario_files};
