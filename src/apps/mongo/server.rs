//! The `mongod` process: its collections, its replica-set view, and the operations that
//! need the other members (initiate, replication, elections), reached through their
//! processes in the [`World`] (`spec/app-models.md` §5.2).
//!
//! The model is small on purpose:
//! - data lives in the member's Proc and is written to `<dbpath>/stsim-mongod.json` (stsim's
//!   own format) after every change, so it survives what the volume survives;
//! - a write on the primary is copied at once to every reachable secondary (no oplog, no
//!   write-concern waits, no rollback directory);
//! - elections are evaluated lazily whenever a member is asked something (a client, a
//!   probe, a start): with no reachable primary, once a majority is reachable and the
//!   election is due (10 s after the loss was first seen, 2 s after a primary stepped down
//!   on SIGTERM), the reachable member with the most writes (ties: lowest `_id`) wins; a
//!   member that restarted after the election fell due does not stand.

use crate::engine::time::EPOCH_UNIX_SECONDS;
use crate::engine::{SimDuration, SimTime};
use crate::exec::ExecCx;
use crate::store::{ContainerKey, View, World};

use super::js::JsVal;
use std::collections::BTreeMap;

/// Where a member stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Started with `--replSet` but not part of an initiated set yet (`OTHER`).
    Other,
    /// `PRIMARY`.
    Primary,
    /// `SECONDARY`.
    Secondary,
    /// Started without `--replSet`.
    Standalone,
}

impl Role {
    /// `stateStr`.
    pub fn state_str(self) -> &'static str {
        match self {
            Role::Primary => "PRIMARY",
            Role::Secondary => "SECONDARY",
            Role::Other | Role::Standalone => "OTHER",
        }
    }

    /// `state`.
    pub fn state(self) -> i64 {
        match self {
            Role::Primary => 1,
            Role::Secondary => 2,
            Role::Other | Role::Standalone => 10,
        }
    }
}

/// One member of the replica-set config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// `_id`.
    pub id: i64,
    /// `host` (`mongo-0.mongo:27017`).
    pub host: String,
}

/// The collections: database → collection → documents in insertion order.
pub type Dbs = BTreeMap<String, BTreeMap<String, Vec<JsVal>>>;

/// A running `mongod`.
#[derive(Debug)]
pub struct MongoServer {
    /// `7.0.16`.
    pub version: String,
    /// `--replSet` name.
    pub repl_set: Option<String>,
    /// The config's members once initiated.
    pub members: Vec<Member>,
    /// The config's set name once initiated.
    pub set_name: Option<String>,
    /// The election term.
    pub term: i64,
    /// Role.
    pub role: Role,
    /// Writes applied (the freshness elections compare).
    pub optime: u64,
    /// When the last write happened.
    pub optime_at: SimTime,
    /// Data.
    pub dbs: Dbs,
    /// When this member became primary.
    pub elected_at: Option<SimTime>,
    /// When an election is due (no primary seen).
    pub election_due: Option<SimTime>,
    /// When the process started.
    pub started: SimTime,
    /// `--dbpath`.
    pub dbpath: String,
    /// `--port`.
    pub port: u16,
    /// The container's hostname (for `rs.initiate()` without a config).
    pub hostname: String,
}

/// The state file under the dbpath.
pub const STATE_FILE: &str = "stsim-mongod.json";

