//! `psql`: options, connecting (socket or TCP, with the exact libpq failure texts), running
//! `-c` strings, `-f` files, stdin scripts and interactive input, meta-commands, and
//! printing results in psql's shapes.

use crate::apps::sql::catalog;
use crate::apps::sql::engine::Session;
use crate::apps::sql::format::{PrintOpts, error_text, print_result};
use crate::apps::sql::split::{Item, Pending, split};
use crate::apps::sql::{Cluster, ColDefault, Engine, Reply, ResultSet, Ty};
use crate::engine::SimDuration;
use crate::exec::{ConnectError, ExecCx, ExecResult};
use crate::store::{ContainerKey, Stream};

use super::PgVersion;
use super::server::{Avail, PgServer, SOCKET, log_stamp, unix_ms, with_server};

/// Where the client talks to.
#[derive(Clone, Debug)]
pub struct Target {
    /// `-h`, if given (a directory means a socket).
    pub host: Option<String>,
    /// Port.
    pub port: u16,
    /// Role.
    pub user: String,
    /// Database.
    pub db: String,
    /// `PGPASSWORD`.
    pub password: Option<String>,
}

/// A connection that failed: the text after `<program>: error: `, and the exit code.
pub struct ConnFail(pub String);

/// The libpq text before `failed:` for a target.
fn conn_prefix(t: &Target, ip: Option<&str>) -> String {
    match &t.host {
        Some(h) if !h.starts_with('/') => match ip {
            Some(ip) if ip != h => {
                format!(
                    "connection to server at \"{h}\" ({ip}), port {} failed: ",
                    t.port
                )
            }
            _ => format!("connection to server at \"{h}\", port {} failed: ", t.port),
        },
        Some(dir) => format!(
            "connection to server on socket \"{}/.s.PGSQL.{}\" failed: ",
            dir.trim_end_matches('/'),
            t.port
        ),
        None => format!(
            "connection to server on socket \"{}\" failed: ",
            SOCKET.replace("5432", &t.port.to_string())
        ),
    }
}

fn is_loopback(h: &str) -> bool {
    h == "localhost" || h.starts_with("127.") || h == "::1"
}

