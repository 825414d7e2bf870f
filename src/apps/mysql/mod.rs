//! The `mysql` images (§5.1 of the app-model spec): the entrypoint's refusals and first-start
//! initialisation, `mysqld` keeping its data in `/var/lib/mysql` on the volume (InnoDB's
//! default durability: every commit is on disk), and the `mysql` / `mysqladmin` clients
//! over the shared SQL engine in its MySQL dialect.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Probe;

use crate::apps::sql::engine::Session;
use crate::apps::sql::{Cluster, Database, Dialect, Engine, ResultSet, Role, SqlError};
use crate::engine::{SimDuration, SimTime};
use crate::exec::{ConnectError, ExecCx, ExecResult, ProgramFn};
use crate::kubelet::{AppCx, AppModel, AppRegistry, Exit, ProbeAnswer, ProbeKind, Signal, Startup};
use crate::store::{ContainerKey, Fs, Proc, Stream};

use super::{Flavor, GNU_BASE, ImageProfile};

pub mod repl;
mod v57;

use repl::{Binlog, Slave};

/// The server's data directory.
pub const DATADIR: &str = "/var/lib/mysql";
const DATAFILE: &str = "/var/lib/mysql/ibdata1.json";
const SOCK: &str = "/var/run/mysqld/mysqld.sock";

/// The server version of an image tag.
pub fn version_of_tag(tag: &str) -> &'static str {
    if tag.starts_with("5.7") || tag.starts_with("5.") {
        "5.7.44"
    } else if tag.starts_with("8.0") {
        "8.0.43"
    } else {
        "8.4.6"
    }
}

/// The running `mysqld`.
pub struct MysqlServer {
    /// The data.
    pub engine: Engine,
    /// When it accepts connections on the socket (the temporary init server included).
    pub socket_from: SimTime,
    /// When it accepts TCP connections.
    pub ready: SimTime,
    /// Shutting down since.
    pub stopping: Option<SimTime>,
    /// `server_id` (from the option files).
    pub server_id: u64,
    /// `server_uuid` (`auto.cnf`).
    pub uuid: String,
    /// The pod's hostname (binary and relay log names).
    pub hostname: String,
    /// `super_read_only`.
    pub super_read_only: bool,
    /// The binary log, with `log-bin`.
    pub binlog: Option<Binlog>,
    /// Replication from a primary, once `CHANGE MASTER TO` ran.
    pub slave: Option<Slave>,
    /// The primary this replica's I/O thread is connected to.
    pub master_key: Option<ContainerKey>,
}

impl MysqlServer {
    fn save(&self, world: &mut crate::store::World, key: &ContainerKey, now: SimTime) {
        if let (Some(mut view), Ok(s)) = (
            world.view(key, now),
            serde_json::to_string(&self.engine.cluster),
        ) {
            let _ = view.write(DATAFILE, s.as_bytes());
        }
    }

    /// Saves the replica's coordinates (`master.info`).
    pub fn save_master_info(
        &self,
        world: &mut crate::store::World,
        key: &ContainerKey,
        now: SimTime,
    ) {
        if let (Some(sl), Some(mut view)) = (&self.slave, world.view(key, now))
            && let Ok(s) = serde_json::to_string(&sl.info)
        {
            let _ = view.write(&format!("{DATADIR}/master.info"), s.as_bytes());
        }
    }

    /// The version string clients see (`5.7.44-log` with the binary log on).
    pub fn version_string(&self, v: &str) -> String {
        if self.binlog.is_some() && v.starts_with("5.") {
            format!("{v}-log")
        } else {
            v.to_string()
        }
    }
}

/// What the server's option files say (`/etc/mysql/conf.d/*.cnf`, `[mysqld]` section).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MyCnf {
    /// `server-id`.
    pub server_id: u64,
    /// `log-bin[=base]`: the binary log's base name.
    pub log_bin: Option<String>,
    /// `super-read-only`.
    pub super_read_only: bool,
}

/// Reads the `[mysqld]` options of the files in `/etc/mysql/conf.d` (sorted, as
/// `!includedir` reads them).
pub fn read_conf(view: &crate::store::View<'_>, hostname: &str) -> MyCnf {
    let mut c = MyCnf::default();
    let dir = "/etc/mysql/conf.d";
    let mut names = view.list(dir).unwrap_or_default();
    names.sort();
    for n in names.iter().filter(|n| n.ends_with(".cnf")) {
        let Ok(b) = view.read(&format!("{dir}/{n}")) else {
            continue;
        };
        let mut in_mysqld = false;
        for line in String::from_utf8_lossy(&b).lines() {
            let l = line.trim();
            if l.starts_with('#') || l.starts_with(';') || l.is_empty() {
                continue;
            }
            if l.starts_with('[') {
                in_mysqld = l == "[mysqld]";
                continue;
            }
            if !in_mysqld {
                continue;
            }
            let (k, v) = l
                .split_once('=')
                .map(|(k, v)| (k.trim(), Some(v.trim())))
                .unwrap_or((l, None));
            match k.replace('_', "-").as_str() {
                "server-id" => c.server_id = v.and_then(|v| v.parse().ok()).unwrap_or(0),
                "log-bin" => {
                    c.log_bin = Some(
                        v.filter(|v| !v.is_empty())
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("{hostname}-bin")),
                    );
                }
                "super-read-only" => {
                    c.super_read_only = v.is_none_or(|v| v != "0" && !v.eq_ignore_ascii_case("off"))
                }
                _ => {}
            }
        }
    }
    c
}

fn stamp(t: SimTime) -> String {
    let ms = crate::apps::postgres::server::unix_ms(t);
    format!(
        "{}+00:00",
        crate::apps::sql::value::format_ts(ms - ms.rem_euclid(1000))
    )
}

/// An entrypoint note: `2026-11-30 16:40:00+00:00 [Note] [Entrypoint]: text`.
fn entry_note(t: SimTime, level: &str, text: &str) -> String {
    format!("{} [{level}] [Entrypoint]: {text}", stamp(t))
}

/// The entrypoint's refusal to initialise an empty datadir without a password option (its
/// log line at `t`), when none is set.
fn missing_password(
    env: &BTreeMap<String, String>,
    t: SimTime,
) -> Option<(SimTime, Stream, String)> {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    if set("MYSQL_ROOT_PASSWORD")
        || set("MYSQL_ALLOW_EMPTY_PASSWORD")
        || set("MYSQL_RANDOM_ROOT_PASSWORD")
    {
        return None;
    }
    Some((
        t,
        Stream::Stderr,
        format!(
            "{}\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD",
            entry_note(
                t,
                "ERROR",
                "Database is uninitialized and password option is not specified"
            )
        ),
    ))
}

