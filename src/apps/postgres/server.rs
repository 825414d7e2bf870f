//! The PostgreSQL server process: the image's entrypoint decisions (§1.2–1.5 of the
//! app-model spec), its logs on the virtual clock, its data on PGDATA (a snapshot at each
//! checkpoint plus a WAL of committed changes, appended at commit), shutdown per signal
//! (§1.6), crash recovery, and what clients see in each phase (§1.8).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Probe;
use serde::{Deserialize, Serialize};

use crate::apps::sql::catalog::{BackendType, Connection, Process};
use crate::apps::sql::engine::Session;
use crate::apps::sql::{Change, Cluster, Dialect, Engine, Reply};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::{AppCx, AppModel, Exit, ProbeAnswer, ProbeKind, Signal, Startup};
use crate::store::{ContainerKey, Proc, Stream, View, World};

use super::{PgVersion, version_of};

/// The Unix socket psql uses inside the pod.
pub const SOCKET: &str = "/var/run/postgresql/.s.PGSQL.5432";

/// `wal_writer_delay`: how long an asynchronous commit stays in memory.
pub const WAL_WRITER_DELAY: SimDuration = SimDuration::from_ms(200);

/// What `global/pg_control` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Control {
    /// `shut down` or `in production`.
    pub state: String,
    /// Unix ms of the last checkpoint.
    pub checkpoint_ms: i64,
    /// WAL position of the last checkpoint.
    pub redo_lsn: u64,
    /// Current end of WAL.
    pub lsn: u64,
    /// WAL kB written since the previous checkpoint's estimate.
    pub estimate_kb: u64,
}

/// One WAL record: a committed transaction.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct WalRecord {
    lsn: u64,
    changes: Vec<Change>,
}

/// What a client finds when it tries to connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Avail {
    /// No socket file: no server (or between the temporary and the real server).
    NoSocket,
    /// `FATAL:  the database system is starting up`.
    StartingUp,
    /// `FATAL:  the database system is not yet accepting connections` (recovery).
    Recovery,
    /// Accepting connections.
    Ready,
    /// `FATAL:  the database system is shutting down`.
    ShuttingDown,
}

/// The running server's state (the `Proc` state of a postgres container).
pub struct PgServer {
    /// The image's version.
    pub version: PgVersion,
    /// The data.
    pub engine: Engine,
    /// PGDATA.
    pub pgdata: String,
    /// When the temporary (socket-only) init server accepts, and when it stops.
    pub temp: Option<(SimTime, SimTime)>,
    /// When the real postmaster starts.
    pub start: SimTime,
    /// When recovery begins (connections are refused with the recovery text from then on).
    pub recovery_from: Option<SimTime>,
    /// When it accepts connections.
    pub ready: SimTime,
    /// When a shutdown was requested.
    pub stopping: Option<SimTime>,
    /// The method the appended pg_hba.conf line asks for TCP clients.
    pub host_auth: String,
    /// `synchronous_commit` from the server's settings.
    pub synchronous_commit: bool,
    /// Asynchronous commits not yet on disk: (deadline, changes).
    pub pending: Vec<(SimTime, Vec<Change>)>,
    /// pg_control as last written.
    pub control: Control,
    /// WAL bytes since the last checkpoint.
    pub wal_bytes: u64,
    /// Next backend PID.
    pub next_pid: u32,
    /// The PIDs of the postmaster's background processes.
    pub children: Children,
}

/// The processes a postmaster forks as it starts, in PostgreSQL 15's order and with
/// consecutive PIDs: the checkpointer, the background writer, the startup process (which
/// exits once the server is up), the walwriter, the autovacuum launcher and the logical
/// replication launcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Children {
    /// The checkpointer's PID; the others follow it.
    pub checkpointer: u32,
}

impl Children {
    /// The startup process's PID.
    pub fn startup(self) -> u32 {
        self.checkpointer + 2
    }

    /// The logical replication launcher's PID.
    pub fn launcher(self) -> u32 {
        self.checkpointer + 5
    }

    /// The processes that stay, as `pg_stat_activity` lists them: the checkpointer and the
    /// background writer start with the postmaster at `start`, the others when recovery is
    /// over and the server accepts connections at `ready`.
    pub fn processes(self, start: SimTime, ready: SimTime) -> Vec<Process> {
        let c = self.checkpointer;
        [
            (BackendType::Checkpointer, c, start),
            (BackendType::BackgroundWriter, c + 1, start),
            (BackendType::Walwriter, c + 3, ready),
            (BackendType::AutovacuumLauncher, c + 4, ready),
            (
                BackendType::LogicalReplicationLauncher,
                self.launcher(),
                ready,
            ),
        ]
        .into_iter()
        .map(|(backend_type, pid, at)| Process {
            pid,
            backend_type,
            start_ms: unix_ms(at),
        })
        .collect()
    }
}

/// Unix milliseconds of a virtual instant.
pub fn unix_ms(t: SimTime) -> i64 {
    crate::engine::time::EPOCH_UNIX_SECONDS * 1000 + t.as_ms() as i64
}

/// `2026-11-22 09:45:34.528 UTC`.
pub fn log_stamp(t: SimTime) -> String {
    let ms = unix_ms(t);
    let base = crate::apps::sql::value::format_ts(ms - ms.rem_euclid(1000));
    format!("{base}.{:03} UTC", ms.rem_euclid(1000))
}

