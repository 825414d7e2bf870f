//! Engine tests: statements against the Appendix A expectations.

use super::*;
use crate::apps::sql::format::{PrintOpts, error_text, print_result};

fn pg() -> (Engine, Session) {
    let e = Engine::new(Cluster::initdb("postgres", Some("pw")), Dialect::Postgres);
    let s = Session::new("postgres", "postgres", "PostgreSQL 15.17");
    (e, s)
}

/// psql -c output of one query string: (stdout, stderr).
fn run(e: &mut Engine, s: &mut Session, sql: &str) -> (String, String) {
    let r = e.query(s, sql);
    let mut out = String::new();
    let mut err = String::new();
    for res in &r.results {
        for n in &res.notices {
            err.push_str(n);
            err.push('\n');
        }
        if let Some(rows) = &res.rows {
            out.push_str(&print_result(rows, &PrintOpts::default(), None));
            if !res.tag.starts_with("SELECT") {
                out.push_str(&res.tag);
                out.push('\n');
            }
        } else {
            out.push_str(&res.tag);
            out.push('\n');
        }
    }
    if let Some(er) = &r.error {
        err.push_str(&error_text(er, sql, ""));
    }
    (out, err)
}

#[test]
fn appendix_a_basic_session() {
    let (mut e, mut s) = pg();
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    assert_eq!(
        r("CREATE TABLE test (id INT, data TEXT);").0,
        "CREATE TABLE\n"
    );
    assert_eq!(
        r("INSERT INTO test VALUES (1, 'persistent data');").0,
        "INSERT 0 1\n"
    );
    assert_eq!(
        r("CREATE TABLE test (id INT, data TEXT);").1,
        "ERROR:  relation \"test\" already exists\n"
    );
    assert_eq!(
        r("SELECT * FROM missing;").1,
        "ERROR:  relation \"missing\" does not exist\nLINE 1: SELECT * FROM missing;\n                      ^\n"
    );
    assert_eq!(
        r("SELEC * FROM test;").1,
        "ERROR:  syntax error at or near \"SELEC\"\nLINE 1: SELEC * FROM test;\n        ^\n"
    );
    assert_eq!(
        r("SELECT * FROM test WHERE nosuchcol = 1;").1,
        "ERROR:  column \"nosuchcol\" does not exist\nLINE 1: SELECT * FROM test WHERE nosuchcol = 1;\n                                 ^\n"
    );
    r("INSERT INTO test VALUES (2, 'b'), (3, 'c');");
    assert_eq!(
        r("INSERT INTO test (data, id) VALUES ('d', 4);").0,
        "INSERT 0 1\n"
    );
    assert_eq!(
        r("SELECT * FROM test ORDER BY id DESC;").0,
        " id |      data       \n----+-----------------\n  4 | d\n  3 | c\n  2 | b\n  1 | persistent data\n(4 rows)\n\n"
    );
    assert_eq!(
        r("SELECT COUNT(*) FROM test;").0,
        " count \n-------\n     4\n(1 row)\n\n"
    );
    assert_eq!(
        r("SELECT * FROM test WHERE id = 99;").0,
        " id | data \n----+------\n(0 rows)\n\n"
    );
    assert_eq!(
        r("UPDATE test SET data = 'updated' WHERE id = 2;").0,
        "UPDATE 1\n"
    );
    assert_eq!(
        r("SELECT * FROM test;").0,
        " id |      data       \n----+-----------------\n  1 | persistent data\n  3 | c\n  4 | d\n  2 | updated\n(4 rows)\n\n"
    );
    assert_eq!(r("DELETE FROM test WHERE id = 3;").0, "DELETE 1\n");
    assert_eq!(r("DROP TABLE test;").0, "DROP TABLE\n");
    assert_eq!(
        r("DROP TABLE test;").1,
        "ERROR:  table \"test\" does not exist\n"
    );
    assert_eq!(
        r("DROP TABLE IF EXISTS test;"),
        (
            "DROP TABLE\n".to_string(),
            "NOTICE:  table \"test\" does not exist, skipping\n".to_string()
        )
    );
}

