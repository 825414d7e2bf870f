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
    assert_eq!(r("CREATE TABLE test (id INT, data TEXT);").0, "CREATE TABLE\n");
    assert_eq!(r("INSERT INTO test VALUES (1, 'persistent data');").0, "INSERT 0 1\n");
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
    assert_eq!(r("INSERT INTO test (data, id) VALUES ('d', 4);").0, "INSERT 0 1\n");
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
    assert_eq!(r("UPDATE test SET data = 'updated' WHERE id = 2;").0, "UPDATE 1\n");
    assert_eq!(
        r("SELECT * FROM test;").0,
        " id |      data       \n----+-----------------\n  1 | persistent data\n  3 | c\n  4 | d\n  2 | updated\n(4 rows)\n\n"
    );
    assert_eq!(r("DELETE FROM test WHERE id = 3;").0, "DELETE 1\n");
    assert_eq!(r("DROP TABLE test;").0, "DROP TABLE\n");
    assert_eq!(r("DROP TABLE test;").1, "ERROR:  table \"test\" does not exist\n");
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
    r("CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);");
    assert_eq!(
        r("CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, email TEXT);").1,
        "NOTICE:  relation \"users\" already exists, skipping\n"
    );
    assert_eq!(
        r("INSERT INTO users (name, email) VALUES ('Alice', 'alice@example.com'), ('Bob', NULL);").0,
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
        "SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "(", ")", ",", ";", "'x'", "1",
        "t", "*", "=", "CREATE", "TABLE", "DROP", "id", "INT", "AND", "OR", "NULL", "UPDATE",
        "SET", "DELETE", "ORDER", "BY", "LIMIT", "GROUP", "COUNT(*)", "\"q\"", "'", "--", "::",
        "text", "-", "+", "/", "0", "9999999999", "BEGIN", "COMMIT", "ROLLBACK",
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
