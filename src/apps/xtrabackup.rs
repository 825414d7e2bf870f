//! The replicated-MySQL tutorial's `gcr.io/google-samples/xtrabackup:1.0` image: Debian with
//! Percona XtraBackup 2.4, `ncat` and a `mysql` client. Three programs matter:
//!
//! - `ncat --listen ... PORT -c CMD` (the sidecar of every MySQL pod) serves each connection
//!   with `CMD`, whose standard output goes to the peer; `ncat --recv-only HOST PORT` (the
//!   `clone-mysql` init container of the next pod) prints what the listener sent.
//! - `xtrabackup --backup --stream=xbstream` copies the local server's data while it runs,
//!   with `xtrabackup_binlog_info` (the primary's binary-log coordinates) and, with
//!   `--slave-info` on a replica, `xtrabackup_slave_info` (a `CHANGE MASTER TO` naming the
//!   replica's own primary coordinates). `xtrabackup --prepare` makes the copy startable.
//! - `xbstream -x -C DIR` unpacks the stream.
//!
//! The stream is not Percona's binary chunk format: each entry is a `XBSTCK01` header line
//! (kind, mode, length, path) followed by the bytes. Only these programs read it.
//! XtraBackup's log is a subset of what 2.4 prints (its per-file and per-phase lines).

use crate::apps::busybox::sh;
use crate::apps::mysql::repl::stamp57 as stamp;
use crate::apps::mysql::{self, DATADIR, MysqlServer};
use crate::engine::{SimDuration, SimTime};
use crate::exec::{ConnectError, ExecCx, ExecResult, ProgramFn};
use crate::kubelet::AppRegistry;
use crate::store::{Fs, Proc, Stream};

use super::{DEBIAN_PATH, Flavor, GNU_BASE, ImageProfile};

const MAGIC: &str = "XBSTCK01";

/// A listening `ncat` and the command it runs for each connection.
#[derive(Debug)]
pub struct NcatListener {
    /// The `-c` command (run by `/bin/sh -c`).
    pub command: String,
}

/// Registers the image's model: its command through the shell.
pub fn register(reg: &mut AppRegistry) {
    reg.register("xtrabackup", |_| {
        Box::new(super::busybox::ShellModel::default())
    });
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    match name {
        "ncat" | "nc" => Some(ncat),
        "xbstream" => Some(xbstream),
        "xtrabackup" => Some(xtrabackup),
        _ => None,
    }
}

fn layer(fs: &mut Fs, now: SimTime) {
    super::base_layer(fs, now);
    for d in ["/var/lib/mysql", "/etc/mysql/conf.d"] {
        let _ = fs.mkdir_p(d, 0o755, now);
    }
}

/// The profile of `gcr.io/google-samples/xtrabackup`.
pub fn profile(short: &str, _tag: &str) -> Option<ImageProfile> {
    if short != "xtrabackup" {
        return None;
    }
    let mut programs: Vec<String> = GNU_BASE.iter().map(|s| (*s).to_string()).collect();
    programs.extend(
        [
            "mysql",
            "mysqladmin",
            "ncat",
            "nc",
            "xbstream",
            "xtrabackup",
        ]
        .iter()
        .map(|s| (*s).to_string()),
    );
    Some(ImageProfile {
        programs,
        env: vec![("PATH".into(), DEBIAN_PATH.into())],
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer,
    })
}