#[test]
fn appendix_a_constraints_and_serial() {
    let (mut e, mut s) = pg();
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    r(
        "CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);",
    );
    assert_eq!(
        r("CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);").1,
        "NOTICE:  relation \"users\" already exists, skipping\n"
    );
    assert_eq!(
        r("INSERT INTO users (name, email) VALUES ('Alice', 'alice@example.com'), ('Bob', NULL);")
            .0,
        "INSERT 0 2\n"
    );
    assert_eq!(
        r("INSERT INTO users (name) VALUES ('Charlie') RETURNING id;").0,
        " id \n----\n  3\n(1 row)\n\nINSERT 0 1\n"
    );
    assert_eq!(
        r("SELECT * FROM users;").0,
        " id |  name   |       email       \n----+---------+-------------------\n  1 | Alice   | alice@example.com\n  2 | Bob     | \n  3 | Charlie | \n(3 rows)\n\n"
    );
    assert_eq!(
        r("INSERT INTO users (id, name) VALUES (1, 'dup');").1,
        "ERROR:  duplicate key value violates unique constraint \"users_pkey\"\nDETAIL:  Key (id)=(1) already exists.\n"
    );
    assert_eq!(
        r("INSERT INTO users (email) VALUES ('x');").1,
        "ERROR:  null value in column \"name\" of relation \"users\" violates not-null constraint\nDETAIL:  Failing row contains (4, null, x).\n"
    );
    assert_eq!(
        r("INSERT INTO users (name) VALUES ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');").1,
        "ERROR:  value too long for type character varying(50)\n"
    );
    assert_eq!(
        r("INSERT INTO users (id, name) VALUES ('abc', 'x');").1,
        "ERROR:  invalid input syntax for type integer: \"abc\"\nLINE 1: INSERT INTO users (id, name) VALUES ('abc', 'x');\n                                             ^\n"
    );
    assert_eq!(
        r("BEGIN; INSERT INTO users (name) VALUES ('T'); COMMIT;").0,
        "BEGIN\nINSERT 0 1\nCOMMIT\n"
    );
    assert_eq!(r("TRUNCATE users;").0, "TRUNCATE TABLE\n");
}

#[test]
fn multi_statement_strings_are_one_transaction() {
    let (mut e, mut s) = pg();
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    r("CREATE TABLE orders (id SERIAL PRIMARY KEY, item VARCHAR(20), qty INT);");
    let (out, err) = r("INSERT INTO orders (item, qty) VALUES ('kiwi', 1); SELECT * FROM missing;");
    assert_eq!(out, "INSERT 0 1\n");
    assert!(err.starts_with("ERROR:  relation \"missing\" does not exist\nLINE 1: ...rders"));
    assert_eq!(
        r("SELECT count(*) FROM orders WHERE item = 'kiwi';").0,
        " count \n-------\n     0\n(1 row)\n\n"
    );
    assert_eq!(
        r("CREATE DATABASE a; CREATE DATABASE b;").1,
        "ERROR:  CREATE DATABASE cannot run inside a transaction block\n"
    );
    assert_eq!(
        r("SELECT 1.5::numeric AS price, NULL AS n, true AS b, -42 AS neg;").0,
        " price | n | b | neg \n-------+---+---+-----\n   1.5 |   | t | -42\n(1 row)\n\n"
    );
    assert_eq!(
        r("SELECT * FROM (VALUES (1, 'a', 10.5), (22, 'longer text here', NULL), (333, NULL, -1)) AS t(id, name, amount);").0,
        " id  |       name       | amount \n-----+------------------+--------\n   1 | a                |   10.5\n  22 | longer text here |       \n 333 |                  |     -1\n(3 rows)\n\n"
    );
    assert_eq!(
        r("SELECT E'multi\\nline' AS v;").0,
        "   v   \n-------\n multi+\n line\n(1 row)\n\n"
    );
    assert_eq!(
        r("SELECT current_database(), current_user;").0,
        " current_database | current_user \n------------------+--------------\n postgres         | postgres\n(1 row)\n\n"
    );
}

#[test]
fn random_text_never_panics_and_errors_are_errors() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 300,
        ..Default::default()
    });
    let words = prop::sample::select(vec![
        "SELECT",
        "FROM",
        "WHERE",
        "INSERT",
        "INTO",
        "VALUES",
        "(",
        ")",
        ",",
        ";",
        "'x'",
        "1",
        "t",
        "*",
        "=",
        "CREATE",
        "TABLE",
        "DROP",
        "id",
        "INT",
        "AND",
        "OR",
        "NULL",
        "UPDATE",
        "SET",
        "DELETE",
        "ORDER",
        "BY",
        "LIMIT",
        "GROUP",
        "COUNT(*)",
        "\"q\"",
        "'",
        "--",
        "::",
        "text",
        "-",
        "+",
        "/",
        "0",
        "9999999999",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
    ]);
    runner
        .run(&prop::collection::vec(words, 0..14), |ws| {
            let (mut e, mut s) = pg();
            e.query(&mut s, "CREATE TABLE t (id INT, name TEXT);");
            let sql = ws.join(" ");
            let r = e.query(&mut s, &sql);
            if let Some(err) = &r.error {
                let txt = error_text(err, &sql, "");
                prop_assert!(txt.starts_with("ERROR:  "), "{txt}");
            }
            Ok(())
        })
        .unwrap();
}

