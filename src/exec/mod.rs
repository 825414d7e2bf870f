//! Programs that run inside containers: what `kubectl exec`, `kubectl run -- CMD`, exec
//! probes and a container's own command execute.
//!
//! A program is a function over an [`ExecCx`] (the container's filesystem view, environment,
//! hostname, stdin, DNS, the servers it can connect to, and virtual time it may spend) and its
//! argv; it returns what it printed and its exit code ([`ExecResult`]). Which programs an
//! image has is data ([`toolset`]); a program the image lacks fails to start the way
//! containerd reports it.
//!
//! Programs are registered by the modules that implement them (busybox tools, psql,
//! redis-cli...) in [`lookup`].

pub mod images;
pub mod net;
pub mod testing;

use std::collections::BTreeMap;

use crate::apiserver::ApiServer;
use crate::dns::{CoreDns, QType};
use crate::engine::{SimDuration, SimRng, SimTime};
use crate::store::{ContainerKey, ContainerSetup, View, World};

/// What a program printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit code.
    pub code: i32,
}

impl ExecResult {
    /// Success with `stdout`.
    pub fn ok(stdout: impl Into<String>) -> ExecResult {
        ExecResult {
            stdout: stdout.into(),
            ..ExecResult::default()
        }
    }

    /// Failure with `stderr` and `code`.
    pub fn fail(stderr: impl Into<String>, code: i32) -> ExecResult {
        ExecResult {
            stderr: stderr.into(),
            code,
            ..ExecResult::default()
        }
    }
}

/// Why a command could not even start (containerd's exec errors; kubectl prints them as
/// `error: Internal error occurred: ...` and exits 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartError(pub String);

/// A program: runs with a context and argv (argv\[0\] is the name it was called by).
pub type ProgramFn = fn(&mut ExecCx<'_>, &[String]) -> ExecResult;

/// Why a connection failed, as a client's `connect(2)` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The name does not resolve (NXDOMAIN for every search candidate).
    UnknownHost(String),
    /// Nothing listens on that port of that address (`ECONNREFUSED`).
    Refused {
        /// The address tried.
        ip: String,
    },
    /// No host answers at that address (the pod is gone or its node is down): the client
    /// times out.
    Timeout {
        /// The address tried.
        ip: String,
    },
}

/// Everything a program may use.
pub struct ExecCx<'a> {
    /// Bytes, layers, processes and logs.
    pub world: &'a mut World,
    /// The API server (read-only: what the cluster's DNS serves).
    pub api: &'a ApiServer,
    /// The cluster's DNS server.
    pub dns: &'a mut CoreDns,
    /// The container the program runs in.
    pub key: ContainerKey,
    /// When the program started.
    pub started: SimTime,
    /// Virtual time the program has spent so far (`sleep`, connection timeouts, a server's
    /// work); the caller advances the cluster by it afterwards.
    pub elapsed: SimDuration,
    /// The random stream programs draw from.
    pub rng: &'a mut SimRng,
    /// True when the program has a terminal (`kubectl exec -t`).
    pub tty: bool,
    /// Standard input, when attached (`-i`); `None` reads as end-of-file.
    pub stdin: Option<String>,
    /// Environment variables: the container's, then what the program's caller set.
    pub env: BTreeMap<String, String>,
    /// The working directory.
    pub cwd: String,
    /// What the running program wrote to standard error before anything else (a client's
    /// start-up warning): a shell puts it before the program's other output in a log.
    pub early_stderr: String,
}