/// What the entrypoint's first start creates: the system schemas, `root` with
/// MYSQL_ROOT_PASSWORD, then MYSQL_DATABASE and MYSQL_USER with their notes (at `f(70)` to
/// `f(72)` of the initialisation).
fn first_start_cluster(
    env: &BTreeMap<String, String>,
    f: impl Fn(u64) -> SimTime,
    lines: &mut Vec<(SimTime, Stream, String)>,
) -> Cluster {
    let get = |k: &str| env.get(k).cloned().unwrap_or_default();
    let mut cluster = Cluster::default();
    for d in ["information_schema", "mysql", "performance_schema", "sys"] {
        cluster.databases.insert(
            d.to_string(),
            Database {
                owner: "root".into(),
                ..Database::default()
            },
        );
    }
    cluster.roles.insert(
        "root".into(),
        Role {
            password: Some(get("MYSQL_ROOT_PASSWORD")),
            superuser: true,
        },
    );
    let note = |t: SimTime, text: String| (t, Stream::Stdout, entry_note(t, "Note", &text));
    let db = get("MYSQL_DATABASE");
    if !db.is_empty() {
        cluster.databases.insert(
            db.clone(),
            Database {
                owner: "root".into(),
                ..Database::default()
            },
        );
        lines.push(note(f(70), format!("Creating database {db}")));
    }
    let user = get("MYSQL_USER");
    if !user.is_empty() {
        cluster.roles.insert(
            user.clone(),
            Role {
                password: Some(get("MYSQL_PASSWORD")),
                superuser: false,
            },
        );
        lines.push(note(f(71), format!("Creating user {user}")));
        if !db.is_empty() {
            lines.push(note(
                f(72),
                format!("Giving user {user} access to schema {db}"),
            ));
        }
    }
    cluster
}

fn server_stamp(t: SimTime) -> String {
    let ms = crate::apps::postgres::server::unix_ms(t);
    let base = crate::apps::sql::value::format_ts(ms - ms.rem_euclid(1000)).replace(' ', "T");
    format!("{base}.{:06}Z", ms.rem_euclid(1000) * 1000)
}

/// The model of a mysql container.
pub struct MysqlModel {
    version: &'static str,
    runs_server: bool,
}

/// True when the container's command and args run `mysqld` (through the entrypoint, or
/// options for it); anything else the entrypoint `exec`s.
pub fn runs_mysqld(command: &[String], args: &[String]) -> bool {
    !command.iter().chain(args).next().is_some_and(|c| {
        !c.starts_with('-') && !c.ends_with("mysqld") && !c.ends_with("docker-entrypoint.sh")
    })
}

impl AppModel for MysqlModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let key = cx.key();
        let Some(setup) = cx.world.setup(&key).cloned() else {
            self.runs_server = false;
            return Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: None,
            };
        };
        let env: BTreeMap<String, String> = setup.env.iter().cloned().collect();
        let now = cx.now;
        let v = self.version;
        let at = |ms: u64| now + SimDuration::from_ms(ms);
        let note = entry_note;
        let mut lines: Vec<(SimTime, Stream, String)> = Vec::new();
        let el = if v.starts_with("5.") { "el7" } else { "el9" };
        let started = format!("Entrypoint script for MySQL Server {v}-1.{el} started.");
        lines.push((at(20), Stream::Stdout, note(at(20), "Note", &started)));
        lines.push((
            at(60),
            Stream::Stdout,
            note(at(60), "Note", "Switching to dedicated user 'mysql'"),
        ));
        lines.push((at(80), Stream::Stdout, note(at(80), "Note", &started)));
        if v.starts_with("5.") {
            return v57::start(cx, &key, &env, lines, v);
        }
        let (listing, data) = match cx.world.view(&key, now) {
            Some(view) => (
                view.list(DATADIR).unwrap_or_default(),
                view.read(DATAFILE).ok(),
            ),
            None => (Vec::new(), None),
        };
        let mut engine;
        let ready_ms;
        let socket_ms;
        if let Some(bytes) = data {
            let cluster = serde_json::from_slice::<Cluster>(&bytes).unwrap_or_default();
            engine = Engine::new(cluster, Dialect::Mysql);
            let t = 1500 + cx.rng.below(2500);
            let p = at(200);
            lines.push((p, Stream::Stderr, format!("{} 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld {v}) starting as process 1", server_stamp(p))));
            lines.push((
                at(t - 100),
                Stream::Stderr,
                format!(
                    "{} 1 [System] [MY-013577] [InnoDB] InnoDB initialization has ended.",
                    server_stamp(at(t - 100))
                ),
            ));
            lines.push((at(t), Stream::Stderr, format!("{} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{v}'  socket: '{SOCK}'  port: 3306  MySQL Community Server - GPL.", server_stamp(at(t)))));
            ready_ms = t;
            socket_ms = t;
        } else {
            if let Some(refusal) = missing_password(&env, at(90)) {
                lines.push(refusal);
                flush(cx, &lines);
                return Startup {
                    ready_after: None,
                    exit: Some(Exit::with_code(SimDuration::from_ms(100), 1)),
                };
            }
            lines.push((
                at(100),
                Stream::Stdout,
                note(at(100), "Note", "Initializing database files"),
            ));
            let p = at(120);
            lines.push((p, Stream::Stderr, format!("{} 0 [System] [MY-013169] [Server] /usr/sbin/mysqld (mysqld {v}) initializing of server in progress as process 80", server_stamp(p))));
            if !listing.is_empty() {
                let e = at(200);
                lines.push((e, Stream::Stderr, format!("{} 0 [ERROR] [MY-010457] [Server] --initialize specified but the data directory has files in it. Aborting.\n{} 0 [ERROR] [MY-013236] [Server] The designated data directory {DATADIR}/ is unusable. You can remove all files that the server added to it.\n{} 0 [ERROR] [MY-010119] [Server] Aborting", server_stamp(e), server_stamp(e), server_stamp(e))));
                flush(cx, &lines);
                return Startup {
                    ready_after: None,
                    exit: Some(Exit::with_code(SimDuration::from_ms(300), 1)),
                };
            }
            let total = 15_000 + cx.rng.below(15_000);
            let f = |x: u64| at(total * x / 100);
            lines.push((f(40), Stream::Stderr, format!("{} 6 [Warning] [MY-010453] [Server] root@localhost is created with an empty password ! Please consider switching off the --initialize-insecure option.", server_stamp(f(40)))));
            lines.push((
                f(55),
                Stream::Stdout,
                note(f(55), "Note", "Database files initialized"),
            ));
            lines.push((
                f(56),
                Stream::Stdout,
                note(f(56), "Note", "Starting temporary server"),
            ));
            lines.push((f(65), Stream::Stderr, format!("{} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{v}'  socket: '{SOCK}'  port: 0  MySQL Community Server - GPL.", server_stamp(f(65)))));
            lines.push((
                f(66),
                Stream::Stdout,
                note(f(66), "Note", "Temporary server started."),
            ));
            let cluster = first_start_cluster(&env, f, &mut lines);
            lines.push((
                f(75),
                Stream::Stdout,
                note(f(75), "Note", "Stopping temporary server"),
            ));
            lines.push((
                f(85),
                Stream::Stdout,
                note(f(85), "Note", "Temporary server stopped"),
            ));
            lines.push((f(86), Stream::Stdout, String::new()));
            lines.push((
                f(86),
                Stream::Stdout,
                note(
                    f(86),
                    "Note",
                    "MySQL init process done. Ready for start up.",
                ),
            ));
            lines.push((f(86), Stream::Stdout, String::new()));
            lines.push((at(total), Stream::Stderr, format!("{} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{v}'  socket: '{SOCK}'  port: 3306  MySQL Community Server - GPL.", server_stamp(at(total)))));
            engine = Engine::new(cluster, Dialect::Mysql);
            ready_ms = total;
            socket_ms = total * 65 / 100;
            if let Some(mut view) = cx.world.view(&key, now) {
                for d in ["mysql", "performance_schema", "sys", "#innodb_redo"] {
                    let _ = view.mkdir(&format!("{DATADIR}/{d}"), 0o750, true);
                }
            }
        }
        engine.dialect = Dialect::Mysql;
        let srv = MysqlServer {
            engine,
            socket_from: at(socket_ms),
            ready: at(ready_ms),
            stopping: None,
            server_id: 0,
            uuid: String::new(),
            hostname: setup.hostname.clone(),
            super_read_only: false,
            binlog: None,
            slave: None,
            master_key: None,
        };
        srv.save(cx.world, &key, now);
        flush(cx, &lines);
        let mut proc = Proc::new("mysqld", Box::new(srv));
        proc.listening.insert(3306, at(ready_ms));
        cx.world.procs.insert(key, proc);
        Startup {
            ready_after: Some(SimDuration::from_ms(ready_ms)),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        if !self.runs_server {
            return ProbeAnswer::Success;
        }
        let key = cx.key();
        let ready = cx
            .world
            .procs
            .get(&key)
            .and_then(|p| p.state.downcast_ref::<MysqlServer>())
            .is_some_and(|s| cx.now >= s.ready && s.stopping.is_none());
        ProbeAnswer::accepting(ready, probe, cx.info.pod_ip)
    }

    fn on_signal(&mut self, cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        if !self.runs_server {
            return Some(Exit::with_code(SimDuration::ZERO, 128 + signal.number()));
        }
        let key = cx.key();
        let now = cx.now;
        if let Some(s) = cx
            .world
            .procs
            .get_mut(&key)
            .and_then(|p| p.state.downcast_mut::<MysqlServer>())
        {
            s.stopping = Some(now);
        }
        if self.version.starts_with("5.") {
            let replica = cx
                .world
                .procs
                .get(&key)
                .and_then(|p| p.state.downcast_ref::<MysqlServer>())
                .is_some_and(|s| s.slave.is_some());
            let mut lines = vec![(
                now,
                Stream::Stderr,
                v57::line(now, "Note", "mysqld: Normal shutdown"),
            )];
            v57::shutdown_lines(&mut lines, now, now + SimDuration::from_ms(1200), replica);
            flush(cx, &lines);
            return Some(Exit::with_code(SimDuration::from_ms(1250), 0));
        }
        let t = now + SimDuration::from_ms(1200);
        cx.log_at(SimDuration::ZERO, Stream::Stderr, &format!("{} 0 [System] [MY-013172] [Server] Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: {}).", server_stamp(now), self.version));
        cx.log_at(SimDuration::from_ms(1200), Stream::Stderr, &format!("{} 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld {})  MySQL Community Server - GPL.", server_stamp(t), self.version));
        Some(Exit::with_code(SimDuration::from_ms(1250), 0))
    }
}

