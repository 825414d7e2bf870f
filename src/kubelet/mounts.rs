//! What a container sees when it starts: its volumes mapped to the bytes behind them
//! ([`VolumeId`]), its environment resolved, its hostname; and the files of its image in a
//! fresh writable layer. The kubelet records this in the [`World`] before the application
//! model starts (`kubelet/kuberuntime` `generateContainerConfig`, `makeMounts`,
//! `makeEnvironmentVariables`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PersistentVolume, Pod, Volume};

use crate::api::quantity::Quantity;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::engine::SimTime;
use crate::store::{ContainerSetup, Fs, Mount, NODE_DISK_BYTES, Node, VolumeId, World};

/// The size of a container's writable layer (the node's disk).
const LAYER_BYTES: u64 = NODE_DISK_BYTES;

fn quantity_bytes(
    q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
) -> Option<u64> {
    let q = q?;
    Quantity::parse(&q.0).ok().map(|v| v.value().max(0) as u64)
}

/// The volume behind a PersistentVolume, and its size. Node-local volumes (hostPath, local,
/// and what the local-path and hostpath provisioners create) are directories on the node.
fn pv_volume(pv: &PersistentVolume, node: &str) -> (VolumeId, u64) {
    let name = pv.metadata.name.clone().unwrap_or_default();
    let spec = pv.spec.as_ref();
    let size = quantity_bytes(
        spec.and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage")),
    )
    .unwrap_or(NODE_DISK_BYTES);
    if let Some(hp) = spec.and_then(|s| s.host_path.as_ref()) {
        return (
            VolumeId::HostPath {
                node: node.to_string(),
                path: hp.path.clone(),
            },
            NODE_DISK_BYTES,
        );
    }
    if let Some(l) = spec.and_then(|s| s.local.as_ref()) {
        return (
            VolumeId::HostPath {
                node: node.to_string(),
                path: l.path.clone(),
            },
            NODE_DISK_BYTES,
        );
    }
    (VolumeId::Pv(name), size)
}

/// The [`VolumeId`] and size of a pod volume on `node`, or `None` for kinds stsim does not
/// give bytes to.
pub(super) fn volume_id(
    api: &ApiServer,
    pod: &Pod,
    v: &Volume,
    node: &str,
) -> Option<(VolumeId, u64)> {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    if let Some(claim) = &v.persistent_volume_claim {
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, &ns, &claim.claim_name);
        let Some(Object::PersistentVolumeClaim(pvc)) = api.try_get(&key).map(|o| &**o) else {
            return None;
        };
        let pv_name = pvc.spec.as_ref()?.volume_name.clone()?;
        let Some(Object::PersistentVolume(pv)) = api
            .try_get(&ObjectKey::cluster(Kind::PersistentVolume, &pv_name))
            .map(|o| &**o)
        else {
            return None;
        };
        return Some(pv_volume(pv, node));
    }
    if let Some(hp) = &v.host_path {
        return Some((
            VolumeId::HostPath {
                node: node.to_string(),
                path: hp.path.clone(),
            },
            NODE_DISK_BYTES,
        ));
    }
    if let Some(ed) = &v.empty_dir {
        let size = if ed.medium.as_deref() == Some("Memory") {
            quantity_bytes(ed.size_limit.as_ref()).unwrap_or(8 * 1024 * 1024 * 1024)
        } else {
            NODE_DISK_BYTES
        };
        return Some((
            VolumeId::EmptyDir {
                pod_uid: uid,
                name: v.name.clone(),
            },
            size,
        ));
    }
    if v.config_map.is_some()
        || v.secret.is_some()
        || v.projected.is_some()
        || v.downward_api.is_some()
    {
        return Some((
            VolumeId::Projected {
                pod_uid: uid,
                name: v.name.clone(),
            },
            64 * 1024 * 1024,
        ));
    }
    None
}