/// `ncat`: `--listen` serves, otherwise connects (`--recv-only` prints what it receives).
pub fn ncat(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut listen = false;
    let mut command: Option<String> = None;
    let mut rest: Vec<String> = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        i += 1;
        match a {
            "-l" | "--listen" => listen = true,
            "-k" | "--keep-open" | "--send-only" | "--recv-only" | "-v" | "--verbose" => {}
            "-c" | "--sh-exec" | "-e" | "--exec" => {
                command = argv.get(i).cloned();
                i += 1;
            }
            "-m" | "--max-conns" | "-w" | "--wait" => i += 1,
            _ if a.starts_with("--max-conns=") || a.starts_with("--wait=") => {}
            _ if a.starts_with('-') && a.len() > 1 => {
                return ExecResult::fail(
                    format!("Ncat: Unrecognized option '{a}'. QUITTING.\n"),
                    2,
                );
            }
            _ => rest.push(a.to_string()),
        }
    }
    if listen {
        let Some(port) = rest.last().and_then(|p| p.parse::<u16>().ok()) else {
            return ExecResult::fail("Ncat: Invalid port number. QUITTING.\n", 2);
        };
        let now = cx.now();
        let mut p = Proc::new(
            "ncat",
            Box::new(NcatListener {
                command: command.unwrap_or_default(),
            }),
        );
        p.listening.insert(port, now);
        cx.world.procs.insert(cx.key.clone(), p);
        // Serves until killed.
        cx.spend(super::busybox::FOREVER);
        return ExecResult::ok("");
    }
    let (Some(host), Some(port)) = (
        rest.first(),
        rest.get(1).and_then(|p| p.parse::<u16>().ok()),
    ) else {
        return ExecResult::fail(
            "Ncat: You must specify a host to connect to. QUITTING.\n",
            2,
        );
    };
    let remote = match cx.connect(host, port) {
        Ok(k) => k,
        Err(ConnectError::UnknownHost(_)) => {
            return ExecResult::fail(
                format!(
                    "Ncat: Could not resolve hostname \"{host}\": Name or service not known. QUITTING.\n"
                ),
                2,
            );
        }
        Err(ConnectError::Refused { .. }) => {
            return ExecResult::fail("Ncat: Connection refused.\n", 1);
        }
        Err(ConnectError::Timeout { .. }) => {
            cx.spend(SimDuration::from_secs(10));
            return ExecResult::fail("Ncat: TIMEOUT.\n", 1);
        }
    };
    let Some(cmd) = cx
        .world
        .procs
        .get(&remote)
        .and_then(|p| p.state.downcast_ref::<NcatListener>())
        .map(|l| l.command.clone())
    else {
        // Another server: nothing it sends is modelled.
        return ExecResult::ok("");
    };
    let now = cx.now();
    let Some(mut rcx) = ExecCx::new(
        &mut *cx.world,
        cx.api,
        &mut *cx.dns,
        &mut *cx.rng,
        remote.clone(),
        now,
        false,
        None,
    ) else {
        return ExecResult::ok("");
    };
    let run = sh::run_shell_argv(&mut rcx, &["sh".into(), "-c".into(), cmd], None);
    let spent = rcx.elapsed;
    drop(rcx);
    // The command's standard error is the listener's (its container's log).
    let errs: Vec<sh::Chunk> = run
        .chunks
        .iter()
        .filter(|c| c.stream == Stream::Stderr)
        .cloned()
        .collect();
    super::busybox::log_chunks(cx.world, &remote, &errs, now + spent);
    let data = run.stdout();
    // 100 MB/s over the pod network.
    cx.spend(spent + SimDuration::from_ms(data.len() as u64 / 100_000));
    ExecResult::ok(data)
}

/// `xbstream -x [-C DIR]`: unpacks a stream from standard input.
pub fn xbstream(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut extract = false;
    let mut dir = ".".to_string();
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "-x" => extract = true,
            "-C" | "--directory" => {
                i += 1;
                dir = argv.get(i).cloned().unwrap_or_default();
            }
            a if a.starts_with("--directory=") => dir = a[12..].to_string(),
            "-v" | "--verbose" => {}
            a => {
                return ExecResult::fail(format!("xbstream: unknown option '{a}'\n"), 1);
            }
        }
        i += 1;
    }
    if !extract {
        return ExecResult::fail("You must specify either -c or -x\n", 1);
    }
    let input = cx.stdin.clone().unwrap_or_default();
    let entries = match unpack(&input) {
        Ok(e) => e,
        Err(off) => {
            return ExecResult::fail(
                format!("xb_stream_read_chunk(): wrong chunk magic at offset 0x{off:x}.\n"),
                1,
            );
        }
    };
    let base = cx.abs(&dir);
    let mut fs = cx.fs();
    if !fs.is_dir(&base) {
        return ExecResult::fail(
            format!(
                "xbstream: Can't change dir to '{dir}' (OS errno 2 - No such file or directory)\n"
            ),
            1,
        );
    }
    for e in entries {
        let path = format!("{base}/{}", e.path);
        if e.dir {
            let _ = fs.mkdir(&path, e.mode, true);
            continue;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            let _ = fs.mkdir(parent, 0o750, true);
        }
        if let Err(err) = fs.write(&path, e.data.as_bytes()) {
            return ExecResult::fail(
                format!("xbstream: failed to create file {path}: {err}\n"),
                1,
            );
        }
        let _ = fs.chmod(&path, e.mode);
    }
    ExecResult::ok("")
}

/// One entry of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the backup's root.
    pub path: String,
    /// A directory.
    pub dir: bool,
    /// Permission bits.
    pub mode: u32,
    /// The file's bytes.
    pub data: String,
}

