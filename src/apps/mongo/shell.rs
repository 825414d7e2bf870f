//! `mongosh`: options, the connection to a member, and the statements lessons use
//! (`rs.initiate/status/isMaster`, `db.hello`, `db.adminCommand('ping')`, `use`,
//! `db.<coll>.insertOne/insertMany/find/findOne/countDocuments`).

use crate::engine::SimDuration;
use crate::exec::{ConnectError, ExecCx, ExecResult};
use crate::store::ContainerKey;

use super::js::{self, Expr, JsVal, Stmt, inspect};
use super::server::{Member, MongoServer, Role, reach_members, sync_set, unix_ms, with_mongod};

/// The mongosh version the images ship.
pub const MONGOSH_VERSION: &str = "2.3.8";

struct Session {
    db: String,
    server: ContainerKey,
    me: String,
}

enum Outcome {
    Value(JsVal),
    Text(String),
    Nothing,
    Exit,
}

/// An error as mongosh prints it (`MongoServerError: not primary`).
struct ShellError(String);

/// The `mongosh` program.
pub fn mongosh(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = 27017;
    let mut db = "test".to_string();
    let mut eval: Vec<String> = Vec::new();
    let mut quiet = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        let next = argv.get(i + 1).cloned();
        match a {
            "--quiet" => quiet = true,
            "--eval" => {
                eval.push(next.unwrap_or_default());
                i += 1;
            }
            "--host" => {
                let (h, p) = super::server::host_port(&next.unwrap_or_default());
                host = h;
                port = p;
                i += 1;
            }
            "--port" => {
                port = next.and_then(|p| p.parse().ok()).unwrap_or(27017);
                i += 1;
            }
            "-u" | "--username" | "-p" | "--password" | "--authenticationDatabase" => i += 1,
            "--norc" | "--nodb" | "--json" | "--shell" => {}
            a if a.starts_with("--") || (a.starts_with('-') && a.len() == 2) => {
                return ExecResult::fail(
                    format!("MongoshUnimplementedError: [COMMON-90001] Unknown option: {a}\n"),
                    1,
                );
            }
            a => {
                if let Some(rest) = a.strip_prefix("mongodb://") {
                    let (hp, path) = rest.split_once('/').unwrap_or((rest, ""));
                    let hp = hp.rsplit('@').next().unwrap_or(hp);
                    let (h, p) = super::server::host_port(hp);
                    host = h;
                    port = p;
                    let d = path.split('?').next().unwrap_or("");
                    if !d.is_empty() {
                        db = d.to_string();
                    }
                } else if let Some((hp, d)) = a.split_once('/') {
                    let (h, p) = super::server::host_port(hp);
                    host = h;
                    port = p;
                    db = d.to_string();
                } else {
                    db = a.to_string();
                }
            }
        }
        i += 1;
    }
    let mut out = ExecResult::default();
    let uri_db = if db == "test" {
        String::new()
    } else {
        db.clone()
    };
    let log_id = hex24(cx);
    let banner_head = format!(
        "Current Mongosh Log ID:\t{log_id}\nConnecting to:\t\tmongodb://{host}:{port}/{uri_db}?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+{MONGOSH_VERSION}\n"
    );
    let server = match cx.connect(&host, port) {
        Ok(k)
            if cx
                .world
                .procs
                .get(&k)
                .is_some_and(|p| p.state.is::<MongoServer>()) =>
        {
            k
        }
        Ok(_) => {
            if !quiet {
                out.stdout.push_str(&banner_head);
            }
            out.stderr
                .push_str("MongoNetworkError: connection closed\n");
            out.code = 1;
            return out;
        }
        Err(e) => {
            if !quiet {
                out.stdout.push_str(&banner_head);
            }
            let msg = match e {
                ConnectError::UnknownHost(h) => format!("getaddrinfo ENOTFOUND {h}"),
                ConnectError::Refused { ip } => format!("connect ECONNREFUSED {ip}:{port}"),
                ConnectError::Timeout { .. } => {
                    cx.spend(SimDuration::from_secs(2));
                    "Server selection timed out after 2000 ms".to_string()
                }
            };
            let kind = if msg.starts_with("Server selection") {
                "MongoServerSelectionError"
            } else {
                "MongoNetworkError"
            };
            out.stderr.push_str(&format!("{kind}: {msg}\n"));
            out.code = 1;
            return out;
        }
    };
    let me = member_name(cx, &server);
    let mut sess = Session { db, server, me };
    if !quiet {
        let version = with_mongod(cx.world, &sess.server, cx.now(), |s| s.version.clone())
            .unwrap_or_default();
        out.stdout.push_str(&banner_head);
        out.stdout.push_str(&format!(
            "Using MongoDB:\t\t{version}\nUsing Mongosh:\t\t{MONGOSH_VERSION}\n\nFor mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n\n"
        ));
    }
    if !eval.is_empty() {
        let script = eval.join("\n");
        let stmts = match js::parse_script(&script) {
            Ok(s) => s,
            Err(e) => {
                out.stderr.push_str(&format!("SyntaxError: {}\n", e.0));
                out.code = 1;
                return out;
            }
        };
        let mut last = Outcome::Nothing;
        for st in &stmts {
            match run_stmt(cx, &mut sess, st) {
                Ok(Outcome::Exit) => break,
                Ok(o) => last = o,
                Err(ShellError(e)) => {
                    out.stderr.push_str(&format!("{e}\n"));
                    out.code = 1;
                    return out;
                }
            }
        }
        push_outcome(&mut out.stdout, last);
        return out;
    }
    let input = cx.stdin.clone().unwrap_or_default();
    let mut chunk = String::new();
    let mut lines = input.lines().peekable();
    loop {
        if cx.tty && chunk.is_empty() {
            out.stdout.push_str(&prompt(cx, &sess));
        }
        let Some(line) = lines.next() else { break };
        if cx.tty {
            out.stdout.push_str(line);
            out.stdout.push('\n');
        }
        if !chunk.is_empty() {
            chunk.push('\n');
        }
        chunk.push_str(line);
        if js::is_incomplete(&chunk) {
            if cx.tty {
                out.stdout.push_str("... ");
            }
            continue;
        }
        let src = std::mem::take(&mut chunk);
        let stmts = match js::parse_script(&src) {
            Ok(s) => s,
            Err(e) => {
                out.stdout.push_str(&format!("SyntaxError: {}\n", e.0));
                continue;
            }
        };
        for st in &stmts {
            match run_stmt(cx, &mut sess, st) {
                Ok(Outcome::Exit) => return out,
                Ok(o) => push_outcome(&mut out.stdout, o),
                Err(ShellError(e)) => out.stdout.push_str(&format!("{e}\n")),
            }
        }
    }
    out
}