/// `2026-11-22 09:45:34 UTC` (seconds).
fn stamp_secs(ms: i64) -> String {
    format!(
        "{} UTC",
        crate::apps::sql::value::format_ts(ms - ms.rem_euclid(1000))
    )
}

fn lsn_text(l: u64) -> String {
    format!("{:X}/{:X}", l >> 32, l & 0xffff_ffff)
}

impl PgServer {
    /// What a client connecting at `now` finds (socket or TCP alike; TCP callers have
    /// already failed to connect before `ready`).
    pub fn avail(&self, now: SimTime) -> Avail {
        if let Some(s) = self.stopping
            && now >= s
        {
            return Avail::ShuttingDown;
        }
        if let Some((a, b)) = self.temp
            && now >= a
            && now < b
        {
            return Avail::Ready;
        }
        if now < self.start {
            return Avail::NoSocket;
        }
        if now >= self.ready {
            return Avail::Ready;
        }
        match self.recovery_from {
            Some(r) if now >= r => Avail::Recovery,
            _ => Avail::StartingUp,
        }
    }

    /// True while only the temporary init server runs (no TCP).
    pub fn temp_only(&self, now: SimTime) -> bool {
        self.temp.is_some_and(|(a, b)| now >= a && now < b)
    }

    /// A new backend's PID.
    pub fn pid(&mut self) -> u32 {
        self.next_pid += 1;
        self.next_pid
    }

    /// A new backend's session for `user` on `db`, for a client on `tcp` (its address and
    /// port; `None` over the socket) that calls itself `application_name`.
    pub fn session(
        &mut self,
        user: &str,
        db: &str,
        now: SimTime,
        application_name: &str,
        tcp: Option<(String, u16)>,
    ) -> Session {
        let mut s = Session::new(user, db, &self.version.version_string());
        s.synchronous_commit = self.synchronous_commit;
        s.now_ms = unix_ms(now);
        s.conn = Connection {
            pid: self.pid(),
            application_name: application_name.to_string(),
            tcp,
            start_ms: unix_ms(now),
        };
        s
    }

    /// Writes asynchronous commits whose `wal_writer_delay` has passed.
    pub fn flush_due(&mut self, view: &mut View<'_>, now: SimTime) {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(d, _)| *d <= now);
        self.pending = later;
        for (_, ch) in due {
            self.append_wal(view, ch);
        }
    }

    fn append_wal(&mut self, view: &mut View<'_>, changes: Vec<Change>) {
        let size: u64 = 64 + 48 * changes.len() as u64;
        let rec = WalRecord {
            lsn: self.control.lsn,
            changes,
        };
        self.control.lsn += size;
        self.wal_bytes += size;
        if let Ok(mut line) = serde_json::to_string(&rec) {
            line.push('\n');
            let _ = view.append(&format!("{}/{WAL_FILE}", self.pgdata), line.as_bytes());
        }
        self.write_control(view);
    }

    /// Records a query's committed changes: on disk now, or after `wal_writer_delay`
    /// with asynchronous commit.
    pub fn commit(&mut self, view: &mut View<'_>, reply: &Reply, now: SimTime) {
        self.flush_due(view, now);
        if reply.committed.is_empty() {
            return;
        }
        if reply.async_commit {
            self.pending
                .push((now + WAL_WRITER_DELAY, reply.committed.clone()));
        } else {
            self.append_wal(view, reply.committed.clone());
        }
    }

    fn write_control(&self, view: &mut View<'_>) {
        if let Ok(s) = serde_json::to_string_pretty(&self.control) {
            let _ = view.write(&format!("{}/global/pg_control", self.pgdata), s.as_bytes());
        }
    }

    /// A checkpoint: the whole cluster to `base/`, an empty WAL, pg_control updated.
    pub fn checkpoint(&mut self, view: &mut View<'_>, now: SimTime, state: &str) {
        self.pending.clear();
        if let Ok(s) = serde_json::to_string(&self.engine.cluster) {
            let _ = view.write(&format!("{}/{SNAPSHOT_FILE}", self.pgdata), s.as_bytes());
        }
        let _ = view.write(&format!("{}/{WAL_FILE}", self.pgdata), b"");
        self.control.lsn += 0x28;
        self.control.redo_lsn = self.control.lsn;
        self.control.checkpoint_ms = unix_ms(now);
        self.control.state = state.to_string();
        let kb = self.wal_bytes / 1024;
        self.control.estimate_kb = self.control.estimate_kb.max(kb);
        self.wal_bytes = 0;
        self.write_control(view);
    }

    /// The server's log line prefix at `at` for process `pid`.
    pub fn prefix(at: SimTime, pid: u32) -> String {
        format!("{} [{pid}] ", log_stamp(at))
    }
}

const WAL_FILE: &str = "pg_wal/000000010000000000000001";
const SNAPSHOT_FILE: &str = "base/cluster.json";

