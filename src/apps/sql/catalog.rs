//! System views: relations of PostgreSQL's `pg_catalog` schema whose rows the server computes
//! from its own state each time a query reads them, rather than stores (`pg_stat_activity`).
//!
//! A [`SystemView`] is a name, its columns (PostgreSQL's types, per major version) and a
//! function from a [`ViewCx`] (the catalog, the server's processes, the querying session) to
//! rows. Views are read-only, visible from every database, unqualified or as
//! `pg_catalog.<name>`, and they are not part of [`Cluster`], so `\dt` does not list them and
//! `pg_dump` does not dump them. Another view (`pg_database`, `pg_tables`...) is one more
//! entry in [`VIEWS`].

use super::engine::Session;
use super::{Cluster, SqlError, Ty, Value};

/// A server process other than the client backends, as `pg_stat_activity` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Its PID.
    pub pid: u32,
    /// What it is.
    pub backend_type: BackendType,
    /// When it started (`backend_start`), Unix milliseconds.
    pub start_ms: i64,
}

/// The background processes an idle default server runs (PostgreSQL 13 to 18): the ones
/// `pg_stat_activity` shows next to the client backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackendType {
    /// `autovacuum launcher`.
    AutovacuumLauncher,
    /// `logical replication launcher` (a background worker).
    LogicalReplicationLauncher,
    /// `background writer`.
    BackgroundWriter,
    /// `checkpointer`.
    Checkpointer,
    /// `walwriter`.
    Walwriter,
}

impl BackendType {
    /// The `backend_type` text.
    pub fn name(self) -> &'static str {
        match self {
            BackendType::AutovacuumLauncher => "autovacuum launcher",
            BackendType::LogicalReplicationLauncher => "logical replication launcher",
            BackendType::BackgroundWriter => "background writer",
            BackendType::Checkpointer => "checkpointer",
            BackendType::Walwriter => "walwriter",
        }
    }

    /// The `wait_event` of the idle process (its main loop's wait, type `Activity`).
    fn wait_event(self) -> &'static str {
        match self {
            BackendType::AutovacuumLauncher => "AutoVacuumMain",
            BackendType::LogicalReplicationLauncher => "LogicalLauncherMain",
            BackendType::BackgroundWriter => "BgWriterMain",
            BackendType::Checkpointer => "CheckpointerMain",
            BackendType::Walwriter => "WalWriterMain",
        }
    }

    /// True for auxiliary processes. They have no backend ID: their status slots come after
    /// all the backends' (`pgstat_bestart`), so they are listed after the client backends,
    /// while the two launchers, started before any client, are listed first.
    fn is_auxiliary(self) -> bool {
        matches!(
            self,
            BackendType::BackgroundWriter | BackendType::Checkpointer | BackendType::Walwriter
        )
    }
}

/// The client end of a session, as `pg_stat_activity` shows its backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    /// The backend's PID (`pg_backend_pid()`).
    pub pid: u32,
    /// `application_name` (`psql` sets its own name).
    pub application_name: String,
    /// The client's address and port over TCP; `None` over the Unix socket.
    pub tcp: Option<(String, u16)>,
    /// When the backend started (`backend_start`), Unix milliseconds.
    pub start_ms: i64,
}

/// What a view's rows are computed from.
pub struct ViewCx<'a> {
    /// Roles and databases.
    pub cluster: &'a Cluster,
    /// The server's processes other than client backends.
    pub processes: &'a [Process],
    /// The querying session.
    pub sess: &'a Session,
    /// The query string being run (what `pg_stat_activity.query` shows of it).
    pub query: &'a str,
}

impl ViewCx<'_> {
    /// The server's major version, from the session's `version()` text.
    fn major(&self) -> u32 {
        major_of(&self.sess.version)
    }
}

/// A system view.
pub struct SystemView {
    /// Its name in `pg_catalog`.
    pub name: &'static str,
    /// Its columns on a server of the given major version.
    pub columns: fn(u32) -> Vec<(&'static str, Ty)>,
    /// Its rows, one value per column.
    pub rows: fn(&ViewCx<'_>) -> Vec<Vec<Value>>,
}

/// Every system view.
pub const VIEWS: &[SystemView] = &[SystemView {
    name: "pg_stat_activity",
    columns: pg_stat_activity_columns,
    rows: pg_stat_activity_rows,
}];

/// The system view called `name` (already folded).
pub fn view(name: &str) -> Option<&'static SystemView> {
    VIEWS.iter().find(|v| v.name == name)
}

/// A write a view refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// INSERT.
    Insert,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// TRUNCATE.
    Truncate,
    /// DROP TABLE.
    DropTable,
}

