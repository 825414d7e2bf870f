//! What lives outside the API objects but inside the machines: the bytes on volumes, each
//! container's writable layer, its running process and its logs.
//!
//! - A volume's filesystem lives as long as what backs it (`spec/storage-scheduling-kubelet.md`,
//!   issue 5): a PersistentVolume's disk ([`VolumeId::Pv`]) until the PV is deleted by a
//!   Delete reclaim; a node-local directory ([`VolumeId::HostPath`], also what local-path and
//!   hostpath provisioners hand out) until the node loses its disk; an emptyDir until its pod
//!   is gone; configMap/secret/projected volumes ([`VolumeId::Projected`]) are materialized
//!   read-only by the kubelet from the objects.
//! - A container's writable layer ([`World::layer`]) starts from its image's files at every
//!   container start, so whatever a process wrote outside its volumes is lost on restart.
//! - Processes ([`Proc`]) are the state of a running application model (PostgreSQL's
//!   buffers, Redis's dataset): they die with the container. Clients reach them by pod IP and
//!   port ([`World::listener`]).
//! - Logs are stamped with the virtual instant they were written, so `kubectl logs` shows
//!   only what a process had printed by the command's instant. The previous instance's log is
//!   kept for `--previous`.
//!
//! Filesystems are created lazily on first use. Everything is in ordered maps.

pub mod fs;

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;

use crate::engine::SimTime;

pub use fs::{Fs, FsError, Meta, Node};

/// A container, as the kubelet knows it: its pod's uid and its name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerKey {
    /// The pod's uid (a recreated pod with the same name is a different pod).
    pub pod_uid: String,
    /// The container's name.
    pub container: String,
}

impl ContainerKey {
    /// The key of `container` in the pod with `pod_uid`.
    pub fn new(pod_uid: impl Into<String>, container: impl Into<String>) -> Self {
        ContainerKey {
            pod_uid: pod_uid.into(),
            container: container.into(),
        }
    }
}

/// What backs a volume's bytes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VolumeId {
    /// A network or cloud disk: the PersistentVolume's own (a fresh one is ext4 with
    /// `lost+found`).
    Pv(String),
    /// A directory on a node's disk (hostPath, and the PVs of node-local provisioners).
    HostPath {
        /// The node.
        node: String,
        /// The directory on the node.
        path: String,
    },
    /// An emptyDir of one pod.
    EmptyDir {
        /// The pod's uid.
        pod_uid: String,
        /// The volume's name in the pod.
        name: String,
    },
    /// A configMap, secret, projected or downwardAPI volume of one pod (read-only).
    Projected {
        /// The pod's uid.
        pod_uid: String,
        /// The volume's name in the pod.
        name: String,
    },
}

impl VolumeId {
    /// A fresh filesystem for this volume, of `capacity` bytes: a PV's disk is a new ext4
    /// volume (with `lost+found`), a projected volume is read-only, node directories and
    /// emptyDirs are empty directories.
    pub fn fresh_fs(&self, capacity: u64, now: SimTime) -> Fs {
        match self {
            VolumeId::Pv(_) => Fs::new_ext4(capacity, now),
            VolumeId::Projected { .. } => {
                let mut fs = Fs::new(capacity, now);
                fs.read_only = true;
                fs
            }
            VolumeId::EmptyDir { .. } => Self::world_writable(Fs::new(capacity, now)),
            VolumeId::HostPath { path, .. }
                if path.starts_with(crate::controllers::volume::provisioner::LOCAL_PATH_BASE) =>
            {
                Self::world_writable(Fs::new(capacity, now))
            }
            VolumeId::HostPath { .. } => Fs::new(capacity, now),
        }
    }

    /// An emptyDir (the kubelet makes it 0777, `empty_dir.go`) or a local-path volume (the
    /// provisioner's helper runs `mkdir -m 0777`): anyone in the pod may write there.
    fn world_writable(mut fs: Fs) -> Fs {
        let _ = fs.chmod("/", 0o777);
        fs
    }

    /// The device name `df` shows for this volume.
    pub fn device(&self) -> String {
        match self {
            VolumeId::Pv(_) => "/dev/sdb".to_string(),
            VolumeId::HostPath { .. } | VolumeId::EmptyDir { .. } => "/dev/sda1".to_string(),
            VolumeId::Projected { .. } => "tmpfs".to_string(),
        }
    }
}

