//! `mysql:5.7`: the 5.7 entrypoint (the same `[Entrypoint]` notes as 8.x, on Oracle Linux 7)
//! and the 5.7 server log (`[Note]`/`[Warning]` without error codes, `ready for connections.`
//! followed by a `Version:` line), plus what the replicated-MySQL tutorial needs of 5.7: the
//! option files in `/etc/mysql/conf.d` (`server-id`, `log-bin`, `super-read-only`), the
//! binary log, `auto.cnf`'s server UUID and a replica's `master.info`.
//!
//! The server log is a subset of what 5.7.44 prints (about a third of its start-up notes:
//! InnoDB's many initialisation lines are summarised by three of them).

use std::collections::BTreeMap;

use crate::apps::sql::{Cluster, Dialect, Engine};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::{AppCx, Exit, Startup};
use crate::store::{ContainerKey, Proc, Stream};

use super::repl::{Binlog, MasterInfo, Slave};
use super::{
    DATADIR, DATAFILE, MysqlServer, SOCK, entry_note, first_start_cluster, flush, missing_password,
    read_conf, server_stamp,
};

/// A 5.7 server log line: `2026-11-30T16:40:01.123456Z 0 [Note] text`.
pub fn line(t: SimTime, level: &str, text: &str) -> String {
    format!("{} 0 [{level}] {text}", server_stamp(t))
}

fn uuid(cx: &mut AppCx<'_>) -> String {
    let mut hex = String::new();
    for _ in 0..32 {
        hex.push(char::from_digit(cx.rng.below(16) as u32, 16).unwrap_or('0'));
    }
    // A time-based (version 1) UUID, as 5.7 generates: version nibble 1, variant 10xx.
    let variant = ['8', '9', 'a', 'b'][cx.rng.below(4) as usize];
    format!(
        "{}-{}-11{}-{variant}{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..14],
        &hex[15..18],
        &hex[18..30]
    )
}