/// Connects as libpq would: the server's container, or the failure text.
pub fn connect(
    cx: &mut ExecCx<'_>,
    t: &Target,
    check_auth: bool,
) -> Result<ContainerKey, ConnFail> {
    let now = cx.now();
    let (key, ip, tcp) = match &t.host {
        Some(h) if !h.starts_with('/') => {
            let shown_ip = if is_loopback(h) && h != "::1" {
                Some("127.0.0.1".to_string())
            } else {
                None
            };
            match cx.connect(h, t.port) {
                Ok(k) => {
                    let ip = shown_ip.or_else(|| cx.resolve_host(h).ok());
                    (k, ip, true)
                }
                Err(ConnectError::UnknownHost(_)) => {
                    return Err(ConnFail(format!(
                        "could not translate host name \"{h}\" to address: Name or service not known"
                    )));
                }
                Err(ConnectError::Refused { ip }) => {
                    let tail = "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?";
                    if h == "localhost" {
                        return Err(ConnFail(format!(
                            "connection to server at \"localhost\" (::1), port {p} failed: {tail}\nconnection to server at \"localhost\" (127.0.0.1), port {p} failed: {tail}",
                            p = t.port
                        )));
                    }
                    let ip = shown_ip.unwrap_or(ip);
                    return Err(ConnFail(format!("{}{tail}", conn_prefix(t, Some(&ip)))));
                }
                Err(ConnectError::Timeout { ip }) => {
                    cx.spend(SimDuration::from_secs(130));
                    return Err(ConnFail(format!(
                        "{}Connection timed out\n\tIs the server running on that host and accepting TCP/IP connections?",
                        conn_prefix(t, Some(&ip))
                    )));
                }
            }
        }
        _ => {
            let own = cx.key.clone();
            let has = cx
                .world
                .procs
                .get(&own)
                .is_some_and(|p| p.program == "postgres")
                && t.port == 5432;
            if !has {
                return Err(ConnFail(format!(
                    "{}No such file or directory\n\tIs the server running locally and accepting connections on that socket?",
                    conn_prefix(t, None)
                )));
            }
            (own, None, false)
        }
    };
    let prefix = conn_prefix(t, ip.as_deref());
    let host_is_loop = t.host.as_deref().is_none_or(is_loopback);
    let user = t.user.clone();
    let db = t.db.clone();
    let pw = t.password.clone();
    let r = with_server(cx.world, &key, now, |srv, view, logs| {
        srv.flush_due(view, now);
        let avail = srv.avail(now);
        if tcp && srv.temp_only(now) {
            return Err(format!(
                "{prefix}Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
            ));
        }
        let pid = srv.pid();
        let fatal = |logs: &mut Vec<(crate::engine::SimTime, String)>, msg: &str| {
            logs.push((now, format!("{}FATAL:  {msg}", PgServer::prefix(now, pid))));
        };
        match avail {
            Avail::NoSocket => {
                return Err(format!(
                    "{prefix}No such file or directory\n\tIs the server running locally and accepting connections on that socket?"
                ));
            }
            Avail::StartingUp => {
                fatal(logs, "the database system is starting up");
                return Err(format!(
                    "{prefix}FATAL:  the database system is starting up"
                ));
            }
            Avail::Recovery => {
                fatal(logs, "the database system is not yet accepting connections");
                logs.push((
                    now,
                    format!(
                        "{}DETAIL:  Consistent recovery state has not been yet reached.",
                        PgServer::prefix(now, pid)
                    ),
                ));
                return Err(format!(
                    "{prefix}FATAL:  the database system is not yet accepting connections\nDETAIL:  Consistent recovery state has not been yet reached."
                ));
            }
            Avail::ShuttingDown => {
                fatal(logs, "the database system is shutting down");
                return Err(format!(
                    "{prefix}FATAL:  the database system is shutting down"
                ));
            }
            Avail::Ready => {}
        }
        if !check_auth {
            return Ok(());
        }
        let cluster = &srv.engine.cluster;
        if tcp && !host_is_loop && srv.host_auth != "trust" {
            match &pw {
                None => return Err(format!("{prefix}fe_sendauth: no password supplied")),
                Some(p) => {
                    let ok = cluster
                        .roles
                        .get(&user)
                        .and_then(|r| r.password.as_ref())
                        .is_some_and(|x| x == p);
                    if !ok {
                        fatal(
                            logs,
                            &format!("password authentication failed for user \"{user}\""),
                        );
                        logs.push((now, format!("{}DETAIL:  Connection matched pg_hba.conf line 8: \"host all all all {}\"", PgServer::prefix(now, pid), srv.host_auth)));
                        return Err(format!(
                            "{prefix}FATAL:  password authentication failed for user \"{user}\""
                        ));
                    }
                }
            }
        }
        if !cluster.roles.contains_key(&user) {
            fatal(logs, &format!("role \"{user}\" does not exist"));
            return Err(format!("{prefix}FATAL:  role \"{user}\" does not exist"));
        }
        if !cluster.databases.contains_key(&db) || db == "template0" {
            if db == "template0" {
                fatal(
                    logs,
                    "database \"template0\" is not currently accepting connections",
                );
                return Err(format!(
                    "{prefix}FATAL:  database \"template0\" is not currently accepting connections"
                ));
            }
            fatal(logs, &format!("database \"{db}\" does not exist"));
            return Err(format!("{prefix}FATAL:  database \"{db}\" does not exist"));
        }
        Ok(())
    });
    match r {
        Some(Ok(())) => Ok(key),
        Some(Err(e)) => Err(ConnFail(e)),
        None => Err(ConnFail(format!(
            "{prefix}No such file or directory\n\tIs the server running locally and accepting connections on that socket?"
        ))),
    }
}

/// What psql runs queries against.
pub trait Backend {
    /// Runs a query string.
    fn query(&mut self, sess: &mut Session, sql: &str) -> Reply;
    /// The catalog, for meta-commands.
    fn cluster(&mut self) -> Cluster;
    /// The server's version.
    fn version(&self) -> PgVersion;
}

/// A live server in a container.
pub struct Live<'a, 'b> {
    /// The program's context.
    pub cx: &'a mut ExecCx<'b>,
    /// The server's container.
    pub key: ContainerKey,
    /// This backend's PID (for the server log).
    pub pid: u32,
    /// The server's version.
    pub version: PgVersion,
}

impl Backend for Live<'_, '_> {
    fn query(&mut self, sess: &mut Session, sql: &str) -> Reply {
        let now = self.cx.now();
        sess.now_ms = unix_ms(now);
        sess.slept_ms = 0;
        let pid = self.pid;
        let reply = with_server(self.cx.world, &self.key, now, |srv, view, logs| {
            let reply = srv.engine.query(sess, sql);
            srv.commit(view, &reply, now);
            if let Some(e) = &reply.error {
                let p = PgServer::prefix(now, pid);
                let at = e
                    .position
                    .map(|c| format!(" at character {c}"))
                    .unwrap_or_default();
                logs.push((now, format!("{p}{}:  {}{at}", e.severity, e.message)));
                if let Some(d) = &e.detail {
                    logs.push((now, format!("{p}DETAIL:  {d}")));
                }
                if let Some(h) = &e.hint {
                    logs.push((now, format!("{p}HINT:  {h}")));
                }
                logs.push((now, format!("{p}STATEMENT:  {sql}")));
            }
            reply
        });
        if sess.slept_ms > 0 {
            self.cx.spend(SimDuration::from_ms(sess.slept_ms));
        }
        self.cx.spend(SimDuration::from_ms(1));
        reply.unwrap_or_else(|| Reply {
            error: Some(crate::apps::sql::SqlError {
                severity: "FATAL",
                message: "terminating connection due to administrator command".into(),
                detail: None,
                hint: None,
                position: None,
                mysql: None,
            }),
            ..Reply::default()
        })
    }