/// An engine with a 15 server's background processes, and a psql session on the socket.
fn pg_with_processes(version: &str) -> (Engine, Session) {
    use crate::apps::sql::catalog::{BackendType, Connection, Process};
    let mut e = Engine::new(Cluster::initdb("postgres", Some("pw")), Dialect::Postgres);
    let start_ms = 1_700_000_000_000;
    e.processes = [
        (BackendType::Checkpointer, 31),
        (BackendType::BackgroundWriter, 32),
        (BackendType::Walwriter, 34),
        (BackendType::AutovacuumLauncher, 35),
        (BackendType::LogicalReplicationLauncher, 36),
    ]
    .into_iter()
    .map(|(backend_type, pid)| Process {
        pid,
        backend_type,
        start_ms,
    })
    .collect();
    let mut s = Session::new("postgres", "postgres", version);
    s.now_ms = start_ms + 5000;
    s.conn = Connection {
        pid: 51,
        application_name: "psql".into(),
        tcp: None,
        start_ms: start_ms + 4990,
    };
    (e, s)
}

#[test]
fn pg_stat_activity_counts_the_background_processes_and_the_session() {
    let (mut e, mut s) = pg_with_processes("PostgreSQL 15.17");
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    // What an idle server answers to one psql session (captured on 15.18).
    assert_eq!(
        r("SELECT count(*) FROM pg_stat_activity;").0,
        " count \n-------\n     6\n(1 row)\n\n"
    );
    assert_eq!(
        r("SELECT backend_type FROM pg_stat_activity WHERE backend_type <> 'client backend' ORDER BY 1;").0,
        "         backend_type         \n------------------------------\n autovacuum launcher\n background writer\n checkpointer\n logical replication launcher\n walwriter\n(5 rows)\n\n"
    );
    // Status-slot order: launchers, the client, then the auxiliary processes.
    assert_eq!(
        r("SELECT pid, usesysid, usename, wait_event, backend_type FROM pg_stat_activity;").0,
        " pid | usesysid | usename  |     wait_event      |         backend_type         \n-----+----------+----------+---------------------+------------------------------\n  35 |          |          | AutoVacuumMain      | autovacuum launcher\n  36 |       10 | postgres | LogicalLauncherMain | logical replication launcher\n  51 |       10 | postgres |                     | client backend\n  32 |          |          | BgWriterMain        | background writer\n  31 |          |          | CheckpointerMain    | checkpointer\n  34 |          |          | WalWriterMain       | walwriter\n(6 rows)\n\n"
    );
    let sql = "SELECT datid, datname, application_name, client_addr, client_port, state, query FROM pg_stat_activity WHERE pid = pg_backend_pid();";
    let out = r(sql).0;
    assert!(
        out.contains(&format!(
            "\n     5 | postgres | psql             |             |          -1 | active | {sql}\n(1 row)\n"
        )),
        "{out}"
    );
    assert_eq!(
        r("SELECT state, count(*) FROM pg_stat_activity GROUP BY state ORDER BY 1;").0,
        " state  | count \n--------+-------\n active |     1\n        |     5\n(2 rows)\n\n"
    );
    // Background processes have an empty application name and query, and no state.
    assert_eq!(
        r("SELECT count(*) FROM pg_stat_activity WHERE application_name = '' AND query = '' AND state IS NULL AND backend_start IS NOT NULL AND xact_start IS NULL;").0,
        " count \n-------\n     5\n(1 row)\n\n"
    );
    assert_eq!(
        r("SELECT xact_start = query_start AS same, backend_start < query_start AS later FROM pg_stat_activity WHERE backend_type = 'client backend';").0,
        " same | later \n------+-------\n t    | t\n(1 row)\n\n"
    );
}

#[test]
fn pg_stat_activity_is_in_pg_catalog_of_every_database_and_shadows_public() {
    let (mut e, mut s) = pg_with_processes("PostgreSQL 15.17");
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    let six = " count \n-------\n     6\n(1 row)\n\n";
    assert_eq!(
        r("SELECT count(*) FROM pg_catalog.pg_stat_activity;").0,
        six
    );
    assert_eq!(
        r("SELECT count(*) FROM PG_STAT_ACTIVITY a JOIN pg_stat_activity b ON a.pid = b.pid;").0,
        six
    );
    assert_eq!(
        r("SELECT count(*) FROM \"PG_STAT_ACTIVITY\";").1,
        "ERROR:  relation \"PG_STAT_ACTIVITY\" does not exist\nLINE 1: SELECT count(*) FROM \"PG_STAT_ACTIVITY\";\n                             ^\n"
    );
    assert_eq!(
        r("SELECT * FROM pg_catalog.nosuch;").1,
        "ERROR:  relation \"pg_catalog.nosuch\" does not exist\nLINE 1: SELECT * FROM pg_catalog.nosuch;\n                      ^\n"
    );
    // A table of the same name is public.pg_stat_activity; the bare name is still the view.
    r("CREATE TABLE pg_stat_activity (a INT);");
    r("INSERT INTO public.pg_stat_activity VALUES (1);");
    assert_eq!(r("SELECT count(*) FROM pg_stat_activity;").0, six);
    assert_eq!(
        r("SELECT count(*) FROM public.pg_stat_activity;").0,
        " count \n-------\n     1\n(1 row)\n\n"
    );
    assert_eq!(r("DROP TABLE public.pg_stat_activity;").0, "DROP TABLE\n");
    r("CREATE DATABASE other;");
    s.db = "other".into();
    assert_eq!(
        run(
            &mut e,
            &mut s,
            "SELECT datid, datname FROM pg_stat_activity WHERE datname IS NOT NULL;"
        )
        .0,
        " datid | datname \n-------+---------\n 16384 | other\n(1 row)\n\n"
    );
}