/// Runs `f` on the postgres server of container `key`, with its volume view.
pub fn with_server<R>(
    world: &mut World,
    key: &ContainerKey,
    now: SimTime,
    f: impl FnOnce(&mut PgServer, &mut View<'_>, &mut Vec<(SimTime, String)>) -> R,
) -> Option<R> {
    let mut proc = world.procs.remove(key)?;
    let Some(srv) = proc.state.downcast_mut::<PgServer>() else {
        world.procs.insert(key.clone(), proc);
        return None;
    };
    let mut logs = Vec::new();
    let r = world
        .view(key, now)
        .map(|mut view| f(srv, &mut view, &mut logs));
    world.procs.insert(key.clone(), proc);
    for (at, line) in logs {
        world.log(key, at, Stream::Stderr, &line);
    }
    r
}

/// The model of a postgres container.
pub struct PostgresModel {
    version: PgVersion,
    /// True when the container runs the server.
    runs_server: bool,
}

/// What the container runs: the entrypoint's `"$@"` (the CMD `postgres` by default, options
/// alone go to `postgres`), or the command that replaced the entrypoint.
pub fn container_argv(command: &[String], args: &[String]) -> Vec<String> {
    let mut argv: Vec<String> = command.to_vec();
    let args = if args.is_empty() && command.is_empty() {
        vec!["postgres".to_string()]
    } else {
        args.to_vec()
    };
    if argv.is_empty() || argv[0].ends_with("docker-entrypoint.sh") {
        argv = args;
        if argv.first().is_some_and(|a| a.starts_with('-')) {
            argv.insert(0, "postgres".into());
        }
    } else {
        argv.extend(args);
    }
    argv
}

/// True when the container runs the server; docker-entrypoint.sh ends with `exec "$@"` for
/// anything else.
pub fn runs_postgres(command: &[String], args: &[String]) -> bool {
    container_argv(command, args)
        .first()
        .map(|a| crate::exec::program_name(a))
        == Some("postgres")
}

impl PostgresModel {
    /// A model for an image of major version `major`.
    pub fn new(major: u32) -> PostgresModel {
        PostgresModel::with_version(version_of(major))
    }

    /// A model of a given release (an image tag's, [`super::version_of_tag`]).
    pub fn with_version(version: PgVersion) -> PostgresModel {
        PostgresModel {
            version,
            runs_server: true,
        }
    }
}

fn ms(d: u64) -> SimDuration {
    SimDuration::from_ms(d)
}

/// Log lines, each at an offset from the start.
struct Log {
    lines: Vec<(u64, Stream, String)>,
}

impl Log {
    fn out(&mut self, at: u64, text: &str) {
        self.lines.push((at, Stream::Stdout, text.to_string()));
    }
    fn err(&mut self, at: u64, text: &str) {
        self.lines.push((at, Stream::Stderr, text.to_string()));
    }
}

const REFUSE_PASSWORD: &str =
    "Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".

       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about \"trust\":
       https://www.postgresql.org/docs/current/auth-trust.html";

const TRUST_WARNING: &str =
    "********************************************************************************
WARNING: POSTGRES_HOST_AUTH_METHOD has been set to \"trust\". This will allow
         anyone with access to the Postgres port to access your database without
         a password, even if POSTGRES_PASSWORD is set. See PostgreSQL
         documentation about \"trust\":
         https://www.postgresql.org/docs/current/auth-trust.html
         In Docker's default configuration, this is effectively any other
         container on the same system.

         It is not recommended to use POSTGRES_HOST_AUTH_METHOD=trust. Replace
         it with \"-e POSTGRES_PASSWORD=password\" instead to set a password in
         \"docker run\".
********************************************************************************";

const REFUSE_18_MOUNT: &str =
    "Error: in 18+, these Docker images are configured to store database data in a
       format which is compatible with \"pg_ctlcluster\" (specifically, using
       major-version-specific directory names).  This better reflects how
       PostgreSQL itself works, and how upgrades are to be performed.

       See also https://github.com/docker-library/postgres/pull/1259

       Counter to that, there appears to be PostgreSQL data in:
         /var/lib/postgresql/data (unused mount/volume)

       This is usually the result of upgrading the Docker image without
       upgrading the underlying database using \"pg_upgrade\" (which requires both
       versions).

       The suggested container configuration for 18+ is to place a single mount
       at /var/lib/postgresql which will then place PostgreSQL data in a
       subdirectory, allowing usage of \"pg_upgrade --link\" without mount point
       boundary issues.

       See https://github.com/docker-library/postgres/issues/37 for a (long)
       discussion around this process, and suggestions for how to do so.";

/// initdb's refusal of a non-empty data directory (`initdb.c`, `warn_on_mount_point`): from
/// PostgreSQL 15 the follow-up lines are `initdb: detail:`/`initdb: hint:` messages; before,
/// plain lines (and the "either remove or empty" advice wrapped over three lines).
fn initdb_not_empty(major: u32, pgdata: &str, listing: &[String]) -> String {
    let head = format!("initdb: error: directory \"{pgdata}\" exists but is not empty");
    let lost_found = listing.iter().any(|n| n == "lost+found");
    match (lost_found, major >= 15) {
        (true, true) => format!(
            "{head}\ninitdb: detail: It contains a lost+found directory, perhaps due to it being a mount point.\ninitdb: hint: Using a mount point directly as the data directory is not recommended.\nCreate a subdirectory under the mount point."
        ),
        (true, false) => format!(
            "{head}\nIt contains a lost+found directory, perhaps due to it being a mount point.\nUsing a mount point directly as the data directory is not recommended.\nCreate a subdirectory under the mount point."
        ),
        (false, true) => format!(
            "{head}\ninitdb: hint: If you want to create a new database system, either remove or empty the directory \"{pgdata}\" or run initdb with an argument other than \"{pgdata}\"."
        ),
        (false, false) => format!(
            "{head}\nIf you want to create a new database system, either remove or empty\nthe directory \"{pgdata}\" or run initdb\nwith an argument other than \"{pgdata}\"."
        ),
    }
}

