//! Differential test: the corpus in `tests/data/postgres_corpus.txt` runs statement by
//! statement through a real PostgreSQL server (`psql -X -U postgres -c ...` against a
//! throwaway cluster made with `initdb` + `pg_ctl`) and through stsim's postgres model (its
//! `psql` in a bench container); stdout, stderr and exit codes must be identical except for
//! the corpus's allow-listed lines (`~ reason :: SQL`).
//!
//! The real binaries come from Debian's `postgresql` package (`.ci/run` installs it). When
//! they are missing the test fails and says so: it never passes silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use k8s_openapi::api::core::v1::{Container, Pod};
use stsim::apps::postgres::server::PostgresModel;
use stsim::engine::{SimDuration, SimTime};
use stsim::exec::testing::Bench;
use stsim::kubelet::{AppCx, AppModel, ContainerInfo};
use stsim::store::VolumeId;

struct Outcome {
    stdout: String,
    stderr: String,
    code: i32,
}

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    // Prefer 15, the version the spec's captures come from.
    dirs.iter()
        .find(|p| p.to_string_lossy().contains("/15/"))
        .cloned()
        .or_else(|| dirs.pop())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a command as the `postgres` OS user when we are root (PostgreSQL refuses root).
fn as_pg(root: bool, prog: &Path, args: &[&str]) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.arg("-u").arg("postgres").arg("--").arg(prog).args(args);
        c
    } else {
        let mut c = Command::new(prog);
        c.args(args);
        c
    }
}

struct RealServer {
    bin: PathBuf,
    dir: PathBuf,
    root: bool,
}