/// The files of a configMap, secret or projected volume, as the kubelet writes them.
fn projected_files(api: &ApiServer, pod: &Pod, v: &Volume) -> BTreeMap<String, (Vec<u8>, u32)> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let mut files = BTreeMap::new();
    let config_map = |name: &str| -> BTreeMap<String, Vec<u8>> {
        match api
            .try_get(&ObjectKey::new(Kind::ConfigMap, &ns, name))
            .map(|o| &**o)
        {
            Some(Object::ConfigMap(cm)) => {
                let mut m: BTreeMap<String, Vec<u8>> = cm
                    .data
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
                    .collect();
                for (k, v) in cm.binary_data.iter().flatten() {
                    m.insert(k.clone(), v.0.clone());
                }
                m
            }
            _ => BTreeMap::new(),
        }
    };
    let secret = |name: &str| -> BTreeMap<String, Vec<u8>> {
        match api
            .try_get(&ObjectKey::new(Kind::Secret, &ns, name))
            .map(|o| &**o)
        {
            Some(Object::Secret(s)) => {
                let mut m: BTreeMap<String, Vec<u8>> = s
                    .data
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.0.clone()))
                    .collect();
                for (k, v) in s.string_data.iter().flatten() {
                    m.insert(k.clone(), v.clone().into_bytes());
                }
                m
            }
            _ => BTreeMap::new(),
        }
    };
    let mut put = |data: BTreeMap<String, Vec<u8>>,
                   items: Option<&Vec<k8s_openapi::api::core::v1::KeyToPath>>,
                   default_mode: u32| {
        match items {
            Some(items) if !items.is_empty() => {
                for it in items {
                    if let Some(d) = data.get(&it.key) {
                        let mode = it.mode.map_or(default_mode, |m| m as u32);
                        files.insert(it.path.clone(), (d.clone(), mode));
                    }
                }
            }
            _ => {
                for (k, d) in data {
                    files.insert(k, (d, default_mode));
                }
            }
        }
    };
    if let Some(cm) = &v.config_map {
        let mode = cm.default_mode.map_or(0o644, |m| m as u32);
        put(config_map(&cm.name), cm.items.as_ref(), mode);
    }
    if let Some(s) = &v.secret {
        let mode = s.default_mode.map_or(0o644, |m| m as u32);
        put(
            secret(s.secret_name.as_deref().unwrap_or("")),
            s.items.as_ref(),
            mode,
        );
    }
    if let Some(p) = &v.projected {
        let mode = p.default_mode.map_or(0o644, |m| m as u32);
        for src in p.sources.iter().flatten() {
            if let Some(cm) = &src.config_map {
                put(config_map(&cm.name), cm.items.as_ref(), mode);
            }
            if let Some(s) = &src.secret {
                put(secret(&s.name), s.items.as_ref(), mode);
            }
        }
    }
    files
}

/// The name of the timestamped directory the kubelet's AtomicWriter (`pkg/volume/util/
/// atomic_writer.go`, `newTimestampDir`) makes: `os.MkdirTemp` with the prefix
/// `..2006_01_02_15_04_05.` in UTC, so the write instant to the second and then the decimal
/// digits of a random `uint32` (not nanoseconds). The digits here are a hash of the volume and
/// the instant, so that a run is reproducible.
fn timestamp_dir(seed: &str, now: SimTime) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(now.unix_seconds()).unwrap_or_default();
    let stamp =
        k8s_openapi::jiff::fmt::strtime::format("%Y_%m_%d_%H_%M_%S", ts).unwrap_or_default();
    // FNV-1a, 32 bits.
    let mut h: u32 = 0x811c_9dc5;
    for b in seed.bytes().chain(now.as_ms().to_le_bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("..{stamp}.{h}")
}

/// The files under a volume's `..data`, as [`projected_files`] gives them: what the last
/// write put there.
fn written_payload(fs: &Fs) -> BTreeMap<String, (Vec<u8>, u32)> {
    fn walk(fs: &Fs, dir: &str, rel: &str, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        for name in fs.list(dir).unwrap_or_default() {
            let p = format!("{dir}/{name}");
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            match fs.lookup(&p) {
                Ok(Node::File { data, meta }) => {
                    out.insert(r, (data.clone(), meta.mode));
                }
                Ok(Node::Dir { .. }) => walk(fs, &p, &r, out),
                _ => {}
            }
        }
    }
    let mut out = BTreeMap::new();
    if fs.read_link("/..data").is_ok() {
        walk(fs, "/..data", "", &mut out);
    }
    out
}

