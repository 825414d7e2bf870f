//! The postgres model through a bench: entrypoint decisions, logs, psql output against the
//! spec's captures, durability across kills and clean stops.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::server::PostgresModel;
use crate::engine::{SimDuration, SimTime};
use crate::exec::testing::Bench;
use crate::kubelet::{AppCx, AppModel, ContainerInfo, Signal, Startup};
use crate::store::{ContainerKey, VolumeId};

struct Pg {
    bench: Bench,
    key: ContainerKey,
    model: PostgresModel,
    pod: Pod,
    container: Container,
    image: String,
    env: Vec<(String, String)>,
    mounts: Vec<(String, VolumeId)>,
}

fn cx_call<R>(p: &mut Pg, f: impl FnOnce(&mut PostgresModel, &mut AppCx<'_>) -> R) -> R {
    let info = ContainerInfo {
        pod: &p.pod,
        container: &p.container,
        is_init: false,
        restart_count: 0,
        pod_ip: "10.244.1.10",
    };
    let mut cx = AppCx {
        info,
        since_start: SimDuration::ZERO,
        rng: &mut p.bench.rng,
        now: p.bench.now,
        world: &mut p.bench.world,
        api: &p.bench.api,
        dns: &mut p.bench.dns,
    };
    f(&mut p.model, &mut cx)
}

fn boot(image: &str, env: &[(&str, &str)], mounts: &[(&str, VolumeId)]) -> (Pg, Startup) {
    let mut bench = Bench::new();
    bench.now = SimTime::from_ms(60_000);
    let key = bench.container("pg-0", image, env, mounts);
    let mut pod = Pod::default();
    pod.metadata.uid = Some("uid-pg-0".into());
    let container = Container {
        name: "pg-0".into(),
        image: Some(image.into()),
        ..Default::default()
    };
    let major = super::major_of_tag(image.split(':').nth(1).unwrap_or("latest"));
    let mut p = Pg {
        bench,
        key,
        model: PostgresModel::new(major),
        pod,
        container,
        image: image.into(),
        env: env
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect(),
        mounts: mounts
            .iter()
            .map(|(a, b)| ((*a).to_string(), b.clone()))
            .collect(),
    };
    let s = cx_call(&mut p, |m, cx| m.start(cx));
    (p, s)
}

impl Pg {
    fn logs(&self) -> String {
        self.bench
            .world
            .logs(&self.key)
            .map(|l| {
                l.current
                    .iter()
                    .map(|x| format!("{}\n", x.text))
                    .collect::<String>()
            })
            .unwrap_or_default()
    }

    fn psql(&mut self, args: &[&str]) -> (String, String, i32) {
        let mut argv = vec!["psql"];
        argv.extend_from_slice(args);
        let r = self
            .bench
            .exec(&self.key, &argv, false, None)
            .expect("psql runs");
        (r.stdout, r.stderr, r.code)
    }

    fn wait(&mut self, ms: u64) {
        self.bench.now += SimDuration::from_ms(ms);
    }

    /// Stops (signal) or kills (None) the process and starts a new container instance.
    fn restart(&mut self, signal: Option<Signal>) -> Startup {
        if let Some(sig) = signal {
            let e = cx_call(self, |m, cx| m.on_signal(cx, sig)).expect("exits");
            self.wait(e.after.as_ms());
        }
        self.bench.world.stop_process(&self.key);
        self.wait(1000);
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mounts: Vec<(&str, VolumeId)> = self
            .mounts
            .iter()
            .map(|(a, b)| (a.as_str(), b.clone()))
            .collect();
        let image = self.image.clone();
        self.key = self.bench.container("pg-0", &image, &env, &mounts);
        let major = self.model_major();
        self.model = PostgresModel::new(major);
        cx_call(self, |m, cx| m.start(cx))
    }

    /// [`Pg::restart`], then waits until the new instance is ready.
    fn restart_ready(&mut self, signal: Option<Signal>) {
        let s = self.restart(signal);
        self.wait(s.ready_after.expect("becomes ready again").as_ms());
    }

    /// The unaligned tuples-only output of `psql -U postgres -tA -c sql`.
    fn query(&mut self, sql: &str) -> String {
        self.psql(&["-U", "postgres", "-tA", "-c", sql]).0
    }

    fn model_major(&self) -> u32 {
        super::major_of_tag(self.image.split(':').nth(1).unwrap_or("latest"))
    }
}

/// `image` started with a password on a node directory, and waited for until ready.
fn ready(image: &str) -> Pg {
    let (mut p, s) = boot(
        image,
        &[("POSTGRES_PASSWORD", "pw")],
        &[("/var/lib/postgresql/data", hostpath())],
    );
    p.wait(s.ready_after.expect("becomes ready").as_ms());
    p
}

fn hostpath() -> VolumeId {
    VolumeId::HostPath {
        node: "kind-worker".into(),
        path: "/var/local-path-provisioner/pvc-1".into(),
    }
}

#[test]
fn missing_password_is_refused_with_the_entrypoint_text() {
    let (p, s) = boot(
        "postgres:15",
        &[],
        &[("/var/lib/postgresql/data", hostpath())],
    );
    assert_eq!(s.ready_after, None);
    assert_eq!(s.exit.map(|e| e.code), Some(1));
    assert!(p.logs().starts_with(
        "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n"
    ));
}

#[test]
fn lost_and_found_at_pgdata_is_refused_by_initdb() {
    let (p, s) = boot(
        "postgres:15",
        &[("POSTGRES_PASSWORD", "pw")],
        &[("/var/lib/postgresql/data", VolumeId::Pv("pv-1".into()))],
    );
    assert_eq!(s.exit.map(|e| e.code), Some(1));
    assert!(p.logs().ends_with(
        "initdb: error: directory \"/var/lib/postgresql/data\" exists but is not empty\ninitdb: detail: It contains a lost+found directory, perhaps due to it being a mount point.\ninitdb: hint: Using a mount point directly as the data directory is not recommended.\nCreate a subdirectory under the mount point.\n"
    ));
}

#[test]
fn before_15_initdb_prints_its_advice_as_plain_lines() {
    let (p, s) = boot(
        "postgres:13-alpine",
        &[("POSTGRES_PASSWORD", "pw"), ("PGDATA", "/data")],
        &[("/data", VolumeId::Pv("pv-1".into()))],
    );
    assert_eq!(s.exit.map(|e| e.code), Some(1));
    assert!(p.logs().ends_with(
        "initdb: error: directory \"/data\" exists but is not empty\nIt contains a lost+found directory, perhaps due to it being a mount point.\nUsing a mount point directly as the data directory is not recommended.\nCreate a subdirectory under the mount point.\n"
    ), "{}", p.logs());
}

#[test]
fn postgres_18_refuses_the_old_mount_path() {
    let (p, s) = boot(
        "postgres:18",
        &[("POSTGRES_PASSWORD", "pw")],
        &[("/var/lib/postgresql/data", hostpath())],
    );
    assert_eq!(s.exit.map(|e| e.code), Some(1));
    assert!(
        p.logs()
            .contains("         /var/lib/postgresql/data (unused mount/volume)\n")
    );
}

#[test]
fn trust_prints_the_warning_and_starts() {
    let (p, s) = boot(
        "postgres:16",
        &[("POSTGRES_HOST_AUTH_METHOD", "trust")],
        &[("/var/lib/postgresql/data", hostpath())],
    );
    assert!(s.exit.is_none());
    assert!(p.logs().starts_with("********************************************************************************\nWARNING: POSTGRES_HOST_AUTH_METHOD has been set to \"trust\"."));
}

#[test]
fn first_start_logs_and_appendix_a_session() {
    let (mut p, s) = boot(
        "postgres:15",
        &[("POSTGRES_PASSWORD", "pw")],
        &[("/var/lib/postgresql/data", hostpath())],
    );
    let ready = s.ready_after.expect("becomes ready").as_ms();
    assert!((800..=3000).contains(&ready), "{ready}");
    let logs = p.logs();
    assert!(logs.starts_with(
        "The files belonging to this database system will be owned by user \"postgres\".\n"
    ));
    assert!(logs.contains("\nSuccess. You can now start the database server using:\n\n    pg_ctl -D /var/lib/postgresql/data -l logfile start\n\nwaiting for server to start....2025-01-01 00:01:"));
    assert!(logs.contains(" done\nserver started\n\n/usr/local/bin/docker-entrypoint.sh: ignoring /docker-entrypoint-initdb.d/*\n\nwaiting for server to shut down...."));
    assert!(logs.contains(
        " done\nserver stopped\n\nPostgreSQL init process complete; ready for start up.\n\n"
    ));
    assert!(logs.contains(" [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432\n"));
    assert!(logs.ends_with(" [1] LOG:  database system is ready to accept connections\n"));
    // Before ready: the socket is missing (between temp and final server) or the server starts.
    let (_, err, code) = p.psql(&["-U", "postgres", "-c", "SELECT 1;"]);
    assert_eq!(code, 2);
    assert!(err.starts_with(
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: "
    ));
    p.wait(ready);
    let r = |p: &mut Pg, sql: &str| p.psql(&["-U", "postgres", "-c", sql]);
    assert_eq!(
        r(&mut p, "CREATE TABLE test (id INT, data TEXT);").0,
        "CREATE TABLE\n"
    );
    assert_eq!(
        r(&mut p, "INSERT INTO test VALUES (1, 'persistent data');").0,
        "INSERT 0 1\n"
    );
    assert_eq!(
        r(&mut p, "SELECT * FROM test;").0,
        " id |      data       \n----+-----------------\n  1 | persistent data\n(1 row)\n\n"
    );
    assert_eq!(
        r(&mut p, "SELECT * FROM missing;"),
        (
            String::new(),
            "ERROR:  relation \"missing\" does not exist\nLINE 1: SELECT * FROM missing;\n                      ^\n".to_string(),
            1
        )
    );
    assert_eq!(
        p.psql(&[
            "-U",
            "postgres",
            "-t",
            "-A",
            "-c",
            "SELECT COUNT(*) FROM test;"
        ])
        .0,
        "1\n"
    );
    assert_eq!(
        p.psql(&["-U", "postgres", "-c", "\\dt"]).0,
        "        List of relations\n Schema | Name | Type  |  Owner   \n--------+------+-------+----------\n public | test | table | postgres\n(1 row)\n\n"
    );
    assert_eq!(
        p.psql(&["-U", "postgres", "-d", "nosuchdb", "-c", "SELECT 1;"]),
        (String::new(), "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"nosuchdb\" does not exist\n".to_string(), 2)
    );
    assert_eq!(
        p.psql(&["-c", "SELECT 1"]).1,
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  role \"root\" does not exist\n"
    );
    assert_eq!(
        p.psql(&["-U", "postgres", "--nosuch"]),
        (String::new(), "psql: unrecognized option '--nosuch'\npsql: hint: Try \"psql --help\" for more information.\n".to_string(), 1)
    );
    let r = p
        .bench
        .exec(&p.key, &["pg_isready", "-U", "postgres"], false, None)
        .unwrap();
    assert_eq!(
        (r.stdout.as_str(), r.code),
        ("/var/run/postgresql:5432 - accepting connections\n", 0)
    );
    let r = p
        .bench
        .exec(
            &p.key,
            &["pg_isready", "-h", "127.0.0.1", "-p", "5432"],
            false,
            None,
        )
        .unwrap();
    assert_eq!(r.stdout, "127.0.0.1:5432 - accepting connections\n");
    // The server log shows the failed statement.
    assert!(
        p.logs()
            .contains("ERROR:  relation \"missing\" does not exist at character 15\n")
    );
    assert!(p.logs().contains("STATEMENT:  SELECT * FROM missing;\n"));
    // A clean stop (SIGINT) and a later start.
    let s = p.restart(Some(Signal::Int));
    assert!(s.ready_after.is_some_and(|d| d.as_ms() <= 1000));
    let logs = p.logs();
    assert!(logs.starts_with("\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n"), "{logs}");
    assert!(logs.contains("LOG:  database system was shut down at "));
    p.wait(2000);
    assert_eq!(p.query("SELECT data FROM test;"), "persistent data\n");
}

#[test]
fn committed_rows_survive_a_kill_and_recovery_is_logged() {
    let mut p = ready("postgres:17");
    p.psql(&[
        "-U",
        "postgres",
        "-c",
        "CREATE TABLE t (id INT); INSERT INTO t VALUES (1);",
    ]);
    let s = p.restart(None);
    let logs = p.logs();
    assert!(
        logs.contains("LOG:  database system was interrupted; last known up at "),
        "{logs}"
    );
    assert!(logs.contains(
        "LOG:  database system was not properly shut down; automatic recovery in progress\n"
    ));
    assert!(logs.contains("LOG:  redo starts at 0/"));
    p.wait(s.ready_after.unwrap().as_ms());
    assert_eq!(p.query("SELECT count(*) FROM t;"), "1\n");
}

#[test]
fn asynchronous_commits_are_lost_by_a_kill_but_not_by_a_stop() {
    let mut p = ready("postgres:15");
    p.psql(&["-U", "postgres", "-c", "CREATE TABLE t (id INT);"]);
    p.psql(&[
        "-U",
        "postgres",
        "-c",
        "SET synchronous_commit = off; INSERT INTO t VALUES (1);",
    ]);
    p.restart_ready(None);
    assert_eq!(p.query("SELECT count(*) FROM t;"), "0\n");
    p.psql(&[
        "-U",
        "postgres",
        "-c",
        "SET synchronous_commit = off; INSERT INTO t VALUES (2);",
    ]);
    p.restart_ready(Some(Signal::Int));
    assert_eq!(p.query("SELECT id FROM t;"), "2\n");
}

#[test]
fn stdin_scripts_and_on_error_stop() {
    let mut p = ready("postgres:15");
    let script = "CREATE TABLE orders (id SERIAL PRIMARY KEY, item VARCHAR(20), qty INT);\nINSERT INTO orders (item, qty) VALUES ('apple', 3), ('pear', 5);\nSELECT * FROM orders;\nSELECT * FROM missing;\nUPDATE orders SET qty = 10 WHERE item = 'pear';\n";
    let r = p
        .bench
        .exec(&p.key, &["psql", "-U", "postgres"], false, Some(script))
        .unwrap();
    assert_eq!(
        r.stdout,
        "CREATE TABLE\nINSERT 0 2\n id | item  | qty \n----+-------+-----\n  1 | apple |   3\n  2 | pear  |   5\n(2 rows)\n\nUPDATE 1\n"
    );
    assert_eq!(
        r.stderr,
        "ERROR:  relation \"missing\" does not exist\nLINE 1: SELECT * FROM missing;\n                      ^\n"
    );
    assert_eq!(r.code, 0);
    let r = p
        .bench
        .exec(
            &p.key,
            &["psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1"],
            false,
            Some("SELECT 1 AS one;\nSELECT * FROM missing;\nSELECT 2 AS two;\n"),
        )
        .unwrap();
    assert_eq!(r.stdout, " one \n-----\n   1\n(1 row)\n\n");
    assert_eq!(r.code, 3);
    let r = p
        .bench
        .exec(
            &p.key,
            &["psql", "-U", "postgres", "-f", "/tmp/nope.sql"],
            false,
            None,
        )
        .unwrap();
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("psql: error: /tmp/nope.sql: No such file or directory\n", 1)
    );
}