fn initdb_header(v: &PgVersion) -> String {
    format!(
        "The files belonging to this database system will be owned by user \"postgres\".
This user must also own the server process.

The database cluster will be initialized with locale \"en_US.utf8\".
The default database encoding has accordingly been set to \"UTF8\".
The default text search configuration will be set to \"english\".

Data page checksums are {}.
",
        if v.major >= 18 { "enabled" } else { "disabled" }
    )
}

fn checkpoint_complete(
    buffers: u64,
    files: u64,
    distance: u64,
    estimate: u64,
    total: &str,
) -> String {
    format!(
        "checkpoint complete: wrote {buffers} buffers (0.0%); 0 WAL file(s) added, 0 removed, 0 recycled; write=0.001 s, sync=0.001 s, total={total} s; sync files={files}, longest=0.001 s, average=0.001 s; distance={distance} kB, estimate={estimate} kB"
    )
}

/// The settings given as `-c name=value` arguments to postgres.
fn settings(args: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let kv = if a == "-c" {
            i += 1;
            args.get(i).cloned()
        } else if let Some(rest) = a.strip_prefix("--") {
            Some(rest.replace('-', "_"))
        } else {
            a.strip_prefix("-c").map(str::to_string)
        };
        if let Some(kv) = kv
            && let Some((k, v)) = kv.split_once('=')
        {
            out.insert(k.trim().to_lowercase(), v.trim().to_lowercase());
        }
        i += 1;
    }
    out
}