/// Writes a configMap/secret/projected/downwardAPI volume as the kubelet's AtomicWriter
/// does (read-only afterwards): the files, with their modes, in a hidden timestamped
/// directory (`..2025_01_01_00_00_00.<digits>`, mode 0755, nested `items[].path`
/// directories 0755); `..data` a symbolic link to it; and each top-level name a link
/// `name -> ..data/name`. The volume's root is a tmpfs (mode 1777, as mounted) for secret,
/// projected and downwardAPI volumes, a directory of mode 0777 on the node's disk for a
/// configMap (`emptyDir`'s `setupDir`).
fn materialize(
    files: BTreeMap<String, (Vec<u8>, u32)>,
    on_disk: bool,
    seed: &str,
    size: u64,
    now: SimTime,
) -> Fs {
    let mut fs = Fs::new(size, now);
    let _ = fs.chmod("/", if on_disk { 0o777 } else { 0o1777 });
    let ts = timestamp_dir(seed, now);
    let _ = fs.mkdir(&format!("/{ts}"), 0o755, now);
    for (path, (data, mode)) in &files {
        if let Some((dir, _)) = path.rsplit_once('/') {
            let _ = fs.mkdir_p(&format!("/{ts}/{dir}"), 0o755, now);
        }
        let p = format!("/{ts}/{path}");
        if fs.write(&p, data, now).is_ok() {
            let _ = fs.chmod(&p, *mode);
        }
    }
    for path in files.keys() {
        let top = path.split('/').next().unwrap_or(path);
        if !fs.exists(&format!("/{top}")) {
            let _ = fs.symlink(&format!("/{top}"), &format!("..data/{top}"), now);
        }
    }
    let _ = fs.symlink("/..data", &ts, now);
    fs.read_only = true;
    fs
}

/// Resolves the container's environment (`env` with `value`/`valueFrom`, then `envFrom`
/// prefixes; `$(VAR)` references expanded as the kubelet does).
fn environment(
    api: &ApiServer,
    pod: &Pod,
    c: &Container,
    pod_ip: &str,
    node: &str,
) -> Vec<(String, String)> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    let lookup_cm = |name: &str, key: &str| -> Option<String> {
        match api
            .try_get(&ObjectKey::new(Kind::ConfigMap, &ns, name))
            .map(|o| &**o)
        {
            Some(Object::ConfigMap(cm)) => cm.data.as_ref()?.get(key).cloned(),
            _ => None,
        }
    };
    let lookup_secret = |name: &str, key: &str| -> Option<String> {
        match api
            .try_get(&ObjectKey::new(Kind::Secret, &ns, name))
            .map(|o| &**o)
        {
            Some(Object::Secret(s)) => s
                .data
                .as_ref()
                .and_then(|d| d.get(key))
                .map(|b| String::from_utf8_lossy(&b.0).into_owned())
                .or_else(|| s.string_data.as_ref()?.get(key).cloned()),
            _ => None,
        }
    };
    for ef in c.env_from.iter().flatten() {
        let prefix = ef.prefix.clone().unwrap_or_default();
        if let Some(r) = &ef.config_map_ref
            && let Some(Object::ConfigMap(cm)) = api
                .try_get(&ObjectKey::new(Kind::ConfigMap, &ns, &r.name))
                .map(|o| &**o)
        {
            for (k, v) in cm.data.iter().flatten() {
                out.push((format!("{prefix}{k}"), v.clone()));
            }
        }
        if let Some(r) = &ef.secret_ref
            && let Some(Object::Secret(s)) = api
                .try_get(&ObjectKey::new(Kind::Secret, &ns, &r.name))
                .map(|o| &**o)
        {
            for (k, v) in s.data.iter().flatten() {
                out.push((
                    format!("{prefix}{k}"),
                    String::from_utf8_lossy(&v.0).into_owned(),
                ));
            }
        }
    }
    for e in c.env.iter().flatten() {
        let value = if let Some(v) = &e.value {
            expand(v, &out)
        } else if let Some(vf) = &e.value_from {
            if let Some(r) = &vf.config_map_key_ref {
                lookup_cm(&r.name, &r.key).unwrap_or_default()
            } else if let Some(r) = &vf.secret_key_ref {
                lookup_secret(&r.name, &r.key).unwrap_or_default()
            } else if let Some(f) = &vf.field_ref {
                match f.field_path.as_str() {
                    "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
                    "metadata.namespace" => ns.clone(),
                    "metadata.uid" => pod.metadata.uid.clone().unwrap_or_default(),
                    "status.podIP" => pod_ip.to_string(),
                    "spec.nodeName" => node.to_string(),
                    "spec.serviceAccountName" => pod
                        .spec
                        .as_ref()
                        .and_then(|s| s.service_account_name.clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                }
            } else {
                String::new()
            }
        } else {
            String::new()
        };
        out.push((e.name.clone(), value));
    }
    out
}

