use super::*;

fn t(ms: u64) -> SimTime {
    SimTime::from_ms(ms)
}

fn setup(mounts: Vec<Mount>) -> ContainerSetup {
    ContainerSetup {
        namespace: "default".into(),
        pod: "web-0".into(),
        node: "kind-worker".into(),
        pod_ip: "10.244.1.5".into(),
        hostname: "web-0".into(),
        mounts,
        ..ContainerSetup::default()
    }
}

fn pv_mount(path: &str, pv: &str, sub: &str) -> Mount {
    Mount {
        path: path.into(),
        volume: VolumeId::Pv(pv.into()),
        sub_path: sub.into(),
        read_only: false,
    }
}

#[test]
fn paths_resolve_to_the_longest_mount_and_sub_paths() {
    let mut w = World::new();
    let key = ContainerKey::new("u1", "c");
    w.volume(&VolumeId::Pv("pv1".into()), 1 << 20, t(0));
    w.start_container(
        &key,
        setup(vec![
            pv_mount("/var/lib/postgresql", "pv1", ""),
            pv_mount("/var/lib/postgresql/data", "pv1", "pgdata"),
        ]),
        Fs::new(NODE_DISK_BYTES, t(0)),
    );
    let mut v = w.view(&key, t(5)).unwrap();
    assert_eq!(v.resolve("/var/lib/postgresql/data/x").inner, "/pgdata/x");
    assert_eq!(v.resolve("/var/lib/postgresql/x").inner, "/x");
    assert_eq!(v.resolve("/var/lib/postgresqlx").mount, None);
    assert_eq!(
        v.list("/var/lib/postgresql").unwrap(),
        ["data", "lost+found"]
    );
    assert!(v.exists("/var/lib/postgresql/data"));
    // The kubelet creates a missing subPath directory before it mounts it.
    v.mkdir("/var/lib/postgresql/pgdata", 0o700, false).unwrap();
    v.write("/var/lib/postgresql/data/PG_VERSION", b"15\n")
        .unwrap();
    assert_eq!(
        v.read("/var/lib/postgresql/pgdata/PG_VERSION").unwrap(),
        b"15\n"
    );
    assert_eq!(v.remove("/var/lib/postgresql", true), Err(FsError::Busy));
}

#[test]
fn a_volume_outlives_its_container_but_the_layer_does_not() {
    let mut w = World::new();
    let key = ContainerKey::new("u1", "c");
    let s = setup(vec![pv_mount("/data", "pv1", "")]);
    w.start_container(&key, s.clone(), Fs::new(NODE_DISK_BYTES, t(0)));
    {
        let mut v = w.view(&key, t(1)).unwrap();
        v.write("/data/keep", b"1").unwrap();
        v.write("/tmp-file", b"2").unwrap();
    }
    w.log(&key, t(1), Stream::Stdout, "first run");
    // The container restarts: a fresh layer, the old log is --previous.
    w.start_container(&key, s, Fs::new(NODE_DISK_BYTES, t(2)));
    let v = w.view(&key, t(3)).unwrap();
    assert!(v.exists("/data/keep"));
    assert!(!v.exists("/tmp-file"));
    let logs = w.logs(&key).unwrap();
    assert!(logs.current.is_empty());
    assert_eq!(logs.previous.as_ref().unwrap()[0].text, "first run");
    w.remove_pod("u1");
    assert!(w.volume_if_exists(&VolumeId::Pv("pv1".into())).is_some());
    assert!(w.view(&key, t(4)).is_none());
}