impl AppModel for PostgresModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let key = cx.key();
        let Some(setup) = cx.world.setup(&key).cloned() else {
            self.runs_server = false;
            return Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: None,
            };
        };
        // The registry gives any other command the shell model (`server_or_shell`).
        let argv = container_argv(&setup.command, &setup.args);
        let env: BTreeMap<String, String> = crate::exec::images::image_env(&setup.image)
            .into_iter()
            .chain(setup.env.iter().cloned())
            .collect();
        let get = |k: &str| env.get(k).cloned().unwrap_or_default();
        let pgdata = crate::store::normalize(&get("PGDATA"));
        let v = self.version.clone();
        let now = cx.now;
        let mut log = Log { lines: Vec::new() };
        let read_file = |world: &mut World, path: &str| -> Option<String> {
            let view = world.view(&key, now)?;
            view.read(path)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let exists = read_file(cx.world, &format!("{pgdata}/PG_VERSION"))
            .is_some_and(|s| !s.trim().is_empty());
        let set = settings(&argv[1..]);
        let mut pid_base = 20 + cx.rng.below(20) as u32;
        let exit = |after: u64, code: i32| Startup {
            ready_after: None,
            exit: Some(Exit::with_code(ms(after), code)),
        };

        let mut srv: PgServer;
        let ready_at: u64;
        if !exists {
            let mut password = get("POSTGRES_PASSWORD");
            if password.is_empty() && !get("POSTGRES_PASSWORD_FILE").is_empty() {
                password = read_file(cx.world, &get("POSTGRES_PASSWORD_FILE"))
                    .map(|s| s.trim_end_matches('\n').to_string())
                    .unwrap_or_default();
            }
            let auth = {
                let a = get("POSTGRES_HOST_AUTH_METHOD");
                if a.is_empty() {
                    "scram-sha-256".to_string()
                } else {
                    a
                }
            };
            let user = {
                let u = get("POSTGRES_USER");
                if u.is_empty() {
                    "postgres".to_string()
                } else {
                    u
                }
            };
            let db = {
                let d = get("POSTGRES_DB");
                if d.is_empty() { user.clone() } else { d }
            };
            if password.is_empty() && auth != "trust" {
                log.err(30, REFUSE_PASSWORD);
                flush_log(cx, &log);
                return exit(40, 1);
            }
            let mut t = 30;
            if auth == "trust" {
                log.err(t, TRUST_WARNING);
            }
            if v.major >= 18
                && setup
                    .mounts
                    .iter()
                    .any(|m| crate::store::normalize(&m.path) == "/var/lib/postgresql/data")
            {
                log.err(t, REFUSE_18_MOUNT);
                flush_log(cx, &log);
                return exit(50, 1);
            }
            // initdb refuses a non-empty directory.
            let listing = cx
                .world
                .view(&key, now)
                .and_then(|view| view.list(&pgdata).ok())
                .unwrap_or_default();
            if !listing.is_empty() {
                log.out(t + 20, &initdb_header(&v));
                log.err(t + 21, &initdb_not_empty(v.major, &pgdata, &listing));
                flush_log(cx, &log);
                return exit(t + 30, 1);
            }
            // A first start: 0.8–3 s in all.
            let total = 800 + cx.rng.below(2200);
            let at = |f: u64| -> u64 { total * f / 1000 };
            log.out(t, &initdb_header(&v));
            t = at(80);
            let fix = format!(
                "fixing permissions on existing directory {pgdata} ... ok\ncreating subdirectories ... ok\nselecting dynamic shared memory implementation ... posix\nselecting default max_connections ... 100\nselecting default shared_buffers ... 128MB\nselecting default time zone ... Etc/UTC\ncreating configuration files ... ok"
            );
            log.out(t, &fix);
            log.out(at(300), "running bootstrap script ... ok");
            log.out(at(450), "performing post-bootstrap initialization ... ok");
            log.out(at(520), "syncing data to disk ... ok");
            log.out(at(521), "");
            log.err(at(521), "initdb: warning: enabling \"trust\" authentication for local connections\ninitdb: hint: You can change this by editing pg_hba.conf or using the option -A, or --auth-local and --auth-host, the next time you run initdb.");
            log.out(
                at(522),
                &format!(
                    "\nSuccess. You can now start the database server using:\n\n    pg_ctl -D {pgdata} -l logfile start\n"
                ),
            );
            // Files on the volume.
            let mut cluster = Cluster::initdb(&user, Some(&password));
            let temp_pid = 40 + cx.rng.below(30) as u32;
            let temp_children = Children {
                checkpointer: temp_pid + 2,
            };
            let s0 = at(560);
            let s_ready = at(570);
            let mut lines = vec![format!(
                "waiting for server to start....{}LOG:  starting {}",
                PgServer::prefix(now + ms(s0), temp_pid),
                v.version_string()
            )];
            lines.push(format!(
                "{}LOG:  listening on Unix socket \"{SOCKET}\"",
                PgServer::prefix(now + ms(s0 + 1), temp_pid)
            ));
            lines.push(format!(
                "{}LOG:  database system was shut down at {}",
                PgServer::prefix(now + ms(s0 + 3), temp_children.startup()),
                stamp_secs(unix_ms(now + ms(at(521))))
            ));
            lines.push(format!(
                "{}LOG:  database system is ready to accept connections",
                PgServer::prefix(now + ms(s_ready), temp_pid)
            ));
            for l in &lines {
                log.out(s0, l);
            }
            log.out(s_ready + 1, " done\nserver started");
            let mut tt = s_ready + 2;
            if db != "postgres" {
                cluster.apply(&Change::CreateDb {
                    name: db.clone(),
                    owner: user.clone(),
                });
                log.out(tt, "CREATE DATABASE\n\n");
            } else {
                log.out(tt, "");
            }
            // Init scripts.
            let scripts = cx
                .world
                .view(&key, now)
                .and_then(|view| view.list("/docker-entrypoint-initdb.d").ok())
                .unwrap_or_default();
            let mut engine = Engine::new(cluster, Dialect::Postgres);
            engine.processes = temp_children.processes(now + ms(s0), now + ms(s_ready));
            let mut ran_any = false;
            let mut script_failed = false;
            let mut scripts_run = 0;
            for name in &scripts {
                let path = format!("/docker-entrypoint-initdb.d/{name}");
                tt += 5;
                if name.ends_with(".sql") {
                    ran_any = true;
                    log.out(
                        tt,
                        &format!("/usr/local/bin/docker-entrypoint.sh: running {path}"),
                    );
                    let text = read_file(cx.world, &path).unwrap_or_default();
                    let mut sess = Session::new(&user, &db, &v.version_string());
                    sess.now_ms = unix_ms(now + ms(tt));
                    sess.conn = Connection {
                        pid: temp_children.launcher() + 1 + scripts_run,
                        application_name: "psql".into(),
                        tcp: None,
                        start_ms: sess.now_ms,
                    };
                    scripts_run += 1;
                    let (out, err, failed) =
                        super::psql::run_script_offline(&mut engine, &mut sess, &text, &path);
                    if !out.is_empty() {
                        log.out(tt, out.trim_end_matches('\n'));
                    }
                    if !err.is_empty() {
                        log.err(tt, err.trim_end_matches('\n'));
                    }
                    log.out(tt, "\n");
                    if failed {
                        script_failed = true;
                        break;
                    }
                } else if name.ends_with(".sh") {
                    ran_any = true;
                    log.out(
                        tt,
                        &format!("/usr/local/bin/docker-entrypoint.sh: running {path}"),
                    );
                } else {
                    log.out(
                        tt,
                        &format!("/usr/local/bin/docker-entrypoint.sh: ignoring {path}"),
                    );
                }
            }
            if !ran_any && scripts.is_empty() {
                log.out(
                    tt,
                    "/usr/local/bin/docker-entrypoint.sh: ignoring /docker-entrypoint-initdb.d/*\n",
                );
            }
            // Files: written now (initdb), the cluster as the temporary server leaves it.
            let control = Control {
                state: "shut down".into(),
                checkpoint_ms: unix_ms(now + ms(at(640))),
                redo_lsn: 0x1999008 - 0x28,
                lsn: 0x1999008 - 0x28,
                estimate_kb: 0,
            };
            srv = PgServer {
                version: v.clone(),
                engine,
                pgdata: pgdata.clone(),
                temp: Some((now + ms(s_ready), now + ms(at(620)))),
                start: now + ms(at(850)),
                recovery_from: None,
                ready: now,
                stopping: None,
                host_auth: auth.clone(),
                synchronous_commit: true,
                pending: Vec::new(),
                control,
                wal_bytes: 0,
                next_pid: temp_pid + 40,
                children: Children {
                    checkpointer: temp_pid + 17,
                },
            };
            if let Some(mut view) = cx.world.view(&key, now) {
                write_initdb_files(&mut view, &pgdata, &v, &auth);
                srv.checkpoint(&mut view, now + ms(at(640)), "shut down");
            }
            if script_failed {
                // The entrypoint dies with psql's status; PG_VERSION exists already.
                flush_log(cx, &log);
                return exit(tt + 10, 3);
            }
            let sd = at(620);
            let p = temp_pid;
            let shutdown = [
                format!(
                    "waiting for server to shut down....{}LOG:  received fast shutdown request",
                    PgServer::prefix(now + ms(sd), p)
                ),
                format!(
                    "{}LOG:  aborting any active transactions",
                    PgServer::prefix(now + ms(sd), p)
                ),
                format!(
                    "{}LOG:  background worker \"logical replication launcher\" (PID {}) exited with exit code 1",
                    PgServer::prefix(now + ms(sd + 2), p),
                    temp_children.launcher()
                ),
                format!(
                    "{}LOG:  shutting down",
                    PgServer::prefix(now + ms(sd + 3), temp_children.checkpointer)
                ),
                format!(
                    "{}LOG:  checkpoint starting: shutdown immediate",
                    PgServer::prefix(now + ms(sd + 3), temp_children.checkpointer)
                ),
                format!(
                    "{}LOG:  {}",
                    PgServer::prefix(now + ms(sd + 6), temp_children.checkpointer),
                    checkpoint_complete(3, 2, 0, 0, "0.003")
                ),
                format!(
                    "{}LOG:  database system is shut down",
                    PgServer::prefix(now + ms(sd + 8), p)
                ),
            ];
            for l in &shutdown {
                log.out(sd, l);
            }
            log.out(
                sd + 9,
                " done\nserver stopped\n\nPostgreSQL init process complete; ready for start up.\n",
            );
            let fs = at(850);
            let fpid = 1;
            let startup_pid = srv.children.startup();
            log.out(
                fs,
                &format!(
                    "{}LOG:  starting {}",
                    PgServer::prefix(now + ms(fs), fpid),
                    v.version_string()
                ),
            );
            log.out(
                fs,
                &format!(
                    "{}LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
                    PgServer::prefix(now + ms(fs), fpid)
                ),
            );
            log.out(
                fs,
                &format!(
                    "{}LOG:  listening on IPv6 address \"::\", port 5432",
                    PgServer::prefix(now + ms(fs), fpid)
                ),
            );
            log.out(
                fs + 1,
                &format!(
                    "{}LOG:  listening on Unix socket \"{SOCKET}\"",
                    PgServer::prefix(now + ms(fs + 1), fpid)
                ),
            );
            log.out(
                fs + 3,
                &format!(
                    "{}LOG:  database system was shut down at {}",
                    PgServer::prefix(now + ms(fs + 3), startup_pid),
                    stamp_secs(srv.control.checkpoint_ms)
                ),
            );
            ready_at = total;
            log.out(
                total,
                &format!(
                    "{}LOG:  database system is ready to accept connections",
                    PgServer::prefix(now + ms(total), fpid)
                ),
            );
            pid_base = p + 20;
        } else {
            // Later start: recover the data.
            let (cluster, control, wal) = load(cx.world, &key, now, &pgdata);
            let mut engine = Engine::new(cluster, Dialect::Postgres);
            let replayed = wal.len();
            for rec in &wal {
                for ch in &rec.changes {
                    engine.cluster.apply(ch);
                }
            }
            let hba = read_file(cx.world, &format!("{pgdata}/pg_hba.conf")).unwrap_or_default();
            let auth = hba
                .lines()
                .rev()
                .find(|l| l.starts_with("host all all all"))
                .and_then(|l| l.split_whitespace().nth(4))
                .unwrap_or("scram-sha-256")
                .to_string();
            let crashed = control.state != "shut down";
            let base = 40 + cx.rng.below(150);
            let p1 = 1;
            let children = Children {
                checkpointer: pid_base + 5,
            };
            let startup_pid = children.startup();
            let ckpt_pid = children.checkpointer;
            log.out(10, "\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n");
            let s = base;
            log.out(
                s,
                &format!(
                    "{}LOG:  starting {}",
                    PgServer::prefix(now + ms(s), p1),
                    v.version_string()
                ),
            );
            log.out(
                s,
                &format!(
                    "{}LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
                    PgServer::prefix(now + ms(s), p1)
                ),
            );
            log.out(
                s,
                &format!(
                    "{}LOG:  listening on IPv6 address \"::\", port 5432",
                    PgServer::prefix(now + ms(s), p1)
                ),
            );
            log.out(
                s + 1,
                &format!(
                    "{}LOG:  listening on Unix socket \"{SOCKET}\"",
                    PgServer::prefix(now + ms(s + 1), p1)
                ),
            );
            let mut recovery_from = None;
            let mut control = control;
            let r;
            if crashed {
                log.out(
                    s + 3,
                    &format!(
                        "{}LOG:  database system was interrupted; last known up at {}",
                        PgServer::prefix(now + ms(s + 3), startup_pid),
                        stamp_secs(control.checkpoint_ms)
                    ),
                );
                let rec_start = s + 80;
                recovery_from = Some(now + ms(rec_start));
                log.out(rec_start, &format!("{}LOG:  database system was not properly shut down; automatic recovery in progress", PgServer::prefix(now + ms(rec_start), startup_pid)));
                let end = control.lsn.max(control.redo_lsn + 0xE8);
                let redo_ms = (replayed as u64) / 50;
                if replayed > 0 {
                    log.out(
                        rec_start + 1,
                        &format!(
                            "{}LOG:  redo starts at {}",
                            PgServer::prefix(now + ms(rec_start + 1), startup_pid),
                            lsn_text(control.redo_lsn)
                        ),
                    );
                    log.out(
                        rec_start + 1 + redo_ms,
                        &format!(
                            "{}LOG:  invalid record length at {}: wanted 24, got 0",
                            PgServer::prefix(now + ms(rec_start + 1 + redo_ms), startup_pid),
                            lsn_text(end)
                        ),
                    );
                    log.out(rec_start + 1 + redo_ms, &format!("{}LOG:  redo done at {} system usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: {}.{:02} s", PgServer::prefix(now + ms(rec_start + 1 + redo_ms), startup_pid), lsn_text(end - 0x28), redo_ms / 1000, redo_ms % 1000 / 10));
                } else {
                    log.out(
                        rec_start + 1,
                        &format!(
                            "{}LOG:  invalid record length at {}: wanted 24, got 0",
                            PgServer::prefix(now + ms(rec_start + 1), startup_pid),
                            lsn_text(end)
                        ),
                    );
                    log.out(
                        rec_start + 1,
                        &format!(
                            "{}LOG:  redo is not required",
                            PgServer::prefix(now + ms(rec_start + 1), startup_pid)
                        ),
                    );
                }
                let c = rec_start + 2 + redo_ms;
                control.lsn = end;
                log.out(
                    c,
                    &format!(
                        "{}LOG:  checkpoint starting: end-of-recovery immediate wait",
                        PgServer::prefix(now + ms(c), ckpt_pid)
                    ),
                );
                let buffers = 3 + replayed as u64;
                log.out(
                    c + 2,
                    &format!(
                        "{}LOG:  {}",
                        PgServer::prefix(now + ms(c + 2), ckpt_pid),
                        checkpoint_complete(buffers, 3, 0, control.estimate_kb, "0.003")
                    ),
                );
                r = c + 5;
            } else {
                log.out(
                    s + 3,
                    &format!(
                        "{}LOG:  database system was shut down at {}",
                        PgServer::prefix(now + ms(s + 3), startup_pid),
                        stamp_secs(control.checkpoint_ms)
                    ),
                );
                r = s + 6;
            }
            log.out(
                r,
                &format!(
                    "{}LOG:  database system is ready to accept connections",
                    PgServer::prefix(now + ms(r), p1)
                ),
            );
            ready_at = r;
            srv = PgServer {
                version: v.clone(),
                engine,
                pgdata: pgdata.clone(),
                temp: None,
                start: now + ms(s),
                recovery_from,
                ready: now,
                stopping: None,
                host_auth: auth,
                synchronous_commit: true,
                pending: Vec::new(),
                control,
                wal_bytes: 0,
                next_pid: pid_base + 10,
                children,
            };
            if crashed && let Some(mut view) = cx.world.view(&key, now) {
                srv.checkpoint(&mut view, now + ms(r), "in production");
            }
        }
        let _ = pid_base;
        srv.ready = now + ms(ready_at);
        srv.engine.processes = srv.children.processes(srv.start, srv.ready);
        srv.synchronous_commit = !matches!(
            set.get("synchronous_commit").map(String::as_str),
            Some("off" | "false" | "0" | "no")
        );
        srv.control.state = "in production".into();
        if let Some(mut view) = cx.world.view(&key, now) {
            srv.write_control(&mut view);
            let _ = view.write(
                &format!("{pgdata}/postmaster.pid"),
                format!(
                    "1\n{pgdata}\n{}\n5432\n/var/run/postgresql\n*\n",
                    unix_ms(now) / 1000
                )
                .as_bytes(),
            );
            let _ = view.write(
                &format!("{pgdata}/postmaster.opts"),
                format!("/usr/lib/postgresql/{}/bin/postgres\n", v.major).as_bytes(),
            );
        }
        flush_log(cx, &log);
        let mut proc = Proc::new("postgres", Box::new(srv));
        proc.listening.insert(5432, now + ms(ready_at));
        cx.world.procs.insert(key, proc);
        Startup {
            ready_after: Some(ms(ready_at)),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        if !self.runs_server {
            return ProbeAnswer::Success;
        }
        let key = cx.key();
        let now = cx.now;
        let avail = with_server(cx.world, &key, now, |srv, view, _| {
            srv.flush_due(view, now);
            (srv.avail(now), srv.temp_only(now))
        });
        ProbeAnswer::accepting(
            matches!(avail, Some((Avail::Ready, false))),
            probe,
            cx.info.pod_ip,
        )
    }

    fn on_signal(&mut self, cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        if !self.runs_server {
            return Some(Exit::with_code(SimDuration::ZERO, 128 + signal.number()));
        }
        let key = cx.key();
        let now = cx.now;
        let out = with_server(cx.world, &key, now, |srv, view, logs| {
            if srv.stopping.is_some() {
                return None;
            }
            srv.stopping = Some(now);
            let p = 1;
            let c = srv.children.checkpointer;
            let pre = |d: u64, pid: u32| PgServer::prefix(now + ms(d), pid);
            if signal == Signal::Quit {
                logs.push((
                    now,
                    format!("{}LOG:  received immediate shutdown request", pre(0, p)),
                ));
                logs.push((
                    now + ms(3),
                    format!("{}LOG:  database system is shut down", pre(3, p)),
                ));
                srv.pending.clear();
                return Some(Exit::with_code(ms(4), 0));
            }
            // A shutdown before the server is up just stops it.
            srv.flush_due(view, now);
            let kind = if signal == Signal::Term {
                "smart"
            } else {
                "fast"
            };
            logs.push((
                now,
                format!("{}LOG:  received {kind} shutdown request", pre(0, p)),
            ));
            if signal != Signal::Term {
                logs.push((
                    now,
                    format!("{}LOG:  aborting any active transactions", pre(0, p)),
                ));
            }
            logs.push((now + ms(4), format!("{}LOG:  background worker \"logical replication launcher\" (PID {}) exited with exit code 1", pre(4, p), srv.children.launcher())));
            logs.push((now + ms(5), format!("{}LOG:  shutting down", pre(5, c))));
            logs.push((
                now + ms(5),
                format!("{}LOG:  checkpoint starting: shutdown immediate", pre(5, c)),
            ));
            let dist = srv.wal_bytes / 1024;
            let buffers = 2 + srv.wal_bytes / 200;
            srv.checkpoint(view, now + ms(8), "shut down");
            let est = srv.control.estimate_kb;
            logs.push((
                now + ms(8),
                format!(
                    "{}LOG:  {}",
                    pre(8, c),
                    checkpoint_complete(buffers, 2, dist, est, "0.004")
                ),
            ));
            logs.push((
                now + ms(22),
                format!("{}LOG:  database system is shut down", pre(22, p)),
            ));
            let _ = view.remove(&format!("{}/postmaster.pid", srv.pgdata), false);
            Some(Exit::with_code(ms(23), 0))
        });
        match out {
            Some(Some(e)) => Some(e),
            Some(None) => None,
            None => Some(Exit::with_code(SimDuration::ZERO, 0)),
        }
    }
}