/// Starts `mysqld` 5.7 (after the entrypoint's first notes, in `lines`).
pub(super) fn start(
    cx: &mut AppCx<'_>,
    key: &ContainerKey,
    env: &BTreeMap<String, String>,
    mut lines: Vec<(SimTime, Stream, String)>,
    v: &'static str,
) -> Startup {
    let now = cx.now;
    let at = |ms: u64| now + SimDuration::from_ms(ms);
    let note = entry_note;
    let hostname = cx
        .world
        .setup(key)
        .map(|s| s.hostname.clone())
        .unwrap_or_default();
    let (listing, data, conf, auto, minfo) = match cx.world.view(key, now) {
        Some(view) => (
            view.list(DATADIR).unwrap_or_default(),
            view.read(DATAFILE).ok(),
            read_conf(&view, &hostname),
            view.read(&format!("{DATADIR}/auto.cnf")).ok(),
            view.read(&format!("{DATADIR}/master.info")).ok(),
        ),
        None => (Vec::new(), None, Default::default(), None, None),
    };
    let vs = if conf.log_bin.is_some() {
        format!("{v}-log")
    } else {
        v.to_string()
    };
    let deprecated = "TIMESTAMP with implicit DEFAULT value is deprecated. Please use --explicit_defaults_for_timestamp server option (see documentation for more details).";
    let server_lines = |lines: &mut Vec<(SimTime, Stream, String)>,
                        from: SimTime,
                        to: SimTime,
                        pid: u32,
                        port: u16| {
        let step = |k: u64| from + SimDuration::from_ms((to - from).as_ms() * k / 10);
        let l = |t: SimTime, lv: &str, s: &str| (t, Stream::Stderr, line(t, lv, s));
        lines.push(l(from, "Warning", deprecated));
        lines.push(l(
            from,
            "Note",
            &format!("mysqld (mysqld {vs}) starting as process {pid} ..."),
        ));
        lines.push(l(
            step(2),
            "Note",
            "InnoDB: Initializing buffer pool, total size = 128M, instances = 1, chunk size = 128M",
        ));
        lines.push(l(
            step(4),
            "Note",
            "InnoDB: Completed initialization of buffer pool",
        ));
        lines.push(l(
            step(7),
            "Note",
            &format!("InnoDB: {v} started; log sequence number 2768333"),
        ));
        if port != 0 {
            lines.push(l(
                step(9),
                "Note",
                &format!("Server hostname (bind-address): '*'; port: {port}"),
            ));
            lines.push(l(step(9), "Note", "IPv6 is available."));
            lines.push(l(step(9), "Note", "  - '::' resolves to '::';"));
            lines.push(l(step(9), "Note", "Server socket created on IP: '::'."));
        }
        lines.push(l(to, "Note", "Event Scheduler: Loaded 0 events"));
        lines.push(l(to, "Note", "mysqld: ready for connections."));
        lines.push((
            to,
            Stream::Stderr,
            format!(
                "Version: '{vs}'  socket: '{SOCK}'  port: {port}  MySQL Community Server (GPL)"
            ),
        ));
    };
    let mut new_uuid = None;
    let (engine, ready_ms, socket_ms, fresh) = if let Some(bytes) = data {
        let cluster = serde_json::from_slice::<Cluster>(&bytes).unwrap_or_default();
        let t = 1500 + cx.rng.below(2000);
        if auto.is_none() {
            new_uuid = Some((at(300), uuid(cx)));
        }
        server_lines(&mut lines, at(200), at(t), 1, 3306);
        (Engine::new(cluster, Dialect::Mysql), t, t, false)
    } else {
        if let Some(refusal) = missing_password(env, at(90)) {
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
        lines.push((
            at(120),
            Stream::Stderr,
            line(at(120), "Warning", deprecated),
        ));
        if !listing.is_empty() {
            let e = at(200);
            lines.push((
                e,
                Stream::Stderr,
                line(
                    e,
                    "ERROR",
                    "--initialize specified but the data directory has files in it. Aborting.",
                ),
            ));
            lines.push((e, Stream::Stderr, line(e, "ERROR", "Aborting")));
            lines.push((e, Stream::Stdout, String::new()));
            flush(cx, &lines);
            return Startup {
                ready_after: None,
                exit: Some(Exit::with_code(SimDuration::from_ms(300), 1)),
            };
        }
        let total = 9_000 + cx.rng.below(6_000);
        let f = |x: u64| at(total * x / 100);
        let id = uuid(cx);
        let w = |t: SimTime, s: &str| (t, Stream::Stderr, line(t, "Warning", s));
        lines.push(w(f(20), "InnoDB: New log files created, LSN=45790"));
        lines.push(w(
            f(22),
            "InnoDB: Creating foreign key constraint system tables.",
        ));
        lines.push(w(f(24), &format!("No existing UUID has been found, so we assume that this is the first time that this server has been started. Generating a new UUID: {id}.")));
        lines.push(w(
            f(25),
            "Gtid table is not ready to be used. Table 'mysql.gtid_executed' cannot be opened.",
        ));
        lines.push(w(
            f(30),
            "root@localhost is created with an empty password ! Please consider switching off the --initialize-insecure option.",
        ));
        new_uuid = Some((f(24), id));
        lines.push((
            f(45),
            Stream::Stdout,
            note(f(45), "Note", "Database files initialized"),
        ));
        lines.push((
            f(46),
            Stream::Stdout,
            note(f(46), "Note", "Starting temporary server"),
        ));
        lines.push((
            f(46),
            Stream::Stdout,
            note(f(46), "Note", "Waiting for server startup"),
        ));
        server_lines(&mut lines, f(47), f(55), 126, 0);
        lines.push((
            f(56),
            Stream::Stdout,
            note(f(56), "Note", "Temporary server started."),
        ));
        lines.push((
            f(56),
            Stream::Stdout,
            "'/var/lib/mysql/mysql.sock' -> '/var/run/mysqld/mysqld.sock'".into(),
        ));
        for z in [
            "iso3166.tab",
            "leap-seconds.list",
            "zone.tab",
            "zone1970.tab",
        ] {
            lines.push((
                f(60),
                Stream::Stderr,
                format!(
                    "Warning: Unable to load '/usr/share/zoneinfo/{z}' as time zone. Skipping it."
                ),
            ));
        }
        let cluster = first_start_cluster(env, f, &mut lines);
        lines.push((
            f(75),
            Stream::Stdout,
            note(f(75), "Note", "Stopping temporary server"),
        ));
        shutdown_lines(&mut lines, f(76), f(84), false);
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
        server_lines(&mut lines, f(88), at(total), 1, 3306);
        (
            Engine::new(cluster, Dialect::Mysql),
            total,
            total * 55 / 100,
            true,
        )
    };
    let mut server_uuid = auto
        .as_deref()
        .map(String::from_utf8_lossy)
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("server-uuid=").map(str::to_string))
        })
        .unwrap_or_default();
    let slave = minfo
        .and_then(|b| serde_json::from_slice::<MasterInfo>(&b).ok())
        .map(|info| Slave {
            info,
            ..Slave::default()
        });
    if slave.is_some() {
        let t = at(ready_ms.saturating_sub(50));
        lines.push((t, Stream::Stderr, line(t, "Warning", &format!("Neither --relay-log nor --relay-log-index were used; so replication may break when this MySQL server acts as a slave and has his hostname changed!! Please use '--relay-log={hostname}-relay-bin' to avoid this problem."))));
    }
    if let Some((t, id)) = &new_uuid
        && !fresh
    {
        lines.push((*t, Stream::Stderr, line(*t, "Warning", &format!("No existing UUID has been found, so we assume that this is the first time that this server has been started. Generating a new UUID: {id}."))));
    }
    lines.sort_by_key(|l| l.0);
    let mut binlog = None;
    if let Some(mut view) = cx.world.view(key, now) {
        if fresh {
            for d in ["mysql", "performance_schema", "sys"] {
                let _ = view.mkdir(&format!("{DATADIR}/{d}"), 0o750, true);
            }
        }
        if let Some((_, id)) = &new_uuid {
            server_uuid = id.clone();
            let _ = view.write(
                &format!("{DATADIR}/auto.cnf"),
                format!("[auto]\nserver-uuid={id}\n").as_bytes(),
            );
        }
        if let Some(base) = &conf.log_bin {
            let mut b = Binlog::open(&mut view, DATADIR, base);
            if fresh {
                // --initialize and the temporary server each wrote a file.
                b.rotate(&mut view, DATADIR);
                b.rotate(&mut view, DATADIR);
            }
            binlog = Some(b);
        }
    }
    let srv = MysqlServer {
        engine,
        socket_from: at(socket_ms),
        ready: at(ready_ms),
        stopping: None,
        server_id: conf.server_id,
        uuid: server_uuid,
        hostname,
        super_read_only: conf.super_read_only,
        binlog,
        slave,
        master_key: None,
    };
    srv.save(cx.world, key, now);
    flush(cx, &lines);
    let mut proc = Proc::new("mysqld", Box::new(srv));
    proc.listening.insert(3306, at(ready_ms));
    cx.world.procs.insert(key.clone(), proc);
    Startup {
        ready_after: Some(SimDuration::from_ms(ready_ms)),
        exit: None,
    }
}

/// What 5.7 logs while shutting down (a subset: its per-plugin lines are left out).
pub fn shutdown_lines(
    lines: &mut Vec<(SimTime, Stream, String)>,
    from: SimTime,
    to: SimTime,
    replica: bool,
) {
    let l = |t: SimTime, s: &str| (t, Stream::Stderr, line(t, "Note", s));
    lines.push(l(
        from,
        "Giving 0 client threads a chance to die gracefully",
    ));
    if replica {
        lines.push(l(from, "Shutting down slave threads"));
    }
    lines.push(l(from, "Forcefully disconnecting 0 remaining clients"));
    lines.push(l(from, "Event Scheduler: Purging the queue. 0 events"));
    lines.push(l(from, "Binlog end"));
    lines.push(l(from, "InnoDB: Starting shutdown..."));
    lines.push(l(
        to,
        "InnoDB: Shutdown completed; log sequence number 12659530",
    ));
    lines.push(l(to, "mysqld: Shutdown complete"));
    lines.push((to, Stream::Stderr, String::new()));
}