#[test]
fn empty_dirs_die_with_the_pod_and_host_paths_with_the_disk() {
    let mut w = World::new();
    let key = ContainerKey::new("u1", "c");
    let ed = VolumeId::EmptyDir {
        pod_uid: "u1".into(),
        name: "cache".into(),
    };
    let hp = VolumeId::HostPath {
        node: "kind-worker".into(),
        path: "/var/local-path-provisioner/pvc-1".into(),
    };
    w.start_container(
        &key,
        setup(vec![
            Mount {
                path: "/cache".into(),
                volume: ed.clone(),
                sub_path: String::new(),
                read_only: false,
            },
            Mount {
                path: "/data".into(),
                volume: hp.clone(),
                sub_path: String::new(),
                read_only: false,
            },
        ]),
        Fs::new(NODE_DISK_BYTES, t(0)),
    );
    {
        let mut v = w.view(&key, t(1)).unwrap();
        v.write("/cache/a", b"1").unwrap();
        v.write("/data/b", b"2").unwrap();
        assert!(!v.list("/data").unwrap().contains(&"lost+found".to_string()));
    }
    w.lose_node_disks("kind-worker");
    assert!(w.volume_if_exists(&ed).is_none());
    assert!(w.volume_if_exists(&hp).is_none());
}

#[test]
fn listeners_are_found_by_ip_and_port_once_accepting() {
    let mut w = World::new();
    let key = ContainerKey::new("u1", "db");
    w.start_container(&key, setup(vec![]), Fs::new(1, t(0)));
    let mut p = Proc::new("postgres", Box::new(5u32));
    p.listening.insert(5432, t(800));
    w.procs.insert(key.clone(), p);
    assert_eq!(w.listener("10.244.1.5", 5432, t(100)), None);
    assert_eq!(w.listener("10.244.1.5", 5432, t(800)), Some(key.clone()));
    assert_eq!(w.listener("10.244.1.5", 5433, t(900)), None);
    assert_eq!(w.listener("10.244.1.6", 5432, t(900)), None);
    let p = w.procs.get_mut(&key).unwrap();
    assert_eq!(p.state.downcast_mut::<u32>(), Some(&mut 5));
}

#[test]
fn read_only_mounts_refuse_writes() {
    let mut w = World::new();
    let key = ContainerKey::new("u1", "c");
    let cm = VolumeId::Projected {
        pod_uid: "u1".into(),
        name: "config".into(),
    };
    let mut fs = Fs::new(1 << 20, t(0));
    fs.write("/app.conf", b"x=1\n", t(0)).unwrap();
    fs.read_only = true;
    w.set_volume(cm.clone(), fs);
    w.start_container(
        &key,
        setup(vec![Mount {
            path: "/etc/app".into(),
            volume: cm,
            sub_path: String::new(),
            read_only: true,
        }]),
        Fs::new(NODE_DISK_BYTES, t(0)),
    );
    let mut v = w.view(&key, t(1)).unwrap();
    assert_eq!(v.read("/etc/app/app.conf").unwrap(), b"x=1\n");
    assert_eq!(v.write("/etc/app/app.conf", b"y"), Err(FsError::ReadOnly));
}

#[test]
fn fresh_volume_roots_have_the_modes_their_makers_give_them() {
    let mode = |id: VolumeId| match id.fresh_fs(1 << 30, t(0)).lookup("/").unwrap() {
        fs::Node::Dir { meta, .. } => meta.mode,
        _ => unreachable!(),
    };
    // The kubelet's emptyDir and local-path's `mkdir -m 0777`: world-writable.
    assert_eq!(
        mode(VolumeId::EmptyDir {
            pod_uid: "u".into(),
            name: "cache".into()
        }),
        0o777
    );
    assert_eq!(
        mode(VolumeId::HostPath {
            node: "kind-worker".into(),
            path: "/var/local-path-provisioner/pvc-1_default_www-web-0".into()
        }),
        0o777
    );
    // hostPath DirectoryOrCreate (0755) and a fresh ext4 root (mke2fs: 0755).
    assert_eq!(
        mode(VolumeId::HostPath {
            node: "kind-worker".into(),
            path: "/tmp/hp".into()
        }),
        0o755
    );
    assert_eq!(mode(VolumeId::Pv("pv-1".into())), 0o755);
}