fn flush(cx: &mut AppCx<'_>, lines: &[(SimTime, Stream, String)]) {
    let key = cx.key();
    for (t, s, l) in lines {
        cx.world.log(&key, *t, *s, l);
    }
}

/// Registers the mysql model.
pub fn register(reg: &mut AppRegistry) {
    reg.register("mysql", |info| {
        let image = info.container.image.as_deref().unwrap_or("mysql");
        let r = crate::kubelet::image::ImageRef::parse(image);
        let c = info.container;
        let runs = runs_mysqld(
            c.command.as_deref().unwrap_or_default(),
            c.args.as_deref().unwrap_or_default(),
        );
        super::server_or_shell(runs, || {
            Box::new(MysqlModel {
                version: version_of_tag(r.tag()),
                runs_server: true,
            })
        })
    });
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    match name {
        "mysql" => Some(mysql),
        "mysqladmin" => Some(mysqladmin),
        _ => None,
    }
}

fn layer(fs: &mut Fs, now: SimTime) {
    super::base_layer(fs, now);
    for d in [
        "/var/lib/mysql",
        "/var/run/mysqld",
        "/docker-entrypoint-initdb.d",
    ] {
        let _ = fs.mkdir_p(d, 0o755, now);
    }
}

/// The profile of `mysql:<tag>`.
pub fn profile(short: &str, tag: &str) -> Option<ImageProfile> {
    if short != "mysql" {
        return None;
    }
    let v = version_of_tag(tag);
    let mut programs: Vec<String> = GNU_BASE.iter().map(|s| (*s).to_string()).collect();
    programs.extend(
        [
            "mysql",
            "mysqladmin",
            "mysqld",
            "mysqldump",
            "docker-entrypoint.sh",
            "gosu",
        ]
        .iter()
        .map(|s| (*s).to_string()),
    );
    Some(ImageProfile {
        programs,
        env: vec![
            ("PATH".into(), super::DEBIAN_PATH.into()),
            ("GOSU_VERSION".into(), "1.17".into()),
            ("MYSQL_MAJOR".into(), v[..3].to_string()),
            ("MYSQL_VERSION".into(), format!("{v}-1.el9")),
        ],
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer,
    })
}

/// MySQL's boxed table (a terminal or `-t`).
pub fn boxed(rs: &ResultSet) -> String {
    let cell = |c: &Option<String>| c.clone().unwrap_or_else(|| "NULL".into());
    let mut w: Vec<usize> = rs.cols.iter().map(|(n, _)| n.chars().count()).collect();
    for r in &rs.rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(cell(c).chars().count());
        }
    }
    let rule: String = format!(
        "+{}+\n",
        w.iter()
            .map(|x| "-".repeat(x + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let mut o = rule.clone();
    let head: Vec<String> = rs
        .cols
        .iter()
        .zip(&w)
        .map(|((n, _), x)| format!(" {n:<x$} "))
        .collect();
    o.push_str(&format!("|{}|\n", head.join("|")));
    o.push_str(&rule);
    for r in &rs.rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&rs.cols)
            .zip(&w)
            .map(|((c, (_, ty)), x)| {
                let s = cell(c);
                if ty.is_numeric() {
                    format!(" {s:>x$} ")
                } else {
                    format!(" {s:<x$} ")
                }
            })
            .collect();
        o.push_str(&format!("|{}|\n", cells.join("|")));
    }
    o.push_str(&rule);
    o
}

fn tabbed(rs: &ResultSet, names: bool) -> String {
    let mut o = String::new();
    if names {
        let h: Vec<&str> = rs.cols.iter().map(|(n, _)| n.as_str()).collect();
        o.push_str(&h.join("\t"));
        o.push('\n');
    }
    for r in &rs.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                c.as_deref()
                    .map(|s| {
                        s.replace('\\', "\\\\")
                            .replace('\n', "\\n")
                            .replace('\t', "\\t")
                    })
                    .unwrap_or_else(|| "NULL".into())
            })
            .collect();
        o.push_str(&cells.join("\t"));
        o.push('\n');
    }
    o
}