impl<'a> ExecCx<'a> {
    /// A context for a program started in container `key` at `now`, with the container's
    /// environment. `None` when the container has not started.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        world: &'a mut World,
        api: &'a ApiServer,
        dns: &'a mut CoreDns,
        rng: &'a mut SimRng,
        key: ContainerKey,
        now: SimTime,
        tty: bool,
        stdin: Option<String>,
    ) -> Option<ExecCx<'a>> {
        let setup = world.setup(&key)?;
        let mut env: BTreeMap<String, String> = images::image_env(&setup.image)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.insert("HOSTNAME".into(), setup.hostname.clone());
        for (k, v) in &setup.env {
            env.insert(k.clone(), v.clone());
        }
        let cwd = if setup.working_dir.is_empty() {
            images::image_workdir(&setup.image).to_string()
        } else {
            setup.working_dir.clone()
        };
        Some(ExecCx {
            world,
            api,
            dns,
            key,
            started: now,
            elapsed: SimDuration::ZERO,
            rng,
            tty,
            stdin,
            env,
            cwd,
            early_stderr: String::new(),
        })
    }

    /// The current instant (start plus time spent).
    pub fn now(&self) -> SimTime {
        self.started + self.elapsed
    }

    /// Spends virtual time.
    pub fn spend(&mut self, d: SimDuration) {
        self.elapsed = self.elapsed + d;
    }

    /// How the container was set up.
    pub fn setup(&self) -> &ContainerSetup {
        self.world
            .setup(&self.key)
            .expect("an ExecCx exists only for a started container")
    }

    /// The container's filesystem.
    pub fn fs(&mut self) -> View<'_> {
        let now = self.now();
        self.world
            .view(&self.key, now)
            .expect("an ExecCx exists only for a started container")
    }

    /// An absolute path for `path` relative to the working directory.
    pub fn abs(&self, path: &str) -> String {
        if path.starts_with('/') {
            crate::store::normalize(path)
        } else {
            crate::store::normalize(&format!("{}/{path}", self.cwd))
        }
    }

    /// The value of an environment variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }

    /// Resolves `host` to an IPv4 address the way the container's resolver does (`localhost`,
    /// a literal address, the pod's own hostname, else cluster DNS with the pod's search path).
    pub fn resolve_host(&mut self, host: &str) -> Result<String, ConnectError> {
        if host == "localhost" || host.starts_with("127.") || host == "::1" {
            return Ok(self.setup().pod_ip.clone());
        }
        if host.parse::<std::net::Ipv4Addr>().is_ok() {
            return Ok(host.to_string());
        }
        let (ns, own) = {
            let s = self.setup();
            (
                s.namespace.clone(),
                (s.hostname.clone(), s.fqdn.clone(), s.pod_ip.clone()),
            )
        };
        // /etc/hosts holds the pod's own names.
        if host == own.0
            || own
                .1
                .as_deref()
                .is_some_and(|f| f == host || f.starts_with(&format!("{host}.")))
        {
            return Ok(own.2);
        }
        let now = self.now();
        let answer = self.dns.resolve(self.api, now, &ns, host, QType::A);
        match answer.ipv4().first() {
            Some(ip) => Ok(ip.to_string()),
            None => Err(ConnectError::UnknownHost(host.to_string())),
        }
    }

    /// Connects to `host:port`: the container whose process accepts connections there.
    /// A Service's ClusterIP forwards to one of its ready endpoints (chosen with the
    /// program's random stream).
    pub fn connect(&mut self, host: &str, port: u16) -> Result<ContainerKey, ConnectError> {
        let ip = self.resolve_host(host)?;
        let now = self.now();
        if let Some(k) = self.world.listener(&ip, port, now) {
            return Ok(k);
        }
        if self.world.pod_known(&ip) {
            return Err(ConnectError::Refused { ip });
        }
        if let Some(backend) = net::service_backends(self.api, &ip, port) {
            let pick = backend
                .get(self.rng.below(backend.len() as u64) as usize)
                .cloned();
            if let Some((pod_ip, target)) = pick
                && let Some(k) = self.world.listener(&pod_ip, target, now)
            {
                return Ok(k);
            }
            return Err(ConnectError::Refused { ip });
        }
        Err(ConnectError::Timeout { ip })
    }

    /// Runs another program in the same container (a shell running a command), sharing
    /// this context's time, stdin and environment.
    pub fn run(&mut self, argv: &[String]) -> Result<ExecResult, StartError> {
        run_in(self, argv)
    }
}

/// The name a program is called by: the last component of argv\[0\].
pub fn program_name(arg0: &str) -> &str {
    arg0.rsplit('/').next().unwrap_or(arg0)
}

/// The implementation of program `name`, if stsim has one.
pub fn lookup(name: &str) -> Option<ProgramFn> {
    crate::apps::program(name)
}

/// Runs `argv` in the context's container: the image must have the program (its
/// [`images::toolset`]) and stsim must implement it.
pub fn run_in(cx: &mut ExecCx<'_>, argv: &[String]) -> Result<ExecResult, StartError> {
    let (early, mut r) = run_in_order(cx, argv)?;
    r.stderr.insert_str(0, &early);
    Ok(r)
}

/// [`run_in`], with what the program wrote to standard error before its other output kept
/// apart (see [`ExecCx::early_stderr`]).
pub fn run_in_order(
    cx: &mut ExecCx<'_>,
    argv: &[String],
) -> Result<(String, ExecResult), StartError> {
    let Some(arg0) = argv.first() else {
        return Err(StartError(
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"\": executable file not found in $PATH: unknown".to_string(),
        ));
    };
    let image = cx.setup().image.clone();
    let name = program_name(arg0);
    let found = images::has_program(&image, arg0) && lookup(name).is_some();
    if !found {
        let what = if arg0.contains('/') {
            format!("exec: \"{arg0}\": stat {arg0}: no such file or directory")
        } else {
            format!("exec: \"{arg0}\": executable file not found in $PATH")
        };
        return Err(StartError(format!(
            "OCI runtime exec failed: exec failed: unable to start container process: {what}: unknown"
        )));
    }
    let f = lookup(name).expect("checked above");
    let saved = std::mem::take(&mut cx.early_stderr);
    let r = f(cx, argv);
    let early = std::mem::replace(&mut cx.early_stderr, saved);
    Ok((early, r))
}
