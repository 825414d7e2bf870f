//! A container to run programs in, for unit tests of programs and models: one [`World`], an
//! empty API server (or one a test fills), a DNS server and a random stream.

use crate::apiserver::{ApiServer, ApiServerOptions};
use crate::dns::CoreDns;
use crate::engine::{SimRng, SimTime};
use crate::store::{ContainerKey, ContainerSetup, Fs, Mount, NODE_DISK_BYTES, VolumeId, World};

use super::{ExecCx, ExecResult, StartError};

/// A test bench: containers in a world, and programs run in them.
pub struct Bench {
    /// The world.
    pub world: World,
    /// The API server DNS reads.
    pub api: ApiServer,
    /// The DNS server.
    pub dns: CoreDns,
    /// The random stream.
    pub rng: SimRng,
    /// The current instant.
    pub now: SimTime,
}

impl Default for Bench {
    fn default() -> Self {
        Bench::new()
    }
}

impl Bench {
    /// An empty world at time zero.
    pub fn new() -> Bench {
        let rng = SimRng::from_seed(7);
        Bench {
            world: World::new(),
            api: ApiServer::new(rng.fork("apiserver"), ApiServerOptions::default()),
            dns: CoreDns::default(),
            rng: rng.fork("exec"),
            now: SimTime::ZERO,
        }
    }

    /// Starts container `name` of a pod `pod` (uid `uid-<pod>`) from `image` with `env` and
    /// `mounts` (each `(path, volume)`); its layer holds the image's files.
    pub fn container(
        &mut self,
        pod: &str,
        image: &str,
        env: &[(&str, &str)],
        mounts: &[(&str, VolumeId)],
    ) -> ContainerKey {
        let key = ContainerKey::new(format!("uid-{pod}"), pod.to_string());
        let n = self.world.procs.len() + 10;
        let setup = ContainerSetup {
            namespace: "default".into(),
            pod: pod.into(),
            node: "kind-worker".into(),
            pod_ip: format!("10.244.1.{n}"),
            hostname: pod.into(),
            fqdn: None,
            image: image.into(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            mounts: mounts
                .iter()
                .map(|(p, v)| Mount {
                    path: (*p).to_string(),
                    volume: v.clone(),
                    sub_path: String::new(),
                    read_only: false,
                })
                .collect(),
            ..ContainerSetup::default()
        };
        for m in &setup.mounts {
            self.world.volume(&m.volume, 1 << 30, self.now);
        }
        let mut layer = Fs::new(NODE_DISK_BYTES, self.now);
        (crate::apps::profile(image).layer)(&mut layer, self.now);
        self.world.start_container(&key, setup, layer);
        key
    }

    /// [`Bench::exec`] without a terminal or stdin, of a program that must start.
    pub fn exec_ok(&mut self, key: &ContainerKey, argv: &[&str]) -> ExecResult {
        self.exec(key, argv, false, None)
            .expect("the program starts")
    }

    /// Runs `argv` in container `key` (no terminal; `stdin` attached when `Some`), then moves
    /// the bench's clock by the time the program spent.
    pub fn exec(
        &mut self,
        key: &ContainerKey,
        argv: &[&str],
        tty: bool,
        stdin: Option<&str>,
    ) -> Result<ExecResult, StartError> {
        let argv: Vec<String> = argv.iter().map(|s| (*s).to_string()).collect();
        let mut cx = ExecCx::new(
            &mut self.world,
            &self.api,
            &mut self.dns,
            &mut self.rng,
            key.clone(),
            self.now,
            tty,
            stdin.map(str::to_string),
        )
        .expect("the container was started");
        let r = super::run_in(&mut cx, &argv);
        let spent = cx.elapsed;
        self.now += spent;
        r
    }
}