fn push_outcome(out: &mut String, o: Outcome) {
    match o {
        Outcome::Value(JsVal::Undefined) | Outcome::Nothing | Outcome::Exit => {}
        // A string result is printed as is.
        Outcome::Value(JsVal::Str(s)) => {
            out.push_str(&s);
            out.push('\n');
        }
        Outcome::Value(v) => {
            out.push_str(&inspect(&v));
            out.push('\n');
        }
        Outcome::Text(t) => {
            out.push_str(&t);
            out.push('\n');
        }
    }
}

fn prompt(cx: &mut ExecCx<'_>, sess: &Session) -> String {
    let now = cx.now();
    let state = with_mongod(cx.world, &sess.server, now, |s| {
        (s.set_name.clone(), s.role)
    });
    match state {
        Some((Some(set), role)) => {
            let r = match role {
                Role::Primary => "primary",
                Role::Secondary => "secondary",
                _ => "other",
            };
            format!("{set} [direct: {r}] {}> ", sess.db)
        }
        _ => format!("{}> ", sess.db),
    }
}

fn hex24(cx: &mut ExecCx<'_>) -> String {
    let secs = (unix_ms(cx.now()) / 1000) as u32;
    let r = cx.rng.next_u64();
    format!("{secs:08x}{:016x}", r)
}

/// The name this member has in the set config (the member whose host resolves to it), or
/// `hostname:27017`.
fn member_name(cx: &mut ExecCx<'_>, server: &ContainerKey) -> String {
    let now = cx.now();
    let members = with_mongod(cx.world, server, now, |s| s.members.clone()).unwrap_or_default();
    for (m, k) in reach_members(cx, server, &members) {
        if k.as_ref() == Some(server) {
            return m.host;
        }
    }
    let host = cx
        .world
        .setup(server)
        .map(|s| s.hostname.clone())
        .unwrap_or_default();
    format!("{host}:27017")
}