/// Where a volume appears in a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// The mount path in the container (`/var/lib/postgresql/data`).
    pub path: String,
    /// The volume.
    pub volume: VolumeId,
    /// The directory of the volume mounted there (`subPath`), `""` for its root.
    pub sub_path: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// How a container was set up when it started: what programs `exec`'d into it see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerSetup {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod: String,
    /// The node it runs on.
    pub node: String,
    /// The pod's IP.
    pub pod_ip: String,
    /// What `hostname` prints (the pod's `spec.hostname` or its name).
    pub hostname: String,
    /// The pod's FQDN when it has a subdomain (`web-0.nginx.default.svc.cluster.local`).
    pub fqdn: Option<String>,
    /// The image as written in the spec.
    pub image: String,
    /// The command (entrypoint override) and args as written in the spec.
    pub command: Vec<String>,
    /// The args.
    pub args: Vec<String>,
    /// Environment variables, resolved (`valueFrom` read at start), in spec order.
    pub env: Vec<(String, String)>,
    /// The mounts, in spec order.
    pub mounts: Vec<Mount>,
    /// `workingDir`, empty for the image's.
    pub working_dir: String,
    /// What the main process reads on its standard input: text a `kubectl run -i` user
    /// typed (`None`: no stdin attached, reads end-of-file).
    pub stdin: Option<String>,
}

impl ContainerSetup {
    /// The value of environment variable `name`.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Which stream a log line went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line a container's main process printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// When it was written.
    pub at: SimTime,
    /// Its stream.
    pub stream: Stream,
    /// The text, without the newline.
    pub text: String,
}

/// The logs of one container: the current instance's and the previous one's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerLogs {
    /// The running (or last) instance.
    pub current: Vec<LogLine>,
    /// The instance before it (`kubectl logs --previous`).
    pub previous: Option<Vec<LogLine>>,
}

/// A running application process: the model's state, and the ports it listens on.
pub struct Proc {
    /// Which model runs (`postgres`, `redis-server`...), for messages.
    pub program: String,
    /// Ports accepting connections, with the instant they start to (a server is not
    /// reachable while it initializes).
    pub listening: BTreeMap<u16, SimTime>,
    /// The model's state; the model that created it downcasts it.
    pub state: Box<dyn Any>,
}

impl fmt::Debug for Proc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proc")
            .field("program", &self.program)
            .field("listening", &self.listening)
            .finish_non_exhaustive()
    }
}

impl Proc {
    /// A process of `program` with `state`, listening nowhere yet.
    pub fn new(program: impl Into<String>, state: Box<dyn Any>) -> Proc {
        Proc {
            program: program.into(),
            listening: BTreeMap::new(),
            state,
        }
    }
}

/// The default size of a filesystem nobody gave a size (a node's disk, an emptyDir on it).
pub const NODE_DISK_BYTES: u64 = 250 * 1024 * 1024 * 1024;

/// The world's bytes and processes.
#[derive(Debug, Default)]
pub struct World {
    volumes: BTreeMap<VolumeId, Fs>,
    layers: BTreeMap<ContainerKey, Fs>,
    containers: BTreeMap<ContainerKey, ContainerSetup>,
    /// Running processes by container.
    pub procs: BTreeMap<ContainerKey, Proc>,
    logs: BTreeMap<ContainerKey, ContainerLogs>,
    /// Pod IP → pod uid, for clients connecting by address.
    by_ip: BTreeMap<String, String>,
    /// Standard input waiting for the main process of a pod `kubectl run -i` creates, by
    /// (namespace, pod name).
    pending_stdin: BTreeMap<(String, String), String>,
}

impl World {
    /// An empty world.
    pub fn new() -> World {
        World::default()
    }

    /// The filesystem of `volume`, created on first use (a PV's as a fresh ext4 volume of
    /// `capacity` bytes; node directories and emptyDirs as empty directories on the node's
    /// disk).
    pub fn volume(&mut self, volume: &VolumeId, capacity: u64, now: SimTime) -> &mut Fs {
        self.volumes
            .entry(volume.clone())
            .or_insert_with(|| volume.fresh_fs(capacity, now))
    }

    /// The filesystem of `volume` if it exists.
    pub fn volume_if_exists(&self, volume: &VolumeId) -> Option<&Fs> {
        self.volumes.get(volume)
    }

    /// Replaces a volume's contents (the kubelet writing a configMap or secret volume).
    pub fn set_volume(&mut self, volume: VolumeId, fs: Fs) {
        self.volumes.insert(volume, fs);
    }

    /// Destroys a volume's bytes (a PV deleted by its reclaim policy, a pod's emptyDir).
    pub fn drop_volume(&mut self, volume: &VolumeId) {
        self.volumes.remove(volume);
    }