    fn cluster(&mut self) -> Cluster {
        let now = self.cx.now();
        with_server(self.cx.world, &self.key, now, |srv, _, _| {
            srv.engine.cluster.clone()
        })
        .unwrap_or_default()
    }

    fn version(&self) -> PgVersion {
        self.version.clone()
    }
}

/// An engine without a server (the entrypoint's init scripts).
pub struct Offline<'a>(pub &'a mut Engine);

impl Backend for Offline<'_> {
    fn query(&mut self, sess: &mut Session, sql: &str) -> Reply {
        self.0.query(sess, sql)
    }
    fn cluster(&mut self) -> Cluster {
        self.0.cluster.clone()
    }
    fn version(&self) -> PgVersion {
        super::version_of(15)
    }
}

/// psql's settings and output.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// Print options.
    pub print: PrintOpts,
    /// `-q`.
    pub quiet: bool,
    /// `ON_ERROR_STOP`.
    pub on_error_stop: bool,
    /// Standard output so far.
    pub out: String,
    /// Standard error so far.
    pub err: String,
    /// `\q` was given.
    pub quit: bool,
    /// What psql's own error messages start with (`psql:file:line: error: ` in `-f` mode).
    pub log_prefix: String,
    /// Reading commands from a terminal (`pset.cur_cmd_interactive`): unknown meta-commands
    /// add "Try \? for help.".
    pub interactive: bool,
}

impl Client {
    /// Prints a reply; returns false when it ended in an error.
    pub fn show(&mut self, reply: &Reply, sql: &str, err_prefix: &str) -> bool {
        for r in &reply.results {
            for n in &r.notices {
                self.err.push_str(err_prefix);
                self.err.push_str(n);
                self.err.push('\n');
            }
            if let Some(rows) = &r.rows {
                self.out.push_str(&print_result(rows, &self.print, None));
                if !r.tag.starts_with("SELECT") && !r.tag.starts_with("SHOW") && !self.quiet {
                    self.out.push_str(&r.tag);
                    self.out.push('\n');
                }
            } else if !self.quiet {
                self.out.push_str(&r.tag);
                self.out.push('\n');
            }
        }
        if let Some(e) = &reply.error {
            self.err.push_str(&error_text(e, sql, err_prefix));
            return false;
        }
        true
    }

