//! Application models: what the process in a container does once the kubelet starts it.
//!
//! The kubelet owns the lifecycle (pulls, starts, probes, signals, restarts); an [`AppModel`]
//! owns the process's behaviour: how long it takes to become ready, whether and how it exits
//! on its own, what its probes answer, and how it reacts to a stop signal. Models are chosen
//! by image through an [`AppRegistry`]; anything not registered runs the default
//! [`LongRunning`] model (an nginx-like server: ready at once, exits 0 promptly on its stop
//! signal). A model instance lives exactly as long as one container instance: a restart
//! creates a new one.
//!
//! Models must be deterministic: they may use time only through [`AppCx::since_start`] and
//! randomness only through [`AppCx::rng`].

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use k8s_openapi::api::core::v1::{Container, LifecycleHandler, Pod, Probe};

use crate::apiserver::ApiServer;
use crate::dns::CoreDns;
use crate::engine::{SimDuration, SimRng, SimTime};
use crate::exec::{ExecCx, ExecResult, StartError};
use crate::store::{ContainerKey, Stream, World};

use super::image::ImageRef;

/// A signal the runtime sends to a container's main process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signal {
    /// `SIGTERM` (15): the default stop signal.
    Term,
    /// `SIGINT` (2): postgres' STOPSIGNAL ("fast shutdown").
    Int,
    /// `SIGQUIT` (3): nginx's STOPSIGNAL ("graceful shutdown").
    Quit,
    /// `SIGKILL` (9): sent by the runtime when the grace period is over; never seen by a model.
    Kill,
}

impl Signal {
    /// The signal's number, as `kill -l` prints it.
    pub fn number(self) -> i32 {
        match self {
            Signal::Term => 15,
            Signal::Int => 2,
            Signal::Quit => 3,
            Signal::Kill => 9,
        }
    }

    /// Parses `SIGTERM` / `TERM` (as `lifecycle.stopSignal` spells it).
    pub fn parse(s: &str) -> Option<Signal> {
        match s.trim_start_matches("SIG") {
            "TERM" => Some(Signal::Term),
            "INT" => Some(Signal::Int),
            "QUIT" => Some(Signal::Quit),
            "KILL" => Some(Signal::Kill),
            _ => None,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Term => "SIGTERM",
            Signal::Int => "SIGINT",
            Signal::Quit => "SIGQUIT",
            Signal::Kill => "SIGKILL",
        })
    }
}

/// Which probe is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    /// `startupProbe`.
    Startup,
    /// `readinessProbe`.
    Readiness,
    /// `livenessProbe`.
    Liveness,
}

impl ProbeKind {
    /// `Startup`, `Readiness`, `Liveness`: how the kubelet's `Unhealthy` events name it.
    pub fn label(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Liveness => "Liveness",
        }
    }
}

/// What one probe of a running process observes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeAnswer {
    /// The check passed (exit 0, HTTP 200–399, TCP connect, gRPC SERVING).
    Success,
    /// The check failed; the text is the probe's output as the `Unhealthy` event quotes it
    /// (`HTTP probe failed with statuscode: 503`, the exec command's output...).
    Failure(String),
    /// The process does not answer in time: the kubelet reports a timeout after
    /// `timeoutSeconds`.
    NoResponse,
}

impl ProbeAnswer {
    /// What a probe of a server sees: success when it accepts connections, else the
    /// kubelet's connection-refused failure for this probe.
    pub fn accepting(accepting: bool, probe: &Probe, pod_ip: &str) -> ProbeAnswer {
        if accepting {
            ProbeAnswer::Success
        } else {
            ProbeAnswer::Failure(connection_refused(probe, pod_ip))
        }
    }
}

/// How a process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    /// After how long (from the moment the model was asked).
    pub after: SimDuration,
    /// The exit code.
    pub code: i32,
    /// True when the kernel's OOM killer ended it (reason `OOMKilled`, code 137).
    pub oom_killed: bool,
}

impl Exit {
    /// Exits with `code` after `after`.
    pub fn with_code(after: SimDuration, code: i32) -> Exit {
        Exit {
            after,
            code,
            oom_killed: false,
        }
    }

    /// Killed by the OOM killer after `after`.
    pub fn oom(after: SimDuration) -> Exit {
        Exit {
            after,
            code: 137,
            oom_killed: true,
        }
    }
}

