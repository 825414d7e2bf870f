//! `pg_isready` (§1.9), `pg_dump` (§2.9) and `postgres --version`.

use crate::apps::sql::{ColDefault, Value};
use crate::exec::{ConnectError, ExecCx, ExecResult};

use super::psql::{ConnFail, connect, target};
use super::server::{Avail, with_server};

fn image_version(cx: &ExecCx<'_>) -> super::PgVersion {
    let image = cx.setup().image.clone();
    let r = crate::kubelet::image::ImageRef::parse(&image);
    super::version_of_tag(r.tag())
}

/// `postgres --version` (the server itself runs as the container's process, not here).
pub fn postgres(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let v = image_version(cx);
    if argv.iter().any(|a| a == "--version" || a == "-V") {
        return ExecResult::ok(format!("postgres (PostgreSQL) {}\n", v.full));
    }
    ExecResult::fail(
        "\"root\" execution of the PostgreSQL server is not permitted.\nThe server must be started under an unprivileged user ID to prevent\npossible system security compromise.  See the documentation for\nmore information on how to properly start the server.\n",
        1,
    )
}

/// `pg_isready`.
pub fn pg_isready(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut host = None;
    let mut port = None;
    let mut quiet = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        i += 1;
        let val = |i: &mut usize| -> Option<String> {
            let v = argv.get(*i).cloned();
            *i += 1;
            v
        };
        match a {
            "-h" | "--host" => host = val(&mut i),
            "-p" | "--port" => port = val(&mut i),
            "-U" | "--username" | "-d" | "--dbname" | "-t" | "--timeout" => {
                val(&mut i);
            }
            "-q" | "--quiet" => quiet = true,
            "-V" | "--version" => {
                return ExecResult::ok(format!(
                    "pg_isready (PostgreSQL) {}\n",
                    image_version(cx).full
                ));
            }
            _ if a.starts_with("-h") => host = Some(a[2..].to_string()),
            _ if a.starts_with("-p") => port = Some(a[2..].to_string()),
            _ if a.starts_with("-U") || a.starts_with("-d") || a.starts_with("-t") => {}
            _ if a.starts_with("--") && a.contains('=') => {
                let (k, v) = a.split_once('=').unwrap_or((a, ""));
                match k {
                    "--host" => host = Some(v.to_string()),
                    "--port" => port = Some(v.to_string()),
                    _ => {}
                }
            }
            _ => {
                return ExecResult::fail(
                    format!(
                        "pg_isready: {}\npg_isready: hint: Try \"pg_isready --help\" for more information.\n",
                        if a.starts_with("--") {
                            format!("unrecognized option '{a}'")
                        } else if a.starts_with('-') {
                            format!("invalid option -- '{}'", a.chars().nth(1).unwrap_or('-'))
                        } else {
                            format!("too many command-line arguments (first is \"{a}\")")
                        }
                    ),
                    3,
                );
            }
        }
    }
    let t = match target(
        cx,
        host,
        port,
        Some("postgres".into()),
        Some("postgres".into()),
    ) {
        Ok(t) => t,
        Err(_) => {
            return ExecResult {
                stdout: if quiet {
                    String::new()
                } else {
                    "- no attempt\n".into()
                },
                stderr: String::new(),
                code: 3,
            };
        }
    };
    let shown = match &t.host {
        Some(h) => format!("{h}:{}", t.port),
        None => format!("/var/run/postgresql:{}", t.port),
    };
    let state = match &t.host {
        Some(h) if !h.starts_with('/') => match cx.connect(h, t.port) {
            Ok(k) => {
                let now = cx.now();
                let tcp_temp =
                    with_server(cx.world, &k, now, |s, _, _| s.temp_only(now)).unwrap_or(false);
                if tcp_temp {
                    None
                } else {
                    with_server(cx.world, &k, now, |s, _, _| s.avail(now))
                }
            }
            Err(ConnectError::Timeout { .. }) => {
                cx.spend(crate::engine::SimDuration::from_secs(3));
                None
            }
            Err(_) => None,
        },
        _ => {
            let own = cx.key.clone();
            let now = cx.now();
            if t.port == 5432 {
                with_server(cx.world, &own, now, |s, _, _| s.avail(now))
            } else {
                None
            }
        }
    };
    let (text, code) = match state {
        Some(Avail::Ready) => ("accepting connections", 0),
        Some(Avail::StartingUp | Avail::Recovery | Avail::ShuttingDown) => {
            ("rejecting connections", 1)
        }
        Some(Avail::NoSocket) | None => ("no response", 2),
    };
    ExecResult {
        stdout: if quiet {
            String::new()
        } else {
            format!("{shown} - {text}\n")
        },
        stderr: String::new(),
        code,
    }
}

