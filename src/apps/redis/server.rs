//! The Redis server process: its dataset (the state of its [`Proc`](crate::store::Proc)),
//! its commands and replies, and its persistence on the container's filesystem
//! (`spec/app-models.md` §3).
//!
//! Time-driven work (key expiry, the `save` schedule) runs lazily: [`RedisServer::cron`]
//! catches up to the current instant before every command, probe and signal, doing what
//! `serverCron` would have done in between and stamping its log lines with the instants it
//! would have printed them. A save point that falls due while nobody talks to the server and
//! the process is then SIGKILLed is not written (documented limitation).

use std::collections::{BTreeMap, VecDeque};

use crate::engine::time::EPOCH_UNIX_SECONDS;
use crate::engine::{SimDuration, SimTime};
use crate::store::View;

use super::config::RedisConfig;
use super::persist::{self, RDB_MAGIC};

/// A value in the keyspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(String),
    /// A list.
    List(VecDeque<String>),
    /// A hash, in insertion order (as a small listpack hash replies).
    Hash(Vec<(String, String)>),
    /// A set, in insertion order (all-integer sets reply sorted, as an intset does).
    Set(Vec<String>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
        }
    }
}

/// One logical database.
#[derive(Clone, Debug, Default)]
pub struct Db {
    /// Keys and values.
    pub keys: BTreeMap<String, Value>,
    /// Expiry instants (unix milliseconds) of keys with a TTL.
    pub expires: BTreeMap<String, i64>,
}

/// A reply, before redis-cli formats it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Status(String),
    /// `-ERR ...`.
    Error(String),
    /// `:1`.
    Int(i64),
    /// `$5 Alice`; `None` is the nil bulk.
    Bulk(Option<String>),
    /// `*n ...`.
    Array(Vec<Reply>),
}

impl Reply {
    fn ok() -> Reply {
        Reply::Status("OK".into())
    }
    fn err(s: &str) -> Reply {
        Reply::Error(s.to_string())
    }
    fn bulk(s: impl Into<String>) -> Reply {
        Reply::Bulk(Some(s.into()))
    }
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";
/// The reply to anything but AUTH before authenticating.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// The reply to a wrong password.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// A client connection's state.
#[derive(Clone, Debug, Default)]
pub struct Session {
    /// The selected database.
    pub db: usize,
    /// True once AUTH succeeded (or no password is required).
    pub authed: bool,
}

/// Persistence counters (`INFO persistence`).
#[derive(Clone, Debug, Default)]
struct Stats {
    rdb_saves: u64,
    bgsave_done: bool,
    aof_rewrites: u64,
    loaded_keys: u64,
    loaded_expired: u64,
    commands: u64,
    forks: u64,
    expired_keys: u64,
    hits: u64,
    misses: u64,
    errors: BTreeMap<String, u64>,
}

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    /// `7.0.15`.
    pub version: String,
    /// The process id (1: the entrypoint execs the server).
    pub pid: u32,
    next_child_pid: u32,
    /// The configuration.
    pub config: RedisConfig,
    /// When the process started.
    pub started: SimTime,
    /// Databases.
    pub dbs: Vec<Db>,
    /// Changes since the last successful save.
    pub dirty: u64,
    /// When the dataset was last saved (or loaded / the server started).
    pub lastsave: SimTime,
    last_write: SimTime,
    stats: Stats,
    /// The AOF sequence number in use (`appendonly.aof.<seq>.incr.aof`), when AOF is on.
    aof_seq: Option<u64>,
    aof_last_db: Option<usize>,
    aof_base_size: u64,
    /// Appends to the incr file not yet known to be fsynced: (instant, file length after).
    aof_unsynced: Vec<(SimTime, u64)>,
    /// Length of the incr file known to be on disk.
    aof_synced_len: u64,
    /// Log lines not yet written to the container's log: (instant, text).
    pub outbox: Vec<(SimTime, String)>,
    /// Hex ids for `INFO` (`run_id`, `master_replid`).
    pub run_id: String,
    /// The replication id.
    pub replid: String,
}

/// Unix milliseconds of a virtual instant.
pub fn unix_ms(t: SimTime) -> i64 {
    EPOCH_UNIX_SECONDS * 1000 + t.as_ms() as i64
}

/// A log line's timestamp: `22 Nov 2026 09:44:50.594`.
pub fn log_time(t: SimTime) -> String {
    let ms = unix_ms(t);
    let ts = k8s_openapi::jiff::Timestamp::from_millisecond(ms)
        .expect("virtual time stays within jiff's range");
    let base = k8s_openapi::jiff::fmt::strtime::format("%d %b %Y %H:%M:%S", ts)
        .expect("a fixed strftime pattern always formats");
    format!("{base}.{:03}", ms.rem_euclid(1000))
}

/// Redis's glob matching (`KEYS`, `CONFIG GET`): `*`, `?`, `[...]` (with `^` and ranges)
/// and `\` escapes.
pub fn glob_match(pattern: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => {
                let rest = &p[1..];
                (0..=s.len()).any(|i| m(rest, &s[i..]))
            }
            Some('?') => !s.is_empty() && m(&p[1..], &s[1..]),
            Some('[') => {
                let Some(&c) = s.first() else { return false };
                let mut i = 1;
                let negate = p.get(1) == Some(&'^');
                if negate {
                    i += 1;
                }
                let mut matched = false;
                while i < p.len() && p[i] != ']' {
                    if p[i] == '\\' && i + 1 < p.len() {
                        i += 1;
                        matched |= p[i] == c;
                    } else if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                        let (a, b) = if p[i] <= p[i + 2] {
                            (p[i], p[i + 2])
                        } else {
                            (p[i + 2], p[i])
                        };
                        matched |= a <= c && c <= b;
                        i += 2;
                    } else {
                        matched |= p[i] == c;
                    }
                    i += 1;
                }
                if negate {
                    matched = !matched;
                }
                // An unterminated class matches up to the end of the pattern.
                let rest = if i < p.len() {
                    &p[i + 1..]
                } else {
                    &p[p.len()..]
                };
                matched && m(rest, &s[1..])
            }
            Some('\\') if p.len() >= 2 => s.first() == Some(&p[1]) && m(&p[2..], &s[1..]),
            Some(&c) => s.first() == Some(&c) && m(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    m(&p, &s)
}