impl SystemView {
    /// The error PostgreSQL gives for `write` on this view: the system views join several
    /// relations or call functions, so they are not automatically updatable
    /// (`view_query_is_auto_updatable`), and they are no tables.
    pub fn refuse(&self, write: Write) -> SqlError {
        let name = self.name;
        let updatable = |verb: &str, phrase: &str, op: &str| {
            SqlError::new(format!("cannot {phrase} view \"{name}\""))
                .detail("Views that do not select from a single table or view are not automatically updatable.")
                .hint(format!("To enable {verb} the view, provide an INSTEAD OF {op} trigger or an unconditional ON {op} DO INSTEAD rule."))
        };
        match write {
            Write::Insert => updatable("inserting into", "insert into", "INSERT"),
            Write::Update => updatable("updating", "update", "UPDATE"),
            Write::Delete => updatable("deleting from", "delete from", "DELETE"),
            Write::Truncate => SqlError::new(format!("\"{name}\" is not a table")),
            Write::DropTable => SqlError::new(format!("\"{name}\" is not a table"))
                .hint("Use DROP VIEW to remove a view."),
        }
    }
}

/// The major version in a `version()` text (`PostgreSQL 13.23 on ...`); the newest when
/// the text has none.
pub fn major_of(version: &str) -> u32 {
    version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(18)
}

/// The OID of database `name`. initdb makes `template1` 1; since 15 `template0` and
/// `postgres` are fixed at 4 and 5, before that they took the next free OIDs, which depend on
/// the release (the values here are 13's). Databases created later get OIDs from 16384 on;
/// here in name order, as the catalog does not keep their creation order.
fn database_oid(c: &Cluster, name: &str, major: u32) -> Option<i64> {
    let (template0, postgres) = if major >= 15 { (4, 5) } else { (13441, 13442) };
    match name {
        "template1" => Some(1),
        "template0" => Some(template0),
        "postgres" => Some(postgres),
        _ => c
            .databases
            .keys()
            .filter(|d| !matches!(d.as_str(), "template0" | "template1" | "postgres"))
            .position(|d| d == name)
            .map(|i| 16384 + i as i64),
    }
}

/// The bootstrap superuser: the role initdb created, which owns `template1`.
fn bootstrap_superuser(c: &Cluster) -> Option<&str> {
    c.databases.get("template1").map(|d| d.owner.as_str())
}

/// The OID of role `name`: 10 for the bootstrap superuser, else from 16384 on in name order.
fn role_oid(c: &Cluster, name: &str) -> Option<i64> {
    let boot = bootstrap_superuser(c);
    if boot == Some(name) {
        return Some(10);
    }
    c.roles
        .keys()
        .filter(|r| Some(r.as_str()) != boot)
        .position(|r| r == name)
        .map(|i| 16384 + i as i64)
}

fn pg_stat_activity_columns(major: u32) -> Vec<(&'static str, Ty)> {
    let mut cols = vec![
        ("datid", Ty::Oid),
        ("datname", Ty::Name),
        ("pid", Ty::Int4),
        ("leader_pid", Ty::Int4),
        ("usesysid", Ty::Oid),
        ("usename", Ty::Name),
        ("application_name", Ty::Text),
        ("client_addr", Ty::Inet),
        ("client_hostname", Ty::Text),
        ("client_port", Ty::Int4),
        ("backend_start", Ty::Timestamptz),
        ("xact_start", Ty::Timestamptz),
        ("query_start", Ty::Timestamptz),
        ("state_change", Ty::Timestamptz),
        ("wait_event_type", Ty::Text),
        ("wait_event", Ty::Text),
        ("state", Ty::Text),
        ("backend_xid", Ty::Xid),
        ("backend_xmin", Ty::Xid),
    ];
    if major >= 14 {
        cols.push(("query_id", Ty::Int8));
    }
    cols.push(("query", Ty::Text));
    cols.push(("backend_type", Ty::Text));
    cols
}