/// How a client reached mysqld, or the error text and exit code.
fn mysql_connect(
    cx: &mut ExecCx<'_>,
    prog: &str,
    host: Option<&str>,
    user: &str,
    password: Option<&str>,
) -> Result<ContainerKey, (String, i32)> {
    let now = cx.now();
    let socket = host.is_none_or(|h| h == "localhost");
    let key = if socket {
        let own = cx.key.clone();
        let ok = cx
            .world
            .procs
            .get(&own)
            .and_then(|p| p.state.downcast_ref::<MysqlServer>())
            .is_some_and(|s| now >= s.socket_from && s.stopping.is_none());
        if !ok {
            return Err((
                format!(
                    "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '{SOCK}' (2)"
                ),
                1,
            ));
        }
        own
    } else {
        let h = host.unwrap_or("");
        match cx.connect(h, 3306) {
            Ok(k) => k,
            Err(ConnectError::UnknownHost(_)) => {
                return Err((
                    format!("ERROR 2005 (HY000): Unknown MySQL server host '{h}' (-2)"),
                    1,
                ));
            }
            Err(ConnectError::Refused { .. }) => {
                return Err((
                    format!(
                        "ERROR 2003 (HY000): Can't connect to MySQL server on '{h}:3306' (111)"
                    ),
                    1,
                ));
            }
            Err(ConnectError::Timeout { .. }) => {
                cx.spend(SimDuration::from_secs(10));
                return Err((
                    format!(
                        "ERROR 2003 (HY000): Can't connect to MySQL server on '{h}:3306' (110)"
                    ),
                    1,
                ));
            }
        }
    };
    let _ = prog;
    let role = cx
        .world
        .procs
        .get(&key)
        .and_then(|p| p.state.downcast_ref::<MysqlServer>())
        .and_then(|s| s.engine.cluster.roles.get(user).cloned());
    let shown_host = if socket {
        "localhost".to_string()
    } else {
        cx.setup().pod_ip.clone()
    };
    let ok = role.is_some_and(|r| r.password.as_deref().unwrap_or("") == password.unwrap_or(""));
    if !ok {
        return Err((
            format!(
                "ERROR 1045 (28000): Access denied for user '{user}'@'{shown_host}' (using password: {})",
                if password.is_some_and(|p| !p.is_empty()) {
                    "YES"
                } else {
                    "NO"
                }
            ),
            1,
        ));
    }
    Ok(key)
}

/// The `mysql` client.
pub fn mysql(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut user = "root".to_string();
    let mut password: Option<String> = None;
    let mut host: Option<String> = None;
    let mut exec: Option<String> = None;
    let mut db: Option<String> = None;
    let mut names = true;
    let mut table = cx.tty;
    let mut prompt_pw = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].clone();
        i += 1;
        let next = |i: &mut usize| {
            let v = argv.get(*i).cloned().unwrap_or_default();
            *i += 1;
            v
        };
        match a.as_str() {
            "-u" | "--user" => user = next(&mut i),
            "-h" | "--host" => host = Some(next(&mut i)),
            "-e" | "--execute" => exec = Some(next(&mut i)),
            "-D" | "--database" => db = Some(next(&mut i)),
            "-P" | "--port" => {
                next(&mut i);
            }
            "-p" | "--password" => prompt_pw = true,
            "-N" | "--skip-column-names" => names = false,
            "-t" | "--table" => table = true,
            "-B" | "--batch" | "-s" | "--silent" => table = false,
            _ if a.starts_with("--password=") => password = Some(a[11..].to_string()),
            _ if a.starts_with("--user=") => user = a[7..].to_string(),
            _ if a.starts_with("--host=") => host = Some(a[7..].to_string()),
            _ if a.starts_with("--execute=") => exec = Some(a[10..].to_string()),
            _ if a.starts_with("--database=") => db = Some(a[11..].to_string()),
            _ if a.starts_with("-p") => password = Some(a[2..].to_string()),
            _ if a.starts_with("-u") => user = a[2..].to_string(),
            _ if a.starts_with("-h") => host = Some(a[2..].to_string()),
            _ if a.starts_with("-e") => exec = Some(a[2..].to_string()),
            _ if a.starts_with("-D") => db = Some(a[2..].to_string()),
            _ if a.starts_with('-') => {
                return ExecResult::fail(
                    format!("mysql: [ERROR] mysql: unknown option '{a}'.\n"),
                    7,
                );
            }
            _ => db = Some(a),
        }
    }
    let mut err = String::new();
    let mut out = String::new();
    if password.is_some() {
        // Printed at start-up, before any result.
        cx.early_stderr.push_str(
            "mysql: [Warning] Using a password on the command line interface can be insecure.\n",
        );
    }
    let mut stdin = cx.stdin.clone();
    if prompt_pw {
        out.push_str("Enter password: ");
        if cx.tty {
            let line = stdin
                .as_deref()
                .and_then(|s| s.lines().next())
                .map(str::to_string);
            stdin = stdin.map(|s| {
                s.split_once('\n')
                    .map(|x| x.1.to_string())
                    .unwrap_or_default()
            });
            password = line;
            out.push('\n');
        } else {
            password = Some(String::new());
        }
    }
    let key = match mysql_connect(cx, "mysql", host.as_deref(), &user, password.as_deref()) {
        Ok(k) => k,
        Err((e, code)) => {
            err.push_str(&e);
            err.push('\n');
            return ExecResult {
                stdout: out,
                stderr: err,
                code,
            };
        }
    };
    let now = cx.now();
    let text = match (&exec, &stdin) {
        (Some(e), _) => e.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => String::new(),
    };
    // A replica applies what its primary logged before it answers.
    catch_up(cx, &key);
    let mut sess = Session::new(&user, db.as_deref().unwrap_or(""), "");
    sess.now_ms = crate::apps::postgres::server::unix_ms(now);
    let mut proc = match cx.world.procs.remove(&key) {
        Some(p) => p,
        None => {
            return ExecResult::fail(
                "ERROR 2013 (HY000): Lost connection to MySQL server during query\n",
                1,
            );
        }
    };
    let mut code = 0;
    let mut start_slave = false;
    let mut logs: Vec<(SimTime, Stream, String)> = Vec::new();
    if let Some(srv) = proc.state.downcast_mut::<MysqlServer>() {
        if let Some(d) = &db
            && !srv.engine.cluster.databases.contains_key(d)
        {
            err.push_str(&format!("ERROR 1049 (42000): Unknown database '{d}'\n"));
            code = 1;
        } else {
            let mut changed = false;
            let mut txn: Vec<String> = Vec::new();
            for st in repl::split_mysql(&text) {
                if repl::is_quit(&st.text) {
                    break;
                }
                let (sets, error) = if let Some(a) = repl::admin(&st.text) {
                    // Only SHOW STATUS counts the replicas (a scan of every process).
                    let replicas = if matches!(a, repl::Admin::Status(_)) {
                        replicas_of(cx.world, &key)
                    } else {
                        0
                    };
                    let mut cmd = AdminCx {
                        now,
                        replicas,
                        logs: &mut logs,
                        start_slave: &mut start_slave,
                    };
                    match run_admin(srv, &mut cmd, a, &st.text) {
                        Ok(rs) => (rs.into_iter().collect::<Vec<_>>(), None),
                        Err(e) => (Vec::new(), Some(*e)),
                    }
                } else if srv.super_read_only && repl::is_write(&st.text) {
                    (
                        Vec::new(),
                        Some(repl::my_error(
                            1290,
                            "HY000",
                            "The MySQL server is running with the --super-read-only option so it cannot execute this statement",
                        )),
                    )
                } else {
                    let reply = srv.engine.query(&mut sess, &st.text);
                    let committed = !reply.committed.is_empty();
                    changed |= committed;
                    if let Some(log) = srv.binlog.as_mut()
                        && reply.error.is_none()
                    {
                        let upper = st.text.trim_start().to_ascii_uppercase();
                        if upper.starts_with("ROLLBACK") {
                            txn.clear();
                        } else if repl::is_write(&st.text) {
                            txn.push(st.text.clone());
                        }
                        if committed || (sess.txn.is_none() && !repl::is_txn_control(&st.text)) {
                            let view = cx.world.view(&key, now);
                            log.append(view, DATADIR, &sess.db, std::mem::take(&mut txn));
                        }
                    }
                    let sets = reply.results.into_iter().filter_map(|r| r.rows).collect();
                    (sets, reply.error)
                };
                for rs in &sets {
                    if !rs.rows.is_empty() {
                        out.push_str(&if st.vertical {
                            repl::vertical(rs)
                        } else if table {
                            boxed(rs)
                        } else {
                            tabbed(rs, names)
                        });
                    }
                }
                if let Some(e) = error {
                    err.push_str(&mysql_error(&e, st.line, exec.is_some() || stdin.is_some()));
                    code = 1;
                    break;
                }
            }
            if changed {
                srv.save(cx.world, &key, now);
            }
            srv.save_master_info(cx.world, &key, now);
        }
    }
    cx.world.procs.insert(key.clone(), proc);
    for (t, st, l) in &logs {
        cx.world.log(&key, *t, *st, l);
    }
    if start_slave {
        catch_up(cx, &key);
    }
    ExecResult {
        stdout: out,
        stderr: err,
        code,
    }
}