/// Writes entries as a stream.
pub fn pack(entries: &[Entry]) -> String {
    let mut o = String::new();
    for e in entries {
        let kind = if e.dir { 'd' } else { 'f' };
        o.push_str(&format!(
            "{MAGIC} {kind} {:o} {} {}\n",
            e.mode,
            e.data.len(),
            e.path
        ));
        o.push_str(&e.data);
    }
    o
}

/// Reads a stream; the byte offset of the first bad header on error.
pub fn unpack(s: &str) -> Result<Vec<Entry>, usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < s.len() {
        let bad = at;
        let rest = &s[at..];
        let Some(nl) = rest.find('\n') else {
            return Err(bad);
        };
        let header: Vec<&str> = rest[..nl].splitn(5, ' ').collect();
        let [magic, kind, mode, len, path] = header.as_slice() else {
            return Err(bad);
        };
        let (Ok(mode), Ok(len)) = (u32::from_str_radix(mode, 8), len.parse::<usize>()) else {
            return Err(bad);
        };
        if *magic != MAGIC || !matches!(*kind, "d" | "f") || path.is_empty() {
            return Err(bad);
        }
        let start = at + nl + 1;
        let end = start + len;
        let Some(data) = s.get(start..end) else {
            return Err(bad);
        };
        out.push(Entry {
            path: (*path).to_string(),
            dir: *kind == "d",
            mode,
            data: data.to_string(),
        });
        at = end;
    }
    Ok(out)
}

/// True for what XtraBackup does not copy from a datadir's root: logs, replication state,
/// the server's identity and earlier backups' metadata.
fn skipped(name: &str) -> bool {
    name == "auto.cnf"
        || name == "master.info"
        || name == "relay-log.info"
        || name.starts_with("xtrabackup_")
        || name.starts_with("change_master_to.sql")
        || name.ends_with(".pid")
        || name.ends_with(".sock")
        || name.contains("-bin.")
        || name.starts_with("ib_logfile")
}