    /// Destroys every node directory at `path` (a node-local PV deleted by its provisioner;
    /// only the node its affinity names has one).
    pub fn drop_volumes_at_path(&mut self, path: &str) {
        self.volumes
            .retain(|id, _| !matches!(id, VolumeId::HostPath { path: p, .. } if p == path));
    }

    /// A node lost its disks: every hostPath directory and emptyDir on it is gone.
    pub fn lose_node_disks(&mut self, node: &str) {
        let on_node: Vec<String> = self
            .containers
            .values()
            .filter(|s| s.node == node)
            .flat_map(|s| s.mounts.iter())
            .filter_map(|m| match &m.volume {
                VolumeId::EmptyDir { pod_uid, .. } => Some(pod_uid.clone()),
                _ => None,
            })
            .collect();
        self.volumes.retain(|id, _| match id {
            VolumeId::HostPath { node: n, .. } => n != node,
            VolumeId::EmptyDir { pod_uid, .. } => !on_node.contains(pod_uid),
            _ => true,
        });
    }

    /// Keeps `text` for the stdin of the pod `namespace/pod` that is about to be created
    /// (`kubectl run -i` with input).
    pub fn attach_stdin(&mut self, namespace: &str, pod: &str, text: String) {
        self.pending_stdin
            .insert((namespace.to_string(), pod.to_string()), text);
    }

    /// The stdin kept for `namespace/pod`, taken once.
    pub fn take_stdin(&mut self, namespace: &str, pod: &str) -> Option<String> {
        self.pending_stdin
            .remove(&(namespace.to_string(), pod.to_string()))
    }

    /// Records how a container started and gives it a fresh writable layer holding `image`'s
    /// files. The previous instance's log becomes `--previous`.
    pub fn start_container(&mut self, key: &ContainerKey, setup: ContainerSetup, layer: Fs) {
        self.by_ip.insert(setup.pod_ip.clone(), key.pod_uid.clone());
        self.containers.insert(key.clone(), setup);
        self.layers.insert(key.clone(), layer);
        let logs = self.logs.entry(key.clone()).or_default();
        if !logs.current.is_empty() || logs.previous.is_some() {
            let cur = std::mem::take(&mut logs.current);
            logs.previous = Some(cur);
        }
        self.procs.remove(key);
    }

    /// The container's process ended (it exited or was killed): its process state is gone.
    /// The layer and logs stay until the container is removed.
    pub fn stop_process(&mut self, key: &ContainerKey) -> Option<Proc> {
        self.procs.remove(key)
    }

    /// The containers with a process on `node`.
    pub fn processes_on(&self, node: &str) -> Vec<ContainerKey> {
        self.procs
            .keys()
            .filter(|k| self.containers.get(*k).is_some_and(|s| s.node == node))
            .cloned()
            .collect()
    }

    /// A node lost power: every process on it is gone (their volumes stay).
    pub fn kill_node_processes(&mut self, node: &str) {
        let containers = &self.containers;
        self.procs
            .retain(|k, _| containers.get(k).is_none_or(|s| s.node != node));
    }

    /// Everything of a pod that dies with it: layers, processes, logs, emptyDirs and
    /// projected volumes.
    pub fn remove_pod(&mut self, pod_uid: &str) {
        let gone = |k: &ContainerKey| k.pod_uid == pod_uid;
        self.layers.retain(|k, _| !gone(k));
        self.procs.retain(|k, _| !gone(k));
        self.logs.retain(|k, _| !gone(k));
        self.containers.retain(|k, _| !gone(k));
        self.by_ip.retain(|_, uid| uid != pod_uid);
        self.volumes.retain(|id, _| match id {
            VolumeId::EmptyDir { pod_uid: u, .. } | VolumeId::Projected { pod_uid: u, .. } => {
                u != pod_uid
            }
            _ => true,
        });
    }

    /// How a container was set up, if it has started.
    pub fn setup(&self, key: &ContainerKey) -> Option<&ContainerSetup> {
        self.containers.get(key)
    }

    /// The container's writable layer.
    pub fn layer(&mut self, key: &ContainerKey) -> Option<&mut Fs> {
        self.layers.get_mut(key)
    }

    /// Appends a line to a container's current log, stamped `at`.
    pub fn log(&mut self, key: &ContainerKey, at: SimTime, stream: Stream, text: &str) {
        let logs = self.logs.entry(key.clone()).or_default();
        for line in text.split('\n') {
            logs.current.push(LogLine {
                at,
                stream,
                text: line.to_string(),
            });
        }
    }