fn copy_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c => o.push(c),
        }
    }
    o
}

/// `pg_dump` (plain format, one database).
pub fn pg_dump(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut host = None;
    let mut port = None;
    let mut user = None;
    let mut db = None;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].clone();
        i += 1;
        let next = |i: &mut usize| -> Option<String> {
            let v = argv.get(*i).cloned();
            *i += 1;
            v
        };
        match a.as_str() {
            "-h" | "--host" => host = next(&mut i),
            "-p" | "--port" => port = next(&mut i),
            "-U" | "--username" => user = next(&mut i),
            "-d" | "--dbname" => db = next(&mut i),
            "-w" | "-W" | "--no-password" | "--clean" | "-c" | "--if-exists" | "-O"
            | "--no-owner" => {}
            _ if a.starts_with("-U") && a.len() > 2 => user = Some(a[2..].to_string()),
            _ if a.starts_with("-d") && a.len() > 2 => db = Some(a[2..].to_string()),
            _ if a.starts_with("-h") && a.len() > 2 => host = Some(a[2..].to_string()),
            _ if !a.starts_with('-') => db = Some(a),
            _ => {
                return ExecResult::fail(
                    format!(
                        "pg_dump: error: unrecognized option '{a}'\npg_dump: hint: Try \"pg_dump --help\" for more information.\n"
                    ),
                    1,
                );
            }
        }
    }
    let t = match target(cx, host, port, user, db) {
        Ok(t) => t,
        Err(e) => return ExecResult::fail(format!("pg_dump: error: {e}\n"), 1),
    };
    let key = match connect(cx, &t, true) {
        Ok(k) => k,
        Err(ConnFail(e)) => return ExecResult::fail(format!("pg_dump: error: {e}\n"), 1),
    };
    let now = cx.now();
    let Some((cluster, v)) = with_server(cx.world, &key, now, |s, _, _| {
        (s.engine.cluster.clone(), s.version.clone())
    }) else {
        return ExecResult::fail("pg_dump: error: connection lost\n", 1);
    };
    let restrict: String = (0..63)
        .map(|_| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            A[cx.rng.below(A.len() as u64) as usize] as char
        })
        .collect();
    let d = cluster.databases.get(&t.db).cloned().unwrap_or_default();
    let owner = d.owner.clone();
    let mut o = String::new();
    o.push_str(&format!(
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict {restrict}\n\n-- Dumped from database version {f}\n-- Dumped by pg_dump version {f}\n\n",
        f = v.full
    ));
    o.push_str("SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n");
    if v.major >= 17 {
        o.push_str("SET transaction_timeout = 0;\n");
    }
    o.push_str("SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\nSET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n\n");
    if !d.tables.is_empty() {
        o.push_str("SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n");
    }
    // Tables and sequences, by name.
    let mut objects: Vec<(String, bool)> = d.tables.keys().map(|n| (n.clone(), true)).collect();
    objects.extend(d.sequences.keys().map(|n| (n.clone(), false)));
    objects.sort();
    let seq_owner = |seq: &str| -> Option<(String, String, String)> {
        d.tables.values().find_map(|t| {
            t.columns.iter().find_map(|c| match &c.default {
                Some(ColDefault::Seq(s)) if s == seq => {
                    Some((t.name.clone(), c.name.clone(), c.ty.pg_name()))
                }
                _ => None,
            })
        })
    };
    for (name, is_table) in &objects {
        if *is_table {
            let t = &d.tables[name];
            o.push_str(&format!("--\n-- Name: {name}; Type: TABLE; Schema: public; Owner: {owner}\n--\n\nCREATE TABLE public.{name} (\n"));
            let cols: Vec<String> = t
                .columns
                .iter()
                .map(|c| {
                    let mut s = format!("    {} {}", c.name, c.ty.pg_name());
                    match &c.default {
                        Some(ColDefault::Const(_, shown)) | Some(ColDefault::Now(shown)) => {
                            s.push_str(&format!(" DEFAULT {shown}"));
                        }
                        _ => {}
                    }
                    if c.not_null {
                        s.push_str(" NOT NULL");
                    }
                    s
                })
                .collect();
            o.push_str(&cols.join(",\n"));
            o.push_str(&format!(
                "\n);\n\n\nALTER TABLE public.{name} OWNER TO {owner};\n\n"
            ));
        } else if let Some((tname, cname, ty)) = seq_owner(name) {
            o.push_str(&format!("--\n-- Name: {name}; Type: SEQUENCE; Schema: public; Owner: {owner}\n--\n\nCREATE SEQUENCE public.{name}\n"));
            if ty != "bigint" {
                o.push_str(&format!("    AS {ty}\n"));
            }
            o.push_str(&format!("    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n\nALTER TABLE public.{name} OWNER TO {owner};\n\n"));
            o.push_str(&format!("--\n-- Name: {name}; Type: SEQUENCE OWNED BY; Schema: public; Owner: {owner}\n--\n\nALTER SEQUENCE public.{name} OWNED BY public.{tname}.{cname};\n\n\n"));
        }
    }
    for (name, is_table) in &objects {
        if !*is_table {
            continue;
        }
        for c in &d.tables[name].columns {
            if let Some(ColDefault::Seq(s)) = &c.default {
                o.push_str(&format!("--\n-- Name: {name} {col}; Type: DEFAULT; Schema: public; Owner: {owner}\n--\n\nALTER TABLE ONLY public.{name} ALTER COLUMN {col} SET DEFAULT nextval('public.{s}'::regclass);\n\n\n", col = c.name));
            }
        }
    }
    for (name, is_table) in &objects {
        if !*is_table {
            continue;
        }
        let t = &d.tables[name];
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        o.push_str(&format!("--\n-- Data for Name: {name}; Type: TABLE DATA; Schema: public; Owner: {owner}\n--\n\nCOPY public.{name} ({}) FROM stdin;\n", cols.join(", ")));
        for r in &t.rows {
            let cells: Vec<String> = r
                .vals
                .iter()
                .zip(&t.columns)
                .map(|(v, c)| match v {
                    Value::Null => "\\N".to_string(),
                    v => copy_escape(&v.pg_text(&c.ty).unwrap_or_default()),
                })
                .collect();
            o.push_str(&cells.join("\t"));
            o.push('\n');
        }
        o.push_str("\\.\n\n\n");
    }
    for (name, is_table) in &objects {
        if *is_table {
            continue;
        }
        if seq_owner(name).is_some() {
            let last = d.sequences[name].last;
            o.push_str(&format!("--\n-- Name: {name}; Type: SEQUENCE SET; Schema: public; Owner: {owner}\n--\n\nSELECT pg_catalog.setval('public.{name}', {}, {});\n\n\n", last.max(1), last > 0));
        }
    }
    for (name, is_table) in &objects {
        if !*is_table {
            continue;
        }
        let t = &d.tables[name];
        for u in &t.uniques {
            let cols: Vec<&str> = u.cols.iter().map(|&i| t.columns[i].name.as_str()).collect();
            o.push_str(&format!("--\n-- Name: {name} {un}; Type: CONSTRAINT; Schema: public; Owner: {owner}\n--\n\nALTER TABLE ONLY public.{name}\n    ADD CONSTRAINT {un} {} ({});\n\n\n", if u.primary { "PRIMARY KEY" } else { "UNIQUE" }, cols.join(", "), un = u.name));
        }
    }
    o.push_str(&format!(
        "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict {restrict}\n\n"
    ));
    ExecResult::ok(o)
}
