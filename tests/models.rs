//! Every `models/*` folder's lesson replays and passes (`design.md` §3: "every seed scenario of
//! the project lives there and is run by the test suite"); a deliberately wrong expectation
//! fails with a diff and exit code 1.
//!
//! Every mismatch fails the test with its diff. Model folders without a lesson are listed.

use std::path::{Path, PathBuf};
use std::process::Command;

use stsim::scenario::run::{self, RunConfig};

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[test]
fn every_model_lesson_passes() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(models_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no model folders");
    let mut failures = String::new();
    let mut without_lesson = Vec::new();
    let mut ran = 0;
    for dir in &dirs {
        let files = match run::scenario_files(dir) {
            Ok(f) => f,
            Err(e) => {
                without_lesson.push(e);
                continue;
            }
        };
        for file in files {
            let result = run::run_file(&file, &RunConfig::default(), false)
                .unwrap_or_else(|e| panic!("{e}"));
            ran += 1;
            if let Some(e) = &result.error {
                failures.push_str(&format!("{e}\n"));
            }
            for m in &result.mismatches {
                failures.push_str(&format!(
                    "{}:{}: {}\n{}\n",
                    m.path, m.line, m.command, m.diff
                ));
            }
        }
    }
    for e in &without_lesson {
        eprintln!("not run: {e}");
    }
    assert!(ran > 0, "no lesson ran");
    assert!(failures.is_empty(), "{failures}");
}

/// Copies a folder's files (not recursive: model folders are flat).
fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_and_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&models_dir().join("statefulset-basics"), tmp.path());
    let lesson = tmp.path().join("lesson.md");
    let text = std::fs::read_to_string(&lesson).unwrap();
    let good = "statefulset.apps/web scaled\n";
    assert!(text.contains(good));
    std::fs::write(
        &lesson,
        text.replacen(good, "statefulset.apps/web resized\n", 1),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .arg("run")
        .arg(tmp.path())
        .args(["--seed", "5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = text
        .lines()
        .position(|l| l == "$ kubectl scale sts web --replicas=5")
        .unwrap()
        + 1;
    let head = format!(
        "error: {}:{line}: the output of `kubectl scale sts web --replicas=5` differs from the expected output\n--- expected ({}:{line})\n+++ actual\n+statefulset.apps/web scaled\n-statefulset.apps/web resized\n",
        lesson.display(),
        lesson.display()
    );
    assert!(stderr.contains(&head), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            "replay: stsim run {} --seed 5\n",
            tmp.path().display()
        )),
        "{stderr}"
    );
    // The run still printed the whole transcript.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("$ kubectl scale sts web --replicas=5\nstatefulset.apps/web scaled\n"));
}