/// One row per server process: the launchers, the client backends (only the querying one:
/// a `kubectl exec` runs one session at a time), then the auxiliary processes, in the order
/// of their status slots.
///
/// Not modelled: transaction IDs (`backend_xid`, `backend_xmin` are NULL; a real active
/// query has an xmin), parallel workers (`leader_pid`), and `query_id` (NULL, as with the
/// default `compute_query_id = auto` and no pg_stat_statements).
fn pg_stat_activity_rows(cx: &ViewCx<'_>) -> Vec<Vec<Value>> {
    let major = cx.major();
    let with_query_id = major >= 14;
    let text = |s: &str| Value::Text(s.to_string());
    let opt_int = |i: Option<i64>| i.map_or(Value::Null, Value::Int);
    let row = |head: [Value; 17], query: Value, backend_type: &str| {
        let mut r: Vec<Value> = head.into_iter().collect();
        r.push(Value::Null);
        r.push(Value::Null);
        if with_query_id {
            r.push(Value::Null);
        }
        r.push(query);
        r.push(text(backend_type));
        r
    };
    let process_row = |p: &Process| {
        let user = match p.backend_type {
            BackendType::LogicalReplicationLauncher => bootstrap_superuser(cx.cluster),
            _ => None,
        };
        row(
            [
                Value::Null,
                Value::Null,
                Value::Int(i64::from(p.pid)),
                Value::Null,
                opt_int(user.and_then(|u| role_oid(cx.cluster, u))),
                user.map_or(Value::Null, text),
                text(""),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Ts(p.start_ms),
                Value::Null,
                Value::Null,
                Value::Null,
                text("Activity"),
                text(p.backend_type.wait_event()),
                Value::Null,
            ],
            text(""),
            p.backend_type.name(),
        )
    };
    let s = cx.sess;
    let conn = &s.conn;
    let (addr, port) = match &conn.tcp {
        Some((a, p)) => (text(a), i64::from(*p)),
        None => (Value::Null, -1),
    };
    let client = row(
        [
            opt_int(database_oid(cx.cluster, &s.db, major)),
            text(&s.db),
            Value::Int(i64::from(conn.pid)),
            Value::Null,
            opt_int(role_oid(cx.cluster, &s.user)),
            text(&s.user),
            text(&conn.application_name),
            addr,
            Value::Null,
            Value::Int(port),
            Value::Ts(conn.start_ms),
            Value::Ts(s.txn.as_ref().map_or(s.now_ms, |t| t.start_ms)),
            Value::Ts(s.now_ms),
            Value::Ts(s.now_ms),
            Value::Null,
            Value::Null,
            text("active"),
        ],
        text(cx.query),
        "client backend",
    );
    let mut procs: Vec<&Process> = cx.processes.iter().collect();
    procs.sort_by_key(|p| p.backend_type);
    let (aux, launchers): (Vec<&Process>, Vec<&Process>) = procs
        .into_iter()
        .partition(|p| p.backend_type.is_auxiliary());
    let mut rows: Vec<Vec<Value>> = launchers.into_iter().map(process_row).collect();
    rows.push(client);
    rows.extend(aux.into_iter().map(process_row));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_versions_come_from_the_version_text() {
        assert_eq!(major_of("PostgreSQL 13.23 on x86_64-pc-linux-musl"), 13);
        assert_eq!(
            major_of("PostgreSQL 15.17 (Debian 15.17-1.pgdg12+1) on x"),
            15
        );
        assert_eq!(major_of(""), 18);
    }

    #[test]
    fn pg_stat_activity_has_query_id_from_14_on() {
        let names = |m| -> Vec<&str> {
            pg_stat_activity_columns(m)
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(names(13).len(), 21);
        assert!(!names(13).contains(&"query_id"));
        assert_eq!(names(15).len(), 22);
        assert_eq!(names(15)[19], "query_id");
    }

    #[test]
    fn oids_follow_initdb() {
        let c = Cluster::initdb("admin", None);
        assert_eq!(database_oid(&c, "postgres", 15), Some(5));
        assert_eq!(database_oid(&c, "template0", 15), Some(4));
        assert_eq!(database_oid(&c, "template1", 13), Some(1));
        assert_eq!(database_oid(&c, "nosuch", 15), None);
        assert_eq!(role_oid(&c, "admin"), Some(10));
    }
}