/// `$(VAR)` expansion against earlier variables (`expansion.MappingFuncFor`); `$$` escapes.
fn expand(v: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
        } else if let Some(a) = after.strip_prefix('(')
            && let Some(end) = a.find(')')
        {
            let name = &a[..end];
            match env.iter().rev().find(|(k, _)| k == name) {
                Some((_, val)) => out.push_str(val),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &a[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Records the container's setup in the world, with a fresh layer of its image's files, and
/// creates what its mounts need (volume filesystems, subPath directories, projected files).
#[allow(clippy::too_many_arguments)]
pub(super) fn prepare(
    world: &mut World,
    api: &ApiServer,
    pod: &Pod,
    c: &Container,
    node: &str,
    pod_ip: &str,
    now: SimTime,
    sabotage: bool,
) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let spec = pod.spec.as_ref();
    let volumes: &[Volume] = spec.and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
    let mut mounts = Vec::new();
    for vm in c.volume_mounts.iter().flatten() {
        let Some(v) = volumes.iter().find(|v| v.name == vm.name) else {
            continue;
        };
        let Some((mut id, size)) = volume_id(api, pod, v, node) else {
            continue;
        };
        if sabotage && v.persistent_volume_claim.is_some() {
            id = VolumeId::EmptyDir {
                pod_uid: uid.clone(),
                name: v.name.clone(),
            };
        }
        if matches!(id, VolumeId::Projected { .. }) {
            // Written from the objects as they are now (the kubelet refreshes these volumes;
            // stsim does it whenever a container of the pod starts).
            // Like AtomicWriter.Write, nothing is rewritten when the payload is unchanged (so
            // every container of the pod, and a restarted one, sees the same directory).
            let files = projected_files(api, pod, v);
            let unchanged = world
                .volume_if_exists(&id)
                .is_some_and(|old| written_payload(old) == files);
            if !unchanged {
                let seed = format!("{uid}/{}", v.name);
                let fs = materialize(files, v.config_map.is_some(), &seed, size, now);
                world.set_volume(id.clone(), fs);
            }
        } else {
            world.volume(&id, size, now);
        }
        let sub = vm.sub_path.clone().unwrap_or_default();
        if !sub.is_empty() && !matches!(id, VolumeId::Projected { .. }) {
            // The kubelet creates a missing subPath directory (mode 0750 as of 1.35's
            // `doSafeMakeDir`, owned by root).
            let _ = world.volume(&id, size, now).mkdir_p(
                &format!("/{}", sub.trim_matches('/')),
                0o755,
                now,
            );
        }
        mounts.push(Mount {
            path: vm.mount_path.clone(),
            volume: id,
            sub_path: sub,
            read_only: vm.read_only == Some(true)
                || v.config_map.is_some()
                || v.secret.is_some()
                || v.projected.is_some(),
        });
    }
    let name = pod.metadata.name.clone().unwrap_or_default();
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let hostname = spec
        .and_then(|s| s.hostname.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| name.chars().take(63).collect());
    let fqdn = spec
        .and_then(|s| s.subdomain.clone())
        .filter(|s| !s.is_empty())
        .map(|sub| format!("{hostname}.{sub}.{ns}.svc.cluster.local"));
    let image = c.image.clone().unwrap_or_default();
    let setup = ContainerSetup {
        namespace: ns,
        pod: name,
        node: node.to_string(),
        pod_ip: pod_ip.to_string(),
        hostname,
        fqdn,
        image: image.clone(),
        command: c.command.clone().unwrap_or_default(),
        args: c.args.clone().unwrap_or_default(),
        env: environment(api, pod, c, pod_ip, node),
        mounts,
        working_dir: c.working_dir.clone().unwrap_or_default(),
        stdin: None,
    };
    let mut setup = setup;
    if c.stdin == Some(true) {
        setup.stdin = Some(
            world
                .take_stdin(&setup.namespace, &setup.pod)
                .unwrap_or_default(),
        );
    }
    let mut layer = Fs::new(LAYER_BYTES, now);
    (crate::apps::profile(&image).layer)(&mut layer, now);
    let key = crate::store::ContainerKey::new(uid, c.name.clone());
    world.start_container(&key, setup, layer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependent_variables_expand_as_the_kubelet_does() {
        let env = vec![("A".to_string(), "x".to_string())];
        assert_eq!(expand("$(A)-$(B)-$$(A)", &env), "x-$(B)-$(A)");
        assert_eq!(expand("plain $ sign", &env), "plain $ sign");
    }

    fn payload() -> BTreeMap<String, (Vec<u8>, u32)> {
        let mut files = BTreeMap::new();
        files.insert("password".to_string(), (b"demo-password".to_vec(), 0o400));
        files.insert(
            "conf/app.properties".to_string(),
            (b"a=1\n".to_vec(), 0o644),
        );
        files
    }

    #[test]
    fn volumes_are_laid_out_as_the_atomic_writer_does() {
        let now = SimTime::from_ms(90_061_500);
        let fs = materialize(payload(), false, "uid/secret-volume", 1 << 20, now);
        let ts = timestamp_dir("uid/secret-volume", now);
        assert!(ts.starts_with("..2025_01_02_01_01_01."), "{ts}");
        assert!(
            ts["..2025_01_02_01_01_01.".len()..].parse::<u32>().is_ok(),
            "{ts}"
        );
        assert_eq!(
            fs.list("/").unwrap(),
            [ts.as_str(), "..data", "conf", "password"]
        );
        assert_eq!(fs.read_link("/..data").unwrap(), ts);
        assert_eq!(fs.read_link("/password").unwrap(), "..data/password");
        assert_eq!(fs.read_link("/conf").unwrap(), "..data/conf");
        assert_eq!(fs.lookup(&format!("/{ts}")).unwrap().meta().mode, 0o755);
        assert_eq!(
            fs.lookup(&format!("/{ts}/conf")).unwrap().meta().mode,
            0o755
        );
        assert_eq!(fs.read("/password").unwrap(), b"demo-password");
        assert_eq!(fs.stat("/password").unwrap().meta().mode, 0o400);
        assert_eq!(fs.read("/conf/app.properties").unwrap(), b"a=1\n");
        assert_eq!(fs.lookup("/").unwrap().meta().mode, 0o1777);
        assert!(fs.read_only);
        assert_eq!(written_payload(&fs), payload());
        // A configMap volume lives on the node's disk: a plain 0777 directory.
        let cm = materialize(payload(), true, "uid/config", 1 << 20, now);
        assert_eq!(cm.lookup("/").unwrap().meta().mode, 0o777);
        // Same instant and volume, same name: reproducible.
        assert_eq!(timestamp_dir("uid/secret-volume", now), ts);
    }
}
