//! The `mongo` images (`spec/app-models.md` §5.2, essentials): what the image holds, the
//! `mongod` process with its replica-set membership ([`server`]), and `mongosh`
//! ([`shell`], over the small JavaScript of [`js`]).
//!
//! Left out: authentication (`-u/-p` and `MONGO_INITDB_ROOT_*` are accepted and ignored,
//! except that the root user's `--auth` makes a replica set without `--keyFile` refuse to
//! start), the temporary init server's log,
//! the oplog, write concerns, rollback, arbiters, priorities, reconfig, indexes, updates and
//! deletes, aggregation, and mongod's full JSON start-up log (one line is written).

pub mod js;
pub mod server;
pub mod shell;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Probe;

use crate::engine::{SimDuration, SimTime};
use crate::exec::{ExecCx, ProgramFn};
use crate::kubelet::image::ImageRef;
use crate::kubelet::{
    AppCx, AppModel, AppRegistry, ContainerInfo, Exit, ProbeAnswer, ProbeKind, Signal, Startup,
};
use crate::store::{Fs, Proc, Stream};

use super::{DEBIAN_PATH, Flavor, GNU_BASE, ImageProfile, base_layer};
use server::{MongoServer, Role, host_port, sync_set, with_mongod};

/// Registers the models of these images.
pub fn register(reg: &mut AppRegistry) {
    reg.register("mongo", |info: &ContainerInfo<'_>| {
        let c = info.container;
        let runs = mongod_args(
            c.command.as_deref().unwrap_or_default(),
            c.args.as_deref().unwrap_or_default(),
        )
        .is_some();
        super::server_or_shell(runs, || Box::new(MongoModel::new(info)))
    });
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    match name {
        "mongosh" => Some(shell::mongosh),
        _ => None,
    }
}

/// The MongoDB version of an image tag.
pub fn version_for_tag(tag: &str) -> String {
    let t = tag.split('-').next().unwrap_or(tag);
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()) {
        return t.to_string();
    }
    match parts.first().copied().unwrap_or("") {
        "5" => "5.0.30",
        "6" => "6.0.20",
        "7" => "7.0.16",
        _ => "8.0.4",
    }
    .to_string()
}

/// The profile of an image with this short name and tag, if it is one of these.
pub fn profile(short: &str, tag: &str) -> Option<ImageProfile> {
    if short != "mongo" {
        return None;
    }
    let version = version_for_tag(tag);
    let major: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let mut programs: Vec<String> = GNU_BASE.iter().map(|s| (*s).to_string()).collect();
    programs.push("mongosh".into());
    programs.push("mongod".into());
    Some(ImageProfile {
        programs,
        env: vec![
            ("PATH".into(), DEBIAN_PATH.into()),
            ("GOSU_VERSION".into(), "1.17".into()),
            ("JSYAML_VERSION".into(), "3.13.1".into()),
            ("MONGO_PACKAGE".into(), "mongodb-org".into()),
            ("MONGO_REPO".into(), "repo.mongodb.org".into()),
            ("MONGO_MAJOR".into(), major),
            ("MONGO_VERSION".into(), version),
            ("HOME".into(), "/data/db".into()),
        ],
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer: mongo_layer,
    })
}

fn mongo_layer(fs: &mut Fs, now: SimTime) {
    base_layer(fs, now);
    for d in ["/data/db", "/data/configdb"] {
        let _ = fs.mkdir_p(d, 0o755, now);
        let _ = fs.chown(d, 999, 999, false);
    }
}

/// What `mongod` was asked to run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MongodArgs {
    /// `--replSet`.
    pub repl_set: Option<String>,
    /// `--port`.
    pub port: u16,
    /// `--dbpath`.
    pub dbpath: String,
    /// `--keyFile`.
    pub key_file: Option<String>,
}

/// The `mongod` arguments of a container (image `ENTRYPOINT ["docker-entrypoint.sh"]`,
/// `CMD ["mongod"]`; a first argument starting with `-` gets `mongod` put before it).
/// `None` when the process is not `mongod`.
pub fn mongod_args(command: &[String], args: &[String]) -> Option<MongodArgs> {
    let mut argv: Vec<String> = if command.is_empty() {
        if args.is_empty() {
            vec!["mongod".into()]
        } else {
            args.to_vec()
        }
    } else {
        command.iter().chain(args.iter()).cloned().collect()
    };
    if argv.len() >= 3 && matches!(argv[0].as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash") {
        argv = argv[2].split_whitespace().map(str::to_string).collect();
        if argv.first().is_some_and(|w| w == "exec") {
            argv.remove(0);
        }
    }
    if argv
        .first()
        .is_some_and(|a| crate::exec::program_name(a) == "docker-entrypoint.sh")
    {
        argv.remove(0);
    }
    if argv.first().is_some_and(|a| a.starts_with('-')) {
        argv.insert(0, "mongod".into());
    }
    if argv.first().map(|a| crate::exec::program_name(a)) != Some("mongod") {
        return None;
    }
    let mut out = MongodArgs {
        repl_set: None,
        port: 27017,
        dbpath: "/data/db".into(),
        key_file: None,
    };
    let mut i = 1;
    while i < argv.len() {
        let (name, inline) = match argv[i].split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (argv[i].clone(), None),
        };
        let mut value = || {
            inline.clone().or_else(|| {
                i += 1;
                argv.get(i).cloned()
            })
        };
        match name.as_str() {
            "--replSet" => out.repl_set = value(),
            "--port" => out.port = value().and_then(|p| p.parse().ok()).unwrap_or(27017),
            "--dbpath" => out.dbpath = value().unwrap_or_else(|| "/data/db".into()),
            "--keyFile" => out.key_file = value(),
            _ => {}
        }
        i += 1;
    }
    Some(out)
}