#[test]
fn pg_stat_activity_refuses_writes_with_postgresql_errors() {
    let (mut e, mut s) = pg_with_processes("PostgreSQL 15.17");
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    let refused = |verb: &str, phrase: &str, op: &str| {
        format!(
            "ERROR:  cannot {phrase} view \"pg_stat_activity\"\nDETAIL:  Views that do not select from a single table or view are not automatically updatable.\nHINT:  To enable {verb} the view, provide an INSTEAD OF {op} trigger or an unconditional ON {op} DO INSTEAD rule.\n"
        )
    };
    assert_eq!(
        r("INSERT INTO pg_stat_activity (pid) VALUES (1);").1,
        refused("inserting into", "insert into", "INSERT")
    );
    assert_eq!(
        r("UPDATE pg_catalog.pg_stat_activity SET pid = 1;").1,
        refused("updating", "update", "UPDATE")
    );
    assert_eq!(
        r("DELETE FROM pg_stat_activity;").1,
        refused("deleting from", "delete from", "DELETE")
    );
    assert_eq!(
        r("TRUNCATE pg_stat_activity;").1,
        "ERROR:  \"pg_stat_activity\" is not a table\n"
    );
    assert_eq!(
        r("DROP TABLE IF EXISTS pg_stat_activity;").1,
        "ERROR:  \"pg_stat_activity\" is not a table\nHINT:  Use DROP VIEW to remove a view.\n"
    );
    assert_eq!(
        r("SELECT count(*) FROM pg_stat_activity;").0,
        " count \n-------\n     6\n(1 row)\n\n"
    );
    assert!(e.cluster.databases["postgres"].tables.is_empty());
}

#[test]
fn pg_stat_activity_columns_keep_their_postgresql_types() {
    let (mut e, mut s) = pg_with_processes("PostgreSQL 15.17");
    let mut r = |sql: &str| run(&mut e, &mut s, sql);
    assert_eq!(
        r("SELECT datid + 1 FROM pg_stat_activity;").1,
        "ERROR:  operator does not exist: oid + integer\nLINE 1: SELECT datid + 1 FROM pg_stat_activity;\n                     ^\nHINT:  No operator matches the given name and argument types. You might need to add explicit type casts.\n"
    );
    assert_eq!(
        r("SELECT datid FROM pg_stat_activity WHERE datid = 'x';").1,
        "ERROR:  invalid input syntax for type oid: \"x\"\nLINE 1: SELECT datid FROM pg_stat_activity WHERE datid = 'x';\n                                                         ^\n"
    );
    assert_eq!(
        r("SELECT count(*) FROM pg_stat_activity WHERE usesysid = 10 OR client_addr = '10.0.0.1/32';").0,
        " count \n-------\n     2\n(1 row)\n\n"
    );
    assert!(
        r("SELECT * FROM pg_stat_activity LIMIT 0;")
            .0
            .contains(" backend_xmin | query_id | query | backend_type \n")
    );
    // 13 has no query_id.
    let (mut e, mut s) = pg_with_processes("PostgreSQL 13.23 on x86_64-pc-linux-musl");
    let (out, _) = run(&mut e, &mut s, "SELECT * FROM pg_stat_activity LIMIT 0;");
    assert!(
        out.contains(" backend_xmin | query | backend_type \n"),
        "{out}"
    );
}

#[test]
fn mysql_has_no_pg_stat_activity() {
    let mut e = Engine::new(Cluster::default(), Dialect::Mysql);
    e.cluster
        .databases
        .insert("shop".into(), Database::default());
    let mut s = Session::new("root", "shop", "");
    let r = e.query(&mut s, "SELECT count(*) FROM pg_stat_activity;");
    assert_eq!(
        r.error.map(|e| e.message),
        Some("Table 'shop.pg_stat_activity' doesn't exist".to_string())
    );
}