    /// A container's logs.
    pub fn logs(&self, key: &ContainerKey) -> Option<&ContainerLogs> {
        self.logs.get(key)
    }

    /// The container of the pod at `ip` whose process listens on `port` at `now`.
    pub fn listener(&self, ip: &str, port: u16, now: SimTime) -> Option<ContainerKey> {
        let uid = self.by_ip.get(ip)?;
        self.procs
            .range(ContainerKey::new(uid.clone(), String::new())..)
            .take_while(|(k, _)| &k.pod_uid == uid)
            .find(|(_, p)| p.listening.get(&port).is_some_and(|t| *t <= now))
            .map(|(k, _)| k.clone())
    }

    /// True when some process of the pod at `ip` has `port` open, even if not yet accepting.
    pub fn pod_known(&self, ip: &str) -> bool {
        self.by_ip.contains_key(ip)
    }

    /// The filesystem view of a running container (its layer with its mounts over it).
    pub fn view(&mut self, key: &ContainerKey, now: SimTime) -> Option<View<'_>> {
        let setup = self.containers.get(key)?;
        let layer = self.layers.get_mut(key)?;
        Some(View {
            layer,
            volumes: &mut self.volumes,
            mounts: &setup.mounts,
            now,
        })
    }
}

/// A container's filesystem: its writable layer with its volumes mounted over it. Paths are
/// resolved by the longest mount path that contains them, as the kernel's mount table does.
pub struct View<'w> {
    layer: &'w mut Fs,
    volumes: &'w mut BTreeMap<VolumeId, Fs>,
    mounts: &'w [Mount],
    /// The instant writes are stamped with.
    pub now: SimTime,
}

/// A path resolved to the filesystem that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The mount that holds the path, `None` for the layer.
    pub mount: Option<usize>,
    /// The path inside that filesystem.
    pub inner: String,
    /// True when the path is the mount point itself.
    pub is_mount_point: bool,
}

/// Normalizes an absolute path: no `.`/`..`/empty components (`..` at the root stays at the
/// root).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

fn under(path: &str, mount: &str) -> Option<String> {
    if mount == "/" {
        return Some(path.to_string());
    }
    if path == mount {
        return Some(String::new());
    }
    path.strip_prefix(mount)
        .filter(|rest| rest.starts_with('/'))
        .map(str::to_string)
}