impl MongoServer {
    /// Loads what a previous instance left in `dbpath`, or starts empty.
    pub fn load(
        version: &str,
        repl_set: Option<String>,
        dbpath: &str,
        port: u16,
        hostname: &str,
        view: &View<'_>,
        now: SimTime,
    ) -> MongoServer {
        let mut s = MongoServer {
            version: version.to_string(),
            role: if repl_set.is_some() {
                Role::Other
            } else {
                Role::Standalone
            },
            repl_set,
            members: Vec::new(),
            set_name: None,
            term: 0,
            optime: 0,
            optime_at: now,
            dbs: Dbs::new(),
            elected_at: None,
            election_due: None,
            started: now,
            dbpath: dbpath.to_string(),
            port,
            hostname: hostname.to_string(),
        };
        let path = format!("{dbpath}/{STATE_FILE}");
        if let Ok(bytes) = view.read(&path)
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            s.term = v["term"].as_i64().unwrap_or(0);
            s.optime = v["optime"].as_u64().unwrap_or(0);
            s.set_name = v["set"].as_str().map(str::to_string);
            s.members = v["members"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|m| {
                            Some(Member {
                                id: m["_id"].as_i64()?,
                                host: m["host"].as_str()?.to_string(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(dbs) = v["dbs"].as_object() {
                for (db, colls) in dbs {
                    let Some(colls) = colls.as_object() else {
                        continue;
                    };
                    for (c, docs) in colls {
                        let docs = docs
                            .as_array()
                            .map(|a| a.iter().map(JsVal::from_json).collect())
                            .unwrap_or_default();
                        s.dbs.entry(db.clone()).or_default().insert(c.clone(), docs);
                    }
                }
            }
            if s.set_name.is_some() && s.repl_set.is_some() {
                // A restarted member rejoins as a secondary and looks for the primary.
                s.role = Role::Secondary;
            }
        }
        s
    }

    /// Writes the state file.
    pub fn persist(&self, view: &mut View<'_>) {
        let mut dbs = serde_json::Map::new();
        for (db, colls) in &self.dbs {
            let mut m = serde_json::Map::new();
            for (c, docs) in colls {
                m.insert(
                    c.clone(),
                    serde_json::Value::Array(docs.iter().map(JsVal::to_json).collect()),
                );
            }
            dbs.insert(db.clone(), serde_json::Value::Object(m));
        }
        let v = serde_json::json!({
            "set": self.set_name,
            "term": self.term,
            "optime": self.optime,
            "members": self.members.iter().map(|m| serde_json::json!({"_id": m.id, "host": m.host})).collect::<Vec<_>>(),
            "dbs": dbs,
        });
        let _ = view.mkdir(&self.dbpath, 0o755, true);
        let text = serde_json::to_vec_pretty(&v).unwrap_or_default();
        let _ = view.write(&format!("{}/{STATE_FILE}", self.dbpath), &text);
    }

    /// True when writes are accepted here.
    pub fn is_writable(&self) -> bool {
        matches!(self.role, Role::Primary | Role::Standalone)
    }

    /// This member's `_id` in the config, found by host name.
    pub fn my_id(&self, me: &str) -> Option<i64> {
        self.members.iter().find(|m| m.host == me).map(|m| m.id)
    }
}

/// Unix milliseconds of a virtual instant.
pub fn unix_ms(t: SimTime) -> i64 {
    EPOCH_UNIX_SECONDS * 1000 + t.as_ms() as i64
}

/// Splits `host:port` (port 27017 when absent).
pub fn host_port(h: &str) -> (String, u16) {
    match h.rsplit_once(':') {
        Some((host, p)) => (host.to_string(), p.parse().unwrap_or(27017)),
        None => (h.to_string(), 27017),
    }
}

/// Runs `f` on the mongod of `key` (taken out of the world and put back, its state file
/// rewritten). `None` when no mongod runs there.
pub fn with_mongod<R>(
    world: &mut World,
    key: &ContainerKey,
    now: SimTime,
    f: impl FnOnce(&mut MongoServer) -> R,
) -> Option<R> {
    let mut proc = world.procs.remove(key)?;
    let r = proc.state.downcast_mut::<MongoServer>().map(|s| {
        let r = f(s);
        if let Some(mut v) = world.view(key, now) {
            s.persist(&mut v);
        }
        r
    });
    world.procs.insert(key.clone(), proc);
    r
}

/// The members of `self_key`'s set with the container each resolves to (or `None` when it
/// is unreachable), and the member `_id` of `self_key`.
pub fn reach_members(
    cx: &mut ExecCx<'_>,
    self_key: &ContainerKey,
    members: &[Member],
) -> Vec<(Member, Option<ContainerKey>)> {
    members
        .iter()
        .map(|m| {
            let (h, p) = host_port(&m.host);
            let k = cx.connect(&h, p).ok().filter(|k| {
                k == self_key
                    || cx
                        .world
                        .procs
                        .get(k)
                        .is_some_and(|pr| pr.state.is::<MongoServer>())
            });
            (m.clone(), k)
        })
        .collect()
}

/// Brings the reachable members of `self_key`'s set into agreement: one primary (the
/// reachable one with the highest term, else an election when due and a majority is
/// reachable), secondaries caught up with its data.
pub fn sync_set(cx: &mut ExecCx<'_>, self_key: &ContainerKey) {
    let now = cx.now();
    let members = match cx
        .world
        .procs
        .get(self_key)
        .and_then(|p| p.state.downcast_ref::<MongoServer>())
    {
        Some(s) if s.set_name.is_some() && s.repl_set.is_some() => s.members.clone(),
        _ => return,
    };
    let reach = reach_members(cx, self_key, &members);
    let mut taken: Vec<(Member, ContainerKey, crate::store::Proc)> = Vec::new();
    for (m, k) in reach {
        if let Some(k) = k
            && !taken.iter().any(|(_, tk, _)| *tk == k)
            && let Some(p) = cx.world.procs.remove(&k)
        {
            taken.push((m, k, p));
        }
    }
    {
        let mut servers: Vec<(i64, &mut MongoServer)> = taken
            .iter_mut()
            .filter_map(|(m, _, p)| p.state.downcast_mut::<MongoServer>().map(|s| (m.id, s)))
            .collect();
        sync_servers(&mut servers, members.len(), now);
    }
    for (_, k, mut p) in taken {
        if let Some(s) = p.state.downcast_mut::<MongoServer>()
            && let Some(mut v) = cx.world.view(&k, now)
        {
            s.persist(&mut v);
        }
        cx.world.procs.insert(k, p);
    }
}

/// The agreement step of [`sync_set`] over the reachable servers.
pub fn sync_servers(servers: &mut [(i64, &mut MongoServer)], member_count: usize, now: SimTime) {
    let primary = servers
        .iter()
        .enumerate()
        .filter(|(_, (_, s))| s.role == Role::Primary)
        .max_by_key(|(_, (id, s))| (s.term, -id))
        .map(|(i, _)| i);
    let winner = match primary {
        Some(p) => Some(p),
        None => {
            let due = servers
                .iter_mut()
                .map(|(_, s)| {
                    *s.election_due
                        .get_or_insert(now + SimDuration::from_secs(10))
                })
                .min();
            let majority = servers.len() * 2 > member_count;
            match due {
                Some(due) if majority && due <= now => {
                    let term = servers.iter().map(|(_, s)| s.term).max().unwrap_or(0) + 1;
                    // A member that (re)started after the election fell due is still
                    // starting up (STARTUP2, RECOVERING) when the others vote: it is no
                    // candidate, unless every reachable member is in that case.
                    let settled = servers.iter().any(|(_, s)| s.started <= due);
                    let w = servers
                        .iter()
                        .enumerate()
                        .filter(|(_, (_, s))| !settled || s.started <= due)
                        .max_by_key(|(_, (id, s))| (s.optime, -id))
                        .map(|(i, _)| i);
                    if let Some(w) = w {
                        let s = &mut servers[w].1;
                        s.role = Role::Primary;
                        s.term = term;
                        s.elected_at = Some(due);
                    }
                    w
                }
                _ => None,
            }
        }
    };
    let Some(w) = winner else { return };
    let (term, optime, optime_at, dbs) = {
        let s = &servers[w].1;
        (s.term, s.optime, s.optime_at, s.dbs.clone())
    };
    for (i, (_, s)) in servers.iter_mut().enumerate() {
        s.election_due = None;
        if i == w {
            continue;
        }
        s.role = Role::Secondary;
        s.term = term;
        s.elected_at = None;
        if s.optime != optime || s.dbs != dbs {
            s.optime = optime;
            s.optime_at = optime_at;
            s.dbs = dbs.clone();
        }
    }
}