/// The kubelet's model of a `mongo` container.
pub struct MongoModel {
    port: u16,
}

impl MongoModel {
    /// A model for the container in `info`.
    pub fn new(_info: &ContainerInfo<'_>) -> MongoModel {
        MongoModel { port: 27017 }
    }
}

/// Startup time (§7: ~1–3 s).
const READY_AFTER: SimDuration = SimDuration::from_ms(1500);

fn exec_cx<'a>(cx: &'a mut AppCx<'_>, at: SimTime) -> Option<ExecCx<'a>> {
    let key = cx.key();
    ExecCx::new(cx.world, cx.api, cx.dns, cx.rng, key, at, false, None)
}

impl AppModel for MongoModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let c = cx.info.container;
        let Some(args) = mongod_args(
            &c.command.clone().unwrap_or_default(),
            &c.args.clone().unwrap_or_default(),
        ) else {
            // Not reached: the registry runs other commands in the shell model.
            return Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: None,
            };
        };
        let version = version_for_image(c.image.as_deref().unwrap_or(""));
        let key = cx.key();
        let now = cx.now;
        // The image's entrypoint adds `--auth` whenever MONGO_INITDB_ROOT_USERNAME and
        // _PASSWORD are set (on every start, not only the first). mongod then refuses a
        // replica set without a key file for the members' internal authentication.
        let env: BTreeMap<String, String> = cx
            .world
            .setup(&key)
            .map(|s| s.env.iter().cloned().collect())
            .unwrap_or_default();
        let auth = ["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"]
            .iter()
            .all(|k| env.get(*k).is_some_and(|v| !v.is_empty()));
        if auth && args.repl_set.is_some() && args.key_file.is_none() {
            cx.world.log(
                &key,
                now + SimDuration::from_ms(300),
                Stream::Stderr,
                "BadValue: security.keyFile is required when authorization is enabled with replica sets",
            );
            cx.world.log(
                &key,
                now + SimDuration::from_ms(300),
                Stream::Stderr,
                "try 'mongod --help' for more information",
            );
            return Startup {
                ready_after: None,
                exit: Some(Exit::with_code(SimDuration::from_ms(300), 2)),
            };
        }
        let hostname = cx
            .world
            .setup(&key)
            .map(|s| s.hostname.clone())
            .unwrap_or_default();
        let srv = match cx.world.view(&key, now) {
            Some(v) => MongoServer::load(
                &version,
                args.repl_set.clone(),
                &args.dbpath,
                args.port,
                &hostname,
                &v,
                now,
            ),
            None => {
                return Startup {
                    ready_after: None,
                    exit: Some(Exit::with_code(SimDuration::ZERO, 1)),
                };
            }
        };
        let ready = now + READY_AFTER;
        let ts = server::unix_ms(ready);
        let line = format!(
            "{{\"t\":{{\"$date\":\"{}+00:00\"}},\"s\":\"I\",  \"c\":\"NETWORK\",  \"id\":23016,   \"ctx\":\"listener\",\"msg\":\"Waiting for connections\",\"attr\":{{\"port\":{},\"ssl\":\"off\"}}}}",
            js::iso(ts).trim_end_matches('Z'),
            args.port
        );
        cx.world.log(&key, ready, Stream::Stdout, &line);
        let mut proc = Proc::new("mongod", Box::new(srv));
        proc.listening = BTreeMap::from([(args.port, ready)]);
        cx.world.procs.insert(key.clone(), proc);
        self.port = args.port;
        // A restarted member looks for the set's primary once it listens.
        if let Some(mut ecx) = exec_cx(cx, ready) {
            sync_set(&mut ecx, &key);
        }
        Startup {
            ready_after: Some(READY_AFTER),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        let key = cx.key();
        let now = cx.now;
        if let Some(mut ecx) = exec_cx(cx, now) {
            sync_set(&mut ecx, &key);
        }
        if let Some(exec) = &probe.exec {
            let argv = exec.command.clone().unwrap_or_default();
            return match cx.exec(SimDuration::ZERO, &argv, None) {
                Ok((r, _)) if r.code == 0 => ProbeAnswer::Success,
                Ok((r, _)) => ProbeAnswer::Failure(format!("{}{}", r.stdout, r.stderr)),
                Err(e) => ProbeAnswer::Failure(e.0),
            };
        }
        let listening = cx
            .world
            .procs
            .get(&key)
            .and_then(|p| p.listening.get(&self.port))
            .is_some_and(|t| *t <= now);
        ProbeAnswer::accepting(listening, probe, cx.info.pod_ip)
    }

    fn on_signal(&mut self, cx: &mut AppCx<'_>, _signal: Signal) -> Option<Exit> {
        let key = cx.key();
        let now = cx.now;
        // A primary steps down first; the others elect a new primary about 2 s later.
        let st = with_mongod(cx.world, &key, now, |s| (s.role, s.members.clone()));
        cx.world.procs.remove(&key);
        if let Some((Role::Primary, members)) = st
            && let Some(mut ecx) = exec_cx(cx, now)
        {
            for m in &members {
                let (h, p) = host_port(&m.host);
                if let Ok(k) = ecx.connect(&h, p) {
                    with_mongod(ecx.world, &k, now, |s| {
                        s.election_due = Some(now + SimDuration::from_secs(2));
                    });
                }
            }
        }
        Some(Exit::with_code(SimDuration::from_ms(500), 0))
    }
}

/// The MongoDB version of `image`.
pub fn version_for_image(image: &str) -> String {
    version_for_tag(ImageRef::parse(image).tag())
}

#[cfg(test)]
mod tests;