/// What a process does on its own once started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Startup {
    /// When its probes start passing (from the start); `None`: never.
    pub ready_after: Option<SimDuration>,
    /// When it exits by itself; `None`: it runs until signalled.
    pub exit: Option<Exit>,
}

/// The container a model runs in, as the model may see it.
#[derive(Clone, Copy, Debug)]
pub struct ContainerInfo<'a> {
    /// The pod.
    pub pod: &'a Pod,
    /// The container's spec (image, command, args, env, probes).
    pub container: &'a Container,
    /// True for an init container.
    pub is_init: bool,
    /// Restarts before this instance.
    pub restart_count: i32,
    /// The pod's IP ("" before the sandbox has one).
    pub pod_ip: &'a str,
}

/// What a model may use when asked something.
pub struct AppCx<'a> {
    /// The container.
    pub info: ContainerInfo<'a>,
    /// Time since this process started.
    pub since_start: SimDuration,
    /// The kubelet's random stream (the only randomness a model may use).
    pub rng: &'a mut SimRng,
    /// The instant of the question.
    pub now: SimTime,
    /// Volumes, layers, processes and logs: what the process reads and writes.
    pub world: &'a mut World,
    /// The API server, read-only (what cluster DNS serves).
    pub api: &'a ApiServer,
    /// The cluster's DNS server.
    pub dns: &'a mut CoreDns,
}

impl AppCx<'_> {
    /// The container's key in the [`World`].
    pub fn key(&self) -> ContainerKey {
        ContainerKey::new(
            self.info.pod.metadata.uid.clone().unwrap_or_default(),
            self.info.container.name.clone(),
        )
    }

    /// Runs a program in this container at `now + after` (the way the process itself would
    /// run a command: a shell's script, an entrypoint's helper), with `stdin` attached when
    /// `Some`. Returns what it printed and the time it took. Fails when the container's
    /// setup is not recorded in the world or the image lacks the program.
    pub fn exec(
        &mut self,
        after: SimDuration,
        argv: &[String],
        stdin: Option<String>,
    ) -> Result<(ExecResult, SimDuration), StartError> {
        let key = self.key();
        let at = self.now + after;
        let Some(mut ecx) = ExecCx::new(
            self.world, self.api, self.dns, self.rng, key, at, false, stdin,
        ) else {
            return Err(StartError("container not started".to_string()));
        };
        let r = crate::exec::run_in(&mut ecx, argv)?;
        Ok((r, ecx.elapsed))
    }

    /// Writes `text` (one or more lines) to the container's log at `now + after`.
    pub fn log_at(&mut self, after: SimDuration, stream: Stream, text: &str) {
        let key = self.key();
        self.world.log(&key, self.now + after, stream, text);
    }
}

/// The behaviour of the process in one container instance.
pub trait AppModel {
    /// The process starts.
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup;

