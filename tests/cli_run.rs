//! `stsim run` and `stsim shell` as a learner runs them: determinism of stdout and trace,
//! bad input (one clear error with file:line, exit 2), `--bless`, and the shell on piped stdin.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn stsim(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn web_yaml() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/statefulset-basics/web.yaml")
}

/// A folder with the tutorial's manifest and a scenario `s.console` holding `scenario`.
fn lab(scenario: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(web_yaml(), dir.path().join("web.yaml")).unwrap();
    std::fs::write(dir.path().join("s.console"), scenario).unwrap();
    dir
}

const SMALL: &str = "$ kubectl apply -f web.yaml\nservice/nginx created\nstatefulset.apps/web created\n$ kubectl get pods --watch -l app=nginx\n$ kubectl scale sts web --replicas=3\nstatefulset.apps/web scaled\n$ sleep 1m\n$ kubectl get pods -l app=nginx\n$ kubectl delete pod web-0\n";

#[test]
fn the_same_seed_gives_the_same_stdout_and_trace() {
    let dir = lab(SMALL);
    let a = stsim(
        &["run", "s.console", "--seed", "11", "--trace", "a.jsonl"],
        dir.path(),
    );
    let b = stsim(
        &["run", "s.console", "--seed", "11", "--trace", "b.jsonl"],
        dir.path(),
    );
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    assert_eq!(a.stdout, b.stdout);
    assert!(text(&a.stdout).contains("$ kubectl get pods -l app=nginx\nNAME    READY   STATUS    RESTARTS   AGE\nweb-0   1/1     Running   0"));
    let ta = std::fs::read_to_string(dir.path().join("a.jsonl")).unwrap();
    let tb = std::fs::read_to_string(dir.path().join("b.jsonl")).unwrap();
    assert_eq!(ta, tb);
    let mut kinds = std::collections::BTreeSet::new();
    let mut last_seq = None;
    for l in ta.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(l.starts_with("{\"type\":\""), "{l}");
        assert!(matches!(
            v["type"].as_str(),
            Some("ADDED" | "MODIFIED" | "DELETED")
        ));
        let seq = v["stsim"]["seq"].as_u64().unwrap();
        assert!(last_seq.is_none_or(|s| seq > s), "seq increases");
        last_seq = Some(seq);
        assert!(v["stsim"]["t"].is_u64());
        kinds.insert(v["object"]["kind"].as_str().unwrap().to_string());
    }
    for k in [
        "Event",
        "Pod",
        "StatefulSet",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "Service",
    ] {
        assert!(kinds.contains(k), "{k} in the trace: {kinds:?}");
    }
    // Another seed is another run (pod IPs, uids, names of PVs differ).
    let c = stsim(
        &["run", "s.console", "--seed", "12", "--trace", "c.jsonl"],
        dir.path(),
    );
    assert_eq!(c.status.code(), Some(0));
    assert_ne!(
        std::fs::read_to_string(dir.path().join("c.jsonl")).unwrap(),
        ta
    );
}

/// Runs `scenario` and expects exit 2 with exactly one error line naming `s.console:line`.
fn bad(scenario: &str, line: usize, message: &str) {
    let dir = lab(scenario);
    let out = stsim(&["run", "s.console"], dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one error: {stderr}");
    let want = format!("error: scenario s.console:{line}: {message}");
    assert!(stderr.starts_with(&want), "{stderr}\nwanted: {want}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn bad_input_is_one_error_with_file_and_line_and_exit_2() {
    bad(
        "$ kubectl get ns\n$ foo bar\n",
        2,
        "unknown command `foo`: a scenario runs `kubectl`, `sleep` and `stsim` commands",
    );
    bad(
        "$ kubectl get ns\n\n$ stsim partition kind-worker\n",
        3,
        "stsim: unknown directive \"partition\"",
    );
    bad(
        "$ kubectl apply -f nope.yaml\n",
        1,
        "manifest \"nope.yaml\" not found",
    );
    bad(
        "$ kubectl get ns\n$ kubectl apply -f - <<EOF\napiVersion: v1\n",
        2,
        "unterminated heredoc: no line \"EOF\" before the end of the file",
    );
    bad(
        "$ kubectl get pods | grep web\n",
        1,
        "a pipeline (`|`) is not supported",
    );
    bad(
        "$ kubectl get ns\n$ kubectl wait --for=delete node/kind-worker --timeout=24h\n",
        2,
        "`kubectl wait --for=delete node/kind-worker --timeout=24h` did not settle: it was still waiting after 60m of virtual time",
    );
    // A missing scenario.
    let dir = tempfile::tempdir().unwrap();
    let out = stsim(&["run", "nothing.console"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: nothing.console: No such file or directory\n"
    );
}

#[test]
fn kubectl_errors_are_output_to_check_not_bad_input() {
    let dir = lab(
        "$ kubectl get pods --bogus\n[..]unknown flag: --bogus\n...\n$ kubectl get pod web-9\nError from server (NotFound): pods \"web-9\" not found\n",
    );
    let out = stsim(&["run", "s.console"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn bless_rewrites_what_differs_and_the_result_passes() {
    let scenario = "Prose before the first command.\n$ kubectl apply -f web.yaml\nservice/nginx created\nwrong line\n\n$ kubectl get ns default\nNAME      STATUS   AGE\ndefault   Active   [..]\n$ kubectl get sts\n";
    let dir = lab(scenario);
    let out = stsim(&["run", "s.console"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let out = stsim(&["run", "s.console", "--bless"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let blessed = std::fs::read_to_string(dir.path().join("s.console")).unwrap();
    assert!(blessed.starts_with("Prose before the first command.\n$ kubectl apply -f web.yaml\nservice/nginx created\nstatefulset.apps/web created\n\n$ kubectl get ns default\nNAME      STATUS   AGE\ndefault   Active   [..]\n$ kubectl get sts\nNAME   READY   AGE\nweb    0/2     0s\n"), "{blessed}");
    let out = stsim(&["run", "s.console"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The run's own output is a transcript that passes too.
    std::fs::write(dir.path().join("again.console"), &out.stdout).unwrap();
    let again = stsim(&["run", "again.console"], dir.path());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
}

#[test]
fn the_shell_reads_piped_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stsim"))
        .args(["shell", "--profile", "instant"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kubectl get ns default\nkubectl apply -f - <<EOF\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\nEOF\nfoo\nstsim node stop kind-worker\nsleep 2m\nkubectl get node kind-worker\nexit\nkubectl get ns\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("NAME      STATUS   AGE\ndefault   Active   "),
        "{stdout}"
    );
    assert!(stdout.contains("namespace/demo created\n"), "{stdout}");
    assert!(
        stdout.contains("kind-worker   NotReady   <none>   "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("demo      Active"),
        "nothing runs after exit: {stdout}"
    );
    assert_eq!(
        text(&out.stderr),
        "stsim: unknown command `foo`: a scenario runs `kubectl`, `sleep` and `stsim` commands\n"
    );
}