    /// Runs a meta-command (`dt`, `d users`, `l`, `c db`, `q`, `x`).
    pub fn meta(&mut self, be: &mut dyn Backend, sess: &mut Session, cmd: &str) -> bool {
        let mut parts = cmd.split_whitespace();
        let name = parts.next().unwrap_or("");
        let arg = parts.next();
        match name {
            "q" | "quit" => {
                self.quit = true;
                true
            }
            "x" => {
                self.print.expanded = match arg {
                    Some("on") => true,
                    Some("off") => false,
                    _ => !self.print.expanded,
                };
                self.out.push_str(if self.print.expanded {
                    "Expanded display is on.\n"
                } else {
                    "Expanded display is off.\n"
                });
                true
            }
            "dt" | "dt+" | "d" | "d+" if arg.is_none() => {
                let c = be.cluster();
                let db = c.databases.get(&sess.db).cloned().unwrap_or_default();
                let mut rows: Vec<(String, &str)> =
                    db.tables.keys().map(|t| (t.clone(), "table")).collect();
                if name.starts_with("d") && !name.starts_with("dt") {
                    rows.extend(db.sequences.keys().map(|s| (s.clone(), "sequence")));
                }
                rows.sort();
                if rows.is_empty() {
                    self.err
                        .push_str(&format!("{}Did not find any relations.\n", self.log_prefix));
                    return true;
                }
                let rs = ResultSet {
                    cols: vec![
                        ("Schema".into(), Ty::Text),
                        ("Name".into(), Ty::Text),
                        ("Type".into(), Ty::Text),
                        ("Owner".into(), Ty::Text),
                    ],
                    rows: rows
                        .into_iter()
                        .map(|(n, t)| {
                            vec![
                                Some("public".into()),
                                Some(n),
                                Some(t.to_string()),
                                Some(db.owner.clone()),
                            ]
                        })
                        .collect(),
                };
                self.out
                    .push_str(&print_result(&rs, &self.print, Some("List of relations")));
                true
            }
            "d" | "d+" | "dt" => {
                let want = arg.unwrap_or("").trim_matches('"').to_lowercase();
                // pg_catalog comes first in the search path; \dt lists only tables.
                let view = catalog::view(want.strip_prefix("pg_catalog.").unwrap_or(&want));
                if let Some(v) = view.filter(|_| name != "dt") {
                    let rows = (v.columns)(be.version().major)
                        .into_iter()
                        .map(|(col, ty)| {
                            [
                                col.to_string(),
                                ty.pg_name(),
                                String::new(),
                                String::new(),
                                String::new(),
                            ]
                        })
                        .collect();
                    let title = format!("View \"pg_catalog.{}\"", v.name);
                    let mut text = self.describe_columns(rows, &title);
                    text.push('\n');
                    self.out.push_str(&text);
                    return true;
                }
                let c = be.cluster();
                let db = c.databases.get(&sess.db).cloned().unwrap_or_default();
                let Some(t) = db.tables.get(&want) else {
                    self.err.push_str(&format!(
                        "{}Did not find any relation named \"{want}\".\n",
                        self.log_prefix
                    ));
                    return false;
                };
                if name == "dt" {
                    let rs = ResultSet {
                        cols: vec![
                            ("Schema".into(), Ty::Text),
                            ("Name".into(), Ty::Text),
                            ("Type".into(), Ty::Text),
                            ("Owner".into(), Ty::Text),
                        ],
                        rows: vec![vec![
                            Some("public".into()),
                            Some(t.name.clone()),
                            Some("table".into()),
                            Some(db.owner.clone()),
                        ]],
                    };
                    self.out
                        .push_str(&print_result(&rs, &self.print, Some("List of relations")));
                    return true;
                }
                let rows = t
                    .columns
                    .iter()
                    .map(|c| {
                        [
                            c.name.clone(),
                            c.ty.pg_name(),
                            String::new(),
                            if c.not_null {
                                "not null".into()
                            } else {
                                String::new()
                            },
                            match &c.default {
                                None => String::new(),
                                Some(ColDefault::Seq(s)) => format!("nextval('{s}'::regclass)"),
                                Some(ColDefault::Const(_, shown)) => shown.clone(),
                                Some(ColDefault::Now(shown)) => shown.clone(),
                            },
                        ]
                    })
                    .collect();
                let mut text = self.describe_columns(rows, &format!("Table \"public.{}\"", t.name));
                if !t.uniques.is_empty() {
                    text.push_str("Indexes:\n");
                    for u in &t.uniques {
                        let cols: Vec<&str> =
                            u.cols.iter().map(|&i| t.columns[i].name.as_str()).collect();
                        text.push_str(&format!(
                            "    \"{}\" {}, btree ({})\n",
                            u.name,
                            if u.primary {
                                "PRIMARY KEY"
                            } else {
                                "UNIQUE CONSTRAINT"
                            },
                            cols.join(", ")
                        ));
                    }
                }
                text.push('\n');
                self.out.push_str(&text);
                true
            }
            "l" | "list" | "l+" => {
                let c = be.cluster();
                let v = be.version();
                self.out.push_str(&list_databases(&c, &v, &self.print));
                true
            }
            "c" | "connect" => {
                let c = be.cluster();
                let db = arg.unwrap_or(&sess.db).to_string();
                if !c.databases.contains_key(&db) {
                    self.err.push_str(&format!(
                        "connection to server on socket \"{SOCKET}\" failed: FATAL:  database \"{db}\" does not exist\nPrevious connection kept\n"
                    ));
                    return false;
                }
                sess.db = db;
                self.out.push_str(&format!(
                    "You are now connected to database \"{}\" as user \"{}\".\n",
                    sess.db, sess.user
                ));
                true
            }
            "conninfo" => {
                self.out.push_str(&format!(
                    "You are connected to database \"{}\" as user \"{}\" via socket in \"/var/run/postgresql\" at port \"5432\".\n",
                    sess.db, sess.user
                ));
                true
            }
            "du" => {
                let c = be.cluster();
                let rs = ResultSet {
                    cols: vec![
                        ("Role name".into(), Ty::Text),
                        ("Attributes".into(), Ty::Text),
                    ],
                    rows: c
                        .roles
                        .iter()
                        .map(|(n, r)| {
                            vec![
                                Some(n.clone()),
                                Some(if r.superuser {
                                    "Superuser, Create role, Create DB, Replication, Bypass RLS"
                                        .into()
                                } else {
                                    String::new()
                                }),
                            ]
                        })
                        .collect(),
                };
                let mut text = print_result(&rs, &self.print, Some("List of roles"));
                if let Some(i) = text.rfind("(") {
                    text.truncate(i);
                    text.push('\n');
                }
                self.out.push_str(&text);
                true
            }
            _ => {
                let hint = if self.interactive {
                    "\nTry \\? for help."
                } else {
                    ""
                };
                self.err.push_str(&format!(
                    "{}invalid command \\{name}{hint}\n",
                    self.log_prefix
                ));
                false
            }
        }
    }