#[test]
fn interactive_session_prompts_like_psql() {
    let mut p = ready("postgres:15");
    p.psql(&["-U", "postgres", "-c", "CREATE DATABASE appdb;"]);
    let r = p
        .bench
        .exec(
            &p.key,
            &["psql", "-U", "postgres"],
            true,
            Some("SELECT\n2;\n\\c appdb\n"),
        )
        .unwrap();
    assert_eq!(
        r.stdout,
        "psql (15.17 (Debian 15.17-1.pgdg12+1))\nType \"help\" for help.\n\npostgres=# SELECT\npostgres-# 2;\n ?column? \n----------\n        2\n(1 row)\n\npostgres=# \\c appdb\nYou are now connected to database \"appdb\" as user \"postgres\".\nappdb=# \\q\n"
    );
}

#[test]
fn tcp_clients_need_a_password_from_other_hosts() {
    let mut p = ready("postgres:15");
    // Loopback is trusted by initdb's pg_hba.conf.
    let (out, _, code) = p.psql(&["-h", "127.0.0.1", "-U", "postgres", "-tAc", "SELECT 1"]);
    assert_eq!((out.as_str(), code), ("1\n", 0));
    // The pod's own IP goes through `host all all all scram-sha-256`.
    let (_, err, code) = p.psql(&["-h", "10.244.1.10", "-U", "postgres", "-c", "SELECT 1"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "psql: error: connection to server at \"10.244.1.10\", port 5432 failed: fe_sendauth: no password supplied\n"
    );
    let (_, err, _) = p.psql(&["-h", "nosuch-host", "-U", "postgres", "-c", "SELECT 1"]);
    assert_eq!(
        err,
        "psql: error: could not translate host name \"nosuch-host\" to address: Name or service not known\n"
    );
    // pg_dump of the (empty) database has the §2.9 frame.
    let r = p
        .bench
        .exec(&p.key, &["pg_dump", "-U", "postgres"], false, None)
        .unwrap();
    assert!(
        r.stdout
            .starts_with("--\n-- PostgreSQL database dump\n--\n\n\\restrict ")
    );
    assert!(
        r.stdout
            .contains("-- Dumped from database version 15.17 (Debian 15.17-1.pgdg12+1)\n")
    );
}

#[test]
fn env_user_and_db_and_init_scripts_run_once() {
    let mut bench = Bench::new();
    let vol = hostpath();
    let init = VolumeId::HostPath {
        node: "kind-worker".into(),
        path: "/init".into(),
    };
    let key = bench.container("pg-0", "postgres:15", &[], &[]);
    let now = bench.now;
    bench
        .world
        .volume(&init, 1 << 20, now)
        .write(
            "/01-init.sql",
            b"CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n",
            now,
        )
        .unwrap();
    let mut pod = Pod::default();
    pod.metadata.uid = Some("uid-pg-0".into());
    let container = Container {
        name: "pg-0".into(),
        image: Some("postgres:15".into()),
        ..Default::default()
    };
    let mut p = Pg {
        bench,
        key,
        model: PostgresModel::new(15),
        pod,
        container,
        image: "postgres:15".into(),
        env: vec![
            ("POSTGRES_PASSWORD".into(), "pw".into()),
            ("POSTGRES_USER".into(), "appuser".into()),
            ("POSTGRES_DB".into(), "appdb".into()),
        ],
        mounts: vec![
            ("/var/lib/postgresql/data".into(), vol),
            ("/docker-entrypoint-initdb.d".into(), init),
        ],
    };
    // The env reaches the container through its setup: restart with it.
    let s = p.restart(None);
    let logs = p.logs();
    assert!(logs.contains("server started\nCREATE DATABASE\n\n\n/usr/local/bin/docker-entrypoint.sh: running /docker-entrypoint-initdb.d/01-init.sql\nCREATE TABLE\nINSERT 0 1\n\n\nwaiting for server to shut down...."), "{logs}");
    p.wait(s.ready_after.unwrap().as_ms());
    assert_eq!(
        p.psql(&["-U", "postgres", "-c", "SELECT 1;"]).1,
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  role \"postgres\" does not exist\n"
    );
    assert_eq!(
        p.psql(&["-U", "appuser", "-c", "SELECT 1;"]).1,
        "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"appuser\" does not exist\n"
    );
    assert_eq!(
        p.psql(&["-U", "appuser", "-d", "appdb", "-tAc", "SELECT id FROM t;"])
            .0,
        "1\n"
    );
    // A later start skips initialisation (and the scripts).
    let s = p.restart(Some(Signal::Int));
    assert!(!p.logs().contains("running /docker-entrypoint-initdb.d"));
    p.wait(s.ready_after.unwrap().as_ms());
    assert_eq!(
        p.psql(&[
            "-U",
            "appuser",
            "-d",
            "appdb",
            "-tAc",
            "SELECT count(*) FROM t;"
        ])
        .0,
        "1\n"
    );
}

#[test]
fn list_databases_and_describe_match_the_captures() {
    let mut p = ready("postgres:15");
    p.psql(&["-U", "postgres", "-c", "CREATE DATABASE appdb;"]);
    assert_eq!(
        p.psql(&["-U", "postgres", "-c", "\\l"]).0,
        "                                                List of databases
   Name    |  Owner   | Encoding |  Collate   |   Ctype    | ICU Locale | Locale Provider |   Access privileges   
-----------+----------+----------+------------+------------+------------+-----------------+-----------------------
 appdb     | postgres | UTF8     | en_US.utf8 | en_US.utf8 |            | libc            | 
 postgres  | postgres | UTF8     | en_US.utf8 | en_US.utf8 |            | libc            | 
 template0 | postgres | UTF8     | en_US.utf8 | en_US.utf8 |            | libc            | =c/postgres          +
           |          |          |            |            |            |                 | postgres=CTc/postgres
 template1 | postgres | UTF8     | en_US.utf8 | en_US.utf8 |            | libc            | =c/postgres          +
           |          |          |            |            |            |                 | postgres=CTc/postgres
(4 rows)

"
    );
    p.psql(&["-U", "postgres", "-c", "CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);"]);
    assert_eq!(
        p.psql(&["-U", "postgres", "-c", "\\d users"]).0,
        "                                   Table \"public.users\"
 Column |         Type          | Collation | Nullable |              Default              
--------+-----------------------+-----------+----------+-----------------------------------
 id     | integer               |           | not null | nextval('users_id_seq'::regclass)
 name   | character varying(50) |           | not null | 
 email  | text                  |           |          | 
Indexes:
    \"users_pkey\" PRIMARY KEY, btree (id)

"
    );
}

#[test]
fn pg_dump_matches_a_real_pg_dump_15() {
    // testdata/pg_dump_users.sql: the body of a real `pg_dump` (PostgreSQL 15, Debian) of
    // the same table and rows, from `SET statement_timeout` to the closing comment.
    let mut p = ready("postgres:15");
    p.psql(&[
        "-U",
        "postgres",
        "-c",
        "CREATE TABLE users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);",
    ]);
    p.psql(&[
        "-U",
        "postgres",
        "-c",
        "INSERT INTO users (name, email) VALUES ('Alice', 'a@x'), ('Bob', NULL);",
    ]);
    let r = p
        .bench
        .exec(&p.key, &["pg_dump", "-U", "postgres"], false, None)
        .unwrap();
    let start = r.stdout.find("SET statement_timeout").unwrap();
    let end = r
        .stdout
        .find("-- PostgreSQL database dump complete\n")
        .unwrap()
        + "-- PostgreSQL database dump complete\n".len();
    assert_eq!(
        &r.stdout[start..end],
        include_str!("testdata/pg_dump_users.sql")
    );
    let key_line = |s: &str, w: &str| {
        s.lines()
            .find(|l| l.starts_with(w))
            .map(|l| l[w.len()..].to_string())
    };
    let k1 = key_line(&r.stdout, "\\restrict ").unwrap();
    assert_eq!(k1.len(), 63);
    assert_eq!(key_line(&r.stdout, "\\unrestrict "), Some(k1));
}

/// Bad input (issue 5): random SQL, built from the grammar's pieces and from raw characters,
/// never panics the toy server or psql, and whatever fails fails as psql does: exit code 1
/// with an `ERROR:` report (and its `LINE`/caret, `DETAIL`, `HINT` lines) on stderr.
mod bad_input {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&str] = &[
        "SELECT",
        "INSERT",
        "INTO",
        "VALUES",
        "UPDATE",
        "SET",
        "DELETE",
        "FROM",
        "WHERE",
        "CREATE",
        "TABLE",
        "DROP",
        "DATABASE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "ORDER BY",
        "LIMIT",
        "COUNT(*)",
        "SUM(",
        "GROUP BY",
        "t",
        "x",
        "id",
        "SERIAL",
        "PRIMARY KEY",
        "INT",
        "TEXT",
        "VARCHAR(3)",
        "NOT NULL",
        "UNIQUE",
        "(",
        ")",
        ",",
        ";",
        "*",
        "=",
        "<",
        "+",
        "-",
        "/",
        "'a'",
        "'it''s'",
        "'",
        "\"",
        "\"q\"",
        "1",
        "-1",
        "2147483648",
        "1.5",
        "1e3",
        "NULL",
        "TRUE",
        "AND",
        "OR",
        "NOT",
        "IS",
        "AS",
        "::int",
        "$1",
        "--",
        "/*",
        "*/",
        "\\dt",
        "\\l",
        "\\d t",
        "ON CONFLICT",
        "RETURNING",
        "JOIN",
        "UNION",
    ];

    fn server() -> Pg {
        let (mut p, s) = boot(
            "postgres:15",
            &[("POSTGRES_PASSWORD", "pw")],
            &[("/var/lib/postgresql/data", hostpath())],
        );
        p.wait(s.ready_after.unwrap().as_ms());
        let setup = "CREATE TABLE t (id SERIAL PRIMARY KEY, x TEXT);\nINSERT INTO t (x) VALUES ('a'), ('b');\n";
        let r = p
            .bench
            .exec(&p.key, &["psql", "-U", "postgres"], false, Some(setup))
            .unwrap();
        assert_eq!(r.code, 0, "{}", r.stderr);
        p
    }

    fn check(p: &mut Pg, sql: &str) -> Result<(), TestCaseError> {
        let r = p
            .bench
            .exec(&p.key, &["psql", "-U", "postgres", "-c", sql], false, None)
            .unwrap();
        prop_assert!(r.code == 0 || r.code == 1, "exit {} for {sql:?}", r.code);
        // psql's own complaints (meta-commands), printed without a prefix under -c.
        const PSQL_OWN: [&str; 4] = [
            "invalid command \\",
            "Did not find any relation",
            "unterminated quoted string",
            "psql: ",
        ];
        if r.code == 1 {
            prop_assert!(
                r.stderr.starts_with("ERROR:  ")
                    || PSQL_OWN.iter().any(|p| r.stderr.starts_with(p)),
                "{sql:?} -> {:?}",
                r.stderr
            );
        }
        for line in r.stderr.lines() {
            let known = [
                "ERROR:  ",
                "LINE ",
                "DETAIL:  ",
                "HINT:  ",
                "NOTICE:  ",
                "WARNING:  ",
            ]
            .iter()
            .chain(PSQL_OWN.iter())
            .any(|p| line.starts_with(p))
                || line.trim_end().ends_with('^')
                || line.starts_with(' ');
            prop_assert!(known, "{sql:?}: stderr line {line:?}");
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn random_statements_fail_like_psql(parts in proptest::collection::vec(
            proptest::sample::select(PIECES), 1..10
        )) {
            let mut p = server();
            check(&mut p, &parts.join(" "))?;
        }

        #[test]
        fn random_characters_fail_like_psql(sql in "[ -~]{1,40}") {
            let mut p = server();
            check(&mut p, &sql)?;
        }
    }
}

#[test]
fn pg_stat_activity_lists_the_server_processes_and_this_session() {
    let mut p = ready("postgres:13-alpine");
    // What a real idle server prints to one psql session (the seed's monitoring step).
    let (out, err, code) = p.psql(&[
        "-U",
        "postgres",
        "-c",
        "SELECT count(*) FROM pg_stat_activity;",
    ]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        (" count \n-------\n     6\n(1 row)\n\n", "", 0)
    );
    let procs = "SELECT pid, usename, backend_type FROM pg_stat_activity WHERE backend_type <> 'client backend';";
    let listed = p.query(procs);
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 5, "{listed}");
    assert!(
        rows[1].ends_with("|postgres|logical replication launcher"),
        "{listed}"
    );
    // The same PIDs on every run, and the session's is pg_backend_pid().
    assert_eq!(ready("postgres:13-alpine").query(procs), listed);
    assert_eq!(
        p.query("SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND state = 'active' AND application_name = 'psql' AND client_port = -1 AND query LIKE 'SELECT count(*)%';"),
        "1\n"
    );
    // Over TCP the client's address and port show.
    let (out, _, _) = p.psql(&[
        "-h",
        "localhost",
        "-U",
        "postgres",
        "-tA",
        "-c",
        "SELECT client_addr, client_port > 32767 FROM pg_stat_activity WHERE client_addr IS NOT NULL;",
    ]);
    assert_eq!(out, "::1|t\n");
    // A view: described as one, not listed with the tables, not dumped.
    p.psql(&["-U", "postgres", "-c", "CREATE TABLE t (id INT);"]);
    let (out, _, _) = p.psql(&["-U", "postgres", "-c", "\\d pg_stat_activity"]);
    assert!(
        out.starts_with("                      View \"pg_catalog.pg_stat_activity\"\n      Column      |           Type           | Collation | Nullable | Default \n"),
        "{out}"
    );
    assert!(out.ends_with(" backend_xmin     | xid                      |           |          | \n query            | text                     |           |          | \n backend_type     | text                     |           |          | \n\n"), "{out}");
    let (out, _, _) = p.psql(&["-U", "postgres", "-c", "\\dt"]);
    assert!(!out.contains("pg_stat_activity"), "{out}");
    let dump = p
        .bench
        .exec(&p.key, &["pg_dump", "-U", "postgres"], false, None)
        .unwrap()
        .stdout;
    assert!(dump.contains("CREATE TABLE public.t ") && !dump.contains("pg_stat_activity"));
    // The launcher the view lists is the one the shutdown log names.
    let launcher = p.query(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'logical replication launcher';",
    );
    let stop = cx_call(&mut p, |m, cx| m.on_signal(cx, Signal::Int)).expect("exits");
    p.wait(stop.after.as_ms());
    assert!(
        p.logs().contains(&format!(
            "background worker \"logical replication launcher\" (PID {}) exited with exit code 1",
            launcher.trim()
        )),
        "{}",
        p.logs()
    );
    p.restart_ready(None);
    // After the restart: new processes, still five of them.
    assert_eq!(
        p.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type <> 'client backend';"),
        "5\n"
    );
}