    /// One probe (startup, readiness or liveness) of the running process.
    fn probe(&mut self, cx: &mut AppCx<'_>, kind: ProbeKind, probe: &Probe) -> ProbeAnswer;

    /// A stop signal arrives. `None`: the process ignores it (only SIGKILL will end it).
    fn on_signal(&mut self, cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit>;

    /// How long a `postStart`/`preStop` exec or HTTP hook takes (a `sleep` hook is timed by
    /// the kubelet itself). Defaults to instantly.
    fn hook(&mut self, cx: &mut AppCx<'_>, handler: &LifecycleHandler) -> SimDuration {
        let _ = (cx, handler);
        SimDuration::ZERO
    }
}

/// The failure text a probe of a process that refuses connections produces, as the kubelet's
/// probers word it: `dial tcp <ip>:<port>: connect: connection refused` for TCP, `Get
/// "http://<ip>:<port><path>": dial tcp ...` for HTTP, and a generic message for exec/gRPC.
pub fn connection_refused(probe: &Probe, pod_ip: &str) -> String {
    if let Some(h) = &probe.http_get {
        let host = h
            .host
            .as_deref()
            .filter(|x| !x.is_empty())
            .unwrap_or(pod_ip);
        let port = port_text(&h.port);
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
        let path = h.path.as_deref().unwrap_or("/");
        return format!(
            "Get \"{scheme}://{host}:{port}{path}\": dial tcp {host}:{port}: connect: connection refused"
        );
    }
    if let Some(t) = &probe.tcp_socket {
        let host = t
            .host
            .as_deref()
            .filter(|x| !x.is_empty())
            .unwrap_or(pod_ip);
        return format!(
            "dial tcp {host}:{}: connect: connection refused",
            port_text(&t.port)
        );
    }
    if let Some(g) = &probe.grpc {
        return format!(
            "timeout: failed to connect service \"{pod_ip}:{}\" within 1s: context deadline exceeded",
            g.port
        );
    }
    String::new()
}

fn port_text(p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match p {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// The default model: a long-running server (nginx-like). Ready after `ready_after`
/// (immediately by default), never exits on its own, every probe passes once ready (and
/// fails with "connection refused" before), and it exits 0 shortly after any stop signal.
#[derive(Clone, Debug)]
pub struct LongRunning {
    /// From start to ready.
    pub ready_after: SimDuration,
    /// From stop signal to exit.
    pub shutdown: SimDuration,
}

impl Default for LongRunning {
    fn default() -> Self {
        LongRunning {
            ready_after: SimDuration::ZERO,
            shutdown: SimDuration::from_ms(100),
        }
    }
}

impl AppModel for LongRunning {
    fn start(&mut self, _cx: &mut AppCx<'_>) -> Startup {
        Startup {
            ready_after: Some(self.ready_after),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        if cx.since_start >= self.ready_after {
            ProbeAnswer::Success
        } else {
            ProbeAnswer::Failure(connection_refused(probe, cx.info.pod_ip))
        }
    }

    fn on_signal(&mut self, _cx: &mut AppCx<'_>, _signal: Signal) -> Option<Exit> {
        Some(Exit::with_code(self.shutdown, 0))
    }
}

/// A process that runs for a while and exits by itself (a job step, an init script, a
/// crashing server). Probes pass while it runs; a stop signal ends it at once with 143.
#[derive(Clone, Debug)]
pub struct RunToCompletion {
    /// How it ends.
    pub exit: Exit,
}

impl AppModel for RunToCompletion {
    fn start(&mut self, _cx: &mut AppCx<'_>) -> Startup {
        Startup {
            ready_after: Some(SimDuration::ZERO),
            exit: Some(self.exit),
        }
    }

    fn probe(&mut self, _cx: &mut AppCx<'_>, _kind: ProbeKind, _probe: &Probe) -> ProbeAnswer {
        ProbeAnswer::Success
    }

    fn on_signal(&mut self, _cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        Some(Exit::with_code(SimDuration::ZERO, 128 + signal.number()))
    }
}

/// Facts about an image in the (simulated) registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageFacts {
    /// The size the runtime reports (`Image size: <n> bytes.`).
    pub size_bytes: u64,
    /// False when the registry does not have it (pulls fail with NotFound).
    pub exists: bool,
    /// The image's STOPSIGNAL.
    pub stop_signal: Signal,
}

/// Chooses a model for a container by what it runs, or passes (`None`).
pub type AppOverride = Rc<dyn Fn(&ContainerInfo<'_>) -> Option<Box<dyn AppModel>>>;

/// Builds the model for one container instance.
pub type AppFactory = Rc<dyn Fn(&ContainerInfo<'_>) -> Box<dyn AppModel>>;

/// The application models and image facts, by image repository.
///
/// A repository is matched by its normalized name (`docker.io/library/nginx`,
/// `registry.k8s.io/nginx-slim`) first, then by its last path segment (`nginx`,
/// `nginx-slim`, `postgresql`), so `register("postgres", ...)` covers `postgres:16`,
/// `docker.io/library/postgres@sha256:...` and `bitnami/postgres`.
#[derive(Clone)]
pub struct AppRegistry {
    models: BTreeMap<String, AppFactory>,
    default_model: AppFactory,
    images: BTreeMap<String, ImageFacts>,
    /// Asked first: a model chosen by what the container runs rather than by its image (a
    /// `command` that replaces the image's entrypoint).
    overrides: Vec<AppOverride>,
}

impl fmt::Debug for AppRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRegistry")
            .field("models", &self.models.keys().collect::<Vec<_>>())
            .field("images", &self.images)
            .finish()
    }
}

impl Default for AppRegistry {
    fn default() -> Self {
        AppRegistry::new()
    }
}

/// Image sizes as containerd reports them on amd64 (compressed content), for the images the
/// lessons use; the STOPSIGNAL of each official image (`spec/app-models.md` §0.6).
const BUILTIN_IMAGES: &[(&str, u64, Signal)] = &[
    ("nginx", 72_404_038, Signal::Quit),
    ("nginx-slim", 43_865_344, Signal::Term),
    ("postgres", 116_039_346, Signal::Int),
    ("postgresql", 104_562_311, Signal::Term),
    ("redis", 45_147_263, Signal::Term),
    ("busybox", 2_155_550, Signal::Term),
    ("mysql", 171_934_102, Signal::Term),
    ("mongo", 265_613_412, Signal::Term),
    ("alpine", 3_653_068, Signal::Term),
];

impl AppRegistry {
    /// The default registry: every image runs [`LongRunning`]; sizes and stop signals for
    /// the images the lessons use.
    pub fn new() -> AppRegistry {
        let mut images = BTreeMap::new();
        for (repo, size, signal) in BUILTIN_IMAGES {
            images.insert(
                (*repo).to_string(),
                ImageFacts {
                    size_bytes: *size,
                    exists: true,
                    stop_signal: *signal,
                },
            );
        }
        AppRegistry {
            models: BTreeMap::new(),
            default_model: Rc::new(|_| Box::new(LongRunning::default())),
            images,
            overrides: Vec::new(),
        }
    }

    /// Uses `factory` for containers of `repository` (see the type's docs for matching).
    pub fn register(
        &mut self,
        repository: &str,
        factory: impl Fn(&ContainerInfo<'_>) -> Box<dyn AppModel> + 'static,
    ) {
        self.models.insert(repository.to_string(), Rc::new(factory));
    }

    /// Asks `f` before the image's registration: when it returns a model, that model runs.
    pub fn add_override(
        &mut self,
        f: impl Fn(&ContainerInfo<'_>) -> Option<Box<dyn AppModel>> + 'static,
    ) {
        self.overrides.push(Rc::new(f));
    }

    /// Uses `factory` for every image no registration matches.
    pub fn set_default(
        &mut self,
        factory: impl Fn(&ContainerInfo<'_>) -> Box<dyn AppModel> + 'static,
    ) {
        self.default_model = Rc::new(factory);
    }

    /// Sets the registry facts of `repository`.
    pub fn set_image_facts(&mut self, repository: &str, facts: ImageFacts) {
        self.images.insert(repository.to_string(), facts);
    }

    /// Marks `repository` as absent from the registry (pulls fail with NotFound).
    pub fn mark_missing(&mut self, repository: &str) {
        let mut facts = self.image_facts(repository);
        facts.exists = false;
        self.images.insert(repository.to_string(), facts);
    }

    fn lookup<'a, T>(map: &'a BTreeMap<String, T>, image: &str) -> Option<&'a T> {
        let r = ImageRef::parse(image);
        map.get(image)
            .or_else(|| map.get(&r.tagged()))
            .or_else(|| map.get(&r.repository()))
            .or_else(|| map.get(r.short_name()))
    }

    /// A new model instance for the container described by `info`.
    pub fn model_for(&self, info: &ContainerInfo<'_>) -> Box<dyn AppModel> {
        for o in &self.overrides {
            if let Some(m) = o(info) {
                return m;
            }
        }
        let image = info.container.image.as_deref().unwrap_or("");
        match Self::lookup(&self.models, image) {
            Some(f) => f(info),
            None => (self.default_model)(info),
        }
    }

    /// The registry facts of `image`. Unknown images exist, stop on SIGTERM, and have a
    /// size between 20 and 120 MB derived from their name (stable across runs).
    pub fn image_facts(&self, image: &str) -> ImageFacts {
        if let Some(f) = Self::lookup(&self.images, image) {
            return *f;
        }
        let r = ImageRef::parse(image);
        let h = super::image::stable_hash(r.repository().as_bytes());
        ImageFacts {
            size_bytes: 20_000_000 + h % 100_000_000,
            exists: true,
            stop_signal: Signal::Term,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info<'a>(pod: &'a Pod, c: &'a Container) -> ContainerInfo<'a> {
        ContainerInfo {
            pod,
            container: c,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.5",
        }
    }

    struct Marker;
    impl AppModel for Marker {
        fn start(&mut self, _: &mut AppCx<'_>) -> Startup {
            Startup {
                ready_after: None,
                exit: Some(Exit::with_code(SimDuration::from_secs(7), 3)),
            }
        }
        fn probe(&mut self, _: &mut AppCx<'_>, _: ProbeKind, _: &Probe) -> ProbeAnswer {
            ProbeAnswer::NoResponse
        }
        fn on_signal(&mut self, _: &mut AppCx<'_>, _: Signal) -> Option<Exit> {
            None
        }
    }

    #[test]
    fn registry_picks_models_by_repository_name() {
        let mut reg = AppRegistry::new();
        reg.register("postgres", |_| Box::new(Marker));
        let pod = Pod::default();
        let mut rng = SimRng::from_seed(1);
        for (image, marked) in [
            ("postgres:16", true),
            ("docker.io/library/postgres@sha256:abc", true),
            ("bitnami/postgres:16", true),
            ("nginx:1.25", false),
        ] {
            let c = Container {
                name: "c".into(),
                image: Some(image.into()),
                ..Default::default()
            };
            let mut m = reg.model_for(&info(&pod, &c));
            let mut world = World::new();
            let api = ApiServer::new(SimRng::from_seed(2), Default::default());
            let mut dns = CoreDns::default();
            let mut cx = AppCx {
                info: info(&pod, &c),
                since_start: SimDuration::ZERO,
                rng: &mut rng,
                now: SimTime::ZERO,
                world: &mut world,
                api: &api,
                dns: &mut dns,
            };
            let s = m.start(&mut cx);
            assert_eq!(s.exit.is_some(), marked, "{image}");
        }
    }

    #[test]
    fn image_facts_know_the_lesson_images_and_derive_the_rest() {
        let reg = AppRegistry::new();
        assert_eq!(
            reg.image_facts("postgres:16-alpine").size_bytes,
            116_039_346
        );
        assert_eq!(reg.image_facts("nginx").stop_signal, Signal::Quit);
        let a = reg.image_facts("example.com/team/app:1");
        assert_eq!(a, reg.image_facts("example.com/team/app:2"));
        assert!((20_000_000..120_000_000).contains(&a.size_bytes));
        let mut reg = reg;
        reg.mark_missing("nginx");
        assert!(!reg.image_facts("nginx:1.255").exists);
    }

    #[test]
    fn default_model_is_ready_at_once_and_stops_promptly() {
        let pod = Pod::default();
        let c = Container {
            name: "nginx".into(),
            image: Some("nginx:1.25".into()),
            ..Default::default()
        };
        let reg = AppRegistry::new();
        let mut m = reg.model_for(&info(&pod, &c));
        let mut rng = SimRng::from_seed(1);
        let mut world = World::new();
        let api = ApiServer::new(SimRng::from_seed(2), Default::default());
        let mut dns = CoreDns::default();
        let mut cx = AppCx {
            info: info(&pod, &c),
            since_start: SimDuration::ZERO,
            rng: &mut rng,
            now: SimTime::ZERO,
            world: &mut world,
            api: &api,
            dns: &mut dns,
        };
        assert_eq!(
            m.start(&mut cx),
            Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: None
            }
        );
        let probe = Probe::default();
        assert_eq!(
            m.probe(&mut cx, ProbeKind::Readiness, &probe),
            ProbeAnswer::Success
        );
        let exit = m.on_signal(&mut cx, Signal::Quit).unwrap();
        assert_eq!(exit.code, 0);
        assert!(exit.after < SimDuration::from_secs(1));
    }

    #[test]
    fn refused_connections_are_worded_like_the_probers() {
        use k8s_openapi::api::core::v1::{HTTPGetAction, TCPSocketAction};
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        let http = Probe {
            http_get: Some(HTTPGetAction {
                path: Some("/healthz".into()),
                port: IntOrString::Int(8080),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            connection_refused(&http, "10.244.1.5"),
            "Get \"http://10.244.1.5:8080/healthz\": dial tcp 10.244.1.5:8080: connect: connection refused"
        );
        let tcp = Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(5432),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            connection_refused(&tcp, "10.244.1.5"),
            "dial tcp 10.244.1.5:5432: connect: connection refused"
        );
    }
}