/// What an admin statement may touch besides the server.
struct AdminCx<'a> {
    now: SimTime,
    /// Replicas connected to this server.
    replicas: usize,
    /// Lines for the server's log.
    logs: &'a mut Vec<(SimTime, Stream, String)>,
    /// Set by `START SLAVE`: connect once the statement is done.
    start_slave: &'a mut bool,
}

/// Runs a replication or status statement.
fn run_admin(
    srv: &mut MysqlServer,
    cx: &mut AdminCx<'_>,
    a: repl::Admin,
    sql: &str,
) -> Result<Option<ResultSet>, Box<SqlError>> {
    use repl::{Admin, my_error, text_rows};
    let now = cx.now;
    let note = |lv: &str, s: &str| (now, Stream::Stderr, v57::line(now, lv, s));
    match a {
        Admin::ChangeMaster => {
            if srv.slave.as_ref().is_some_and(|s| s.info.running) {
                return Err(Box::new(my_error(
                    3021,
                    "HY000",
                    "This operation cannot be performed with a running slave io thread; run STOP SLAVE IO_THREAD FOR CHANNEL '' first.",
                )));
            }
            let old = srv.slave.clone().map(|s| s.info).unwrap_or_default();
            let mut info = old.clone();
            repl::change_master(sql, &mut info)?;
            cx.logs.push(note("Note", &format!("'CHANGE MASTER TO FOR CHANNEL '' executed'. Previous state master_host='{}', master_port= {}, master_log_file='{}', master_log_pos= {}, master_bind=''. New state master_host='{}', master_port= {}, master_log_file='{}', master_log_pos= {}, master_bind=''.", old.host, if old.port == 0 { 3306 } else { old.port }, old.log_file, if old.log_pos == 0 { 4 } else { old.log_pos }, info.host, info.port, info.log_file, info.log_pos)));
            srv.slave = Some(Slave {
                info,
                ..Slave::default()
            });
            Ok(None)
        }
        Admin::StartSlave => {
            let host = srv.hostname.clone();
            let Some(s) = srv.slave.as_mut() else {
                return Err(Box::new(my_error(
                    1200,
                    "HY000",
                    "The server is not configured as slave; fix in config file or with CHANGE MASTER TO",
                )));
            };
            if s.info.running {
                return Ok(None);
            }
            s.info.running = true;
            s.sql_error = None;
            if s.info.relay_pos == 0 {
                s.info.relay_pos = 320;
            }
            cx.logs.push(note("Warning", "Storing MySQL user name or password information in the master info repository is not secure and is therefore not recommended. Please consider using the USER and PASSWORD connection options for START SLAVE; see the 'START SLAVE Syntax' in the MySQL Manual for more information."));
            cx.logs.push(note("Note", &format!("Slave SQL thread for channel '' initialized, starting replication in log '{}' at position {}, relay log './{host}-relay-bin.000001' position: 4", s.info.log_file, s.info.log_pos)));
            *cx.start_slave = true;
            Ok(None)
        }
        Admin::StopSlave => {
            if let Some(s) = srv.slave.as_mut()
                && s.info.running
            {
                s.info.running = false;
                s.connected = false;
                cx.logs.push(note(
                    "Note",
                    "Error reading relay log event for channel '': slave SQL thread was killed",
                ));
                cx.logs.push(note(
                    "Note",
                    "Slave I/O thread killed while reading event for channel ''",
                ));
                cx.logs.push(note(
                    "Note",
                    &format!(
                        "Slave I/O thread exiting for channel '', read up to log '{}', position {}",
                        s.info.log_file, s.info.log_pos
                    ),
                ));
            }
            srv.master_key = None;
            Ok(None)
        }
        Admin::ResetSlave => {
            if srv.slave.as_ref().is_some_and(|s| s.info.running) {
                return Err(Box::new(my_error(
                    3021,
                    "HY000",
                    "This operation cannot be performed with a running slave io thread; run STOP SLAVE IO_THREAD FOR CHANNEL '' first.",
                )));
            }
            srv.slave = None;
            Ok(None)
        }
        Admin::SlaveStatus => Ok(srv.slave.as_ref().map(|s| {
            repl::slave_status(
                s,
                &srv.hostname,
                "Slave has read all relay log; waiting for more updates",
            )
        })),
        Admin::MasterStatus => Ok(srv.binlog.as_ref().map(|b| {
            text_rows(
                &[
                    "File",
                    "Position",
                    "Binlog_Do_DB",
                    "Binlog_Ignore_DB",
                    "Executed_Gtid_Set",
                ],
                vec![vec![
                    Some(b.current().to_string()),
                    Some(b.pos.to_string()),
                    Some(String::new()),
                    Some(String::new()),
                    Some(String::new()),
                ]],
            )
        })),
        Admin::Status(pattern) => {
            let threads = (cx.replicas + 1).to_string();
            let uptime = now.saturating_since(srv.ready).as_ms() / 1000;
            let vars: [(&str, String); 6] = [
                ("Threads_cached", "0".into()),
                ("Threads_connected", threads.clone()),
                ("Threads_created", threads),
                ("Threads_running", "1".into()),
                ("Uptime", uptime.to_string()),
                ("Uptime_since_flush_status", uptime.to_string()),
            ];
            let rows = vars
                .iter()
                .filter(|(n, _)| {
                    pattern
                        .as_deref()
                        .is_none_or(|p| like(&p.to_ascii_lowercase(), &n.to_ascii_lowercase()))
                })
                .map(|(n, v)| vec![Some((*n).to_string()), Some(v.clone())])
                .collect();
            Ok(Some(text_rows(&["Variable_name", "Value"], rows)))
        }
    }
}