fn run_stmt(cx: &mut ExecCx<'_>, sess: &mut Session, st: &Stmt) -> Result<Outcome, ShellError> {
    cx.spend(SimDuration::from_ms(2));
    sync_set(cx, &sess.server.clone());
    match st {
        Stmt::Exit => Ok(Outcome::Exit),
        Stmt::Use(d) => {
            sess.db = d.clone();
            Ok(Outcome::Text(format!("switched to db {d}")))
        }
        Stmt::Show(what) => {
            let now = cx.now();
            let db = sess.db.clone();
            let text = with_mongod(cx.world, &sess.server, now, |s| match what.as_str() {
                "dbs" | "databases" => {
                    let mut names: Vec<String> =
                        vec!["admin".into(), "config".into(), "local".into()];
                    names.extend(s.dbs.keys().cloned());
                    names.sort();
                    names.dedup();
                    let w = names.iter().map(String::len).max().unwrap_or(0);
                    names
                        .iter()
                        .map(|n| format!("{n:<w$}  40.00 KiB"))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                "collections" | "tables" => s
                    .dbs
                    .get(&db)
                    .map(|c| c.keys().cloned().collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .unwrap_or_default();
            Ok(Outcome::Text(text))
        }
        Stmt::Expr(e) => eval_top(cx, sess, e),
    }
}

fn lit(e: &Expr) -> Result<JsVal, ShellError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Obj(f) => JsVal::Obj(
            f.iter()
                .map(|(k, v)| Ok((k.clone(), lit(v)?)))
                .collect::<Result<_, ShellError>>()?,
        ),
        Expr::Arr(a) => JsVal::Arr(a.iter().map(lit).collect::<Result<_, _>>()?),
        Expr::Call(f, args) => match f.as_ref() {
            Expr::Ident(n) if n == "ObjectId" => match args.first().map(lit).transpose()? {
                Some(JsVal::Str(h)) => JsVal::ObjectId(h),
                _ => JsVal::ObjectId("000000000000000000000000".into()),
            },
            Expr::Ident(n) if n == "NumberLong" || n == "Long" => JsVal::Long(
                args.first()
                    .map(lit)
                    .transpose()?
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    })
                    .unwrap_or(0),
            ),
            Expr::Ident(n) if n == "NumberInt" => JsVal::Int(
                args.first()
                    .map(lit)
                    .transpose()?
                    .and_then(|v| v.as_i64())
                    .unwrap_or(0),
            ),
            _ => return Err(ShellError("TypeError: not a value".into())),
        },
        Expr::Ident(n) => return Err(ShellError(format!("ReferenceError: {n} is not defined"))),
        _ => return Err(ShellError("TypeError: not a value".into())),
    })
}

/// Flattens `a.b.c(args)` into the names and the final call's arguments.
fn chain(e: &Expr) -> Option<(Vec<String>, Option<&Vec<Expr>>)> {
    fn names(e: &Expr, out: &mut Vec<String>) -> bool {
        match e {
            Expr::Ident(n) => {
                out.push(n.clone());
                true
            }
            Expr::Member(b, n) => {
                let ok = names(b, out);
                out.push(n.clone());
                ok
            }
            Expr::Call(f, args) if args.len() == 1 => {
                // db.getSiblingDB('x').coll... and db.getCollection('c')...
                if let Expr::Member(b, n) = f.as_ref()
                    && (n == "getSiblingDB" || n == "getCollection")
                    && let Expr::Lit(JsVal::Str(s)) = &args[0]
                {
                    let ok = names(b, out);
                    out.push(format!("{n}:{s}"));
                    return ok;
                }
                false
            }
            _ => false,
        }
    }
    let mut out = Vec::new();
    match e {
        Expr::Call(f, args) => names(f, &mut out).then_some((out, Some(args))),
        other => names(other, &mut out).then_some((out, None)),
    }
}

