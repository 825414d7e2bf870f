//! The `redis` images (`spec/app-models.md` §3): what the image holds, the `redis-server`
//! process the kubelet runs (start-up and shutdown logs, the dataset in its [`Proc`], RDB
//! and AOF files on the container's filesystem), and `redis-cli`.
//!
//! - `server`: the dataset, commands, `INFO`, persistence and the lazy `serverCron`.
//! - `config`: defaults, config files and `--option` arguments.
//! - `persist`: the files' format (stsim's own, deterministic; real file names).
//! - `cli`: `redis-cli`.
//!
//! Every image runs Redis 7.0's log and `INFO` formats (the captured version); the version
//! string follows the tag.

pub mod cli;
pub mod config;
pub mod persist;
pub mod server;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Probe;

use crate::engine::{SimDuration, SimTime};
use crate::exec::{ExecCx, ExecResult, ProgramFn};
use crate::kubelet::image::ImageRef;
use crate::kubelet::{
    AppCx, AppModel, AppRegistry, ContainerInfo, Exit, ProbeAnswer, ProbeKind, Signal, Startup,
};
use crate::store::{Fs, Proc, Stream};

use super::{DEBIAN_PATH, Flavor, GNU_BASE, ImageProfile, base_layer};
use config::{RedisConfig, fatal_config_error, split_args};
use server::RedisServer;

/// Registers the models of these images.
pub fn register(reg: &mut AppRegistry) {
    reg.register("redis", |info: &ContainerInfo<'_>| {
        let c = info.container;
        let runs = server_argv(
            c.command.as_deref().unwrap_or_default(),
            c.args.as_deref().unwrap_or_default(),
        )
        .is_some();
        super::server_or_shell(runs, || Box::new(RedisModel::new(info)))
    });
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    match name {
        "redis-cli" => Some(cli::redis_cli),
        "redis-server" => Some(redis_server_program),
        _ => None,
    }
}

/// The Redis version an image tag stands for (docker-library/redis `versions.json`).
pub fn version_for_tag(tag: &str) -> String {
    let t = tag.split('-').next().unwrap_or(tag);
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()) {
        return t.to_string();
    }
    match t {
        "6" | "6.2" => "6.2.14",
        "7.0" => "7.0.15",
        "7.2" => "7.2.5",
        "8" | "8.0" => "8.0.2",
        _ => "7.4.2",
    }
    .to_string()
}

/// The Redis version of `image`.
pub fn version_for_image(image: &str) -> String {
    version_for_tag(ImageRef::parse(image).tag())
}

fn download_sha(version: &str) -> Option<&'static str> {
    match version {
        "6.2.14" => Some("34e74856cbd66fdb3a684fb349d93961d8c7aa668b06f81fd93ff267d09bc277"),
        "7.0.15" => Some("98066f5363504b26c34dd20fbcc3c957990d764cdf42576c836fc021073f4341"),
        "7.2.5" => Some("5981179706f8391f03be91d951acafaeda91af7fac56beffb2701963103e423d"),
        _ => None,
    }
}

/// The profile of an image with this short name and tag, if it is one of these.
pub fn profile(short: &str, tag: &str) -> Option<ImageProfile> {
    if short != "redis" {
        return None;
    }
    let alpine = tag.contains("alpine");
    let version = version_for_tag(tag);
    let mut programs: Vec<String> = GNU_BASE
        .iter()
        .filter(|p| !alpine || **p != "bash")
        .map(|s| (*s).to_string())
        .collect();
    programs.push("redis-cli".into());
    programs.push("redis-server".into());
    let mut env = vec![("PATH".to_string(), DEBIAN_PATH.to_string())];
    if !alpine {
        env.push(("GOSU_VERSION".into(), "1.17".into()));
    }
    env.push(("REDIS_VERSION".into(), version.clone()));
    env.push((
        "REDIS_DOWNLOAD_URL".into(),
        format!("http://download.redis.io/releases/redis-{version}.tar.gz"),
    ));
    if let Some(sha) = download_sha(&version) {
        env.push(("REDIS_DOWNLOAD_SHA".into(), sha.into()));
    }
    Some(ImageProfile {
        programs,
        env,
        workdir: "/data".into(),
        flavor: if alpine { Flavor::Busybox } else { Flavor::Gnu },
        layer: redis_layer,
    })
}

fn redis_layer(fs: &mut Fs, now: SimTime) {
    base_layer(fs, now);
    let _ = fs.mkdir_p("/data", 0o755, now);
    let _ = fs.chown("/data", 999, 999, false);
    let _ = fs.mkdir_p("/usr/local/bin", 0o755, now);
}

/// `redis-server` run by hand inside a container (`kubectl exec ... redis-server
/// --version`). Starting a second server from `exec` is not modelled.
fn redis_server_program(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let version = version_for_image(&cx.setup().image);
    match argv.get(1).map(String::as_str) {
        Some("--version" | "-v") => ExecResult::ok(format!(
            "Redis server v={version} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n"
        )),
        _ => {
            let port = argv
                .windows(2)
                .find(|w| w[0] == "--port")
                .and_then(|w| w[1].parse::<u16>().ok())
                .unwrap_or(6379);
            ExecResult::fail(
                format!(
                    "Warning: Could not create server TCP listening socket *:{port}: bind: Address already in use\nFailed listening on port {port} (TCP), aborting.\n"
                ),
                1,
            )
        }
    }
}