/// SQL `LIKE` (`%`, `_`).
fn like(pat: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| m(&p[1..], &s[i..])),
            Some('_') => !s.is_empty() && m(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && m(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    m(&p, &s)
}

/// The replicas whose I/O thread is connected to the server in `key`.
fn replicas_of(world: &crate::store::World, key: &ContainerKey) -> usize {
    world
        .procs
        .values()
        .filter_map(|p| p.state.downcast_ref::<MysqlServer>())
        .filter(|s| {
            s.master_key.as_ref() == Some(key)
                && s.stopping.is_none()
                && s.slave
                    .as_ref()
                    .is_some_and(|x| x.connected && x.info.running)
        })
        .count()
}

/// A replica's I/O and SQL threads, run up to now: connect to the primary named in
/// `master.info`, copy what it logged after the replica's position, apply it. A primary
/// that cannot be reached leaves the I/O thread `Connecting` with MySQL's error.
pub fn catch_up(cx: &mut ExecCx<'_>, key: &ContainerKey) {
    let now = cx.now();
    let Some(info) = cx
        .world
        .procs
        .get(key)
        .and_then(|p| p.state.downcast_ref::<MysqlServer>())
        .and_then(|s| s.slave.as_ref())
        .filter(|s| s.info.running)
        .map(|s| s.info.clone())
    else {
        return;
    };
    let ns = cx
        .world
        .setup(key)
        .map(|s| s.namespace.clone())
        .unwrap_or_default();
    let who = format!("{}@{}:{}", info.user, info.host, info.port);
    let ip = if info.host.parse::<std::net::Ipv4Addr>().is_ok() {
        Some(info.host.clone())
    } else {
        let answer = cx
            .dns
            .resolve(cx.api, now, &ns, &info.host, crate::dns::QType::A);
        answer.ipv4().first().map(|ip| ip.to_string())
    };
    let tries = cx
        .world
        .procs
        .get(key)
        .and_then(|p| p.state.downcast_ref::<MysqlServer>())
        .and_then(|s| s.slave.as_ref())
        .map_or(1, |s| s.retries + 1);
    let refused = |errno: u32| {
        (
            errno,
            format!(
                "error connecting to master '{who}' - retry-time: {}  retries: {tries}",
                info.connect_retry
            ),
        )
    };
    type Pulled = (ContainerKey, u64, String, Vec<repl::Event>, String, u64);
    let pulled: Result<Pulled, (u32, String)> = match ip {
        None => Err(refused(2005)),
        Some(ip) => match cx.world.listener(&ip, info.port, now) {
            None => Err(refused(2003)),
            Some(mk) => {
                let m = cx
                    .world
                    .procs
                    .get(&mk)
                    .and_then(|p| p.state.downcast_ref::<MysqlServer>());
                match m {
                    Some(m) if m.stopping.is_none() => {
                        let ok =
                            m.engine.cluster.roles.get(&info.user).is_some_and(|r| {
                                r.password.as_deref().unwrap_or("") == info.password
                            });
                        match (&m.binlog, ok) {
                            (_, false) => Err(refused(1045)),
                            (None, true) => Err((1236, "Got fatal error 1236 from master when reading data from binary log: 'Binary log is not open'".to_string())),
                            (Some(b), true) => Ok((
                                mk.clone(),
                                m.server_id,
                                m.uuid.clone(),
                                b.after(&info.log_file, info.log_pos).cloned().collect(),
                                b.current().to_string(),
                                b.pos,
                            )),
                        }
                    }
                    _ => Err(refused(2003)),
                }
            }
        },
    };
    let mut logs: Vec<String> = Vec::new();
    let mut changed = false;
    {
        let Some(srv) = cx
            .world
            .procs
            .get_mut(key)
            .and_then(|p| p.state.downcast_mut::<MysqlServer>())
        else {
            return;
        };
        let Some(sl) = srv.slave.as_mut() else {
            return;
        };
        match pulled {
            Err((n, text)) => {
                if sl.connected || sl.io_error.is_none() {
                    logs.push(v57::line(
                        now,
                        "ERROR",
                        &format!("Slave I/O for channel '': {text}, Error_code: {n}"),
                    ));
                }
                sl.connected = false;
                sl.retries += 1;
                sl.io_error = Some((n, text, now));
                srv.master_key = None;
            }
            Ok((mk, id, uuid, events, file, pos)) => {
                if !sl.connected && sl.io_error.is_some() {
                    logs.push(v57::line(now, "Note", &format!("Slave: connected to master '{who}',replication resumed in log '{}' at position {}", sl.info.log_file, sl.info.log_pos)));
                } else if !sl.connected {
                    logs.push(v57::line(now, "Note", &format!("Slave I/O thread for channel '': connected to master '{who}',replication started in log '{}' at position {}", sl.info.log_file, sl.info.log_pos)));
                }
                sl.retries = 0;
                sl.connected = true;
                sl.io_error = None;
                sl.master_id = id;
                sl.master_uuid = uuid;
                srv.master_key = Some(mk);
                if sl.sql_error.is_none() {
                    'events: for ev in &events {
                        let mut s = Session::new("root", &ev.db, "");
                        s.now_ms = crate::apps::postgres::server::unix_ms(now);
                        for q in &ev.sql {
                            let r = srv.engine.query(&mut s, q);
                            if let Some(e) = r.error {
                                let code = e.mysql.map(|m| m.0).unwrap_or(1064);
                                let text = format!(
                                    "Error '{}' on query. Default database: '{}'. Query: '{}'",
                                    e.message, ev.db, q
                                );
                                logs.push(v57::line(
                                    now,
                                    "ERROR",
                                    &format!(
                                        "Slave SQL for channel '': {text}, Error_code: {code}"
                                    ),
                                ));
                                sl.sql_error = Some((code, text));
                                break 'events;
                            }
                        }
                        changed = true;
                        sl.info.relay_pos += ev.end - ev.pos;
                        sl.info.log_file = ev.file.clone();
                        sl.info.log_pos = ev.end;
                    }
                    if sl.sql_error.is_none() {
                        sl.info.log_file = file;
                        sl.info.log_pos = pos;
                    }
                }
            }
        }
    }
    for l in &logs {
        cx.world.log(key, now, Stream::Stderr, l);
    }
    let Some(proc) = cx.world.procs.remove(key) else {
        return;
    };
    if let Some(srv) = proc.state.downcast_ref::<MysqlServer>() {
        if changed {
            srv.save(cx.world, key, now);
        }
        srv.save_master_info(cx.world, key, now);
    }
    cx.world.procs.insert(key.clone(), proc);
}

/// `ERROR 1146 (42S02) at line 1: Table 'shop.nosuch' doesn't exist`.
pub fn mysql_error(e: &SqlError, line: usize, batch: bool) -> String {
    let (code, state) = e.mysql.unwrap_or((1064, "42000"));
    let at = if batch {
        format!(" at line {line}")
    } else {
        String::new()
    };
    format!("ERROR {code} ({state}){at}: {}\n", e.message)
}