fn eval_top(cx: &mut ExecCx<'_>, sess: &mut Session, e: &Expr) -> Result<Outcome, ShellError> {
    // A property of a call's result: `rs.status().members`, `db.serverStatus().connections`.
    if let Expr::Member(base, field) = e {
        let v = match eval_top(cx, sess, base)? {
            Outcome::Value(v) => v,
            _ => JsVal::Undefined,
        };
        return Ok(Outcome::Value(
            v.get(field).cloned().unwrap_or(JsVal::Undefined),
        ));
    }
    if let Expr::Index(base, idx) = e {
        let v = match eval_top(cx, sess, base)? {
            Outcome::Value(v) => v,
            _ => JsVal::Undefined,
        };
        let i = lit(idx)?;
        let r = match (&v, &i) {
            (JsVal::Arr(a), JsVal::Int(n)) => a.get(*n as usize).cloned(),
            (JsVal::Obj(_), JsVal::Str(k)) => v.get(k).cloned(),
            _ => None,
        };
        return Ok(Outcome::Value(r.unwrap_or(JsVal::Undefined)));
    }
    let Some((names, args)) = chain(e) else {
        return match e {
            Expr::Call(f, args) => match f.as_ref() {
                Expr::Member(b, m) if matches!(b.as_ref(), Expr::Call(..)) => {
                    cursor_method(cx, sess, b, m, args)
                }
                _ => Ok(Outcome::Value(lit(e)?)),
            },
            _ => Ok(Outcome::Value(lit(e)?)),
        };
    };
    let args: Vec<JsVal> = match args {
        Some(a) => a.iter().map(lit).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let n: Vec<&str> = names.iter().map(String::as_str).collect();
    // Resolve db.getSiblingDB('x').
    let (dbname, rest): (String, Vec<&str>) = match n.as_slice() {
        ["db", s, rest @ ..] if s.starts_with("getSiblingDB:") => {
            (s["getSiblingDB:".len()..].to_string(), rest.to_vec())
        }
        ["db", rest @ ..] => (sess.db.clone(), rest.to_vec()),
        _ => (sess.db.clone(), Vec::new()),
    };
    match n.as_slice() {
        ["rs", "initiate"] => return rs_initiate(cx, sess, args.first()),
        ["rs", "status"] => return rs_status(cx, sess).map(Outcome::Value),
        ["rs", "isMaster"] | ["rs", "hello"] => {
            return hello(cx, sess, n[1] == "isMaster").map(Outcome::Value);
        }
        ["rs", "conf"] | ["rs", "config"] => return rs_conf(cx, sess).map(Outcome::Value),
        ["print" | "printjson"] => {
            let t: Vec<String> = args
                .iter()
                .map(|a| match a {
                    JsVal::Str(s) if n[0] == "print" => s.clone(),
                    v => inspect(v),
                })
                .collect();
            return Ok(Outcome::Text(t.join(" ")));
        }
        ["db"] => return Ok(Outcome::Text(sess.db.clone())),
        _ => {}
    }
    if n.first() != Some(&"db") {
        return Err(ShellError(format!(
            "ReferenceError: {} is not defined",
            n[0]
        )));
    }
    match rest.as_slice() {
        ["getName"] => Ok(Outcome::Text(dbname)),
        ["hello"] | ["isMaster"] => hello(cx, sess, rest[0] == "isMaster").map(Outcome::Value),
        ["adminCommand" | "runCommand"] => {
            let cmd = match args.first() {
                Some(JsVal::Str(s)) => s.clone(),
                Some(JsVal::Obj(f)) => f.first().map(|(k, _)| k.clone()).unwrap_or_default(),
                _ => String::new(),
            };
            match cmd.as_str() {
                "ping" => Ok(Outcome::Value(ok1())),
                "hello" | "isMaster" | "ismaster" => {
                    hello(cx, sess, cmd != "hello").map(Outcome::Value)
                }
                "replSetGetStatus" => rs_status(cx, sess).map(Outcome::Value),
                "replSetInitiate" => {
                    let conf = match args.first() {
                        Some(JsVal::Obj(f)) => f.first().map(|(_, v)| v.clone()),
                        _ => None,
                    };
                    rs_initiate(cx, sess, conf.as_ref())
                }
                other => Err(ShellError(format!(
                    "MongoServerError[CommandNotFound]: no such command: '{other}'"
                ))),
            }
        }
        ["serverStatus"] => Ok(Outcome::Value(JsVal::Obj(vec![
            ("host".into(), JsVal::Str(sess.me.clone())),
            (
                "connections".into(),
                JsVal::Obj(vec![
                    ("current".into(), JsVal::Int(1)),
                    ("available".into(), JsVal::Int(838859)),
                    ("totalCreated".into(), JsVal::Int(1)),
                ]),
            ),
            ("ok".into(), JsVal::Int(1)),
        ]))),
        ["getCollectionNames"] => {
            let now = cx.now();
            let names = with_mongod(cx.world, &sess.server, now, |s| {
                s.dbs
                    .get(&dbname)
                    .map(|c| c.keys().cloned().collect::<Vec<_>>())
            })
            .flatten()
            .unwrap_or_default();
            Ok(Outcome::Value(JsVal::Arr(
                names.into_iter().map(JsVal::Str).collect(),
            )))
        }
        [coll, method] => {
            let coll = coll.strip_prefix("getCollection:").unwrap_or(coll);
            collection(cx, sess, &dbname, coll, method, &args)
        }
        _ => Err(ShellError(format!(
            "TypeError: {} is not a function",
            names.join(".")
        ))),
    }
}

fn cursor_method(
    cx: &mut ExecCx<'_>,
    sess: &mut Session,
    base: &Expr,
    method: &str,
    args: &[Expr],
) -> Result<Outcome, ShellError> {
    let v = match eval_top(cx, sess, base)? {
        Outcome::Value(v) => v,
        _ => JsVal::Undefined,
    };
    let docs = match v {
        JsVal::Arr(a) => a,
        JsVal::Undefined => Vec::new(),
        other => vec![other],
    };
    match method {
        "toArray" | "pretty" => Ok(Outcome::Value(JsVal::Arr(docs))),
        "count" | "itcount" | "size" | "length" => {
            Ok(Outcome::Value(JsVal::Int(docs.len() as i64)))
        }
        "limit" => {
            let n = args
                .first()
                .map(lit)
                .transpose()?
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            let docs = if n > 0 {
                docs.into_iter().take(n as usize).collect()
            } else {
                docs
            };
            Ok(Outcome::Value(JsVal::Arr(docs)))
        }
        _ => Err(ShellError(format!("TypeError: {method} is not a function"))),
    }
}

fn ok1() -> JsVal {
    JsVal::Obj(vec![("ok".into(), JsVal::Int(1))])
}

fn matches_filter(doc: &JsVal, filter: Option<&JsVal>) -> bool {
    let Some(JsVal::Obj(conds)) = filter else {
        return true;
    };
    conds.iter().all(|(k, want)| {
        let got = doc.get(k);
        match want {
            JsVal::Obj(ops) if ops.first().is_some_and(|(o, _)| o.starts_with('$')) => {
                ops.iter().all(|(op, v)| {
                    let ord = got.and_then(|g| compare(g, v));
                    match op.as_str() {
                        "$eq" => got == Some(v),
                        "$ne" => got != Some(v),
                        "$gt" => ord == Some(std::cmp::Ordering::Greater),
                        "$gte" => ord.is_some_and(|o| o != std::cmp::Ordering::Less),
                        "$lt" => ord == Some(std::cmp::Ordering::Less),
                        "$lte" => ord.is_some_and(|o| o != std::cmp::Ordering::Greater),
                        "$in" => match v {
                            JsVal::Arr(a) => got.is_some_and(|g| a.contains(g)),
                            _ => false,
                        },
                        "$exists" => got.is_some() == (v != &JsVal::Bool(false)),
                        _ => false,
                    }
                })
            }
            _ => got == Some(want),
        }
    })
}

fn compare(a: &JsVal, b: &JsVal) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (JsVal::Int(x), JsVal::Int(y)) => Some(x.cmp(y)),
        (JsVal::Str(x), JsVal::Str(y)) => Some(x.cmp(y)),
        (JsVal::Num(x), JsVal::Num(y)) => x.partial_cmp(y),
        (JsVal::Int(x), JsVal::Num(y)) => (*x as f64).partial_cmp(y),
        (JsVal::Num(x), JsVal::Int(y)) => x.partial_cmp(&(*y as f64)),
        _ => None,
    }
}