    /// The column table of `\d` (Column, Type, Collation, Nullable, Default) under `title`,
    /// without a row-count footer: what follows it depends on the relation.
    fn describe_columns(&self, rows: Vec<[String; 5]>, title: &str) -> String {
        let count = rows.len();
        let rs = ResultSet {
            cols: ["Column", "Type", "Collation", "Nullable", "Default"]
                .into_iter()
                .map(|c| (c.to_string(), Ty::Text))
                .collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(Some).collect())
                .collect(),
        };
        let mut text = print_result(
            &rs,
            &PrintOpts {
                tuples_only: false,
                ..self.print.clone()
            },
            Some(title),
        );
        if let Some(i) = text.rfind(&format!("({count} row")) {
            text.truncate(i);
        }
        text
    }

    /// Runs a script (stdin or `-f`): statements one by one in autocommit. Returns false
    /// when ON_ERROR_STOP stopped it.
    pub fn script(
        &mut self,
        be: &mut dyn Backend,
        sess: &mut Session,
        text: &str,
        file: Option<&str>,
    ) -> bool {
        let (items, _) = split(text);
        for it in items {
            let (ok, line) = match &it {
                Item::Sql { text, line } => {
                    let reply = be.query(sess, text);
                    let prefix = file
                        .map(|f| format!("psql:{f}:{line}: "))
                        .unwrap_or_default();
                    (self.show(&reply, text, &prefix), *line)
                }
                Item::Meta { text, line } => {
                    self.log_prefix = file
                        .map(|f| format!("psql:{f}:{line}: error: "))
                        .unwrap_or_default();
                    let ok = self.meta(be, sess, text);
                    self.log_prefix.clear();
                    (ok, *line)
                }
            };
            let _ = line;
            if self.quit {
                return true;
            }
            if !ok && self.on_error_stop {
                return false;
            }
        }
        true
    }
}