/// `mysqladmin ping` (and `status`/`version` minimal answers).
pub fn mysqladmin(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut user = "root".to_string();
    let mut password = None;
    let mut host = None;
    let mut cmd = String::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].clone();
        i += 1;
        match a.as_str() {
            "-u" | "--user" => {
                user = argv.get(i).cloned().unwrap_or_default();
                i += 1;
            }
            "-h" | "--host" => {
                host = argv.get(i).cloned();
                i += 1;
            }
            _ if a.starts_with("-p") => password = Some(a[2..].to_string()),
            _ if a.starts_with("--password=") => password = Some(a[11..].to_string()),
            _ if a.starts_with("-u") => user = a[2..].to_string(),
            _ if a.starts_with("-h") => host = Some(a[2..].to_string()),
            _ if !a.starts_with('-') => cmd = a,
            _ => {}
        }
    }
    let mut err = String::new();
    if password.as_deref().is_some_and(|p| !p.is_empty()) {
        cx.early_stderr.push_str("mysqladmin: [Warning] Using a password on the command line interface can be insecure.\n");
    }
    let shown = host.clone().unwrap_or_else(|| "localhost".into());
    match mysql_connect(
        cx,
        "mysqladmin",
        host.as_deref(),
        &user,
        password.as_deref(),
    ) {
        Ok(_) => ExecResult {
            stdout: if cmd == "ping" {
                "mysqld is alive\n".into()
            } else {
                String::new()
            },
            stderr: err,
            code: 0,
        },
        Err((e, _)) => {
            let msg = e.split_once(": ").map(|x| x.1).unwrap_or(&e).to_string();
            err.push_str(&format!(
                "mysqladmin: connect to server at '{shown}' failed\nerror: '{msg}'\n"
            ));
            if e.contains("1045") {
                return ExecResult {
                    stdout: String::new(),
                    stderr: err,
                    code: 0,
                };
            }
            if e.contains("2002") {
                err.push_str(&format!(
                    "Check that mysqld is running and that the socket: '{SOCK}' exists!\n"
                ));
            }
            ExecResult {
                stdout: String::new(),
                stderr: err,
                code: 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::sql::Ty;

    fn users() -> ResultSet {
        ResultSet {
            cols: vec![
                ("id".into(), Ty::Int4),
                ("name".into(), Ty::Text),
                ("email".into(), Ty::Text),
            ],
            rows: vec![
                vec![
                    Some("1".into()),
                    Some("Alice".into()),
                    Some("alice@example.com".into()),
                ],
                vec![Some("2".into()), Some("Bob".into()), None],
            ],
        }
    }

    #[test]
    fn boxed_and_tabbed_tables_match_the_captures() {
        assert_eq!(
            boxed(&users()),
            "+----+-------+-------------------+\n| id | name  | email             |\n+----+-------+-------------------+\n|  1 | Alice | alice@example.com |\n|  2 | Bob   | NULL              |\n+----+-------+-------------------+\n"
        );
        assert_eq!(
            tabbed(&users(), true),
            "id\tname\temail\n1\tAlice\talice@example.com\n2\tBob\tNULL\n"
        );
    }

    #[test]
    fn engine_speaks_mysql() {
        let mut cluster = Cluster::default();
        cluster.databases.insert("shop".into(), Database::default());
        let mut e = Engine::new(cluster, Dialect::Mysql);
        let mut s = Session::new("root", "shop", "");
        let r = e.query(&mut s, "SELECT * FROM nosuch");
        assert_eq!(
            mysql_error(r.error.as_ref().unwrap(), 1, true),
            "ERROR 1146 (42S02) at line 1: Table 'shop.nosuch' doesn't exist\n"
        );
        let mut s2 = Session::new("root", "", "");
        let r = e.query(&mut s2, "SELECT * FROM users");
        assert_eq!(
            mysql_error(r.error.as_ref().unwrap(), 1, true),
            "ERROR 1046 (3D000) at line 1: No database selected\n"
        );
        e.query(&mut s, "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), email VARCHAR(100))");
        e.query(
            &mut s,
            "INSERT INTO users (name, email) VALUES ('Alice', 'alice@example.com'), ('Bob', NULL)",
        );
        let r = e.query(&mut s, "SELECT COUNT(*) FROM users");
        let rs = r.results[0].rows.clone().unwrap();
        assert_eq!(
            boxed(&rs),
            "+----------+\n| COUNT(*) |\n+----------+\n|        2 |\n+----------+\n"
        );
        assert_eq!(tabbed(&rs, true), "COUNT(*)\n2\n");
        let r = e.query(&mut s, "SELECT * FROM users");
        assert_eq!(
            tabbed(r.results[0].rows.as_ref().unwrap(), true),
            "id\tname\temail\n1\tAlice\talice@example.com\n2\tBob\tNULL\n"
        );
        let r = e.query(&mut s, "SHOW DATABASES");
        assert_eq!(r.results[0].rows.as_ref().unwrap().cols[0].0, "Database");
        let r = e.query(&mut s, "SELEC 1");
        assert_eq!(
            mysql_error(r.error.as_ref().unwrap(), 1, true),
            "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'SELEC 1' at line 1\n"
        );
    }

    fn boot(env: &[(&str, &str)]) -> (crate::exec::testing::Bench, ContainerKey, Startup) {
        use k8s_openapi::api::core::v1::Container;
        let mut bench = crate::exec::testing::Bench::new();
        let vol = crate::store::VolumeId::HostPath {
            node: "kind-worker".into(),
            path: "/data/mysql".into(),
        };
        let key = bench.container("mysql-0", "mysql:8.4", env, &[("/var/lib/mysql", vol)]);
        let c = Container {
            name: "mysql-0".into(),
            image: Some("mysql:8.4".into()),
            ..Default::default()
        };
        let s = start(&mut bench, &c, false);
        (bench, key, s)
    }

    /// Starts the model the registry picks for container `c` of pod `mysql-0` (uid
    /// `uid-mysql-0`), whose setup the bench already holds.
    fn start(
        bench: &mut crate::exec::testing::Bench,
        c: &k8s_openapi::api::core::v1::Container,
        is_init: bool,
    ) -> Startup {
        let mut pod = k8s_openapi::api::core::v1::Pod::default();
        pod.metadata.uid = Some("uid-mysql-0".into());
        let info = crate::kubelet::ContainerInfo {
            pod: &pod,
            container: c,
            is_init,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        };
        let mut m = crate::apps::registry().model_for(&info);
        let mut cx = AppCx {
            info,
            since_start: SimDuration::ZERO,
            rng: &mut bench.rng,
            now: bench.now,
            world: &mut bench.world,
            api: &bench.api,
            dns: &mut bench.dns,
        };
        m.start(&mut cx)
    }

    #[test]
    fn a_command_other_than_the_server_runs_as_a_shell() {
        // An init container of the mysql image told to run a script (the replicated-MySQL
        // tutorial's init-mysql) runs it and exits with its status; it used to run forever.
        use crate::exec::testing::Bench;
        use k8s_openapi::api::core::v1::Container;
        let mut bench = Bench::new();
        let script = "echo [mysqld] > /tmp/server-id.cnf; echo configured; exit 3";
        let key = ContainerKey::new("uid-mysql-0", "init-mysql");
        let setup = crate::store::ContainerSetup {
            namespace: "default".into(),
            pod: "mysql-0".into(),
            hostname: "mysql-0".into(),
            image: "mysql:8.0".into(),
            command: vec!["bash".into(), "-c".into(), script.into()],
            ..crate::store::ContainerSetup::default()
        };
        let mut layer = Fs::new(crate::store::NODE_DISK_BYTES, bench.now);
        (crate::apps::profile("mysql:8.0").layer)(&mut layer, bench.now);
        bench.world.start_container(&key, setup, layer);
        let c = Container {
            name: "init-mysql".into(),
            image: Some("mysql:8.0".into()),
            command: Some(vec!["bash".into(), "-c".into(), script.into()]),
            ..Default::default()
        };
        let s = start(&mut bench, &c, true);
        assert_eq!(s.exit.map(|e| e.code), Some(3));
        let logs: Vec<String> = bench
            .world
            .logs(&key)
            .unwrap()
            .current
            .iter()
            .map(|l| l.text.clone())
            .collect();
        assert_eq!(logs, ["configured"]);
    }

    #[test]
    fn the_password_warning_comes_before_the_results() {
        // mysql prints its warning at start-up: in a merged stream (a container's log, 2>&1)
        // it precedes the rows. It used to come after them.
        let (mut bench, key, s) = boot(&[("MYSQL_ROOT_PASSWORD", "rootpass")]);
        bench.now += s.ready_after.unwrap();
        let r = bench.exec_ok(
            &key,
            &["bash", "-c", "mysql -uroot -prootpass -e 'SELECT 1' 2>&1"],
        );
        assert_eq!(
            r.stdout,
            "mysql: [Warning] Using a password on the command line interface can be insecure.\n1\n1\n"
        );
    }

    #[test]
    fn entrypoint_refuses_without_a_password_option() {
        let (bench, key, s) = boot(&[]);
        assert_eq!(s.exit.map(|e| e.code), Some(1));
        let logs: Vec<String> = bench
            .world
            .logs(&key)
            .unwrap()
            .current
            .iter()
            .map(|l| l.text.clone())
            .collect();
        assert!(logs.iter().any(|l| l.ends_with(
            "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified"
        )));
        assert!(logs.contains(&"    - MYSQL_RANDOM_ROOT_PASSWORD".to_string()));
    }

    #[test]
    fn first_start_then_client_session() {
        let (mut bench, key, s) = boot(&[
            ("MYSQL_ROOT_PASSWORD", "rootpass"),
            ("MYSQL_DATABASE", "shop"),
        ]);
        let ready = s.ready_after.unwrap();
        assert!((15_000..=30_000).contains(&ready.as_ms()));
        let r = bench
            .exec(
                &key,
                &["mysql", "-uroot", "-prootpass", "-e", "SELECT 1"],
                false,
                None,
            )
            .unwrap();
        assert_eq!(
            r.stderr,
            "mysql: [Warning] Using a password on the command line interface can be insecure.\nERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)\n"
        );
        bench.now += ready;
        let r = bench.exec(&key, &["mysql", "-uroot", "-prootpass", "shop", "-e", "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), email VARCHAR(100)); INSERT INTO users (name, email) VALUES ('Alice', 'alice@example.com'), ('Bob', NULL)"], false, None).unwrap();
        assert_eq!((r.stdout.as_str(), r.code), ("", 0));
        let r = bench
            .exec(
                &key,
                &[
                    "mysql",
                    "-uroot",
                    "-prootpass",
                    "shop",
                    "-e",
                    "SELECT * FROM users",
                ],
                true,
                None,
            )
            .unwrap();
        assert_eq!(
            r.stdout,
            "+----+-------+-------------------+\n| id | name  | email             |\n+----+-------+-------------------+\n|  1 | Alice | alice@example.com |\n|  2 | Bob   | NULL              |\n+----+-------+-------------------+\n"
        );
        let r = bench
            .exec(
                &key,
                &[
                    "mysql",
                    "-uroot",
                    "-prootpass",
                    "shop",
                    "-e",
                    "SELECT * FROM nosuch",
                ],
                false,
                None,
            )
            .unwrap();
        assert!(
            r.stderr
                .ends_with("ERROR 1146 (42S02) at line 1: Table 'shop.nosuch' doesn't exist\n")
        );
        assert_eq!(r.code, 1);
        let r = bench
            .exec(
                &key,
                &["mysqladmin", "ping", "-uroot", "-pwrong"],
                false,
                None,
            )
            .unwrap();
        assert_eq!(r.code, 0);
        let r = bench
            .exec(
                &key,
                &["mysqladmin", "-uroot", "-prootpass", "ping"],
                false,
                None,
            )
            .unwrap();
        assert_eq!((r.stdout.as_str(), r.code), ("mysqld is alive\n", 0));
    }

    /// Bad input: random statements never panic the toy server or the client, and every
    /// failure is reported as the mysql client does (`ERROR <code> (<state>) at line N: ...`
    /// under `-e`, exit code 1).
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
            "DATABASE",
            "DROP",
            "SHOW",
            "DATABASES",
            "TABLES",
            "USE",
            "t",
            "id",
            "x",
            "INT",
            "AUTO_INCREMENT",
            "PRIMARY KEY",
            "VARCHAR(3)",
            "(",
            ")",
            ",",
            ";",
            "*",
            "=",
            "'a'",
            "'",
            "\"",
            "`t`",
            "`",
            "1",
            "-1",
            "NULL",
            "AND",
            "LIMIT",
            "ORDER BY",
            "COUNT(*)",
            "--",
            "#",
            "/*",
            "CHANGE MASTER TO",
            "MASTER_HOST='mysql-0.mysql'",
            "MASTER_LOG_POS=154",
            "MASTER_USER=root",
            "START SLAVE",
            "STOP SLAVE",
            "RESET SLAVE",
            "SHOW SLAVE STATUS",
            "SHOW MASTER STATUS",
            "SHOW STATUS LIKE",
            "'Threads%'",
            "\\G",
            "EXIT",
        ];

        fn check(sql: &str) -> Result<(), TestCaseError> {
            let (mut bench, key, s) =
                boot(&[("MYSQL_ROOT_PASSWORD", "pw"), ("MYSQL_DATABASE", "db")]);
            bench.now += s.ready_after.unwrap();
            let r = bench
                .exec(
                    &key,
                    &["mysql", "-uroot", "-ppw", "db", "-e", sql],
                    false,
                    None,
                )
                .unwrap();
            prop_assert!(r.code == 0 || r.code == 1, "exit {} for {sql:?}", r.code);
            let warning = "mysql: [Warning] Using a password on the command line interface can be insecure.\n";
            prop_assert!(r.stderr.starts_with(warning), "{sql:?} -> {:?}", r.stderr);
            let rest = &r.stderr[warning.len()..];
            if r.code == 1 {
                prop_assert!(rest.starts_with("ERROR "), "{sql:?} -> {rest:?}");
            } else {
                prop_assert_eq!(rest, "", "{:?}", sql);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn random_statements_fail_like_mysql(parts in proptest::collection::vec(
                proptest::sample::select(PIECES), 1..10
            )) {
                check(&parts.join(" "))?;
            }

            #[test]
            fn random_characters_fail_like_mysql(sql in "[ -~]{1,40}") {
                check(&sql)?;
            }
        }
    }
}

#[cfg(test)]
mod tests_repl;