impl View<'_> {
    /// Which filesystem holds `path` (absolute, normalized here).
    pub fn resolve(&self, path: &str) -> Resolved {
        let path = normalize(path);
        let mut best: Option<(usize, String)> = None;
        for (i, m) in self.mounts.iter().enumerate() {
            let mp = normalize(&m.path);
            if let Some(rest) = under(&path, &mp)
                && best
                    .as_ref()
                    .is_none_or(|(j, _)| normalize(&self.mounts[*j].path).len() <= mp.len())
            {
                best = Some((i, rest));
            }
        }
        match best {
            Some((i, rest)) => {
                let sub = self.mounts[i].sub_path.trim_matches('/');
                let inner = if sub.is_empty() {
                    normalize(&rest)
                } else {
                    normalize(&format!("/{sub}{rest}"))
                };
                Resolved {
                    mount: Some(i),
                    is_mount_point: rest.is_empty(),
                    inner,
                }
            }
            None => Resolved {
                mount: None,
                inner: path,
                is_mount_point: false,
            },
        }
    }

    /// The mounts of the container.
    pub fn mounts(&self) -> &[Mount] {
        self.mounts
    }

    /// The filesystem behind `r` (read access). A volume nobody has written yet reads as
    /// an empty directory.
    fn fs(&self, r: &Resolved) -> Option<&Fs> {
        match r.mount {
            None => Some(self.layer),
            Some(i) => self.volumes.get(&self.mounts[i].volume),
        }
    }

    fn fs_mut(&mut self, r: &Resolved) -> Result<&mut Fs, FsError> {
        match r.mount {
            None => Ok(self.layer),
            Some(i) => {
                let m = &self.mounts[i];
                if m.read_only {
                    return Err(FsError::ReadOnly);
                }
                let now = self.now;
                // The kubelet creates every volume with its real size when it mounts it; one
                // is missing here only when its bytes were destroyed under a running
                // container (a lost disk, a reclaimed PV). A mount does not record the
                // volume's size, so the recreated one gets the node disk's, as `df` assumes.
                let fs = self
                    .volumes
                    .entry(m.volume.clone())
                    .or_insert_with(|| m.volume.fresh_fs(NODE_DISK_BYTES, now));
                if fs.read_only {
                    return Err(FsError::ReadOnly);
                }
                Ok(fs)
            }
        }
    }

    /// The entry at `path`.
    pub fn lookup(&self, path: &str) -> Result<&Node, FsError> {
        let r = self.resolve(path);
        match self.fs(&r) {
            Some(fs) => fs.lookup(&r.inner),
            None => Err(FsError::NotFound),
        }
    }

    /// True when `path` exists (a mount point always does).
    pub fn exists(&self, path: &str) -> bool {
        let r = self.resolve(path);
        if r.is_mount_point {
            return true;
        }
        self.lookup(path).is_ok()
    }

    /// True when `path` is a directory (a mount point always is).
    pub fn is_dir(&self, path: &str) -> bool {
        let r = self.resolve(path);
        if r.is_mount_point {
            return true;
        }
        self.lookup(path).is_ok_and(Node::is_dir)
    }

    /// Reads a file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let r = self.resolve(path);
        match self.fs(&r) {
            Some(fs) => fs.read(&r.inner).map(<[u8]>::to_vec),
            None => Err(FsError::NotFound),
        }
    }

    /// Writes (replaces) a file.
    pub fn write(&mut self, path: &str, data: &[u8]) -> Result<(), FsError> {
        let r = self.resolve(path);
        let now = self.now;
        self.fs_mut(&r)?.write(&r.inner, data, now)
    }

    /// Creates a symbolic link at `path` pointing at `target`.
    pub fn symlink(&mut self, path: &str, target: &str) -> Result<(), FsError> {
        let r = self.resolve(path);
        let now = self.now;
        self.fs_mut(&r)?.symlink(&r.inner, target, now)
    }

    /// Appends to a file.
    pub fn append(&mut self, path: &str, data: &[u8]) -> Result<(), FsError> {
        let r = self.resolve(path);
        let now = self.now;
        self.fs_mut(&r)?.append(&r.inner, data, now)
    }

    /// Creates a directory (`mkdir`), or with `parents` every missing one (`mkdir -p`).
    pub fn mkdir(&mut self, path: &str, mode: u32, parents: bool) -> Result<(), FsError> {
        let r = self.resolve(path);
        if r.is_mount_point {
            return if parents {
                Ok(())
            } else {
                Err(FsError::Exists)
            };
        }
        let now = self.now;
        let fs = self.fs_mut(&r)?;
        if parents {
            fs.mkdir_p(&r.inner, mode, now)
        } else {
            fs.mkdir(&r.inner, mode, now)
        }
    }

    /// Names in a directory, sorted. A mount point lists its volume; mount points inside a
    /// directory appear in its listing.
    pub fn list(&self, path: &str) -> Result<Vec<String>, FsError> {
        let r = self.resolve(path);
        let mut names = match self.fs(&r) {
            Some(fs) => fs.list(&r.inner)?,
            None if r.is_mount_point => Vec::new(),
            None => return Err(FsError::NotFound),
        };
        let dir = normalize(path);
        for m in self.mounts {
            let mp = normalize(&m.path);
            if let Some(rest) = under(&mp, &dir)
                && let Some(name) = rest.strip_prefix('/')
                && !name.is_empty()
                && !name.contains('/')
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Removes a file or directory.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        let r = self.resolve(path);
        if r.is_mount_point {
            // Removing a mount point: the kernel refuses.
            return Err(FsError::Busy);
        }
        self.fs_mut(&r)?.remove(&r.inner, recursive)
    }

    /// Changes the owner of `path`.
    pub fn chown(
        &mut self,
        path: &str,
        uid: u32,
        gid: u32,
        recursive: bool,
    ) -> Result<(), FsError> {
        let r = self.resolve(path);
        self.fs_mut(&r)?.chown(&r.inner, uid, gid, recursive)
    }

    /// Changes the mode of `path`.
    pub fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        let r = self.resolve(path);
        self.fs_mut(&r)?.chmod(&r.inner, mode)
    }

    /// `df` for the filesystem holding `path`: (device, size, used, mount point).
    pub fn df(&self, path: &str) -> (String, u64, u64, String) {
        let r = self.resolve(path);
        match r.mount {
            None => (
                "overlay".to_string(),
                self.layer.capacity,
                self.layer.used(),
                "/".to_string(),
            ),
            Some(i) => {
                let m = &self.mounts[i];
                let (cap, used) = self
                    .volumes
                    .get(&m.volume)
                    .map_or((NODE_DISK_BYTES, 0), |fs| (fs.capacity, fs.used()));
                (m.volume.device(), cap, used, normalize(&m.path))
            }
        }
    }
}

#[cfg(test)]
mod tests;