/// `xtrabackup --backup --stream=xbstream` and `xtrabackup --prepare`.
pub fn xtrabackup(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut backup = false;
    let mut prepare = false;
    let mut slave_info = false;
    let mut stream = false;
    let mut host = "localhost".to_string();
    let mut user = "root".to_string();
    let mut password = String::new();
    let mut target = String::new();
    let mut client_args: Vec<String> = Vec::new();
    for a in &argv[1..] {
        let (k, v) = a.split_once('=').unwrap_or((a.as_str(), ""));
        match k {
            "--backup" => backup = true,
            "--prepare" => prepare = true,
            "--slave-info" => slave_info = true,
            "--stream" => stream = v == "xbstream",
            "--host" => host = v.to_string(),
            "--user" => user = v.to_string(),
            "--password" => password = v.to_string(),
            "--target-dir" => target = v.to_string(),
            _ => {
                return ExecResult::fail(
                    format!("xtrabackup: Error: unknown argument: '{a}'\n"),
                    1,
                );
            }
        }
        let shown = match k {
            "--password" => "--password=*".to_string(),
            _ if v.is_empty() => format!("{k}=1"),
            _ => a.clone(),
        };
        client_args.push(shown);
    }
    let mut err = String::new();
    let now = cx.now();
    let t = |cx: &ExecCx<'_>| stamp(cx.now());
    if prepare {
        let dir = cx.abs(&target);
        let ck = format!("{dir}/xtrabackup_checkpoints");
        err.push_str(&format!(
            "xtrabackup: recognized server arguments: \nxtrabackup: recognized client arguments: {}\n",
            client_args.join(" ")
        ));
        err.push_str(VERSION_LINE);
        let Ok(meta) = cx.fs().read(&ck) else {
            err.push_str(&format!(
                "xtrabackup: cd to {dir}\nxtrabackup: Error: cannot open {ck}\nxtrabackup: error: xtrabackup_read_metadata()\nxtrabackup: This target seems not to have correct metadata...\n"
            ));
            return ExecResult::fail(err, 1);
        };
        cx.spend(SimDuration::from_ms(1_200));
        err.push_str(&format!(
            "xtrabackup: cd to {dir}\nxtrabackup: This target seems to be not prepared yet.\nInnoDB: Number of pools: 1\nxtrabackup: xtrabackup_logfile detected: size=8388608, start_lsn=(2768324)\n"
        ));
        err.push_str(&format!(
            "InnoDB: Starting crash recovery.\nInnoDB: Log scan progressed past the checkpoint lsn 2768324\n{} completed OK!\n",
            t(cx)
        ));
        let meta = String::from_utf8_lossy(&meta)
            .replace("backup_type = full-backuped", "backup_type = full-prepared");
        let mut fs = cx.fs();
        let _ = fs.write(&ck, meta.as_bytes());
        for f in ["ib_logfile0", "ib_logfile1"] {
            let _ = fs.write(&format!("{dir}/{f}"), b"");
        }
        return ExecResult {
            stdout: String::new(),
            stderr: err,
            code: 0,
        };
    }
    if !backup || !stream {
        return ExecResult::fail("xtrabackup: Error: Please set parameter 'datadir'\n", 1);
    }
    // The server: connect and authenticate as the client would.
    let server = match cx.connect(&host, 3306) {
        Ok(k) => k,
        Err(_) => {
            return ExecResult::fail(
                format!(
                    "Failed to connect to MySQL server: Can't connect to MySQL server on '{host}' (111).\n"
                ),
                1,
            );
        }
    };
    mysql::catch_up(cx, &server);
    let Some(srv) = cx
        .world
        .procs
        .get(&server)
        .and_then(|p| p.state.downcast_ref::<MysqlServer>())
    else {
        return ExecResult::fail(
            "Failed to connect to MySQL server: Lost connection to MySQL server at 'reading initial communication packet', system error: 0.\n",
            1,
        );
    };
    let ok = srv
        .engine
        .cluster
        .roles
        .get(&user)
        .is_some_and(|r| r.password.as_deref().unwrap_or("") == password);
    if !ok {
        return ExecResult::fail(
            format!(
                "Failed to connect to MySQL server: Access denied for user '{user}'@'localhost' (using password: {}).\n",
                if password.is_empty() { "NO" } else { "YES" }
            ),
            1,
        );
    }
    let version = srv.version_string("5.7.44");
    let binlog = srv
        .binlog
        .as_ref()
        .map(|b| (b.current().to_string(), b.pos));
    let slave = srv
        .slave
        .as_ref()
        .map(|s| (s.info.log_file.clone(), s.info.log_pos));
    let server_id = srv.server_id;
    let mut server_args = format!("--datadir={DATADIR} --server-id={server_id}");
    if let Some(b) = &srv.binlog {
        server_args.push_str(&format!(" --log_bin={}", b.base));
    }
    err.push_str(&format!(
        "xtrabackup: recognized server arguments: {server_args} \nxtrabackup: recognized client arguments: {} \n",
        client_args.join(" ")
    ));
    let ts = stamp(now);
    err.push_str(&format!(
        "{ts}  version_check Connecting to MySQL server with DSN 'dbi:mysql:;mysql_read_default_group=xtrabackup;host={host}' as '{user}'  (using password: YES).\n{ts}  version_check Connected to MySQL server\n{ts}  version_check Executing a version check against the server...\n{ts}  version_check Done.\n{ts} Connecting to MySQL server host: {host}, user: {user}, password: set, port: not set, socket: not set\nUsing server version {version}\n"
    ));
    err.push_str(VERSION_LINE);
    err.push_str(&format!("xtrabackup: uses posix_fadvise().\nxtrabackup: cd to {DATADIR}\nxtrabackup: open files limit requested 0, set to 1048576\n"));
    // The copy: the data file and every database directory.
    let mut entries: Vec<Entry> = Vec::new();
    {
        let fs = cx.fs();
        let mut stack: Vec<String> = vec![String::new()];
        while let Some(rel) = stack.pop() {
            let dir = if rel.is_empty() {
                DATADIR.to_string()
            } else {
                format!("{DATADIR}/{rel}")
            };
            let mut names = fs.list(&dir).unwrap_or_default();
            names.sort();
            for n in names.iter().rev() {
                let relp = if rel.is_empty() {
                    n.clone()
                } else {
                    format!("{rel}/{n}")
                };
                let full = format!("{DATADIR}/{relp}");
                if rel.is_empty() && (skipped(n) || n == "lost+found") {
                    continue;
                }
                if fs.is_dir(&full) {
                    entries.push(Entry {
                        path: relp.clone(),
                        dir: true,
                        mode: 0o750,
                        data: String::new(),
                    });
                    stack.push(relp);
                } else if let Ok(b) = fs.read(&full) {
                    if rel.is_empty() && !n.starts_with("ib") {
                        continue;
                    }
                    entries.push(Entry {
                        path: relp,
                        dir: false,
                        mode: 0o640,
                        data: String::from_utf8_lossy(&b).into_owned(),
                    });
                }
            }
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    cx.spend(SimDuration::from_ms(1_500));
    let ts = stamp(cx.now());
    err.push_str(&format!("{ts} >> log scanned up to (2768333)\n"));
    for e in entries.iter().filter(|e| !e.dir) {
        err.push_str(&format!(
            "{ts} [01] Streaming ./{}\n{ts} [01]        ...done\n",
            e.path
        ));
    }
    err.push_str(&format!("{ts} Executing FLUSH NO_WRITE_TO_BINLOG TABLES...\n{ts} Executing FLUSH TABLES WITH READ LOCK...\n{ts} Starting to backup non-InnoDB tables and files\n{ts} Finished backing up non-InnoDB tables and files\n"));
    let mut meta = |name: &str, data: String, err: &mut String| {
        err.push_str(&format!(
            "{ts} [00] Writing {name}\n{ts} [00]        ...done\n"
        ));
        entries.push(Entry {
            path: name.to_string(),
            dir: false,
            mode: 0o640,
            data,
        });
    };
    if slave_info {
        match &slave {
            Some((f, p)) => {
                let line = format!("CHANGE MASTER TO MASTER_LOG_FILE='{f}', MASTER_LOG_POS={p};\n");
                meta("xtrabackup_slave_info", line, &mut err);
            }
            None => err.push_str("Failed to get master binlog coordinates from SHOW SLAVE STATUS\nThis means that the server is not a replication slave. Ignoring the --slave-info option\n"),
        }
    }
    if let Some((f, p)) = &binlog {
        meta("xtrabackup_binlog_info", format!("{f}\t{p}\n"), &mut err);
    }
    err.push_str(&format!("{ts} Executing FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS...\nxtrabackup: The latest check point (for incremental): '2768324'\nxtrabackup: Stopping log copying thread.\n.{ts} >> log scanned up to (2768333)\n\n{ts} Executing UNLOCK TABLES\n{ts} All tables unlocked\n"));
    if let Some((f, p)) = &binlog {
        err.push_str(&format!(
            "MySQL binlog position: filename '{f}', position '{p}'\n"
        ));
    }
    if let Some((f, p)) = &slave {
        err.push_str(&format!(
            "MySQL slave binlog position: master host '', filename '{f}', position '{p}'\n"
        ));
    }
    meta(
        "backup-my.cnf",
        "# This MySQL options file was generated by innobackupex.\n\n# The MySQL server\n[mysqld]\ninnodb_checksum_algorithm=crc32\ninnodb_log_checksum_algorithm=strict_crc32\ninnodb_data_file_path=ibdata1:12M:autoextend\ninnodb_log_files_in_group=2\ninnodb_log_file_size=50331648\n".to_string(),
        &mut err,
    );
    meta(
        "xtrabackup_checkpoints",
        "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 2768324\nlast_lsn = 2768333\ncompact = 0\nrecover_binlog_info = 0\n".to_string(),
        &mut err,
    );
    meta("xtrabackup_logfile", String::new(), &mut err);
    err.push_str(&format!(
        "xtrabackup: Transaction log of lsn (2768324) to (2768333) was copied.\n{ts} completed OK!\n"
    ));
    ExecResult {
        stdout: pack(&entries),
        stderr: err,
        code: 0,
    }
}

const VERSION_LINE: &str =
    "xtrabackup version 2.4.4 based on MySQL server 5.7.13 Linux (x86_64) (revision id: df58cf2)\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_round_trip_and_bad_input_is_refused() {
        let entries = vec![
            Entry {
                path: "testapp".into(),
                dir: true,
                mode: 0o750,
                data: String::new(),
            },
            Entry {
                path: "ibdata1.json".into(),
                dir: false,
                mode: 0o640,
                data: "{\"a\":\"line\\nwith XBSTCK01 inside\"}\n".into(),
            },
            Entry {
                path: "xtrabackup_binlog_info".into(),
                dir: false,
                mode: 0o640,
                data: "mysql-0-bin.000003\t154\n".into(),
            },
        ];
        let s = pack(&entries);
        assert_eq!(unpack(&s), Ok(entries));
        assert_eq!(unpack("hello\n"), Err(0));
        let mut broken = s.clone();
        broken.truncate(s.len() - 3);
        assert!(unpack(&broken).is_err());
    }

    #[test]
    fn datadir_root_files_that_are_not_copied() {
        for n in [
            "auto.cnf",
            "master.info",
            "mysql-0-bin.000003",
            "mysql-0-bin.index",
            "mysql-1-relay-bin.000002",
            "xtrabackup_checkpoints",
            "change_master_to.sql.orig",
        ] {
            assert!(skipped(n), "{n}");
        }
        assert!(!skipped("ibdata1.json"));
    }
}