/// `\l` for the server's version.
pub fn list_databases(c: &Cluster, v: &PgVersion, o: &PrintOpts) -> String {
    let cols: Vec<&str> = match v.major {
        ..=14 => vec![
            "Name",
            "Owner",
            "Encoding",
            "Collate",
            "Ctype",
            "Access privileges",
        ],
        15 => vec![
            "Name",
            "Owner",
            "Encoding",
            "Collate",
            "Ctype",
            "ICU Locale",
            "Locale Provider",
            "Access privileges",
        ],
        16 => vec![
            "Name",
            "Owner",
            "Encoding",
            "Locale Provider",
            "Collate",
            "Ctype",
            "ICU Locale",
            "ICU Rules",
            "Access privileges",
        ],
        _ => vec![
            "Name",
            "Owner",
            "Encoding",
            "Locale Provider",
            "Collate",
            "Ctype",
            "Locale",
            "ICU Rules",
            "Access privileges",
        ],
    };
    let rows = c
        .databases
        .iter()
        .map(|(name, d)| {
            let acl = if name.starts_with("template") {
                Some(format!("=c/{o}\n{o}=CTc/{o}", o = d.owner))
            } else {
                Some(String::new())
            };
            cols.iter()
                .map(|col| match *col {
                    "Name" => Some(name.clone()),
                    "Owner" => Some(d.owner.clone()),
                    "Encoding" => Some("UTF8".to_string()),
                    "Collate" | "Ctype" => Some("en_US.utf8".to_string()),
                    "Locale Provider" => Some("libc".to_string()),
                    "Access privileges" => acl.clone(),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let rs = ResultSet {
        cols: cols.iter().map(|c| ((*c).to_string(), Ty::Text)).collect(),
        rows,
    };
    print_result(&rs, o, Some("List of databases"))
}

/// Runs an init script as the entrypoint does (`psql -v ON_ERROR_STOP=1 -f`): stdout,
/// stderr, and whether it failed.
pub fn run_script_offline(
    engine: &mut Engine,
    sess: &mut Session,
    text: &str,
    path: &str,
) -> (String, String, bool) {
    let mut c = Client {
        on_error_stop: true,
        ..Client::default()
    };
    let mut be = Offline(engine);
    let ok = c.script(&mut be, sess, text, Some(path));
    (c.out, c.err, !ok)
}

/// Parsed command line.
#[derive(Default)]
struct Opts {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    db: Option<String>,
    actions: Vec<(bool, String)>,
    list: bool,
    version: bool,
    print: PrintOpts,
    quiet: bool,
    on_error_stop: bool,
}

fn parse(argv: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut positional = Vec::new();
    let mut i = 1;
    let takes = |c: char| "cdfFhpUvPRT".contains(c);
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        let set = |o: &mut Opts, k: char, v: String| -> Result<(), String> {
            match k {
                'c' => o.actions.push((false, v)),
                'f' => o.actions.push((true, v)),
                'd' => o.db = Some(v),
                'h' => o.host = Some(v),
                'p' => o.port = Some(v),
                'U' => o.user = Some(v),
                'F' => o.print.field_sep = v,
                'v' => {
                    let (k, val) = v.split_once('=').unwrap_or((&v, ""));
                    if k.eq_ignore_ascii_case("ON_ERROR_STOP") {
                        o.on_error_stop =
                            !matches!(val.to_lowercase().as_str(), "0" | "off" | "false");
                    }
                }
                _ => {}
            }
            Ok(())
        };
        if let Some(long) = a.strip_prefix("--") {
            if long.is_empty() {
                positional.extend(argv[i..].iter().cloned());
                break;
            }
            let (name, val) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let short = match name {
                "command" => Some('c'),
                "file" => Some('f'),
                "dbname" => Some('d'),
                "host" => Some('h'),
                "port" => Some('p'),
                "username" => Some('U'),
                "field-separator" => Some('F'),
                "set" | "variable" => Some('v'),
                "pset" => Some('P'),
                _ => None,
            };
            if let Some(k) = short {
                let v = match val {
                    Some(v) => v,
                    None => {
                        let Some(v) = argv.get(i) else {
                            return Err(format!(
                                "psql: option '--{name}' requires an argument\npsql: hint: Try \"psql --help\" for more information.\n"
                            ));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                set(&mut o, k, v)?;
                continue;
            }
            match name {
                "tuples-only" => o.print.tuples_only = true,
                "no-align" => o.print.unaligned = true,
                "expanded" => o.print.expanded = true,
                "csv" => o.print.csv = true,
                "quiet" => o.quiet = true,
                "no-psqlrc" | "no-password" | "password" | "echo-errors" | "echo-queries"
                | "single-transaction" => {}
                "list" => o.list = true,
                "version" => o.version = true,
                _ => {
                    return Err(format!(
                        "psql: unrecognized option '--{name}'\npsql: hint: Try \"psql --help\" for more information.\n"
                    ));
                }
            }
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                if takes(c) {
                    let rest: String = chars[j..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else if let Some(v) = argv.get(i) {
                        i += 1;
                        v.clone()
                    } else {
                        return Err(format!(
                            "psql: option requires an argument -- '{c}'\npsql: hint: Try \"psql --help\" for more information.\n"
                        ));
                    };
                    set(&mut o, c, v)?;
                    break;
                }
                match c {
                    't' => o.print.tuples_only = true,
                    'A' => o.print.unaligned = true,
                    'x' => o.print.expanded = true,
                    'q' => o.quiet = true,
                    'l' => o.list = true,
                    'V' => o.version = true,
                    'X' | 'w' | 'W' | 'e' | 'a' | 'b' | 'n' | 's' | 'S' | '1' => {}
                    _ => {
                        return Err(format!(
                            "psql: invalid option -- '{c}'\npsql: hint: Try \"psql --help\" for more information.\n"
                        ));
                    }
                }
            }
            continue;
        }
        positional.push(a.clone());
    }
    let mut pos = positional.into_iter();
    if o.db.is_none() {
        o.db = pos.next();
    } else {
        pos.next();
    }
    if o.user.is_none() {
        o.user = pos.next();
    }
    Ok(o)
}

/// Builds the target from options and the environment.
pub fn target(
    cx: &ExecCx<'_>,
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    db: Option<String>,
) -> Result<Target, String> {
    let mut db = db.or_else(|| cx.var("PGDATABASE").map(str::to_string));
    let mut user = user.or_else(|| cx.var("PGUSER").map(str::to_string));
    let mut host = host.or_else(|| cx.var("PGHOST").map(str::to_string));
    let mut port = port.or_else(|| cx.var("PGPORT").map(str::to_string));
    let mut password = cx.var("PGPASSWORD").map(str::to_string);
    // postgresql://user:pass@host:port/db
    if let Some(uri) = db.clone().and_then(|d| {
        d.strip_prefix("postgresql://")
            .or(d.strip_prefix("postgres://"))
            .map(str::to_string)
    }) {
        let (auth_host, path) = uri.split_once('/').unwrap_or((&uri, ""));
        let (auth, hp) = match auth_host.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, auth_host),
        };
        if let Some(a) = auth {
            let (u, p) = a.split_once(':').unwrap_or((a, ""));
            if !u.is_empty() {
                user = Some(u.to_string());
            }
            if !p.is_empty() {
                password = Some(p.to_string());
            }
        }
        let (h, p) = hp.split_once(':').unwrap_or((hp, ""));
        if !h.is_empty() {
            host = Some(h.to_string());
        }
        if !p.is_empty() {
            port = Some(p.to_string());
        }
        let path = path.split('?').next().unwrap_or("");
        db = if path.is_empty() {
            None
        } else {
            Some(path.to_string())
        };
    }
    let user = user.unwrap_or_else(|| "root".to_string());
    let db = db.unwrap_or_else(|| user.clone());
    let port = match port {
        None => 5432,
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("invalid integer value \"{p}\" for connection option \"port\""))?,
    };
    Ok(Target {
        host,
        port,
        user,
        db,
        password,
    })
}

/// The `psql` program.
pub fn psql(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let o = match parse(argv) {
        Ok(o) => o,
        Err(e) => return ExecResult::fail(e, 1),
    };
    let now = cx.now();
    let image = cx.setup().image.clone();
    let r = crate::kubelet::image::ImageRef::parse(&image);
    let v = super::version_of_tag(r.tag());
    if o.version {
        return ExecResult::ok(format!("psql (PostgreSQL) {}\n", v.full));
    }
    let t = match target(
        cx,
        o.host.clone(),
        o.port.clone(),
        o.user.clone(),
        o.db.clone(),
    ) {
        Ok(t) => t,
        Err(e) => return ExecResult::fail(format!("psql: error: {e}\n"), 2),
    };
    // -f files are checked before connecting.
    let mut files = Vec::new();
    for (is_file, f) in &o.actions {
        if *is_file && f != "-" {
            let p = cx.abs(f);
            match cx.fs().read(&p) {
                Ok(b) => files.push(Some(String::from_utf8_lossy(&b).into_owned())),
                Err(e) => return ExecResult::fail(format!("psql: error: {f}: {e}\n"), 1),
            }
        } else {
            files.push(None);
        }
    }
    // A password prompt on a terminal reads the first stdin line.
    let mut t = t;
    let mut stdin = cx.stdin.clone();
    let key = match connect(cx, &t, true) {
        Ok(k) => k,
        Err(ConnFail(e)) if e.ends_with("fe_sendauth: no password supplied") && cx.tty => {
            let line = stdin
                .as_deref()
                .and_then(|s| s.lines().next())
                .map(str::to_string);
            stdin = stdin.map(|s| {
                s.split_once('\n')
                    .map(|x| x.1.to_string())
                    .unwrap_or_default()
            });
            let prompt = format!("Password for user {}: ", t.user);
            t.password = line.or(Some(String::new()));
            match connect(cx, &t, true) {
                Ok(k) => {
                    let mut r = run_connected(cx, &o, &t, k, &files, stdin, &v);
                    r.stdout = format!("{prompt}\n{}", r.stdout);
                    return r;
                }
                Err(ConnFail(e)) => {
                    return ExecResult {
                        stdout: format!("{prompt}\n"),
                        stderr: format!("psql: error: {e}\n"),
                        code: 2,
                    };
                }
            }
        }
        Err(ConnFail(e)) => return ExecResult::fail(format!("psql: error: {e}\n"), 2),
    };
    let _ = now;
    run_connected(cx, &o, &t, key, &files, stdin, &v)
}

/// The client's address and port as the server sees them: `None` over the Unix socket;
/// the loopback address for `localhost` (libpq tries `::1` first, and the server listens on
/// `::`); else the address of the pod psql runs in. Linux picks the ephemeral port at random
/// in 32768-60999; here it is a function of the pod's address and the clock, so that runs
/// repeat.
fn client_end(cx: &ExecCx<'_>, t: &Target) -> Option<(String, u16)> {
    let host = t.host.as_deref().filter(|h| !h.starts_with('/'))?;
    let addr = match host {
        "localhost" | "::1" => "::1".to_string(),
        h if h.starts_with("127.") => "127.0.0.1".to_string(),
        _ => cx.setup().pod_ip.clone(),
    };
    let seed = addr.bytes().fold(cx.now().as_ms(), |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let port = 32768 + (seed % 28232) as u16;
    Some((addr, port))
}

#[allow(clippy::too_many_arguments)]
fn run_connected(
    cx: &mut ExecCx<'_>,
    o: &Opts,
    t: &Target,
    key: ContainerKey,
    files: &[Option<String>],
    stdin: Option<String>,
    v: &PgVersion,
) -> ExecResult {
    let now = cx.now();
    let app = cx.var("PGAPPNAME").unwrap_or("psql").to_string();
    let tcp = client_end(cx, t);
    let (mut sess, srv_version) = with_server(cx.world, &key, now, |srv, _, _| {
        let sess = srv.session(&t.user, &t.db, now, &app, tcp);
        (sess, srv.version.clone())
    })
    .unwrap_or_else(|| {
        let sess = Session::new(&t.user, &t.db, &v.version_string());
        (sess, v.clone())
    });
    let pid = sess.conn.pid;
    let tty = cx.tty;
    let mut c = Client {
        print: o.print.clone(),
        quiet: o.quiet,
        on_error_stop: o.on_error_stop,
        ..Client::default()
    };
    let mut be = Live {
        cx,
        key: key.clone(),
        pid,
        version: srv_version.clone(),
    };
    let mut code = 0;
    if o.list {
        c.out
            .push_str(&list_databases(&be.cluster(), &srv_version, &c.print));
    } else if !o.actions.is_empty() {
        for ((is_file, text), file) in o.actions.iter().zip(files) {
            if *is_file {
                let body = match file {
                    Some(b) => b.clone(),
                    None => stdin.clone().unwrap_or_default(),
                };
                let ok = c.script(&mut be, &mut sess, &body, Some(text));
                code = if ok { 0 } else { 3 };
            } else if let Some(m) = text.trim_start().strip_prefix('\\') {
                let ok = c.meta(&mut be, &mut sess, m.trim());
                code = if ok { 0 } else { 1 };
            } else {
                let reply = be.query(&mut sess, text);
                let ok = c.show(&reply, text, "");
                code = if ok { 0 } else { 1 };
            }
            if c.quit || (code != 0 && o.on_error_stop) {
                break;
            }
        }
    } else if let Some(input) = stdin {
        if tty {
            interactive(&mut c, &mut be, &mut sess, &input, &srv_version);
        } else {
            let ok = c.script(&mut be, &mut sess, &input, None);
            code = if ok { 0 } else { 3 };
        }
    } else if tty {
        c.out.push_str(&format!(
            "psql ({})\nType \"help\" for help.\n\n{}",
            srv_version.full,
            prompt(&sess, Pending::Empty, &be.cluster())
        ));
    }
    // An open transaction ends with the connection.
    if sess.txn.is_some() {
        let _ = be.query(&mut sess, "ROLLBACK");
    }
    let _ = Stream::Stdout;
    let _ = log_stamp;
    ExecResult {
        stdout: c.out,
        stderr: c.err,
        code,
    }
}

fn prompt(sess: &Session, pending: Pending, c: &Cluster) -> String {
    let state = match pending {
        Pending::Empty => '=',
        Pending::Continue => '-',
        Pending::Paren => '(',
        Pending::Quote => '\'',
    };
    let txn = match &sess.txn {
        Some(t) if t.failed => "!",
        Some(t) if t.explicit => "*",
        _ => "",
    };
    let su = c.roles.get(&sess.user).is_some_and(|r| r.superuser);
    format!("{}{state}{txn}{} ", sess.db, if su { '#' } else { '>' })
}

fn interactive(
    c: &mut Client,
    be: &mut dyn Backend,
    sess: &mut Session,
    input: &str,
    v: &PgVersion,
) {
    c.interactive = true;
    c.out
        .push_str(&format!("psql ({})\nType \"help\" for help.\n\n", v.full));
    let mut buf = String::new();
    let mut pending = Pending::Empty;
    for line in input.lines() {
        let cl = be.cluster();
        c.out.push_str(&prompt(sess, pending, &cl));
        c.out.push_str(line);
        c.out.push('\n');
        buf.push_str(line);
        buf.push('\n');
        let (items, p) = split(&buf);
        let n = items.len();
        let keep_last = p != Pending::Empty;
        for (i, it) in items.into_iter().enumerate() {
            if keep_last && i + 1 == n {
                if let Item::Sql { text, .. } = it {
                    buf = format!("{text}\n");
                }
                break;
            }
            match it {
                Item::Sql { text, .. } => {
                    let reply = be.query(sess, &text);
                    c.show(&reply, &text, "");
                }
                Item::Meta { text, .. } => {
                    c.meta(be, sess, &text);
                }
            }
            if c.quit {
                return;
            }
        }
        if !keep_last {
            buf.clear();
        }
        pending = p;
    }
    let cl = be.cluster();
    c.out.push_str(&prompt(sess, pending, &cl));
    c.out.push_str("\\q\n");
}
