//! Whether `kubectl exec` gives the process a terminal: `-t` needs `-i`, and a here-document
//! on stdin is not a terminal (`StreamOptions.SetupTTY`).

use super::Session;
use crate::cluster::world::{WorldConfig, build};

const REDIS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: r
spec:
  containers:
  - name: redis
    image: redis:7.0-alpine
";

fn ready_session() -> Session {
    let sim = build(WorldConfig::default()).expect("the cluster comes up");
    let mut s = Session::new(sim);
    let out = s.run(&["apply".into(), "-f".into(), "-".into()], REDIS);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = s.run_line("kubectl wait --for=condition=Ready pod/r --timeout=300s");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(2), 50_000_000);
    let out = s.run_line("kubectl exec r -- redis-cli SET a 1");
    assert_eq!(out.stdout, "OK\n", "{}", out.stderr);
    s
}

fn words(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_string).collect()
}

#[test]
fn a_here_document_on_stdin_is_not_a_terminal() {
    let mut s = ready_session();
    let out = s.run(&words("exec -it r -- redis-cli"), "GET a\n");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        (
            "1\n",
            "Unable to use a TTY - input is not a terminal or the right kind of file\n",
            0
        )
    );
}

#[test]
fn tty_without_stdin_gets_no_terminal() {
    let mut s = ready_session();
    let out = s.run(&words("exec -t r -- redis-cli GET a"), "");
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("1\n", ""));
    // With -i and the learner's terminal on stdin, the reply is typed.
    let out = s.run(&words("exec -it r -- redis-cli GET a"), "");
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("\"1\"\n", ""));
}