/// The argv the container's main process runs: the image's `ENTRYPOINT
/// ["docker-entrypoint.sh"]` and `CMD ["redis-server"]` unless the spec overrides them, then
/// the entrypoint's rule (a first argument starting with `-` or ending in `.conf` gets
/// `redis-server` put before it). `None` when it is not `redis-server`.
pub fn server_argv(command: &[String], args: &[String]) -> Option<Vec<String>> {
    let mut argv: Vec<String> = if command.is_empty() {
        let mut v = vec!["docker-entrypoint.sh".to_string()];
        if args.is_empty() {
            v.push("redis-server".into());
        } else {
            v.extend(args.iter().cloned());
        }
        v
    } else {
        command.iter().chain(args.iter()).cloned().collect()
    };
    // `sh -c "redis-server ..."`: the shell's words.
    if argv.len() >= 3
        && matches!(argv[0].as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash")
        && argv[1] == "-c"
    {
        let mut words = split_args(&argv[2])?;
        if words.first().is_some_and(|w| w == "exec") {
            words.remove(0);
        }
        argv = words;
    }
    if argv
        .first()
        .is_some_and(|a| crate::exec::program_name(a) == "docker-entrypoint.sh")
    {
        argv.remove(0);
        if argv
            .first()
            .is_some_and(|a| a.starts_with('-') || a.ends_with(".conf"))
        {
            argv.insert(0, "redis-server".into());
        }
    }
    match argv.first() {
        Some(a) if crate::exec::program_name(a) == "redis-server" => Some(argv),
        _ => None,
    }
}

/// The node under a Redis container crashed at `at` (kernel and page cache gone, not just
/// the process): AOF writes not yet fsynced are lost (`appendfsync everysec`: up to the last
/// second, §3.5). Call before the container's process is dropped; a plain SIGKILL of the
/// process loses nothing that was written to the AOF.
pub fn node_crash(world: &mut crate::store::World, key: &crate::store::ContainerKey, at: SimTime) {
    cli::with_server(world, key, at, |s, view| s.lose_unsynced_aof(view, at));
}

/// Why the server refused to start: the lines it printed and on which stream.
struct StartFailure {
    stream: Stream,
    text: String,
}

/// Builds the configuration from `redis-server`'s arguments (config file, then options),
/// reading the file through `read`.
fn build_config(
    argv: &[String],
    workdir: &str,
    version: &str,
    read: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    log_prefix: &str,
) -> Result<RedisConfig, StartFailure> {
    let mut cfg = RedisConfig::defaults(workdir);
    let mut rest = &argv[1..];
    let mut file_lines = 0;
    if let Some(first) = rest.first()
        && !first.starts_with("--")
    {
        let path = if first.starts_with('/') {
            first.clone()
        } else {
            format!("{workdir}/{first}")
        };
        let data = read(&path).map_err(|e| StartFailure {
            stream: Stream::Stdout,
            text: format!("{log_prefix} # Fatal error, can't open config file '{first}': {e}"),
        })?;
        let text = String::from_utf8_lossy(&data).into_owned();
        for (i, line) in text.lines().enumerate() {
            file_lines = i + 1;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some(words) = split_args(t) else {
                return Err(StartFailure {
                    stream: Stream::Stderr,
                    text: fatal_config_error(
                        version,
                        i + 1,
                        t,
                        "Unbalanced quotes in configuration line",
                    ),
                });
            };
            if words[0].eq_ignore_ascii_case("include") {
                continue;
            }
            cfg.set(&words[0], &words[1..], workdir)
                .map_err(|e| StartFailure {
                    stream: Stream::Stderr,
                    text: fatal_config_error(version, i + 1, t, &e),
                })?;
        }
        cfg.config_file = path;
        rest = &rest[1..];
    }
    // `--name v1 v2 --other v`: each option with the words up to the next `--`.
    let mut idx = 0;
    let mut opt_no = 0;
    while idx < rest.len() {
        let Some(name) = rest[idx].strip_prefix("--") else {
            idx += 1;
            continue;
        };
        opt_no += 1;
        let mut vals = Vec::new();
        idx += 1;
        while idx < rest.len() && !rest[idx].starts_with("--") {
            vals.push(rest[idx].clone());
            idx += 1;
        }
        if let Err(e) = cfg.set(name, &vals, workdir) {
            let shown: Vec<String> = vals.iter().map(|v| format!("\"{v}\"")).collect();
            let line = if shown.is_empty() {
                name.to_string()
            } else {
                format!("{name} {}", shown.join(" "))
            };
            return Err(StartFailure {
                stream: Stream::Stderr,
                text: fatal_config_error(version, file_lines + 1 + opt_no, &line, &e),
            });
        }
    }
    Ok(cfg)
}

/// The kubelet's model of a `redis` container.
pub struct RedisModel {
    ready_after: SimDuration,
    port: u16,
}

impl RedisModel {
    /// A model for the container in `info`.
    pub fn new(_info: &ContainerInfo<'_>) -> RedisModel {
        RedisModel {
            ready_after: SimDuration::from_ms(2),
            port: 6379,
        }
    }
}

const OVERCOMMIT: &str = "WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.";

impl AppModel for RedisModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let c = cx.info.container;
        let command = c.command.clone().unwrap_or_default();
        let args = c.args.clone().unwrap_or_default();
        let Some(argv) = server_argv(&command, &args) else {
            // Not reached: the registry runs other commands in the shell model.
            return Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: None,
            };
        };
        let image = c.image.clone().unwrap_or_default();
        let version = version_for_image(&image);
        let workdir = c
            .working_dir
            .clone()
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/data".to_string());
        let key = cx.key();
        let now = cx.now;
        let prefix = format!("1:C {}", server::log_time(now));
        let world = &mut *cx.world;
        let mut read = |p: &str| -> Result<Vec<u8>, String> {
            match world.view(&key, now) {
                Some(v) => v.read(p).map_err(|e| e.to_string()),
                None => Err("No such file or directory".to_string()),
            }
        };
        let cfg = match build_config(&argv, &workdir, &version, &mut read, &prefix) {
            Ok(c) => c,
            Err(f) => {
                cx.log_at(SimDuration::ZERO, f.stream, &f.text);
                return Startup {
                    ready_after: None,
                    exit: Some(Exit::with_code(SimDuration::from_ms(2), 1)),
                };
            }
        };
        self.port = cfg.port;
        let ids = (hex40(cx.rng), hex40(cx.rng));
        let has_args = argv.len() > 1;
        let mut srv = RedisServer::new(&version, cfg, now, ids);
        let lvl = if version_at_least(&version, 7, 2) {
            '*'
        } else {
            '#'
        };
        let t1 = now + SimDuration::from_ms(1);
        let t2 = now + SimDuration::from_ms(2);
        srv.log_role(
            1,
            'C',
            now,
            lvl,
            "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        );
        srv.log_role(
            1,
            'C',
            now,
            lvl,
            &format!(
                "Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just started"
            ),
        );
        if has_args {
            srv.log_role(1, 'C', now, lvl, "Configuration loaded");
        } else {
            srv.log_role(
                1,
                'C',
                now,
                '#',
                "Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf",
            );
        }
        srv.log(t1, '*', "monotonic clock: POSIX clock_gettime");
        let port = srv.config.port;
        srv.log(t1, '*', &format!("Running mode=standalone, port={port}."));
        srv.log(t1, lvl, "Server initialized");
        srv.log(t1, '#', OVERCOMMIT);
        if let Some(mut view) = cx.world.view(&key, t1) {
            // The entrypoint (as root) hands the working directory to the redis user.
            let _ = view.chown(&workdir, 999, 999, true);
            srv.load_at_start(&mut view, t1);
        }
        srv.lastsave = t1;
        let ready = if version_at_least(&version, 7, 2) {
            "Ready to accept connections tcp"
        } else {
            "Ready to accept connections"
        };
        srv.log(t2, '*', ready);
        for (at, line) in std::mem::take(&mut srv.outbox) {
            cx.world.log(&key, at, Stream::Stdout, &line);
        }
        let mut proc = Proc::new("redis-server", Box::new(srv));
        proc.listening = BTreeMap::from([(port, t2)]);
        cx.world.procs.insert(key, proc);
        self.ready_after = SimDuration::from_ms(2);
        Startup {
            ready_after: Some(self.ready_after),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        let key = cx.key();
        let now = cx.now;
        let alive = cli::with_server(cx.world, &key, now, |s, view| s.cron(view, now)).is_some();
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
        ProbeAnswer::accepting(alive && listening, probe, cx.info.pod_ip)
    }

    fn on_signal(&mut self, cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        let key = cx.key();
        let now = cx.now;
        match signal {
            Signal::Term | Signal::Int => {
                let name = signal.to_string();
                let took =
                    cli::with_server(cx.world, &key, now, |s, view| s.shutdown(view, now, &name))
                        .unwrap_or(SimDuration::ZERO);
                cx.world.procs.remove(&key);
                Some(Exit::with_code(took, 0))
            }
            // Redis installs no handler for SIGQUIT: the default action ends it at once.
            Signal::Quit => {
                cx.world.procs.remove(&key);
                Some(Exit::with_code(SimDuration::ZERO, 128 + signal.number()))
            }
            Signal::Kill => None,
        }
    }
}

fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0)) >= (major, minor)
}

/// A random 40-character lowercase hex id (`run_id`, `master_replid`).
fn hex40(rng: &mut crate::engine::SimRng) -> String {
    let s: String = (0..3).map(|_| format!("{:016x}", rng.next_u64())).collect();
    s[..40].to_string()
}

#[cfg(test)]
mod tests;