impl RealServer {
    fn start(label: &str) -> RealServer {
        let Some(bin) = pg_bin() else {
            panic!(
                "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: run .ci/run (or `apt-get install -y postgresql`) first"
            );
        };
        let root = is_root();
        let dir = std::env::temp_dir().join(format!("stsim-pgdiff-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        if root {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "chown of the temp dir to postgres failed");
        }
        let data = dir.join("data");
        let d = data.to_string_lossy().to_string();
        let out = as_pg(
            root,
            &bin.join("initdb"),
            &[
                "-D",
                &d,
                "-U",
                "postgres",
                "-A",
                "trust",
                "--locale=C.UTF-8",
                "-E",
                "UTF8",
            ],
        )
        .output()
        .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sock = dir.to_string_lossy().to_string();
        let opts = format!("-k {sock} -c listen_addresses='' -c port=5432");
        let log = dir.join("log").to_string_lossy().to_string();
        let out = as_pg(
            root,
            &bin.join("pg_ctl"),
            &["-D", &d, "-o", &opts, "-l", &log, "-w", "start"],
        )
        .output()
        .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        RealServer { bin, dir, root }
    }

    fn psql(&self, sql: &str) -> Outcome {
        self.psql_args(&["-c", sql], None)
    }

    fn psql_args(&self, extra: &[&str], stdin: Option<&str>) -> Outcome {
        use std::io::Write;
        let sock = self.dir.to_string_lossy().to_string();
        let base = ["-X", "-h", &sock, "-U", "postgres", "-d", "postgres"];
        let mut child = as_pg(
            self.root,
            &self.bin.join("psql"),
            &[&base[..], extra].concat(),
        )
        .env("LANG", "C.UTF-8")
        .env_remove("PGDATABASE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("psql runs");
        if let Some(mut w) = child.stdin.take() {
            let _ = w.write_all(stdin.unwrap_or("").as_bytes());
        }
        let out = child.wait_with_output().expect("psql ends");
        Outcome {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        let d = self.dir.join("data").to_string_lossy().to_string();
        let _ = as_pg(
            self.root,
            &self.bin.join("pg_ctl"),
            &["-D", &d, "-m", "immediate", "stop"],
        )
        .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Toy {
    bench: Bench,
    key: stsim::store::ContainerKey,
}

impl Toy {
    fn start() -> Toy {
        let mut bench = Bench::new();
        bench.now = SimTime::from_ms(1000);
        let vol = VolumeId::HostPath {
            node: "kind-worker".into(),
            path: "/data/pg".into(),
        };
        let key = bench.container(
            "pg-0",
            "postgres:15",
            &[("POSTGRES_PASSWORD", "pw")],
            &[("/var/lib/postgresql/data", vol)],
        );
        let mut pod = Pod::default();
        pod.metadata.uid = Some("uid-pg-0".into());
        let c = Container {
            name: "pg-0".into(),
            image: Some("postgres:15".into()),
            ..Default::default()
        };
        let mut model = PostgresModel::new(15);
        let info = ContainerInfo {
            pod: &pod,
            container: &c,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        };
        let mut cx = AppCx {
            info,
            since_start: SimDuration::ZERO,
            rng: &mut bench.rng,
            now: bench.now,
            world: &mut bench.world,
            api: &bench.api,
            dns: &mut bench.dns,
        };
        let s = model.start(&mut cx);
        let ready = s.ready_after.expect("the model becomes ready");
        bench.now += ready;
        Toy { bench, key }
    }

    fn psql(&mut self, sql: &str) -> Outcome {
        self.psql_args(&["-c", sql], None)
    }

    fn psql_args(&mut self, extra: &[&str], stdin: Option<&str>) -> Outcome {
        let argv = [&["psql", "-X", "-U", "postgres"][..], extra].concat();
        let r = self
            .bench
            .exec(&self.key, &argv, false, stdin)
            .expect("psql starts in the postgres image");
        Outcome {
            stdout: r.stdout,
            stderr: r.stderr,
            code: r.code,
        }
    }
}

#[test]
fn corpus_matches_real_postgresql() {
    let corpus = include_str!("data/postgres_corpus.txt");
    let real = RealServer::start("corpus");
    let mut toy = Toy::start();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (n, line) in corpus.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (allowed, sql) = match line.strip_prefix('~') {
            Some(rest) => match rest.split_once(" :: ") {
                Some((_, sql)) => (true, sql),
                None => panic!("corpus line {}: `~ reason :: SQL` expected", n + 1),
            },
            None => (false, line),
        };
        let sql = sql.replace("\\n", "\n").replace("E'multi\n", "E'multi\\n");
        let a = real.psql(&sql);
        let b = toy.psql(&sql);
        if allowed {
            continue;
        }
        compared += 1;
        if (a.stdout.as_str(), a.stderr.as_str(), a.code)
            != (b.stdout.as_str(), b.stderr.as_str(), b.code)
        {
            failures.push(format!(
                "line {}: {sql}\n--- real (exit {}) stdout:\n{}--- real stderr:\n{}--- toy (exit {}) stdout:\n{}--- toy stderr:\n{}",
                n + 1,
                a.code,
                a.stdout,
                a.stderr,
                b.code,
                b.stdout,
                b.stderr
            ));
        }
    }
    assert!(
        compared >= 100,
        "the corpus must compare at least 100 statements ({compared})"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} statements differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn scripts_match_real_postgresql_from_a_file_and_from_stdin() {
    let script = include_str!("data/postgres_script.sql");
    let real = RealServer::start("script");
    let mut toy = Toy::start();
    let path = real.dir.join("script.sql");
    std::fs::write(&path, script).expect("script written");
    let p = path.to_string_lossy().to_string();
    let now = toy.bench.now;
    toy.bench
        .world
        .view(&toy.key, now)
        .expect("container")
        .mkdir(
            path.parent()
                .map(|d| d.to_string_lossy().to_string())
                .unwrap_or_default()
                .as_str(),
            0o755,
            true,
        )
        .expect("dir");
    toy.bench
        .world
        .view(&toy.key, now)
        .expect("container")
        .write(&p, script.as_bytes())
        .expect("file");
    for (args, stdin) in [
        (vec!["-f", p.as_str()], None),
        (vec![], Some(script)),
        (vec!["-v", "ON_ERROR_STOP=1"], Some(script)),
        (vec!["-f", "/nonexistent/nope.sql"], None),
    ] {
        let a = real.psql_args(&args, stdin);
        let b = toy.psql_args(&args, stdin);
        assert_eq!(
            (a.stdout.as_str(), a.stderr.as_str(), a.code),
            (b.stdout.as_str(), b.stderr.as_str(), b.code),
            "psql {args:?} (stdin: {})",
            stdin.is_some()
        );
    }
}
