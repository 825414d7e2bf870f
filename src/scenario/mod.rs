//! Scenarios: what a person would type (`design.md` §3). Parsing of transcripts and scripts,
//! the shell tokenizer for their command lines, and expected-output matching. Running them
//! against a simulated cluster is the runner's job.

pub mod expect;
pub mod loops;
pub mod parse;
pub mod shell;

pub use parse::{Expected, Form, Heredoc, Scenario, ScenarioError, Step, load};