fn flush_log(cx: &mut AppCx<'_>, log: &Log) {
    for (at, stream, text) in &log.lines {
        cx.log_at(ms(*at), *stream, text);
    }
}

fn write_initdb_files(view: &mut View<'_>, pgdata: &str, v: &PgVersion, auth: &str) {
    let _ = view.mkdir(pgdata, 0o700, true);
    let _ = view.chmod(pgdata, 0o700);
    for d in [
        "base",
        "global",
        "pg_commit_ts",
        "pg_dynshmem",
        "pg_logical",
        "pg_multixact",
        "pg_notify",
        "pg_replslot",
        "pg_serial",
        "pg_snapshots",
        "pg_stat",
        "pg_stat_tmp",
        "pg_subtrans",
        "pg_tblspc",
        "pg_twophase",
        "pg_wal",
        "pg_xact",
    ] {
        let _ = view.mkdir(&format!("{pgdata}/{d}"), 0o700, true);
    }
    let _ = view.write(
        &format!("{pgdata}/PG_VERSION"),
        format!("{}\n", v.major).as_bytes(),
    );
    let _ = view.write(
        &format!("{pgdata}/postgresql.conf"),
        b"listen_addresses = '*'\nmax_connections = 100\nshared_buffers = 128MB\ndynamic_shared_memory_type = posix\nmax_wal_size = 1GB\nmin_wal_size = 80MB\nlog_timezone = 'Etc/UTC'\ndatestyle = 'iso, mdy'\ntimezone = 'Etc/UTC'\nlc_messages = 'en_US.utf8'\nlc_monetary = 'en_US.utf8'\nlc_numeric = 'en_US.utf8'\nlc_time = 'en_US.utf8'\ndefault_text_search_config = 'pg_catalog.english'\n",
    );
    let _ = view.write(
        &format!("{pgdata}/pg_hba.conf"),
        format!(
            "local   all             all                                     trust\nhost    all             all             127.0.0.1/32            trust\nhost    all             all             ::1/128                 trust\nlocal   replication     all                                     trust\nhost    replication     all             127.0.0.1/32            trust\nhost    replication     all             ::1/128                 trust\n\nhost all all all {auth}\n"
        )
        .as_bytes(),
    );
    let _ = view.write(&format!("{pgdata}/pg_ident.conf"), b"");
    let _ = view.write(
        &format!("{pgdata}/postgresql.auto.conf"),
        b"# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n",
    );
    for base in ["1", "4", "5"] {
        let _ = view.mkdir(&format!("{pgdata}/base/{base}"), 0o700, true);
    }
}

/// Reads the cluster as the last checkpoint left it, pg_control, and the WAL after it.
fn load(
    world: &mut World,
    key: &ContainerKey,
    now: SimTime,
    pgdata: &str,
) -> (Cluster, Control, Vec<WalRecord>) {
    let Some(view) = world.view(key, now) else {
        return (Cluster::default(), default_control(), Vec::new());
    };
    let cluster = view
        .read(&format!("{pgdata}/{SNAPSHOT_FILE}"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Cluster>(&b).ok())
        .unwrap_or_else(|| Cluster::initdb("postgres", None));
    let control = view
        .read(&format!("{pgdata}/global/pg_control"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Control>(&b).ok())
        .unwrap_or_else(default_control);
    let wal = view
        .read(&format!("{pgdata}/{WAL_FILE}"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .filter_map(|l| serde_json::from_str::<WalRecord>(l).ok())
                .collect()
        })
        .unwrap_or_default();
    (cluster, control, wal)
}

fn default_control() -> Control {
    Control {
        state: "in production".into(),
        checkpoint_ms: 0,
        redo_lsn: 0x1999008,
        lsn: 0x1999008,
        estimate_kb: 0,
    }
}
