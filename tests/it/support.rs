//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run of the binary printed and returned.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `stsim args...` in `dir`, feeding `stdin`.
pub fn stsim(dir: &Path, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stsim binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Compares two texts and panics with both, line-numbered, when they differ.
pub fn assert_text_eq(what: &str, expected: &str, actual: &str) {
    if expected != actual {
        panic!("{what} differs\n--- expected\n{expected}\n--- actual\n{actual}\n---");
    }
}