fn new_object_id(cx: &mut ExecCx<'_>) -> String {
    let secs = (unix_ms(cx.now()) / 1000) as u32;
    let r = cx.rng.next_u64();
    format!("{secs:08x}{:016x}", r)
}

fn collection(
    cx: &mut ExecCx<'_>,
    sess: &mut Session,
    db: &str,
    coll: &str,
    method: &str,
    args: &[JsVal],
) -> Result<Outcome, ShellError> {
    let now = cx.now();
    match method {
        "insertOne" | "insertMany" | "insert" => {
            let docs: Vec<JsVal> = match (method, args.first()) {
                ("insertOne", Some(d @ JsVal::Obj(_))) => vec![d.clone()],
                ("insertMany" | "insert", Some(JsVal::Arr(a))) => a.clone(),
                ("insert", Some(d @ JsVal::Obj(_))) => vec![d.clone()],
                ("insertOne", _) => {
                    return Err(ShellError(
                        "MongoInvalidArgumentError: Document must be a valid JavaScript object"
                            .into(),
                    ));
                }
                _ => {
                    return Err(ShellError(
                        "MongoInvalidArgumentError: Argument \"docs\" must be an array of documents"
                            .into(),
                    ));
                }
            };
            let mut ids = Vec::new();
            let mut stored = Vec::new();
            for d in docs {
                let JsVal::Obj(mut f) = d else {
                    return Err(ShellError(
                        "MongoInvalidArgumentError: Document must be a valid JavaScript object"
                            .into(),
                    ));
                };
                let id = match f.iter().find(|(k, _)| k == "_id") {
                    Some((_, v)) => v.clone(),
                    None => {
                        let id = JsVal::ObjectId(new_object_id(cx));
                        f.insert(0, ("_id".into(), id.clone()));
                        id
                    }
                };
                ids.push(id);
                stored.push(JsVal::Obj(f));
            }
            let db_s = db.to_string();
            let coll_s = coll.to_string();
            let n = stored.len() as u64;
            let accepted = with_mongod(cx.world, &sess.server, now, move |s| {
                if !s.is_writable() {
                    return false;
                }
                s.dbs
                    .entry(db_s)
                    .or_default()
                    .entry(coll_s)
                    .or_default()
                    .extend(stored);
                s.optime += n;
                s.optime_at = now;
                true
            })
            .unwrap_or(false);
            if !accepted {
                return Err(ShellError("MongoServerError: not primary".into()));
            }
            sync_set(cx, &sess.server.clone());
            let mut out = vec![("acknowledged".to_string(), JsVal::Bool(true))];
            if method == "insertOne" {
                out.push(("insertedId".into(), ids.remove(0)));
            } else {
                out.push((
                    "insertedIds".into(),
                    JsVal::Obj(
                        ids.into_iter()
                            .enumerate()
                            .map(|(i, v)| (i.to_string(), v))
                            .collect(),
                    ),
                ));
            }
            Ok(Outcome::Value(JsVal::Obj(out)))
        }
        "find" | "findOne" | "countDocuments" | "count" | "estimatedDocumentCount" => {
            let filter = args.first().cloned();
            let docs: Vec<JsVal> = with_mongod(cx.world, &sess.server, now, |s| {
                s.dbs
                    .get(db)
                    .and_then(|c| c.get(coll))
                    .map(|d| {
                        d.iter()
                            .filter(|x| matches_filter(x, filter.as_ref()))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default();
            Ok(match method {
                "find" if docs.is_empty() => Outcome::Nothing,
                "find" => Outcome::Value(JsVal::Arr(docs)),
                "findOne" => Outcome::Value(docs.into_iter().next().unwrap_or(JsVal::Null)),
                _ => Outcome::Value(JsVal::Int(docs.len() as i64)),
            })
        }
        "drop" => {
            let accepted = with_mongod(cx.world, &sess.server, now, |s| {
                if !s.is_writable() {
                    return None;
                }
                let had = s.dbs.get_mut(db).and_then(|c| c.remove(coll)).is_some();
                s.optime += 1;
                Some(had)
            })
            .flatten();
            match accepted {
                Some(had) => {
                    sync_set(cx, &sess.server.clone());
                    Ok(Outcome::Value(JsVal::Bool(had)))
                }
                None => Err(ShellError("MongoServerError: not primary".into())),
            }
        }
        _ => Err(ShellError(format!(
            "TypeError: db.{coll}.{method} is not a function"
        ))),
    }
}

fn rs_initiate(
    cx: &mut ExecCx<'_>,
    sess: &mut Session,
    conf: Option<&JsVal>,
) -> Result<Outcome, ShellError> {
    let now = cx.now();
    let me_default = {
        let h = cx
            .world
            .setup(&sess.server)
            .map(|s| s.hostname.clone())
            .unwrap_or_default();
        format!("{h}:27017")
    };
    let state = with_mongod(cx.world, &sess.server, now, |s| {
        (s.repl_set.clone(), s.set_name.is_some())
    })
    .ok_or_else(|| ShellError("MongoNetworkError: connection closed".into()))?;
    let Some(repl_set) = state.0 else {
        return Err(ShellError(
            "MongoServerError: This node was not started with replication enabled.".into(),
        ));
    };
    if state.1 {
        return Err(ShellError("MongoServerError: already initialized".into()));
    }
    let (name, members, default_used) = match conf {
        None => (
            repl_set.clone(),
            vec![Member {
                id: 0,
                host: me_default.clone(),
            }],
            true,
        ),
        Some(c) => {
            let name = c
                .get("_id")
                .and_then(JsVal::as_str)
                .unwrap_or("")
                .to_string();
            let members: Vec<Member> = match c.get("members") {
                Some(JsVal::Arr(a)) => a
                    .iter()
                    .filter_map(|m| {
                        Some(Member {
                            id: m.get("_id")?.as_i64()?,
                            host: m.get("host")?.as_str()?.to_string(),
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (name, members, false)
        }
    };
    if name != repl_set {
        return Err(ShellError(format!(
            "MongoServerError: Attempting to initiate a replica set with name {name}, but command line reports {repl_set}; rejecting"
        )));
    }
    if members.is_empty() {
        return Err(ShellError(
            "MongoServerError: Replica set configuration contains 0 members, but must have at least 1 and no more than 50".into(),
        ));
    }
    let reach = if default_used {
        vec![(members[0].clone(), Some(sess.server.clone()))]
    } else {
        reach_members(cx, &sess.server, &members)
    };
    if !reach.iter().any(|(_, k)| k.as_ref() == Some(&sess.server)) {
        return Err(ShellError(format!(
            "MongoServerError: No host described in new configuration with {{version: 1, term: 0}} for replica set {name} maps to this node"
        )));
    }
    if let Some((m, _)) = reach.iter().find(|(_, k)| k.is_none()) {
        return Err(ShellError(format!(
            "MongoServerError: replSetInitiate quorum check failed because not all proposed set members responded affirmatively: {} failed with Error connecting to {} :: caused by :: Connection refused",
            m.host, m.host
        )));
    }
    for (_, k) in &reach {
        let Some(k) = k else { continue };
        let primary = *k == sess.server;
        let members = members.clone();
        let name = name.clone();
        with_mongod(cx.world, k, now, move |s| {
            s.set_name = Some(name);
            s.members = members;
            s.term = 1;
            s.election_due = None;
            if primary {
                s.role = Role::Primary;
                s.elected_at = Some(now);
            } else {
                s.role = Role::Secondary;
            }
        });
    }
    sync_set(cx, &sess.server.clone());
    if default_used {
        return Ok(Outcome::Value(JsVal::Obj(vec![
            (
                "info2".into(),
                JsVal::Str(
                    "no configuration specified. Using a default configuration for the set".into(),
                ),
            ),
            ("me".into(), JsVal::Str(me_default)),
            ("ok".into(), JsVal::Int(1)),
        ])));
    }
    Ok(Outcome::Value(ok1()))
}

fn not_yet_initialized() -> ShellError {
    ShellError("MongoServerError: no replset config has been received".into())
}

fn rs_conf(cx: &mut ExecCx<'_>, sess: &mut Session) -> Result<JsVal, ShellError> {
    let now = cx.now();
    let s = with_mongod(cx.world, &sess.server, now, |s| {
        (s.set_name.clone(), s.members.clone(), s.term)
    })
    .ok_or_else(not_yet_initialized)?;
    let Some(name) = s.0 else {
        return Err(not_yet_initialized());
    };
    Ok(JsVal::Obj(vec![
        ("_id".into(), JsVal::Str(name)),
        ("version".into(), JsVal::Int(1)),
        ("term".into(), JsVal::Int(s.2)),
        (
            "members".into(),
            JsVal::Arr(
                s.1.iter()
                    .map(|m| {
                        JsVal::Obj(vec![
                            ("_id".into(), JsVal::Int(m.id)),
                            ("host".into(), JsVal::Str(m.host.clone())),
                            ("arbiterOnly".into(), JsVal::Bool(false)),
                            ("priority".into(), JsVal::Int(1)),
                            ("votes".into(), JsVal::Int(1)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ]))
}

/// `rs.status()`: the essential fields (`set`, `date`, `myState`, `term`, `members[]` with
/// `_id`, `name`, `health`, `state`, `stateStr`, `uptime`, `optimeDate`, `syncSourceHost`,
/// `electionDate` on the primary, `self`), `ok`.
fn rs_status(cx: &mut ExecCx<'_>, sess: &mut Session) -> Result<JsVal, ShellError> {
    let now = cx.now();
    let info = with_mongod(cx.world, &sess.server, now, |s| {
        (s.set_name.clone(), s.members.clone(), s.repl_set.is_some())
    })
    .ok_or_else(not_yet_initialized)?;
    let (Some(set), members, true) = info else {
        if !info.2 {
            return Err(ShellError(
                "MongoServerError: not running with --replSet".into(),
            ));
        }
        return Err(not_yet_initialized());
    };
    let reach = reach_members(cx, &sess.server, &members);
    let mut rows = Vec::new();
    let mut my_state = 0;
    let mut term = 0;
    let mut primary_host = String::new();
    for (m, k) in &reach {
        if let Some(k) = k
            && let Some(st) = with_mongod(cx.world, k, now, |s| {
                (s.role, s.term, s.started, s.optime_at, s.elected_at)
            })
            && st.0 == Role::Primary
        {
            primary_host = m.host.clone();
            let _ = st;
        }
    }
    for (m, k) in reach {
        let is_self = k.as_ref() == Some(&sess.server);
        let st = k.as_ref().and_then(|k| {
            with_mongod(cx.world, k, now, |s| {
                (s.role, s.term, s.started, s.optime_at, s.elected_at)
            })
        });
        let mut f = vec![
            ("_id".to_string(), JsVal::Int(m.id)),
            ("name".into(), JsVal::Str(m.host.clone())),
        ];
        match st {
            Some((role, t, started, optime_at, elected_at)) => {
                if is_self {
                    my_state = role.state();
                    term = t;
                }
                f.push(("health".into(), JsVal::Int(1)));
                f.push(("state".into(), JsVal::Int(role.state())));
                f.push(("stateStr".into(), JsVal::Str(role.state_str().into())));
                f.push((
                    "uptime".into(),
                    JsVal::Int(now.saturating_since(started).as_secs() as i64),
                ));
                f.push(("optimeDate".into(), JsVal::Date(unix_ms(optime_at))));
                let sync_src = if role == Role::Secondary {
                    primary_host.clone()
                } else {
                    String::new()
                };
                f.push(("syncSourceHost".into(), JsVal::Str(sync_src)));
                if let (Role::Primary, Some(e)) = (role, elected_at) {
                    f.push(("electionDate".into(), JsVal::Date(unix_ms(e))));
                }
                if is_self {
                    f.push(("self".into(), JsVal::Bool(true)));
                } else {
                    f.push(("lastHeartbeat".into(), JsVal::Date(unix_ms(now))));
                    f.push(("pingMs".into(), JsVal::Long(0)));
                }
            }
            None => {
                f.push(("health".into(), JsVal::Int(0)));
                f.push(("state".into(), JsVal::Int(8)));
                f.push((
                    "stateStr".into(),
                    JsVal::Str("(not reachable/healthy)".into()),
                ));
                f.push(("uptime".into(), JsVal::Int(0)));
                f.push(("optimeDate".into(), JsVal::Date(0)));
                f.push(("syncSourceHost".into(), JsVal::Str(String::new())));
                f.push(("lastHeartbeat".into(), JsVal::Date(0)));
                f.push(("pingMs".into(), JsVal::Long(0)));
            }
        }
        rows.push(JsVal::Obj(f));
    }
    Ok(JsVal::Obj(vec![
        ("set".into(), JsVal::Str(set)),
        ("date".into(), JsVal::Date(unix_ms(now))),
        ("myState".into(), JsVal::Int(my_state)),
        ("term".into(), JsVal::Long(term)),
        ("members".into(), JsVal::Arr(rows)),
        ("ok".into(), JsVal::Int(1)),
    ]))
}

/// `db.hello()` / `rs.isMaster()`.
fn hello(cx: &mut ExecCx<'_>, sess: &mut Session, legacy: bool) -> Result<JsVal, ShellError> {
    let now = cx.now();
    let st = with_mongod(cx.world, &sess.server, now, |s| {
        (s.set_name.clone(), s.members.clone(), s.role)
    })
    .ok_or_else(|| ShellError("MongoNetworkError: connection closed".into()))?;
    let writable = matches!(st.2, Role::Primary | Role::Standalone);
    let mut f = Vec::new();
    if let Some(set) = &st.0 {
        f.push((
            "hosts".into(),
            JsVal::Arr(st.1.iter().map(|m| JsVal::Str(m.host.clone())).collect()),
        ));
        f.push(("setName".into(), JsVal::Str(set.clone())));
        f.push(("setVersion".into(), JsVal::Int(1)));
    }
    let key = if legacy {
        "ismaster"
    } else {
        "isWritablePrimary"
    };
    f.push((key.into(), JsVal::Bool(writable)));
    f.push(("secondary".into(), JsVal::Bool(st.2 == Role::Secondary)));
    if st.0.is_some() {
        let reach = reach_members(cx, &sess.server, &st.1);
        for (m, k) in reach {
            if let Some(k) = k
                && with_mongod(cx.world, &k, now, |s| s.role == Role::Primary) == Some(true)
            {
                f.push(("primary".into(), JsVal::Str(m.host)));
                break;
            }
        }
        f.push(("me".into(), JsVal::Str(sess.me.clone())));
    }
    f.push(("maxBsonObjectSize".into(), JsVal::Int(16777216)));
    f.push(("localTime".into(), JsVal::Date(unix_ms(now))));
    f.push(("ok".into(), JsVal::Int(1)));
    Ok(JsVal::Obj(f))
}