/// The sections plain `INFO` prints, in Redis 7.0's order.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Redis's `bytesToHuman`: `918.64K`, `11.70M`, `200B`.
pub fn human_bytes(n: u64) -> String {
    let f = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", f / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", f / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", f / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Command arities as Redis declares them: `n` exactly n words (with the name), `-n` at
/// least n.
fn arity(name: &str) -> Option<i32> {
    Some(match name {
        "get" | "incr" | "decr" | "ttl" | "pttl" | "persist" | "type" | "hgetall" | "hkeys"
        | "hvals" | "hlen" | "llen" | "smembers" | "scard" | "keys" | "echo" | "select"
        | "strlen" => 2,
        "set" | "lpush" | "rpush" | "sadd" | "srem" | "hdel" | "expire" | "pexpire" | "mset" => -3,
        "del" | "exists" | "mget" | "lpop" | "rpop" | "auth" | "unlink" | "config" => -2,
        "hset" | "hmset" => -4,
        "hget" | "incrby" | "decrby" | "sismember" | "append" | "setnx" | "getset" | "rename"
        | "hexists" => 3,
        "lrange" | "setex" => 4,
        "ping" | "flushall" | "flushdb" | "bgsave" | "info" | "shutdown" | "quit" | "command"
        | "client" => -1,
        "dbsize" | "save" | "lastsave" | "time" | "randomkey" => 1,
        _ => return None,
    })
}

fn is_write(name: &str) -> bool {
    matches!(
        name,
        "set"
            | "del"
            | "unlink"
            | "incr"
            | "decr"
            | "incrby"
            | "decrby"
            | "expire"
            | "pexpire"
            | "persist"
            | "hset"
            | "hmset"
            | "hdel"
            | "lpush"
            | "rpush"
            | "lpop"
            | "rpop"
            | "sadd"
            | "srem"
            | "mset"
            | "append"
            | "setnx"
            | "setex"
            | "getset"
            | "rename"
            | "flushall"
            | "flushdb"
    )
}

fn parse_int(s: &str) -> Option<i64> {
    // Redis's string2ll: no spaces, no '+', no leading zeros.
    if s.is_empty() || s.starts_with('+') || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    if s.starts_with("-0") {
        return None;
    }
    s.parse().ok()
}

impl RedisServer {
    /// A server that has just started (empty dataset), with `config`.
    pub fn new(version: &str, config: RedisConfig, now: SimTime, ids: (String, String)) -> Self {
        let dbs = (0..config.databases).map(|_| Db::default()).collect();
        RedisServer {
            version: version.to_string(),
            pid: 1,
            next_child_pid: 20,
            config,
            started: now,
            dbs,
            dirty: 0,
            lastsave: now,
            last_write: now,
            stats: Stats::default(),
            aof_seq: None,
            aof_last_db: None,
            aof_base_size: 0,
            aof_unsynced: Vec::new(),
            aof_synced_len: 0,
            outbox: Vec::new(),
            run_id: ids.0,
            replid: ids.1,
        }
    }

    /// Redis 7.2 and later print some start-up lines at notice level (`*`).
    fn is_7_2_or_later(&self) -> bool {
        let mut it = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let major = it.next().unwrap_or(0);
        let minor = it.next().unwrap_or(0);
        (major, minor) >= (7, 2)
    }

    /// Queues a log line of the main process: `1:M <time> <level> <text>`.
    pub fn log(&mut self, at: SimTime, level: char, text: &str) {
        let line = format!("{}:M {} {level} {text}", self.pid, log_time(at));
        self.outbox.push((at, line));
    }

    /// Queues a log line with an explicit role (`C` for a child or before the server role
    /// is known).
    pub fn log_role(&mut self, pid: u32, role: char, at: SimTime, level: char, text: &str) {
        let line = format!("{pid}:{role} {} {level} {text}", log_time(at));
        self.outbox.push((at, line));
    }

    fn notice_or_warning(&self) -> char {
        if self.is_7_2_or_later() { '*' } else { '#' }
    }

    fn rdb_path(&self) -> String {
        format!("{}/{}", self.config.dir, self.config.dbfilename)
    }

    fn aof_dir(&self) -> String {
        format!("{}/{}", self.config.dir, self.config.appenddirname)
    }

    fn key_count(&self) -> usize {
        self.dbs.iter().map(|d| d.keys.len()).sum()
    }

    // ---- start-up -------------------------------------------------------------------

    /// Loads the dataset from the files in `dir` as Redis does at start: the AOF when
    /// `appendonly yes` (creating it when absent, and then ignoring `dump.rdb`), else
    /// `dump.rdb`. Logs what it did at `at`.
    pub fn load_at_start(&mut self, view: &mut View<'_>, at: SimTime) {
        if self.config.appendonly {
            let manifest_path =
                format!("{}/{}.manifest", self.aof_dir(), self.config.appendfilename);
            let manifest = view
                .read(&manifest_path)
                .ok()
                .and_then(|b| persist::parse_manifest(&String::from_utf8_lossy(&b)).ok());
            match manifest {
                Some(entries) if !entries.is_empty() => self.load_aof(view, &entries, at),
                _ => {
                    let seq = 1;
                    let name = self.config.appendfilename.clone();
                    self.log(
                        at,
                        '*',
                        &format!("Creating AOF base file {name}.{seq}.base.rdb on server start"),
                    );
                    self.log(
                        at,
                        '*',
                        &format!("Creating AOF incr file {name}.{seq}.incr.aof on server start"),
                    );
                    self.write_aof_files(view, seq, at);
                }
            }
            return;
        }
        let path = self.rdb_path();
        let Ok(data) = view.read(&path) else {
            return;
        };
        match persist::parse_rdb(&data) {
            Ok(rdb) => {
                self.load_rdb_logged(&rdb, at);
                self.log(at, '*', "DB loaded from disk: 0.000 seconds");
            }
            Err(_) => {
                self.log(
                    at,
                    '#',
                    "Short read or OOM loading DB. Unrecoverable error, aborting now.",
                );
            }
        }
    }

    fn load_rdb_logged(&mut self, rdb: &persist::RdbFile, at: SimTime) {
        let (loaded, expired) = self.replay_rdb_logged(rdb, at, None);
        self.stats.loaded_keys = loaded;
        self.stats.loaded_expired = expired;
    }

    /// Loads an RDB image with the lines Redis logs around it (`note` after the header, as
    /// "RDB is base AOF" for an AOF's base file). Returns (loaded, expired).
    fn replay_rdb_logged(
        &mut self,
        rdb: &persist::RdbFile,
        at: SimTime,
        note: Option<&str>,
    ) -> (u64, u64) {
        let age = at.unix_seconds() - rdb.ctime;
        self.log(
            at,
            '*',
            &format!("Loading RDB produced by version {}", rdb.version),
        );
        self.log(at, '*', &format!("RDB age {} seconds", age.max(0)));
        self.log(
            at,
            '*',
            &format!(
                "RDB memory usage when created {:.2} Mb",
                rdb.used_mem as f64 / (1024.0 * 1024.0)
            ),
        );
        if let Some(note) = note {
            self.log(at, '*', note);
        }
        let (loaded, expired) = self.replay_rdb(&rdb.commands, at);
        self.log(
            at,
            '*',
            &format!("Done loading RDB, keys loaded: {loaded}, keys expired: {expired}."),
        );
        (loaded, expired)
    }

    /// Rebuilds keys from RDB commands; keys whose expiry has passed are dropped. Returns
    /// (loaded, expired).
    fn replay_rdb(&mut self, cmds: &[Vec<String>], at: SimTime) -> (u64, u64) {
        let mut db = 0usize;
        let now_ms = unix_ms(at);
        for c in cmds {
            match c.first().map(String::as_str) {
                Some("SELECT") => {
                    db = c
                        .get(1)
                        .and_then(|v| v.parse().ok())
                        .filter(|d| *d < self.dbs.len())
                        .unwrap_or(0);
                }
                Some("PEXPIREAT") if c.len() == 3 => {
                    if let Ok(when) = c[2].parse::<i64>() {
                        self.dbs[db].expires.insert(c[1].clone(), when);
                    }
                }
                _ => {
                    let mut s = Session { db, authed: true };
                    let _ = self.apply(&mut s, c, at);
                }
            }
        }
        let mut loaded = 0;
        let mut expired = 0;
        for d in &mut self.dbs {
            let gone: Vec<String> = d
                .expires
                .iter()
                .filter(|(_, w)| **w <= now_ms)
                .map(|(k, _)| k.clone())
                .collect();
            for k in gone {
                d.keys.remove(&k);
                d.expires.remove(&k);
                expired += 1;
            }
            loaded += d.keys.len() as u64;
        }
        (loaded, expired)
    }

    fn load_aof(&mut self, view: &mut View<'_>, entries: &[persist::ManifestEntry], at: SimTime) {
        let dir = self.aof_dir();
        let mut seq = 1;
        for e in entries {
            seq = seq.max(e.seq);
            let path = format!("{dir}/{}", e.file);
            let data = view.read(&path).unwrap_or_default();
            if e.kind == 'b' {
                self.log(at, '*', "Reading RDB base file on AOF loading...");
                match persist::parse_rdb(&data) {
                    Ok(rdb) => {
                        self.replay_rdb_logged(&rdb, at, Some("RDB is base AOF"));
                    }
                    Err(_) => {
                        self.log(at, '#', "Bad file format reading the append only file");
                    }
                }
                self.aof_base_size = data.len() as u64;
                self.log(
                    at,
                    '*',
                    &format!("DB loaded from base file {}: 0.000 seconds", e.file),
                );
            } else {
                let cmds = persist::parse_commands(&data).unwrap_or_default();
                let mut s = Session {
                    db: 0,
                    authed: true,
                };
                for c in &cmds {
                    if c.first().is_some_and(|n| n.eq_ignore_ascii_case("SELECT")) {
                        s.db = c
                            .get(1)
                            .and_then(|v| v.parse().ok())
                            .filter(|d| *d < self.dbs.len())
                            .unwrap_or(0);
                        continue;
                    }
                    if c.first()
                        .is_some_and(|n| n.eq_ignore_ascii_case("PEXPIREAT"))
                        && c.len() == 3
                    {
                        if let Ok(when) = c[2].parse::<i64>() {
                            self.dbs[s.db].expires.insert(c[1].clone(), when);
                        }
                        continue;
                    }
                    let _ = self.apply(&mut s, c, at);
                }
                self.log(
                    at,
                    '*',
                    &format!("DB loaded from incr file {}: 0.000 seconds", e.file),
                );
            }
        }
        self.expire_due(at);
        self.stats.loaded_keys = self.key_count() as u64;
        self.log(at, '*', "DB loaded from append only file: 0.000 seconds");
        let incr = format!("{}.{seq}.incr.aof", self.config.appendfilename);
        self.log(
            at,
            '*',
            &format!("Opening AOF incr file {incr} on server start"),
        );
        self.aof_seq = Some(seq);
        self.aof_last_db = None;
    }

    // ---- files ----------------------------------------------------------------------

    fn rdb_bytes(&self, at: SimTime) -> Vec<u8> {
        let mut out = RDB_MAGIC.to_vec();
        let aux =
            |k: &str, v: String| persist::resp_command(&["AUX".to_string(), k.to_string(), v]);
        out.extend(aux("redis-ver", self.version.clone()));
        out.extend(aux("redis-bits", "64".into()));
        out.extend(aux("ctime", at.unix_seconds().to_string()));
        out.extend(aux("used-mem", self.used_memory().to_string()));
        for (i, db) in self.dbs.iter().enumerate() {
            if db.keys.is_empty() {
                continue;
            }
            out.extend(persist::resp_command(&["SELECT".into(), i.to_string()]));
            for (k, v) in &db.keys {
                let mut argv: Vec<String> = match v {
                    Value::Str(s) => vec!["SET".into(), k.clone(), s.clone()],
                    Value::List(l) => {
                        let mut a = vec!["RPUSH".into(), k.clone()];
                        a.extend(l.iter().cloned());
                        a
                    }
                    Value::Hash(h) => {
                        let mut a = vec!["HSET".into(), k.clone()];
                        for (f, x) in h {
                            a.push(f.clone());
                            a.push(x.clone());
                        }
                        a
                    }
                    Value::Set(s) => {
                        let mut a = vec!["SADD".into(), k.clone()];
                        a.extend(s.iter().cloned());
                        a
                    }
                };
                out.extend(persist::resp_command(&argv));
                if let Some(w) = db.expires.get(k) {
                    argv = vec!["PEXPIREAT".into(), k.clone(), w.to_string()];
                    out.extend(persist::resp_command(&argv));
                }
            }
        }
        out.extend(persist::resp_command(&["EOF".to_string()]));
        out
    }

    /// Bytes Redis would report as used memory (a deterministic estimate).
    fn used_memory(&self) -> u64 {
        let data: usize = self
            .dbs
            .iter()
            .flat_map(|d| d.keys.iter())
            .map(|(k, v)| {
                k.len()
                    + 64
                    + match v {
                        Value::Str(s) => s.len(),
                        Value::List(l) => l.iter().map(|x| x.len() + 16).sum(),
                        Value::Hash(h) => h.iter().map(|(a, b)| a.len() + b.len() + 16).sum(),
                        Value::Set(s) => s.iter().map(|x| x.len() + 16).sum(),
                    }
            })
            .sum();
        900_000 + data as u64
    }

    /// Writes `dump.rdb` (the dataset as of `at`). Files are owned by `redis` (999) with
    /// mode 0600 (the entrypoint's umask 0077).
    fn write_rdb(&mut self, view: &mut View<'_>, at: SimTime) -> Result<(), String> {
        let bytes = self.rdb_bytes(at);
        let path = self.rdb_path();
        let _ = view.mkdir(&self.config.dir, 0o755, true);
        view.write(&path, &bytes).map_err(|e| {
            format!(
                "Failed opening the temp RDB file temp-{}.rdb (in server root dir {}) for saving: {e}",
                self.pid, self.config.dir
            )
        })?;
        let _ = view.chown(&path, 999, 999, false);
        let _ = view.chmod(&path, 0o600);
        self.dirty = 0;
        self.lastsave = at;
        self.stats.rdb_saves += 1;
        Ok(())
    }

    /// Writes a fresh AOF base (the dataset now), an empty incr file and the manifest.
    fn write_aof_files(&mut self, view: &mut View<'_>, seq: u64, at: SimTime) {
        let dir = self.aof_dir();
        let name = self.config.appendfilename.clone();
        let _ = view.mkdir(&dir, 0o700, true);
        let base = self.rdb_bytes(at);
        self.aof_base_size = base.len() as u64;
        let files = [
            (format!("{dir}/{name}.{seq}.base.rdb"), base),
            (format!("{dir}/{name}.{seq}.incr.aof"), Vec::new()),
            (
                format!("{dir}/{name}.manifest"),
                persist::manifest_text(seq, &name).into_bytes(),
            ),
        ];
        for (p, b) in files {
            let _ = view.write(&p, &b);
            let _ = view.chown(&p, 999, 999, false);
            let _ = view.chmod(&p, 0o600);
        }
        if seq > 1 {
            let _ = view.remove(&format!("{dir}/{name}.{}.base.rdb", seq - 1), false);
            let _ = view.remove(&format!("{dir}/{name}.{}.incr.aof", seq - 1), false);
        }
        self.aof_seq = Some(seq);
        self.aof_last_db = None;
        self.aof_unsynced.clear();
        self.aof_synced_len = 0;
    }

    fn aof_append(&mut self, view: &mut View<'_>, db: usize, argv: &[String]) {
        let Some(seq) = self.aof_seq else { return };
        let path = format!(
            "{}/{}.{seq}.incr.aof",
            self.aof_dir(),
            self.config.appendfilename
        );
        let mut bytes = Vec::new();
        if self.aof_last_db != Some(db) {
            bytes.extend(persist::resp_command(&["SELECT".into(), db.to_string()]));
            self.aof_last_db = Some(db);
        }
        bytes.extend(persist::resp_command(argv));
        if view.append(&path, &bytes).is_ok() {
            let len = view.read(&path).map_or(0, |d| d.len() as u64);
            if self.config.appendfsync == "always" {
                self.aof_synced_len = len;
            } else {
                self.aof_unsynced.push((view.now, len));
            }
        }
    }

    /// How much of the AOF incr file is on disk (not only in the kernel's page cache) at
    /// `at`: `appendfsync everysec` fsyncs once a second, `no` leaves it to the kernel
    /// (about every 30 s), `always` before replying.
    pub fn durable_aof_len(&self, at: SimTime) -> u64 {
        let period_ms = match self.config.appendfsync.as_str() {
            "always" => {
                return self
                    .aof_unsynced
                    .last()
                    .map_or(self.aof_synced_len, |x| x.1);
            }
            "no" => 30_000,
            _ => 1_000,
        };
        let since = at.saturating_since(self.started).as_ms();
        let boundary = self.started + SimDuration::from_ms(since / period_ms * period_ms);
        self.aof_unsynced
            .iter()
            .filter(|(t, _)| *t < boundary)
            .map(|(_, l)| *l)
            .max()
            .unwrap_or(self.aof_synced_len)
            .max(self.aof_synced_len)
    }

    /// The node crashed at `at`: AOF bytes not yet fsynced are lost (the incr file is cut
    /// back to its durable length).
    pub fn lose_unsynced_aof(&mut self, view: &mut View<'_>, at: SimTime) {
        let Some(seq) = self.aof_seq else { return };
        let path = format!(
            "{}/{}.{seq}.incr.aof",
            self.aof_dir(),
            self.config.appendfilename
        );
        let keep = self.durable_aof_len(at) as usize;
        if let Ok(data) = view.read(&path)
            && data.len() > keep
        {
            let _ = view.write(&path, &data[..keep]);
        }
    }

    fn aof_current_size(&self, view: &View<'_>) -> u64 {
        let Some(seq) = self.aof_seq else { return 0 };
        let path = format!(
            "{}/{}.{seq}.incr.aof",
            self.aof_dir(),
            self.config.appendfilename
        );
        self.aof_base_size + view.read(&path).map_or(0, |d| d.len() as u64)
    }

    // ---- time -----------------------------------------------------------------------

    fn expire_due(&mut self, at: SimTime) -> Vec<(usize, String)> {
        let now_ms = unix_ms(at);
        let mut gone = Vec::new();
        for (i, d) in self.dbs.iter_mut().enumerate() {
            let due: Vec<String> = d
                .expires
                .iter()
                .filter(|(_, w)| **w <= now_ms)
                .map(|(k, _)| k.clone())
                .collect();
            for k in due {
                d.keys.remove(&k);
                d.expires.remove(&k);
                gone.push((i, k));
            }
        }
        gone
    }

    /// Catches up with what `serverCron` would have done up to `now`: expired keys are
    /// deleted (a `DEL` in the AOF) and a save point that fell due runs a BGSAVE at the
    /// instant it fell due.
    pub fn cron(&mut self, view: &mut View<'_>, now: SimTime) {
        for (db, k) in self.expire_due(now) {
            self.stats.expired_keys += 1;
            self.aof_append(view, db, &["DEL".to_string(), k]);
        }
        if self.dirty == 0 {
            return;
        }
        // serverCron runs every 100 ms (hz 10).
        let due = self
            .config
            .save
            .iter()
            .filter(|(_, changes)| self.dirty >= *changes)
            .map(|(secs, changes)| {
                let t = std::cmp::max(
                    self.last_write,
                    self.lastsave + SimDuration::from_secs(*secs),
                );
                let t = SimTime::from_ms(t.as_ms().div_ceil(100) * 100);
                (t, *secs, *changes)
            })
            .filter(|(t, secs, _)| {
                *t <= now && t.saturating_since(self.lastsave) >= SimDuration::from_secs(*secs)
            })
            .min();
        if let Some((t, secs, _)) = due {
            let n = self.dirty;
            self.log(t, '*', &format!("{n} changes in {secs} seconds. Saving..."));
            self.bgsave(view, t);
        }
    }

    fn bgsave(&mut self, view: &mut View<'_>, at: SimTime) {
        self.stats.forks += 1;
        let child = self.next_child_pid;
        self.next_child_pid += 1;
        self.log(
            at,
            '*',
            &format!("Background saving started by pid {child}"),
        );
        let t1 = at + SimDuration::from_ms(1);
        match self.write_rdb(view, at) {
            Ok(()) => {
                self.log_role(child, 'C', t1, '*', "DB saved on disk");
                self.log_role(
                    child,
                    'C',
                    t1,
                    '*',
                    "Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB",
                );
                self.stats.bgsave_done = true;
                self.log(
                    at + SimDuration::from_ms(16),
                    '*',
                    "Background saving terminated with success",
                );
            }
            Err(e) => {
                self.log_role(child, 'C', t1, '#', &e);
                self.log(
                    at + SimDuration::from_ms(16),
                    '#',
                    "Background saving error",
                );
            }
        }
    }

    // ---- shutdown -------------------------------------------------------------------

    /// SIGTERM: Redis's shutdown sequence (fsync the AOF, save the final RDB when save
    /// points exist). Returns how long it takes.
    pub fn shutdown(&mut self, view: &mut View<'_>, now: SimTime, signal: &str) -> SimDuration {
        self.cron(view, now);
        let line = format!(
            "{}:signal-handler ({}) Received {signal} scheduling shutdown...",
            self.pid,
            now.unix_seconds()
        );
        self.outbox.push((now, line));
        let t = now + SimDuration::from_ms(100);
        let lvl = self.notice_or_warning();
        self.log(t, lvl, "User requested shutdown...");
        if self.aof_seq.is_some() {
            self.log(t, '*', "Calling fsync() on the AOF file.");
        }
        if !self.config.save.is_empty() {
            self.log(t, '*', "Saving the final RDB snapshot before exiting.");
            match self.write_rdb(view, t) {
                Ok(()) => self.log(t + SimDuration::from_ms(1), '*', "DB saved on disk"),
                Err(e) => {
                    self.log(t, '#', &e);
                    self.log(t, '#', "Error trying to save the DB, can't exit.");
                }
            }
        }
        let end = t + SimDuration::from_ms(1);
        self.log(end, lvl, "Redis is now ready to exit, bye bye...");
        end.saturating_since(now)
    }

    // ---- commands -------------------------------------------------------------------

    /// Runs one command for a client at `now` (after catching up with `cron`).
    pub fn command(
        &mut self,
        sess: &mut Session,
        argv: &[String],
        view: &mut View<'_>,
        now: SimTime,
    ) -> Reply {
        let r = self.command_inner(sess, argv, view, now);
        self.stats.commands += 1;
        if let Reply::Error(e) = &r {
            let kind = e.split(' ').next().unwrap_or("ERR").to_string();
            *self.stats.errors.entry(kind).or_default() += 1;
        }
        if argv.len() == 2 && argv[0].eq_ignore_ascii_case("get") {
            match &r {
                Reply::Bulk(Some(_)) => self.stats.hits += 1,
                Reply::Bulk(None) => self.stats.misses += 1,
                _ => {}
            }
        }
        r
    }

    fn command_inner(
        &mut self,
        sess: &mut Session,
        argv: &[String],
        view: &mut View<'_>,
        now: SimTime,
    ) -> Reply {
        self.cron(view, now);
        let Some(first) = argv.first() else {
            return Reply::err("ERR empty command");
        };
        let name = first.to_ascii_lowercase();
        let Some(ar) = arity(&name) else {
            let mut msg = format!("ERR unknown command '{first}', with args beginning with: ");
            for a in argv.iter().skip(1) {
                let shown: String = a.chars().take(128).collect();
                msg.push_str(&format!("'{shown}' "));
            }
            return Reply::Error(msg);
        };
        let n = argv.len() as i32;
        if (ar > 0 && n != ar) || (ar < 0 && n < -ar) {
            return Reply::Error(format!(
                "ERR wrong number of arguments for '{name}' command"
            ));
        }
        if !self.config.requirepass.is_empty() && !sess.authed && name != "auth" {
            return Reply::err(NOAUTH);
        }
        match name.as_str() {
            "auth" => return self.auth(sess, argv),
            "select" => {
                return match argv[1].parse::<i64>() {
                    Err(_) => Reply::err(NOT_INT),
                    Ok(i) if i < 0 || i as usize >= self.dbs.len() => {
                        Reply::err("ERR DB index is out of range")
                    }
                    Ok(i) => {
                        sess.db = i as usize;
                        Reply::ok()
                    }
                };
            }
            "save" => {
                return match self.write_rdb(view, now) {
                    Ok(()) => {
                        self.log(now, '*', "DB saved on disk");
                        Reply::ok()
                    }
                    Err(e) => {
                        self.log(now, '#', &e);
                        Reply::err("ERR")
                    }
                };
            }
            "bgsave" => {
                if argv.len() > 2 || (argv.len() == 2 && !argv[1].eq_ignore_ascii_case("schedule"))
                {
                    return Reply::err(SYNTAX);
                }
                self.bgsave(view, now);
                return Reply::Status("Background saving started".into());
            }
            "lastsave" => return Reply::Int(self.lastsave.unix_seconds()),
            "info" => return Reply::bulk(self.info(argv.get(1).map(String::as_str), view, now)),
            "config" => return self.config_cmd(argv, view, now),
            _ => {}
        }
        let dirty_before = self.dirty;
        let reply = self.apply(sess, argv, now);
        if is_write(&name) && self.dirty > dirty_before {
            self.last_write = now;
            if let Some(prop) = self.propagated(argv, sess.db, now) {
                self.aof_append(view, sess.db, &prop);
            }
        }
        if matches!(name.as_str(), "flushall") && !self.config.save.is_empty() {
            // FLUSHALL saves an (empty) RDB when save points exist.
            if self.write_rdb(view, now).is_ok() {
                self.log(now, '*', "DB saved on disk");
            }
        }
        reply
    }

    /// What a write command looks like in the AOF (relative TTLs become absolute).
    fn propagated(&self, argv: &[String], db: usize, _now: SimTime) -> Option<Vec<String>> {
        let name = argv[0].to_ascii_lowercase();
        match name.as_str() {
            "expire" | "pexpire" | "setex" | "set" => {
                let key = argv.get(1)?;
                let when = self.dbs[db].expires.get(key).copied();
                let mut base: Vec<String> = match name.as_str() {
                    "set" | "setex" => {
                        let v = match self.dbs[db].keys.get(key) {
                            Some(Value::Str(s)) => s.clone(),
                            _ => return Some(argv.to_vec()),
                        };
                        vec!["SET".into(), key.clone(), v]
                    }
                    _ => Vec::new(),
                };
                match (when, base.is_empty()) {
                    (Some(w), true) => Some(vec!["PEXPIREAT".into(), key.clone(), w.to_string()]),
                    (Some(w), false) => {
                        base.push("PXAT".into());
                        base.push(w.to_string());
                        Some(base)
                    }
                    (None, true) => Some(vec!["DEL".into(), key.clone()]),
                    (None, false) => Some(base),
                }
            }
            _ => Some(argv.to_vec()),
        }
    }

    fn auth(&mut self, sess: &mut Session, argv: &[String]) -> Reply {
        let pass = match argv.len() {
            2 => &argv[1],
            3 => {
                if argv[1] != "default" {
                    return Reply::err(WRONGPASS);
                }
                &argv[2]
            }
            _ => return Reply::err(SYNTAX),
        };
        if self.config.requirepass.is_empty() {
            if argv.len() == 2 {
                return Reply::err(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                );
            }
            return Reply::err(WRONGPASS);
        }
        if *pass == self.config.requirepass {
            sess.authed = true;
            Reply::ok()
        } else {
            Reply::err(WRONGPASS)
        }
    }

    fn config_cmd(&mut self, argv: &[String], view: &mut View<'_>, now: SimTime) -> Reply {
        let sub = argv[1].to_ascii_lowercase();
        match sub.as_str() {
            "get" => {
                if argv.len() < 3 {
                    return Reply::err("ERR wrong number of arguments for 'config|get' command");
                }
                let mut seen = std::collections::BTreeSet::new();
                let mut out = Vec::new();
                for pat in &argv[2..] {
                    for (k, v) in self.config.get(pat) {
                        if seen.insert(k.clone()) {
                            out.push(Reply::bulk(k));
                            out.push(Reply::bulk(v));
                        }
                    }
                }
                Reply::Array(out)
            }
            "set" => {
                if argv.len() < 4 || !argv.len().is_multiple_of(2) {
                    return Reply::err("ERR wrong number of arguments for 'config|set' command");
                }
                let mut next = self.config.clone();
                for pair in argv[2..].chunks(2) {
                    let param = pair[0].to_ascii_lowercase();
                    if ![
                        "save",
                        "appendonly",
                        "appendfsync",
                        "dir",
                        "dbfilename",
                        "requirepass",
                    ]
                    .contains(&param.as_str())
                        && self.config.get(&param).is_empty()
                    {
                        return Reply::Error(format!(
                            "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                            pair[0]
                        ));
                    }
                    if let Err(e) = next.set(&param, &pair[1..2], &self.config.dir.clone()) {
                        return Reply::Error(format!(
                            "ERR CONFIG SET failed (possibly related to argument '{}') - {e}",
                            pair[0]
                        ));
                    }
                }
                let turn_aof_on = next.appendonly && !self.config.appendonly;
                let turn_aof_off = !next.appendonly && self.config.appendonly;
                self.config = next;
                if turn_aof_on {
                    self.rewrite_aof(view, now);
                } else if turn_aof_off {
                    self.aof_seq = None;
                }
                Reply::ok()
            }
            "resetstat" | "rewrite" => Reply::ok(),
            _ => Reply::Error(format!(
                "ERR unknown subcommand '{}'. Try CONFIG HELP.",
                argv[1]
            )),
        }
    }

    /// `CONFIG SET appendonly yes`: a background AOF rewrite creates the AOF files.
    fn rewrite_aof(&mut self, view: &mut View<'_>, now: SimTime) {
        let child = self.next_child_pid;
        self.next_child_pid += 1;
        self.stats.forks += 1;
        let seq = self
            .aof_seq
            .map_or_else(|| self.existing_aof_seq(view) + 1, |s| s + 1);
        let name = self.config.appendfilename.clone();
        self.log(
            now,
            '*',
            "Creating AOF incr file temp-appendonly.aof.incr on background rewrite",
        );
        self.log(
            now,
            '*',
            &format!("Background append only file rewriting started by pid {child}"),
        );
        let t1 = now + SimDuration::from_ms(11);
        self.log_role(
            child,
            'C',
            t1,
            '*',
            &format!(
                "Successfully created the temporary AOF base file temp-rewriteaof-bg-{child}.aof"
            ),
        );
        self.log_role(
            child,
            'C',
            t1,
            '*',
            "Fork CoW for AOF rewrite: current 0 MB, peak 0 MB, average 0 MB",
        );
        let t2 = now + SimDuration::from_ms(100);
        self.log(t2, '*', "Background AOF rewrite terminated with success");
        self.log(
            t2,
            '*',
            &format!(
                "Successfully renamed the temporary AOF base file temp-rewriteaof-bg-{child}.aof into {name}.{seq}.base.rdb"
            ),
        );
        self.log(
            t2,
            '*',
            &format!(
                "Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into {name}.{seq}.incr.aof"
            ),
        );
        self.log(
            t2 + SimDuration::from_ms(10),
            '*',
            "Background AOF rewrite finished successfully",
        );
        self.write_aof_files(view, seq, now);
        self.stats.aof_rewrites += 1;
    }

    fn existing_aof_seq(&self, view: &View<'_>) -> u64 {
        let p = format!("{}/{}.manifest", self.aof_dir(), self.config.appendfilename);
        view.read(&p)
            .ok()
            .and_then(|b| persist::parse_manifest(&String::from_utf8_lossy(&b)).ok())
            .and_then(|m| m.iter().map(|e| e.seq).max())
            .unwrap_or(0)
    }

    fn info(&self, section: Option<&str>, view: &View<'_>, now: SimTime) -> String {
        let sections: Vec<String> = match section.map(str::to_ascii_lowercase) {
            None => DEFAULT_SECTIONS.iter().map(|s| (*s).to_string()).collect(),
            Some(s) if s == "all" || s == "everything" || s == "default" => {
                DEFAULT_SECTIONS.iter().map(|s| (*s).to_string()).collect()
            }
            Some(s) => vec![s],
        };
        let mut parts = Vec::new();
        for s in sections {
            let lines = match s.as_str() {
                "server" => self.info_server(now),
                "clients" => vec![
                    "# Clients".to_string(),
                    "connected_clients:1".into(),
                    "cluster_connections:0".into(),
                    "maxclients:10000".into(),
                    "client_recent_max_input_buffer:8".into(),
                    "client_recent_max_output_buffer:0".into(),
                    "blocked_clients:0".into(),
                    "tracking_clients:0".into(),
                    "clients_in_timeout_table:0".into(),
                ],
                "persistence" => self.info_persistence(view),
                "memory" => self.info_memory(),
                "stats" => self.info_stats(),
                "cpu" => {
                    // A mostly idle server: about 0.1 % of one CPU.
                    let up = now.saturating_since(self.started).as_ms();
                    let user = format!("{}.{:06}", up / 1_000_000, up % 1_000_000);
                    vec![
                        "# CPU".to_string(),
                        "used_cpu_sys:0.000000".into(),
                        format!("used_cpu_user:{user}"),
                        "used_cpu_sys_children:0.000000".into(),
                        "used_cpu_user_children:0.000000".into(),
                        "used_cpu_sys_main_thread:0.000000".into(),
                        format!("used_cpu_user_main_thread:{user}"),
                    ]
                }
                "modules" => vec!["# Modules".to_string()],
                "errorstats" => {
                    let mut v = vec!["# Errorstats".to_string()];
                    for (k, n) in &self.stats.errors {
                        v.push(format!("errorstat_{k}:count={n}"));
                    }
                    v
                }

                "replication" => vec![
                    "# Replication".to_string(),
                    "role:master".into(),
                    "connected_slaves:0".into(),
                    "master_failover_state:no-failover".into(),
                    format!("master_replid:{}", self.replid),
                    "master_replid2:0000000000000000000000000000000000000000".into(),
                    "master_repl_offset:0".into(),
                    "second_repl_offset:-1".into(),
                    "repl_backlog_active:0".into(),
                    "repl_backlog_size:1048576".into(),
                    "repl_backlog_first_byte_offset:0".into(),
                    "repl_backlog_histlen:0".into(),
                ],
                "cluster" => vec!["# Cluster".to_string(), "cluster_enabled:0".into()],
                "keyspace" => self.info_keyspace(now),
                _ => continue,
            };
            let mut text = lines.join("\r\n");
            text.push_str("\r\n");
            parts.push(text);
        }
        parts.join("\r\n")
    }

    fn info_memory(&self) -> Vec<String> {
        let used = self.used_memory();
        let startup = 875_904u64;
        let dataset = used.saturating_sub(startup);
        let rss = 12_267_520u64;
        let h = human_bytes;
        let mut v = vec![
            "# Memory".to_string(),
            format!("used_memory:{used}"),
            format!("used_memory_human:{}", h(used)),
            format!("used_memory_rss:{rss}"),
            format!("used_memory_rss_human:{}", h(rss)),
            format!("used_memory_peak:{used}"),
            format!("used_memory_peak_human:{}", h(used)),
            "used_memory_peak_perc:100.00%".into(),
            format!("used_memory_overhead:{}", startup + 680),
            format!("used_memory_startup:{startup}"),
            format!("used_memory_dataset:{dataset}"),
            "used_memory_dataset_perc:98.95%".into(),
            format!("allocator_allocated:{}", used + 846_416),
            format!("allocator_active:{}", used + 1_000_816),
            format!("allocator_resident:{}", used + 3_671_408),
            "total_system_memory:8227733504".into(),
            format!("total_system_memory_human:{}", h(8_227_733_504)),
        ];
        const FIXED_1: &[&str] = &[
            "used_memory_lua:32768",
            "used_memory_vm_eval:32768",
            "used_memory_lua_human:32.00K",
            "used_memory_scripts_eval:0",
            "number_of_cached_scripts:0",
            "number_of_functions:0",
            "number_of_libraries:0",
            "used_memory_vm_functions:33792",
            "used_memory_vm_total:66560",
            "used_memory_vm_total_human:65.00K",
            "used_memory_functions:200",
            "used_memory_scripts:200",
            "used_memory_scripts_human:200B",
            "maxmemory:0",
            "maxmemory_human:0B",
            "maxmemory_policy:noeviction",
            "allocator_frag_ratio:1.09",
            "allocator_frag_bytes:154400",
            "allocator_rss_ratio:2.38",
            "allocator_rss_bytes:2670592",
            "rss_overhead_ratio:2.66",
            "rss_overhead_bytes:7655424",
        ];
        v.extend(FIXED_1.iter().map(|s| (*s).to_string()));
        v.push(format!(
            "mem_fragmentation_ratio:{:.2}",
            rss as f64 / used.max(1) as f64
        ));
        v.push(format!(
            "mem_fragmentation_bytes:{}",
            rss.saturating_sub(used)
        ));
        const FIXED_2: &[&str] = &[
            "mem_not_counted_for_evict:0",
            "mem_replication_backlog:0",
            "mem_total_replication_buffers:0",
            "mem_clients_slaves:0",
            "mem_clients_normal:0",
            "mem_cluster_links:0",
            "mem_aof_buffer:0",
            "mem_allocator:jemalloc-5.3.0",
            "active_defrag_running:0",
            "lazyfree_pending_objects:0",
            "lazyfreed_objects:0",
        ];
        v.extend(FIXED_2.iter().map(|s| (*s).to_string()));
        v
    }

    fn info_stats(&self) -> Vec<String> {
        let st = &self.stats;
        let mut v = vec![
            "# Stats".to_string(),
            format!("total_connections_received:{}", st.commands.max(1)),
            format!("total_commands_processed:{}", st.commands),
        ];
        const NET: &[&str] = &[
            "instantaneous_ops_per_sec:0",
            "total_net_input_bytes:0",
            "total_net_output_bytes:0",
            "total_net_repl_input_bytes:0",
            "total_net_repl_output_bytes:0",
            "instantaneous_input_kbps:0.00",
            "instantaneous_output_kbps:0.00",
            "instantaneous_input_repl_kbps:0.00",
            "instantaneous_output_repl_kbps:0.00",
            "rejected_connections:0",
            "sync_full:0",
            "sync_partial_ok:0",
            "sync_partial_err:0",
        ];
        v.extend(NET.iter().map(|s| (*s).to_string()));
        v.push(format!("expired_keys:{}", st.expired_keys));
        const EXPIRY: &[&str] = &[
            "expired_stale_perc:0.00",
            "expired_time_cap_reached_count:0",
            "expire_cycle_cpu_milliseconds:0",
            "evicted_keys:0",
            "evicted_clients:0",
            "total_eviction_exceeded_time:0",
            "current_eviction_exceeded_time:0",
        ];
        v.extend(EXPIRY.iter().map(|s| (*s).to_string()));
        v.push(format!("keyspace_hits:{}", st.hits));
        v.push(format!("keyspace_misses:{}", st.misses));
        v.push("pubsub_channels:0".into());
        v.push("pubsub_patterns:0".into());
        v.push("pubsubshard_channels:0".into());
        v.push(format!(
            "latest_fork_usec:{}",
            if st.forks > 0 { 311 } else { 0 }
        ));
        v.push(format!("total_forks:{}", st.forks));
        const MISC: &[&str] = &[
            "migrate_cached_sockets:0",
            "slave_expires_tracked_keys:0",
            "active_defrag_hits:0",
            "active_defrag_misses:0",
            "active_defrag_key_hits:0",
            "active_defrag_key_misses:0",
            "total_active_defrag_time:0",
            "current_active_defrag_time:0",
            "tracking_total_keys:0",
            "tracking_total_items:0",
            "tracking_total_prefixes:0",
            "unexpected_error_replies:0",
        ];
        v.extend(MISC.iter().map(|s| (*s).to_string()));
        let errors: u64 = st.errors.values().sum();
        v.push(format!("total_error_replies:{errors}"));
        v.push("dump_payload_sanitizations:0".into());
        v.push(format!("total_reads_processed:{}", st.commands * 2));
        v.push(format!("total_writes_processed:{}", st.commands));
        const IO: &[&str] = &[
            "io_threaded_reads_processed:0",
            "io_threaded_writes_processed:0",
            "reply_buffer_shrinks:0",
            "reply_buffer_expands:0",
        ];
        v.extend(IO.iter().map(|s| (*s).to_string()));
        v
    }

    fn info_server(&self, now: SimTime) -> Vec<String> {
        let up = now.saturating_since(self.started).as_secs();
        vec![
            "# Server".to_string(),
            format!("redis_version:{}", self.version),
            "redis_git_sha1:00000000".into(),
            "redis_git_dirty:0".into(),
            "redis_build_id:a5dbd7d7f8e5e0f4".into(),
            "redis_mode:standalone".into(),
            "os:Linux 6.8.0-1-amd64 x86_64".into(),
            "arch_bits:64".into(),
            "monotonic_clock:POSIX clock_gettime".into(),
            "multiplexing_api:epoll".into(),
            "atomicvar_api:c11-builtin".into(),
            "gcc_version:12.2.0".into(),
            format!("process_id:{}", self.pid),
            "process_supervised:no".into(),
            format!("run_id:{}", self.run_id),
            format!("tcp_port:{}", self.config.port),
            format!("server_time_usec:{}", unix_ms(now) * 1000),
            format!("uptime_in_seconds:{up}"),
            format!("uptime_in_days:{}", up / 86400),
            "hz:10".into(),
            "configured_hz:10".into(),
            format!("lru_clock:{}", now.unix_seconds().rem_euclid(1 << 24)),
            "executable:/data/redis-server".into(),
            format!("config_file:{}", self.config.config_file),
            "io_threads_active:0".into(),
        ]
    }

    fn info_persistence(&self, view: &View<'_>) -> Vec<String> {
        let aof = self.aof_seq.is_some();
        let mut v = vec![
            "# Persistence".to_string(),
            "loading:0".into(),
            "async_loading:0".into(),
            "current_cow_peak:0".into(),
            "current_cow_size:0".into(),
            "current_cow_size_age:0".into(),
            "current_fork_perc:0.00".into(),
            "current_save_keys_processed:0".into(),
            "current_save_keys_total:0".into(),
            format!("rdb_changes_since_last_save:{}", self.dirty),
            "rdb_bgsave_in_progress:0".into(),
            format!("rdb_last_save_time:{}", self.lastsave.unix_seconds()),
            "rdb_last_bgsave_status:ok".into(),
            format!(
                "rdb_last_bgsave_time_sec:{}",
                if self.stats.bgsave_done { 0 } else { -1 }
            ),
            "rdb_current_bgsave_time_sec:-1".into(),
            format!("rdb_saves:{}", self.stats.rdb_saves),
            format!(
                "rdb_last_cow_size:{}",
                if self.stats.bgsave_done { 442368 } else { 0 }
            ),
            format!("rdb_last_load_keys_expired:{}", self.stats.loaded_expired),
            format!("rdb_last_load_keys_loaded:{}", self.stats.loaded_keys),
            format!("aof_enabled:{}", u8::from(aof)),
            "aof_rewrite_in_progress:0".into(),
            "aof_rewrite_scheduled:0".into(),
            format!(
                "aof_last_rewrite_time_sec:{}",
                if self.stats.aof_rewrites > 0 { 0 } else { -1 }
            ),
            "aof_current_rewrite_time_sec:-1".into(),
            "aof_last_bgrewrite_status:ok".into(),
            format!("aof_rewrites:{}", self.stats.aof_rewrites),
            "aof_rewrites_consecutive_failures:0".into(),
            "aof_last_write_status:ok".into(),
            "aof_last_cow_size:0".into(),
            "module_fork_in_progress:0".into(),
            "module_fork_last_cow_size:0".into(),
        ];
        if aof {
            v.push(format!("aof_current_size:{}", self.aof_current_size(view)));
            v.push(format!("aof_base_size:{}", self.aof_base_size));
            v.push("aof_pending_rewrite:0".into());
            v.push("aof_buffer_length:0".into());
            v.push("aof_pending_bio_fsync:0".into());
            v.push("aof_delayed_fsync:0".into());
        }
        v
    }

    fn info_keyspace(&self, now: SimTime) -> Vec<String> {
        let mut v = vec!["# Keyspace".to_string()];
        let now_ms = unix_ms(now);
        for (i, d) in self.dbs.iter().enumerate() {
            if d.keys.is_empty() {
                continue;
            }
            let ttl_sum: i64 = d.expires.values().map(|w| (w - now_ms).max(0)).sum();
            let avg = if d.expires.is_empty() {
                0
            } else {
                ttl_sum / d.expires.len() as i64
            };
            v.push(format!(
                "db{i}:keys={},expires={},avg_ttl={avg}",
                d.keys.len(),
                d.expires.len()
            ));
        }
        v
    }

    /// Executes a data command (no persistence side effects beyond `dirty`). Also used to
    /// replay files at start.
    fn apply(&mut self, sess: &mut Session, argv: &[String], now: SimTime) -> Reply {
        let name = argv[0].to_ascii_lowercase();
        let now_ms = unix_ms(now);
        let dbi = sess.db.min(self.dbs.len().saturating_sub(1));
        // Lazy expiry of the keys this command touches.
        {
            let db = &mut self.dbs[dbi];
            for k in argv.iter().skip(1) {
                if db.expires.get(k).is_some_and(|w| *w <= now_ms) {
                    db.expires.remove(k);
                    db.keys.remove(k);
                }
            }
        }
        let db = &mut self.dbs[dbi];
        let a = |i: usize| argv.get(i).cloned().unwrap_or_default();
        match name.as_str() {
            "ping" => match argv.len() {
                1 => Reply::Status("PONG".into()),
                2 => Reply::bulk(a(1)),
                _ => Reply::err("ERR wrong number of arguments for 'ping' command"),
            },
            "echo" => Reply::bulk(a(1)),
            "quit" => Reply::ok(),
            "time" => Reply::Array(vec![
                Reply::bulk((now_ms / 1000).to_string()),
                Reply::bulk(((now_ms % 1000) * 1000).to_string()),
            ]),
            "dbsize" => Reply::Int(db.keys.len() as i64),
            "get" => match db.keys.get(&a(1)) {
                None => Reply::Bulk(None),
                Some(Value::Str(s)) => Reply::bulk(s.clone()),
                Some(_) => Reply::err(WRONGTYPE),
            },
            "strlen" => match db.keys.get(&a(1)) {
                None => Reply::Int(0),
                Some(Value::Str(s)) => Reply::Int(s.len() as i64),
                Some(_) => Reply::err(WRONGTYPE),
            },
            "mget" => Reply::Array(
                argv[1..]
                    .iter()
                    .map(|k| match db.keys.get(k) {
                        Some(Value::Str(s)) => Reply::bulk(s.clone()),
                        _ => Reply::Bulk(None),
                    })
                    .collect(),
            ),
            "set" => self.cmd_set(dbi, argv, now_ms),
            "setnx" => match db.keys.entry(a(1)) {
                std::collections::btree_map::Entry::Occupied(_) => Reply::Int(0),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(Value::Str(a(2)));
                    self.dirty += 1;
                    Reply::Int(1)
                }
            },
            "setex" => {
                let Some(secs) = parse_int(&a(2)) else {
                    return Reply::err(NOT_INT);
                };
                if secs <= 0 {
                    return Reply::err("ERR invalid expire time in 'setex' command");
                }
                db.keys.insert(a(1), Value::Str(a(3)));
                db.expires.insert(a(1), now_ms + secs * 1000);
                self.dirty += 1;
                Reply::ok()
            }
            "getset" => {
                let old = match db.keys.get(&a(1)) {
                    None => None,
                    Some(Value::Str(s)) => Some(s.clone()),
                    Some(_) => return Reply::err(WRONGTYPE),
                };
                db.keys.insert(a(1), Value::Str(a(2)));
                db.expires.remove(&a(1));
                self.dirty += 1;
                Reply::Bulk(old)
            }
            "append" => {
                let cur = match db.keys.get(&a(1)) {
                    None => String::new(),
                    Some(Value::Str(s)) => s.clone(),
                    Some(_) => return Reply::err(WRONGTYPE),
                };
                let new = cur + &a(2);
                let len = new.len() as i64;
                db.keys.insert(a(1), Value::Str(new));
                self.dirty += 1;
                Reply::Int(len)
            }
            "mset" => {
                if argv.len().is_multiple_of(2) {
                    return Reply::err("ERR wrong number of arguments for 'mset' command");
                }
                for p in argv[1..].chunks(2) {
                    db.keys.insert(p[0].clone(), Value::Str(p[1].clone()));
                    db.expires.remove(&p[0]);
                    self.dirty += 1;
                }
                Reply::ok()
            }
            "del" | "unlink" => {
                let mut n = 0;
                for k in &argv[1..] {
                    if db.keys.remove(k).is_some() {
                        db.expires.remove(k);
                        n += 1;
                    }
                }
                self.dirty += n as u64;
                Reply::Int(n)
            }
            "exists" => Reply::Int(
                argv[1..]
                    .iter()
                    .filter(|k| db.keys.contains_key(*k))
                    .count() as i64,
            ),
            "type" => Reply::Status(
                db.keys
                    .get(&a(1))
                    .map_or("none", Value::type_name)
                    .to_string(),
            ),
            "keys" => {
                let pat = a(1);
                Reply::Array(
                    db.keys
                        .keys()
                        .filter(|k| glob_match(&pat, k))
                        .map(|k| Reply::bulk(k.clone()))
                        .collect(),
                )
            }
            "randomkey" => Reply::Bulk(db.keys.keys().next().cloned()),
            "rename" => {
                let Some(v) = db.keys.remove(&a(1)) else {
                    return Reply::err("ERR no such key");
                };
                let exp = db.expires.remove(&a(1));
                db.keys.insert(a(2), v);
                db.expires.remove(&a(2));
                if let Some(e) = exp {
                    db.expires.insert(a(2), e);
                }
                self.dirty += 1;
                Reply::ok()
            }
            "incr" | "decr" | "incrby" | "decrby" => {
                let by = match name.as_str() {
                    "incr" => 1,
                    "decr" => -1,
                    _ => match parse_int(&a(2)) {
                        Some(v) if name == "incrby" => v,
                        Some(v) => match v.checked_neg() {
                            Some(n) => n,
                            None => return Reply::err("ERR decrement would overflow"),
                        },
                        None => return Reply::err(NOT_INT),
                    },
                };
                let cur = match db.keys.get(&a(1)) {
                    None => 0,
                    Some(Value::Str(s)) => match parse_int(s) {
                        Some(v) => v,
                        None => return Reply::err(NOT_INT),
                    },
                    Some(_) => return Reply::err(WRONGTYPE),
                };
                let Some(new) = cur.checked_add(by) else {
                    return Reply::err("ERR increment or decrement would overflow");
                };
                db.keys.insert(a(1), Value::Str(new.to_string()));
                self.dirty += 1;
                Reply::Int(new)
            }
            "expire" | "pexpire" => {
                let Some(v) = parse_int(&a(2)) else {
                    return Reply::err(NOT_INT);
                };
                let flag = argv.get(3).map(|f| f.to_ascii_lowercase());
                if argv.len() > 4
                    || flag
                        .as_deref()
                        .is_some_and(|f| !["nx", "xx", "gt", "lt"].contains(&f))
                {
                    return Reply::Error(format!("ERR Unsupported option {}", a(3)));
                }
                if !db.keys.contains_key(&a(1)) {
                    return Reply::Int(0);
                }
                let ms = if name == "expire" {
                    v.saturating_mul(1000)
                } else {
                    v
                };
                let when = now_ms.saturating_add(ms);
                let cur = db.expires.get(&a(1)).copied();
                let allowed = match flag.as_deref() {
                    Some("nx") => cur.is_none(),
                    Some("xx") => cur.is_some(),
                    Some("gt") => cur.is_some_and(|c| when > c),
                    Some("lt") => cur.is_none_or(|c| when < c),
                    _ => true,
                };
                if !allowed {
                    return Reply::Int(0);
                }
                if when <= now_ms {
                    db.keys.remove(&a(1));
                    db.expires.remove(&a(1));
                } else {
                    db.expires.insert(a(1), when);
                }
                self.dirty += 1;
                Reply::Int(1)
            }
            "persist" => {
                if db.keys.contains_key(&a(1)) && db.expires.remove(&a(1)).is_some() {
                    self.dirty += 1;
                    Reply::Int(1)
                } else {
                    Reply::Int(0)
                }
            }
            "ttl" | "pttl" => {
                if !db.keys.contains_key(&a(1)) {
                    return Reply::Int(-2);
                }
                match db.expires.get(&a(1)) {
                    None => Reply::Int(-1),
                    Some(w) => {
                        let left = (w - now_ms).max(0);
                        if name == "ttl" {
                            Reply::Int((left + 500) / 1000)
                        } else {
                            Reply::Int(left)
                        }
                    }
                }
            }
            "hset" | "hmset" => {
                if !argv.len().is_multiple_of(2) {
                    return Reply::Error(format!(
                        "ERR wrong number of arguments for '{name}' command"
                    ));
                }
                let entry = db
                    .keys
                    .entry(a(1))
                    .or_insert_with(|| Value::Hash(Vec::new()));
                let Value::Hash(h) = entry else {
                    return Reply::err(WRONGTYPE);
                };
                let mut added = 0;
                for p in argv[2..].chunks(2) {
                    match h.iter_mut().find(|(f, _)| *f == p[0]) {
                        Some(slot) => slot.1 = p[1].clone(),
                        None => {
                            h.push((p[0].clone(), p[1].clone()));
                            added += 1;
                        }
                    }
                }
                self.dirty += 1;
                if name == "hmset" {
                    Reply::ok()
                } else {
                    Reply::Int(added)
                }
            }
            "hget" | "hexists" => match db.keys.get(&a(1)) {
                None => {
                    if name == "hget" {
                        Reply::Bulk(None)
                    } else {
                        Reply::Int(0)
                    }
                }
                Some(Value::Hash(h)) => {
                    let v = h.iter().find(|(f, _)| *f == a(2)).map(|(_, v)| v.clone());
                    if name == "hget" {
                        Reply::Bulk(v)
                    } else {
                        Reply::Int(i64::from(v.is_some()))
                    }
                }
                Some(_) => Reply::err(WRONGTYPE),
            },
            "hgetall" | "hkeys" | "hvals" | "hlen" => match db.keys.get(&a(1)) {
                None if name == "hlen" => Reply::Int(0),
                None => Reply::Array(Vec::new()),
                Some(Value::Hash(h)) => match name.as_str() {
                    "hlen" => Reply::Int(h.len() as i64),
                    "hkeys" => {
                        Reply::Array(h.iter().map(|(f, _)| Reply::bulk(f.clone())).collect())
                    }
                    "hvals" => {
                        Reply::Array(h.iter().map(|(_, v)| Reply::bulk(v.clone())).collect())
                    }
                    _ => Reply::Array(
                        h.iter()
                            .flat_map(|(f, v)| [Reply::bulk(f.clone()), Reply::bulk(v.clone())])
                            .collect(),
                    ),
                },
                Some(_) => Reply::err(WRONGTYPE),
            },
            "hdel" => match db.keys.get_mut(&a(1)) {
                None => Reply::Int(0),
                Some(Value::Hash(h)) => {
                    let before = h.len();
                    h.retain(|(f, _)| !argv[2..].contains(f));
                    let n = (before - h.len()) as i64;
                    if h.is_empty() {
                        db.keys.remove(&a(1));
                        db.expires.remove(&a(1));
                    }
                    self.dirty += n as u64;
                    Reply::Int(n)
                }
                Some(_) => Reply::err(WRONGTYPE),
            },
            "lpush" | "rpush" => {
                let entry = db
                    .keys
                    .entry(a(1))
                    .or_insert_with(|| Value::List(VecDeque::new()));
                let Value::List(l) = entry else {
                    return Reply::err(WRONGTYPE);
                };
                for v in &argv[2..] {
                    if name == "lpush" {
                        l.push_front(v.clone());
                    } else {
                        l.push_back(v.clone());
                    }
                }
                self.dirty += (argv.len() - 2) as u64;
                Reply::Int(l.len() as i64)
            }
            "lpop" | "rpop" => {
                let count = match argv.get(2) {
                    None => None,
                    Some(c) => match parse_int(c) {
                        Some(n) if n >= 0 => Some(n as usize),
                        _ => return Reply::err("ERR value is out of range, must be positive"),
                    },
                };
                if argv.len() > 3 {
                    return Reply::Error(format!(
                        "ERR wrong number of arguments for '{name}' command"
                    ));
                }
                match db.keys.get_mut(&a(1)) {
                    None => match count {
                        None => Reply::Bulk(None),
                        Some(_) => Reply::Array(Vec::new()),
                    },
                    Some(Value::List(l)) => {
                        let take = count.unwrap_or(1);
                        let mut out = Vec::new();
                        for _ in 0..take {
                            let v = if name == "lpop" {
                                l.pop_front()
                            } else {
                                l.pop_back()
                            };
                            match v {
                                Some(v) => out.push(v),
                                None => break,
                            }
                        }
                        if l.is_empty() {
                            db.keys.remove(&a(1));
                            db.expires.remove(&a(1));
                        }
                        self.dirty += out.len() as u64;
                        match count {
                            None => Reply::Bulk(out.pop()),
                            Some(_) => Reply::Array(out.into_iter().map(Reply::bulk).collect()),
                        }
                    }
                    Some(_) => Reply::err(WRONGTYPE),
                }
            }
            "llen" => match db.keys.get(&a(1)) {
                None => Reply::Int(0),
                Some(Value::List(l)) => Reply::Int(l.len() as i64),
                Some(_) => Reply::err(WRONGTYPE),
            },
            "lrange" => {
                let (Some(start), Some(stop)) = (parse_int(&a(2)), parse_int(&a(3))) else {
                    return Reply::err(NOT_INT);
                };
                match db.keys.get(&a(1)) {
                    None => Reply::Array(Vec::new()),
                    Some(Value::List(l)) => {
                        let len = l.len() as i64;
                        let s = if start < 0 {
                            (len + start).max(0)
                        } else {
                            start
                        };
                        let e = if stop < 0 {
                            len + stop
                        } else {
                            stop.min(len - 1)
                        };
                        if s > e || s >= len {
                            return Reply::Array(Vec::new());
                        }
                        Reply::Array(
                            l.iter()
                                .skip(s as usize)
                                .take((e - s + 1) as usize)
                                .map(|v| Reply::bulk(v.clone()))
                                .collect(),
                        )
                    }
                    Some(_) => Reply::err(WRONGTYPE),
                }
            }
            "sadd" => {
                let entry = db
                    .keys
                    .entry(a(1))
                    .or_insert_with(|| Value::Set(Vec::new()));
                let Value::Set(s) = entry else {
                    return Reply::err(WRONGTYPE);
                };
                let mut added = 0;
                for v in &argv[2..] {
                    if !s.contains(v) {
                        s.push(v.clone());
                        added += 1;
                    }
                }
                self.dirty += added as u64;
                Reply::Int(added)
            }
            "srem" => match db.keys.get_mut(&a(1)) {
                None => Reply::Int(0),
                Some(Value::Set(s)) => {
                    let before = s.len();
                    s.retain(|m| !argv[2..].contains(m));
                    let n = (before - s.len()) as i64;
                    if s.is_empty() {
                        db.keys.remove(&a(1));
                        db.expires.remove(&a(1));
                    }
                    self.dirty += n as u64;
                    Reply::Int(n)
                }
                Some(_) => Reply::err(WRONGTYPE),
            },
            "smembers" => match db.keys.get(&a(1)) {
                None => Reply::Array(Vec::new()),
                Some(Value::Set(s)) => {
                    let mut members = s.clone();
                    if members.iter().all(|m| parse_int(m).is_some()) {
                        members.sort_by_key(|m| parse_int(m).unwrap_or(0));
                    }
                    Reply::Array(members.into_iter().map(Reply::bulk).collect())
                }
                Some(_) => Reply::err(WRONGTYPE),
            },
            "scard" => match db.keys.get(&a(1)) {
                None => Reply::Int(0),
                Some(Value::Set(s)) => Reply::Int(s.len() as i64),
                Some(_) => Reply::err(WRONGTYPE),
            },
            "sismember" => match db.keys.get(&a(1)) {
                None => Reply::Int(0),
                Some(Value::Set(s)) => Reply::Int(i64::from(s.contains(&a(2)))),
                Some(_) => Reply::err(WRONGTYPE),
            },
            "flushall" | "flushdb" => {
                if argv.len() > 2
                    || argv.get(1).is_some_and(|m| {
                        !m.eq_ignore_ascii_case("sync") && !m.eq_ignore_ascii_case("async")
                    })
                {
                    return Reply::err(SYNTAX);
                }
                let n: usize = if name == "flushall" {
                    let n = self.key_count();
                    for d in &mut self.dbs {
                        *d = Db::default();
                    }
                    n
                } else {
                    let n = self.dbs[dbi].keys.len();
                    self.dbs[dbi] = Db::default();
                    n
                };
                self.dirty += n.max(1) as u64;
                Reply::ok()
            }
            "command" => Reply::Array(Vec::new()),
            "client" => Reply::ok(),
            "shutdown" => Reply::err("ERR Errors trying to SHUTDOWN. Check logs."),
            _ => Reply::Error(format!("ERR unknown command '{}'", argv[0])),
        }
    }

    fn cmd_set(&mut self, dbi: usize, argv: &[String], now_ms: i64) -> Reply {
        let mut nx = false;
        let mut xx = false;
        let mut get = false;
        let mut keepttl = false;
        let mut expire: Option<i64> = None;
        let mut i = 3;
        while i < argv.len() {
            let opt = argv[i].to_ascii_lowercase();
            match opt.as_str() {
                "nx" if !xx => nx = true,
                "xx" if !nx => xx = true,
                "get" => get = true,
                "keepttl" if expire.is_none() => keepttl = true,
                "ex" | "px" | "exat" | "pxat" if expire.is_none() && !keepttl => {
                    let Some(v) = argv.get(i + 1) else {
                        return Reply::err(SYNTAX);
                    };
                    let Some(n) = parse_int(v) else {
                        return Reply::err(NOT_INT);
                    };
                    if n <= 0 {
                        return Reply::err("ERR invalid expire time in 'set' command");
                    }
                    expire = Some(match opt.as_str() {
                        "ex" => now_ms.saturating_add(n.saturating_mul(1000)),
                        "px" => now_ms.saturating_add(n),
                        "exat" => n.saturating_mul(1000),
                        _ => n,
                    });
                    i += 1;
                }
                _ => return Reply::err(SYNTAX),
            }
            i += 1;
        }
        let db = &mut self.dbs[dbi];
        let key = &argv[1];
        let old = match db.keys.get(key) {
            None => None,
            Some(Value::Str(s)) => Some(s.clone()),
            Some(_) if get => return Reply::err(WRONGTYPE),
            Some(_) => Some(String::new()),
        };
        let exists = db.keys.contains_key(key);
        if (nx && exists) || (xx && !exists) {
            return if get {
                Reply::Bulk(old)
            } else {
                Reply::Bulk(None)
            };
        }
        db.keys.insert(key.clone(), Value::Str(argv[2].clone()));
        match expire {
            Some(w) => {
                db.expires.insert(key.clone(), w);
            }
            None if !keepttl => {
                db.expires.remove(key);
            }
            None => {}
        }
        self.dirty += 1;
        if get { Reply::Bulk(old) } else { Reply::ok() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_stringmatchlen() {
        assert!(glob_match("*", "user:1"));
        assert!(glob_match("user:?", "user:1"));
        assert!(!glob_match("nomatch*", "user:1"));
        assert!(glob_match("h[ae]llo", "hallo"));
        assert!(!glob_match("h[^e]llo", "hello"));
        assert!(glob_match("h[a-b]llo", "hbllo"));
        assert!(glob_match("a\\*", "a*"));
        assert!(!glob_match("a\\*", "ab"));
    }

    #[test]
    fn log_time_renders_redis_timestamps() {
        // 2025-01-01T00:00:00Z plus 1.5 s.
        assert_eq!(
            log_time(SimTime::from_ms(1_500)),
            "01 Jan 2025 00:00:01.500"
        );
    }
}
