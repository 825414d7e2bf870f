//! The shell, the tools and the network clients, byte for byte against captures of the real
//! programs (BusyBox 1.35, GNU coreutils 9.1, dash 0.5.12, bash 5.2, curl 7.88.1) and the
//! spec's samples.

use serde_json::json;

use super::*;
use crate::api::{Kind, ObjectKey};
use crate::controllers::endpoints::slice::EndpointSliceController;
use crate::controllers::replicaset::testkit::{harness, obj, pod, run_pod};
use crate::exec::testing::Bench;
use crate::store::VolumeId;

fn run(b: &mut Bench, key: &ContainerKey, script: &str) -> crate::exec::ExecResult {
    b.exec(key, &["sh", "-c", script], false, None)
        .expect("sh exists")
}

#[test]
fn words_quotes_variables_and_substitution() {
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[("GREETING", "hi there")], &[]);
    let r = run(
        &mut b,
        &k,
        r#"X=1; echo "$X" '$X' \$X ${X}0 $((X + 2)); echo "$GREETING" $HOSTNAME; echo `echo back` $(echo sub); printf '%s-%d\n' a 7"#,
    );
    assert_eq!(r.stdout, "1 $X $X 10 3\nhi there box\nback sub\na-7\n");
    assert_eq!(r.code, 0);
}

#[test]
fn unknown_commands_are_worded_by_each_shell() {
    let mut b = Bench::new();
    let bb = b.container("box", "busybox", &[], &[]);
    let r = run(&mut b, &bb, "echo a; foo");
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("a\n", "sh: foo: not found\n", 127)
    );
    let deb = b.container("web-0", "nginx:1.27", &[], &[]);
    let r = run(&mut b, &deb, "echo a; foo; bar");
    assert_eq!(r.stderr, "sh: 1: foo: not found\nsh: 1: bar: not found\n");
    assert_eq!(r.code, 127);
    let r = b.exec_ok(&deb, &["bash", "-c", "foo"]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("bash: line 1: foo: command not found\n", 127)
    );
    // A program the image lacks is the shell's not-found, not containerd's.
    let r = run(&mut b, &bb, "psql -c 'select 1'");
    assert_eq!(r.stderr, "sh: psql: not found\n");
}

#[test]
fn syntax_errors_match_the_real_shells() {
    let mut b = Bench::new();
    let bb = b.container("box", "busybox", &[], &[]);
    let deb = b.container("web-0", "nginx", &[], &[]);
    let r = run(&mut b, &bb, "if true; then echo a");
    assert_eq!(
        (r.stderr.as_str(), r.code),
        (
            "sh: syntax error: unexpected end of file (expecting \"fi\")\n",
            2
        )
    );
    let r = run(&mut b, &bb, "echo a; fi");
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("", "sh: syntax error: unexpected \"fi\"\n")
    );
    let r = run(&mut b, &deb, "fi");
    assert_eq!(r.stderr, "sh: 1: Syntax error: \"fi\" unexpected\n");
    let r = run(&mut b, &bb, "echo \"a");
    assert_eq!(r.stderr, "sh: syntax error: unterminated quoted string\n");
    let r = b.exec_ok(&deb, &["bash", "-c", "fi"]);
    assert_eq!(
        r.stderr,
        "bash: -c: line 1: syntax error near unexpected token `fi'\nbash: -c: line 1: `fi'\n"
    );
}

#[test]
fn pipelines_redirections_and_control_flow() {
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let r = run(
        &mut b,
        &k,
        "echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f | wc -l; cat < /tmp/f | head -n 1; ls /nope 2>&1; ls /nope 2>/dev/null || echo failed $?",
    );
    assert_eq!(
        r.stdout,
        "2\none\nls: /nope: No such file or directory\nfailed 1\n"
    );
    assert_eq!(r.stderr, "");
    let r = run(
        &mut b,
        &k,
        "for i in 1 2 3; do if [ $i -eq 2 ]; then continue; fi; echo n$i; done; i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i; false && echo no; true || echo no; ! false; echo $?; exit 4",
    );
    assert_eq!(r.stdout, "n1\nn3\n3\n0\n");
    assert_eq!(r.code, 4);
    let r = run(&mut b, &k, "cd /nonexist");
    assert_eq!(
        r.stderr,
        "sh: cd: line 0: can't cd to /nonexist: No such file or directory\n"
    );
    let r = run(
        &mut b,
        &k,
        "mkdir -p /data/a && touch /data/a/x /data/a/y && echo /data/a/*; cd /data; pwd; ls a",
    );
    assert_eq!(r.stdout, "/data/a/x /data/a/y\n/data\nx\ny\n");
}

#[test]
fn tool_messages_differ_between_busybox_and_gnu() {
    let mut b = Bench::new();
    let bb = b.container("box", "busybox", &[], &[]);
    let deb = b.container("web-0", "nginx", &[], &[]);
    let cases: &[(&str, &str, &str)] = &[
        (
            "ls /x",
            "ls: /x: No such file or directory\n",
            "ls: cannot access '/x': No such file or directory\n",
        ),
        (
            "cat /x",
            "cat: can't open '/x': No such file or directory\n",
            "cat: /x: No such file or directory\n",
        ),
        (
            "mkdir /tmp",
            "mkdir: can't create directory '/tmp': File exists\n",
            "mkdir: cannot create directory '/tmp': File exists\n",
        ),
        (
            "rm /tmp",
            "rm: '/tmp' is a directory\n",
            "rm: cannot remove '/tmp': Is a directory\n",
        ),
        (
            "rmdir /etc",
            "rmdir: '/etc': Directory not empty\n",
            "rmdir: failed to remove '/etc': Directory not empty\n",
        ),
        (
            "touch /x/y",
            "touch: /x/y: No such file or directory\n",
            "touch: cannot touch '/x/y': No such file or directory\n",
        ),
        (
            "cp /x /y",
            "cp: can't stat '/x': No such file or directory\n",
            "cp: cannot stat '/x': No such file or directory\n",
        ),
        (
            "mv /x /y",
            "mv: can't rename '/x': No such file or directory\n",
            "mv: cannot stat '/x': No such file or directory\n",
        ),
        (
            "head -n 2 /x",
            "head: /x: No such file or directory\n",
            "head: cannot open '/x' for reading: No such file or directory\n",
        ),
        (
            "cat /tmp",
            "cat: read error: Is a directory\n",
            "cat: /tmp: Is a directory\n",
        ),
    ];
    for (cmd, bbe, gnue) in cases {
        let argv: Vec<&str> = cmd.split(' ').collect();
        let r = b.exec(&bb, &argv, false, None).unwrap();
        assert_eq!(&r.stderr, bbe, "busybox {cmd}");
        assert_ne!(r.code, 0);
        let r = b.exec(&deb, &argv, false, None).unwrap();
        assert_eq!(&r.stderr, gnue, "gnu {cmd}");
    }
    assert_eq!(b.exec_ok(&deb, &["ls", "/x"]).code, 2);
}

#[test]
fn ls_long_lists_like_the_real_ones() {
    let mut b = Bench::new();
    let bb = b.container("box", "busybox", &[], &[]);
    let deb = b.container("web-0", "nginx", &[], &[]);
    for k in [&bb, &deb] {
        run(&mut b, k, "mkdir -p /d/e; echo hi > /d/f");
    }
    let r = b.exec_ok(&bb, &["ls", "-l", "/d"]);
    assert_eq!(
        r.stdout,
        "total 8\ndrwxr-xr-x    2 root     root          4096 Jan  1 00:00 e\n-rw-r--r--    1 root     root             3 Jan  1 00:00 f\n"
    );
    let r = b.exec_ok(&deb, &["ls", "-l", "/d"]);
    assert_eq!(
        r.stdout,
        "total 8\ndrwxr-xr-x 2 root root 4096 Jan  1 00:00 e\n-rw-r--r-- 1 root root    3 Jan  1 00:00 f\n"
    );
}

#[test]
fn df_matches_appendix_b() {
    let mut b = Bench::new();
    for (id, cap) in [("pv1", 1u64 << 30), ("pv5", 5 << 30), ("pv10", 10 << 30)] {
        b.world.volume(&VolumeId::Pv(id.into()), cap, b.now);
    }
    let mounts = [
        ("/mnt/pv1", VolumeId::Pv("pv1".into())),
        ("/mnt/pv5", VolumeId::Pv("pv5".into())),
        ("/mnt/pv10", VolumeId::Pv("pv10".into())),
    ];
    let k = b.container("db-0", "postgres:16", &[], &mounts);
    let r = b.exec_ok(&k, &["df", "-h", "/mnt/pv1", "/mnt/pv5", "/mnt/pv10"]);
    // The captured sample with the loop devices named as a cloud disk is.
    assert_eq!(
        r.stdout,
        "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sdb        974M   24K  907M   1% /mnt/pv1\n/dev/sdb        4.9G   24K  4.6G   1% /mnt/pv5\n/dev/sdb        9.8G   24K  9.3G   1% /mnt/pv10\n"
    );
    let bb = b.container(
        "box",
        "busybox",
        &[],
        &[("/mnt/pv1", VolumeId::Pv("pv1".into()))],
    );
    let r = b.exec_ok(&bb, &["df", "-h", "/mnt/pv1"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Filesystem                Size      Used Available Use% Mounted on"
    );
    assert!(
        lines[1].starts_with("/dev/sdb                973.4M"),
        "{}",
        lines[1]
    );
}

#[test]
fn sleep_spends_virtual_time_and_date_reads_the_clock() {
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let r = run(&mut b, &k, "date; sleep 90; date -u +%H:%M:%S");
    assert_eq!(r.stdout, "Wed Jan  1 00:00:00 UTC 2025\n00:01:30\n");
    assert_eq!(b.now, SimTime::from_ms(90_000));
    let r = b.exec_ok(&k, &["sleep", "x"]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("sleep: invalid number 'x'\n", 1)
    );
}

/// Headless `nginx` over web-0 (10.244.1.5) and web-1 (10.244.2.6), both ready, plus
/// kube-dns at 10.96.0.10.
fn dns_bench() -> Bench {
    let mut h = harness();
    h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                "ports": [{"name": "web", "port": 80}]}})))
        .unwrap();
    for (i, ip) in [(0, "10.244.1.5"), (1, "10.244.2.6")] {
        let name = format!("web-{i}");
        h.api
            .create(obj(pod(
                &name,
                json!({"app": "nginx"}),
                Some((&name, "nginx")),
            )))
            .unwrap();
        run_pod(
            &mut h.api,
            &ObjectKey::new(Kind::Pod, "default", &name),
            "kind-worker",
            ip,
            true,
            h.now,
        );
    }
    let mut c = EndpointSliceController::new();
    let _ = h.reconcile(&mut c, &ObjectKey::new(Kind::Service, "default", "nginx"));
    let _ = h.reconcile(
        &mut c,
        &ObjectKey::new(Kind::Service, "kube-system", "kube-dns"),
    );
    let mut b = Bench::new();
    b.now = h.now;
    b.api = h.api;
    b
}

#[test]
fn nslookup_new_format_matches_the_capture() {
    let mut b = dns_bench();
    let k = b.container("debug", "busybox", &[], &[]);
    let r = b.exec_ok(&k, &["nslookup", "web-0.nginx.default.svc.cluster.local"]);
    assert_eq!(
        r.stdout,
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb-0.nginx.default.svc.cluster.local\nAddress: 10.244.1.5\n\n\n"
    );
    assert_eq!(r.code, 0);
    let r = b.exec_ok(&k, &["nslookup", "web-5.nginx.default.svc.cluster.local"]);
    assert_eq!(
        r.stdout,
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find web-5.nginx.default.svc.cluster.local: NXDOMAIN\n\n** server can't find web-5.nginx.default.svc.cluster.local: NXDOMAIN\n\n"
    );
    assert_eq!(r.code, 1);
    let r = b.exec_ok(&k, &["nslookup", "nginx"]);
    assert_eq!(
        r.stdout,
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tnginx.default.svc.cluster.local\nAddress: 10.244.1.5\nName:\tnginx.default.svc.cluster.local\nAddress: 10.244.2.6\n\n** server can't find nginx.svc.cluster.local: NXDOMAIN\n\n** server can't find nginx.cluster.local: NXDOMAIN\n\n\n** server can't find nginx.svc.cluster.local: NXDOMAIN\n\n** server can't find nginx.cluster.local: NXDOMAIN\n\n"
    );
    assert_eq!(r.code, 1);
    let r = b.exec_ok(&k, &["nslookup", "10.244.1.5"]);
    assert_eq!(
        r.stdout,
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n5.1.244.10.in-addr.arpa\tname = web-0.nginx.default.svc.cluster.local\n\n"
    );
}

#[test]
fn nslookup_of_busybox_1_28_uses_the_search_list() {
    let mut b = dns_bench();
    let k = b.container("dns-test", "busybox:1.28", &[], &[]);
    let r = b.exec_ok(&k, &["nslookup", "web-0.nginx"]);
    assert_eq!(
        r.stdout,
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web-0.nginx\nAddress 1: 10.244.1.5 web-0.nginx.default.svc.cluster.local\n"
    );
    let r = b.exec_ok(&k, &["nslookup", "web-5.nginx"]);
    assert_eq!(
        r.stdout,
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
    );
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("nslookup: can't resolve 'web-5.nginx'\n", 1)
    );
}

#[test]
fn clients_report_unknown_hosts_and_refusals_like_curl_and_wget() {
    let mut b = dns_bench();
    let bb = b.container("debug", "busybox", &[], &[]);
    let r = b.exec_ok(&bb, &["wget", "-qO-", "http://web-9.nginx"]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("wget: bad address 'web-9.nginx'\n", 1)
    );
    let r = b.exec_ok(&bb, &["ping", "-c1", "web-9.nginx"]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("ping: bad address 'web-9.nginx'\n", 1)
    );
    let deb = b.container("web-0", "nginx", &[], &[]);
    let r = b.exec_ok(&deb, &["curl", "-s", "http://web-9.nginx"]);
    assert_eq!((r.stderr.as_str(), r.code), ("", 6));
    let r = b
        .exec(&deb, &["curl", "http://web-9.nginx"], true, None)
        .unwrap();
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("curl: (6) Could not resolve host: web-9.nginx\n", 6)
    );
    // Nothing listens on the pod's port 80 (no nginx process started here).
    let r = b.exec(&deb, &["curl", "localhost"], true, None).unwrap();
    assert_eq!(
        (r.stderr.as_str(), r.code),
        (
            "curl: (7) Failed to connect to localhost port 80 after 0 ms: Couldn't connect to server\n",
            7
        )
    );
    let r = b.exec_ok(&bb, &["wget", "-q", "-O", "-", "http://localhost/"]);
    let ip = b.world.setup(&bb).unwrap().pod_ip.clone();
    assert_eq!(
        r.stderr,
        format!("wget: can't connect to remote host ({ip}): Connection refused\n")
    );
    // An address no pod has: the client waits for its timeout.
    let before = b.now;
    let r = b.exec_ok(&bb, &["wget", "-T", "5", "-qO-", "http://10.244.9.9/"]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("wget: download timed out\n", 1)
    );
    assert_eq!(b.now, before + SimDuration::from_secs(5));
}

#[test]
fn the_main_shell_logs_as_it_goes_and_exits_with_the_script() {
    use crate::kubelet::app::{AppCx, ContainerInfo};
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": {"name": "box", "namespace": "default", "uid": "uid-box"},
        "spec": {"containers": [{"name": "box", "image": "busybox",
            "command": ["sh", "-c", "echo hello; sleep 10; echo bye >&2; exit 3"]}]}
    }))
    .unwrap();
    let c = pod.spec.as_ref().unwrap().containers[0].clone();
    let mut m = ShellModel::default();
    let mut cx = AppCx {
        info: ContainerInfo {
            pod: &pod,
            container: &c,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        },
        since_start: SimDuration::ZERO,
        rng: &mut b.rng,
        now: SimTime::from_ms(1000),
        world: &mut b.world,
        api: &b.api,
        dns: &mut b.dns,
    };
    let s = m.start(&mut cx);
    assert_eq!(s.exit, Some(Exit::with_code(SimDuration::from_secs(10), 3)));
    assert_eq!(
        m.on_signal(&mut cx, Signal::Term),
        None,
        "PID 1 ignores SIGTERM"
    );
    let logs = &b.world.logs(&k).unwrap().current;
    let got: Vec<(u64, &str)> = logs
        .iter()
        .map(|l| (l.at.as_ms(), l.text.as_str()))
        .collect();
    assert_eq!(got, [(1000, "hello"), (11_000, "bye")]);
}

#[test]
fn sleep_infinity_never_exits() {
    use crate::kubelet::app::{AppCx, ContainerInfo};
    let mut b = Bench::new();
    b.container("box", "busybox", &[], &[]);
    for cmd in [
        "sleep infinity",
        "while true; do echo tick; sleep 5; done",
        "tail -f /dev/null",
    ] {
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
            "metadata": {"name": "box", "uid": "uid-box"},
            "spec": {"containers": [{"name": "box", "image": "busybox", "command": ["sh", "-c", cmd]}]}
        }))
        .unwrap();
        let c = pod.spec.as_ref().unwrap().containers[0].clone();
        let mut cx = AppCx {
            info: ContainerInfo {
                pod: &pod,
                container: &c,
                is_init: false,
                restart_count: 0,
                pod_ip: "10.244.1.10",
            },
            since_start: SimDuration::ZERO,
            rng: &mut b.rng,
            now: SimTime::ZERO,
            world: &mut b.world,
            api: &b.api,
            dns: &mut b.dns,
        };
        assert_eq!(ShellModel::default().start(&mut cx).exit, None, "{cmd}");
    }
    // No command: busybox's CMD is `sh`, which reads end of file and exits 0 at once.
    assert_eq!(container_argv("busybox", &[], &[]), ["sh"]);
}

mod prop {
    use proptest::prelude::*;

    use crate::exec::testing::Bench;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn random_shell_lines_never_panic(line in "[ -~\\n]{0,60}|\\PC{0,30}") {
            let mut b = Bench::new();
            let k = b.container("box", "busybox", &[], &[]);
            let _ = b.exec(&k, &["sh", "-c", &line], false, None);
        }

        #[test]
        fn shell_like_lines_never_panic(parts in proptest::collection::vec(prop_oneof![
            Just("echo"), Just("'a b'"), Just("\"$X\""), Just("$(echo x"), Just(")"), Just("|"),
            Just(";"), Just("&&"), Just("||"), Just(">"), Just("2>&1"), Just("if"), Just("then"),
            Just("fi"), Just("for"), Just("in"), Just("do"), Just("done"), Just("`"), Just("${"),
            Just("}"), Just("$(("), Just("))"), Just("*"), Just("["), Just("]"), Just("\\"),
            Just("while"), Just("cat"), Just("/tmp/x"), Just("<"), Just("exit"), Just("ls"),
        ], 0..12)) {
            let mut b = Bench::new();
            let k = b.container("box", "busybox", &[], &[]);
            let _ = b.exec(&k, &["sh", "-c", &parts.join(" ")], false, None);
        }

        /// `[[`-heavy lines through bash and BusyBox ash.
        #[test]
        fn cond_like_lines_never_panic(parts in proptest::collection::vec(prop_oneof![
            Just("[["), Just("]]"), Just("=~"), Just("=="), Just("!="), Just("-d"), Just("-n"),
            Just("-eq"), Just("!"), Just("&&"), Just("||"), Just("("), Just(")"), Just("<"),
            Just("a"), Just("\"x y\""), Just("-([0-9]+)$"), Just("^(.*?)[[:space:]]+"),
            Just("[[:digit:]]"), Just("${BASH_REMATCH[1]}"), Just("${#BASH_REMATCH[@]}"),
            Just("$(<f)"), Just("`hostname`"), Just("set -x;"), Just("set -e;"), Just(";"),
            Just("\n"), Just("if"), Just("then"), Just("fi"), Just("*"), Just("{"), Just("\\"),
        ], 0..14)) {
            let line = parts.join(" ");
            let mut b = Bench::new();
            let k = b.container("box", "nginx", &[], &[]);
            let _ = b.exec(&k, &["bash", "-c", &line], false, None);
            let k = b.container("bb", "busybox", &[], &[]);
            let _ = b.exec(&k, &["sh", "-c", &line], false, None);
        }

        #[test]
        fn random_sed_scripts_never_panic(script in "[ -~\\n]{0,24}", input in "[a-c;/\\n]{0,12}") {
            let mut b = Bench::new();
            let k = b.container("box", "nginx", &[], &[]);
            let _ = b.exec(&k, &["sed", "-E", &script], false, Some(&input));
            let _ = b.exec(&k, &["sed", &script], false, Some(&input));
        }
    }
}

/// Runs every line of `testdata/sh-lines.txt` with `sh -c` in `image` and renders the results
/// the way the captures were recorded (`=== line`, stdout, `--- err`, stderr, `rc=N`).
fn render_lines(image: &str) -> String {
    render_lines_with(image, "sh")
}

fn render_lines_with(image: &str, shell: &str) -> String {
    let mut out = String::new();
    for l in include_str!("testdata/sh-lines.txt").lines() {
        let mut b = Bench::new();
        let k = b.container("box", image, &[("HOME", "/root")], &[]);
        let r = b.exec_ok(&k, &[shell, "-c", l]);
        out.push_str(&format!(
            "=== {l}\n{}--- err\n{}rc={}\n",
            r.stdout, r.stderr, r.code
        ));
    }
    out
}

/// The captures: each line run by the real `sh -c` of BusyBox 1.35.0 (with a PATH holding only
/// links to the busybox applets, so the tools are BusyBox's too) and by `dash -c` (Debian 12's
/// /bin/sh, with GNU coreutils 9.1), from `/` with stdin and stderr redirected and an empty
/// environment but PATH, HOSTNAME and HOME.
#[test]
fn shell_lines_match_real_busybox_sh_and_dash() {
    assert_eq!(
        render_lines("busybox"),
        include_str!("testdata/sh-lines.busybox-1.35.txt")
    );
    assert_eq!(
        render_lines("nginx"),
        include_str!("testdata/sh-lines.dash-0.5.12.txt")
    );
}

/// The same lines through GNU bash 5.2 (`bash -c`) in a Debian image.
#[test]
fn shell_lines_match_real_bash() {
    let got = render_lines_with("nginx", "bash");
    assert_eq!(got, include_str!("testdata/sh-lines.bash-5.2.txt"));
}

#[test]
fn runaway_scripts_end_without_exhausting_the_stack() {
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let r = run(&mut b, &k, "echo 'sh /tmp/s' > /tmp/s; sh /tmp/s");
    assert!(
        r.stderr
            .ends_with("sh: can't fork: Resource temporarily unavailable\n"),
        "{}",
        r.stderr
    );
    let r = run(&mut b, &k, "echo '. /tmp/t' > /tmp/t; . /tmp/t");
    assert_eq!(r.stderr, "sh: .: too deeply nested\n");
    let deep = "$(".repeat(500) + &")".repeat(500);
    let r = run(&mut b, &k, &format!("echo {deep}"));
    assert_eq!(r.code, 2);
    let r = run(&mut b, &k, &"( ".repeat(500));
    assert_eq!(r.code, 2);
    let deb = b.container("web-0", "nginx", &[], &[]);
    let nested = format!("[[ {}a ]]", "( ! ".repeat(500));
    let r = b.exec_ok(&deb, &["bash", "-c", &nested]);
    assert!(r.stderr.contains("nested too deeply"), "{}", r.stderr);
    let long = format!("[[ {}a ]]", "a && ".repeat(20_000));
    assert_eq!(b.exec_ok(&deb, &["bash", "-c", &long]).code, 0);
    let r = run(&mut b, &k, "while true; do :; done");
    assert_eq!(r.code, 130, "an endless loop is cut off as if interrupted");
    assert!(!b.exec_ok(&k, &["env"]).stdout.contains("stsim"));
}

#[test]
fn the_main_shell_reads_what_kubectl_run_i_typed() {
    use crate::kubelet::app::{AppCx, ContainerInfo};
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let mut setup = b.world.setup(&k).unwrap().clone();
    setup.stdin = Some("echo typed; exit 5\n".into());
    let mut layer = Fs::new(crate::store::NODE_DISK_BYTES, SimTime::ZERO);
    (crate::apps::profile("busybox").layer)(&mut layer, SimTime::ZERO);
    b.world.start_container(&k, setup, layer);
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": {"name": "box", "uid": "uid-box"},
        "spec": {"containers": [{"name": "box", "image": "busybox"}]}
    }))
    .unwrap();
    let c = pod.spec.as_ref().unwrap().containers[0].clone();
    let mut cx = AppCx {
        info: ContainerInfo {
            pod: &pod,
            container: &c,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        },
        since_start: SimDuration::ZERO,
        rng: &mut b.rng,
        now: SimTime::ZERO,
        world: &mut b.world,
        api: &b.api,
        dns: &mut b.dns,
    };
    let s = ShellModel::default().start(&mut cx);
    assert_eq!(s.exit, Some(Exit::with_code(SimDuration::ZERO, 5)));
    assert_eq!(b.world.logs(&k).unwrap().current[0].text, "typed");
}

#[test]
fn tar_backs_up_a_directory_and_restores_it_elsewhere() {
    // The seed's backup: `tar czf /tmp/backup.tar.gz /usr/share/nginx/html/` in one pod,
    // then `tar xzf /tmp/backup.tar.gz -C /` overwrites the same path in another.
    let mut b = Bench::new();
    let a = b.container("web-0", "nginx:1.21", &[], &[]);
    let r = run(
        &mut b,
        &a,
        "mkdir -p /srv/html && echo 'I am web-0' > /srv/html/identity.txt && tar czf /tmp/backup.tar.gz /srv/html/",
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("", "tar: Removing leading `/' from member names\n", 0)
    );
    let r = b
        .exec(&a, &["tar", "tzf", "/tmp/backup.tar.gz"], false, None)
        .unwrap();
    assert_eq!(r.stdout, "srv/html/\nsrv/html/identity.txt\n");
    let r = run(
        &mut b,
        &a,
        "echo 'I am web-1' > /srv/html/identity.txt; tar xzf /tmp/backup.tar.gz -C / && cat /srv/html/identity.txt",
    );
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("I am web-0\n", ""));
    let r = b
        .exec(&a, &["tar", "xzf", "/tmp/nope.tar.gz"], false, None)
        .unwrap();
    assert_eq!(
        (r.stderr.as_str(), r.code),
        (
            "tar: /tmp/nope.tar.gz: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n",
            2
        )
    );
}

#[test]
fn redirections_and_test_resolve_paths_from_the_directory_cd_chose() {
    // The replicated-MySQL sidecar does `cd /var/lib/mysql`, then `[[ -f xtrabackup_binlog_info ]]`
    // and `> change_master_to.sql.in`: both are relative to the new directory.
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let r = run(
        &mut b,
        &k,
        "mkdir -p /x/y; echo a b > /x/f; cd /x; [ -f f ] && echo found; read u v < f; echo \"$u-$v\" > g; cat /x/g; (cd y; echo in > h); [ -f h ] || echo not-here; cat y/h",
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("found\na-b\nnot-here\nin\n", "")
    );
}

/// Renders every line of `lines` (one `sh -c` script a line) the way `capture-lines.sh`
/// records the real shells.
fn render_file_with(lines: &str, image: &str, shell: &str) -> String {
    let mut out = String::new();
    for l in lines.lines() {
        let mut b = Bench::new();
        let k = b.container("box", image, &[("HOME", "/root")], &[]);
        let r = b.exec_ok(&k, &[shell, "-c", l]);
        out.push_str(&format!(
            "=== {l}\n{}--- err\n{}rc={}\n",
            r.stdout, r.stderr, r.code
        ));
    }
    out
}

/// Keeps the records of `capture` whose line is one of `lines` (the cases the model covers
/// for that shell).
fn records_of(capture: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut on = false;
    for l in capture.split_inclusive('\n') {
        if let Some(line) = l.strip_prefix("=== ") {
            on = keep(line.trim_end_matches('\n'));
        }
        if on {
            out.push_str(l);
        }
    }
    out
}

/// `[[ ]]`, `BASH_REMATCH`, `$(<file)`, `set -x` and `set -e` through bash 5.2 (captured with
/// `testdata/capture-lines.sh cond-lines`).
#[test]
fn cond_lines_match_real_bash() {
    let got = render_file_with(include_str!("testdata/cond-lines.txt"), "nginx", "bash");
    assert_eq!(got, include_str!("testdata/cond-lines.bash-5.2.txt"));
}

/// The same lines through dash (no `[[`: a command not found) and BusyBox ash (its `[[` is
/// `test` up to `]]`). Lines where BusyBox's `[[` globs, splits or parses in ways the model
/// does not follow are left out for it.
#[test]
fn cond_lines_match_real_dash_and_busybox_sh() {
    let lines = include_str!("testdata/cond-lines.txt");
    assert_eq!(
        render_file_with(lines, "nginx", "sh"),
        include_str!("testdata/cond-lines.dash-0.5.12.txt")
    );
    // An entry is a whole line, or the start of one when longer than six characters.
    let covered = |l: &str| {
        BUSYBOX_COND_LINES
            .iter()
            .any(|p| l == *p || (p.len() > 6 && l.starts_with(p)))
    };
    let kept: String = lines
        .lines()
        .filter(|l| covered(l))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        render_file_with(&kept, "busybox", "sh"),
        records_of(
            include_str!("testdata/cond-lines.busybox-1.35.txt"),
            covered
        )
    );
}

const BUSYBOX_COND_LINES: &[&str] = &[
    "[[ mysql-12 =~",
    "[[ a =~ [ ]]",
    "if [[ $(echo x)",
    "[[ a = a && b = b ]]",
    "[[ a",
    "[[ ]]; echo after",
    "echo [[ ]]",
    "set -x; echo \"[mysqld]\"",
    "set -x; echo $(echo inner)",
    "set -ex; false && echo no",
    "set -e; if false",
    "set -o xtrace",
    "x=$(</nonexistent)",
    "set -x; echo \"$(</nonexistent)\" tail",
    "x=1 [[ a ]]; echo $?",
];

/// `sed` through GNU sed 4.9 (with dash) and BusyBox sed (captured with
/// `testdata/capture-lines.sh sed-lines`).
#[test]
fn sed_lines_match_real_gnu_sed() {
    let lines = include_str!("testdata/sed-lines.txt");
    assert_eq!(
        render_file_with(lines, "nginx", "sh"),
        include_str!("testdata/sed-lines.dash-0.5.12.txt")
    );
}

/// The capture is BusyBox 1.35's; the busybox image stsim models is 1.37, whose usage text
/// names it.
#[test]
fn sed_lines_match_real_busybox_sed() {
    let lines = include_str!("testdata/sed-lines.txt");
    assert_eq!(
        render_file_with(lines, "busybox", "sh"),
        include_str!("testdata/sed-lines.busybox-1.35.txt").replace(
            "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)",
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC)"
        )
    );
}

/// The scripts of models/managing-stateful-apps/manifests/mysql-statefulset.yaml, as the
/// images run them (`bash -c`). [`the_manifest_still_runs_these_scripts`] keeps them in step.
const INIT_MYSQL: &str = r#"set -ex
# Generate mysql server-id from pod ordinal index.
[[ `hostname` =~ -([0-9]+)$ ]] || exit 1
ordinal=${BASH_REMATCH[1]}
echo [mysqld] > /mnt/conf.d/server-id.cnf
# Add an offset to avoid reserved server-id=0 value.
echo server-id=$((100 + $ordinal)) >> /mnt/conf.d/server-id.cnf
# Copy appropriate conf.d files from config-map to emptyDir.
if [[ $ordinal -eq 0 ]]; then
  cp /mnt/config-map/primary.cnf /mnt/conf.d/
else
  cp /mnt/config-map/replica.cnf /mnt/conf.d/
fi
"#;

/// The xtrabackup sidecar up to where it waits for mysqld: the part that turns a clone's
/// files into `change_master_to.sql.in`.
const SIDECAR_CLONE_POSITION: &str = r#"set -ex
cd /var/lib/mysql

# Determine binlog position of cloned data, if any.
if [[ -f xtrabackup_slave_info && "x$(<xtrabackup_slave_info)" != "x" ]]; then
  # XtraBackup already generated a partial "CHANGE MASTER TO" query
  # because we're cloning from an existing replica. (Need to remove the tailing semicolon!)
  cat xtrabackup_slave_info | sed -E 's/;$//g' > change_master_to.sql.in
  # Ignore xtrabackup_binlog_info in this case (it's useless).
  rm -f xtrabackup_slave_info xtrabackup_binlog_info
elif [[ -f xtrabackup_binlog_info ]]; then
  # We're cloning directly from primary. Parse binlog position.
  [[ `cat xtrabackup_binlog_info` =~ ^(.*?)[[:space:]]+(.*?)$ ]] || exit 1
  rm -f xtrabackup_binlog_info xtrabackup_slave_info
  echo "CHANGE MASTER TO MASTER_LOG_FILE='${BASH_REMATCH[1]}',\
        MASTER_LOG_POS=${BASH_REMATCH[2]}" > change_master_to.sql.in
fi

"#;

#[test]
fn the_manifest_still_runs_these_scripts() {
    let manifest =
        include_str!("../../../models/managing-stateful-apps/manifests/mysql-statefulset.yaml");
    let indented = |s: &str| -> String {
        s.lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("          {l}\n")
                }
            })
            .collect()
    };
    for script in [INIT_MYSQL, SIDECAR_CLONE_POSITION] {
        assert!(
            manifest.contains(&indented(script)),
            "the manifest's script changed:\n{script}"
        );
    }
}

/// init-mysql on `mysql-1`: the expected stderr is real bash 5.2's, run with `set -ex` and a
/// `hostname` printing mysql-1.
#[test]
fn init_mysql_script_runs_as_bash_does() {
    let mut b = Bench::new();
    let k = b.container("mysql-1", "mysql:5.7", &[], &[]);
    let setup = b.exec_ok(
        &k,
        &[
            "sh",
            "-c",
            "mkdir -p /mnt/conf.d /mnt/config-map && printf '# Apply this config only on replicas.\\n[mysqld]\\nsuper-read-only\\n' > /mnt/config-map/replica.cnf && printf '# Apply this config only on the primary.\\n[mysqld]\\nlog-bin\\n' > /mnt/config-map/primary.cnf",
        ],
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    let r = b.exec_ok(&k, &["bash", "-c", INIT_MYSQL]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        (
            "",
            "++ hostname\n+ [[ mysql-1 =~ -([0-9]+)$ ]]\n+ ordinal=1\n+ echo '[mysqld]'\n+ echo server-id=101\n+ [[ 1 -eq 0 ]]\n+ cp /mnt/config-map/replica.cnf /mnt/conf.d/\n",
            0
        )
    );
    let cat = |b: &mut Bench, f: &str| b.exec_ok(&k, &["cat", f]).stdout;
    assert_eq!(
        cat(&mut b, "/mnt/conf.d/server-id.cnf"),
        "[mysqld]\nserver-id=101\n"
    );
    assert_eq!(
        cat(&mut b, "/mnt/conf.d/replica.cnf"),
        "# Apply this config only on replicas.\n[mysqld]\nsuper-read-only\n"
    );
    // A hostname without an ordinal fails the match and exits 1 under set -e.
    let odd = b.container("mysql", "mysql:5.7", &[], &[]);
    let r = b.exec_ok(&odd, &["bash", "-c", INIT_MYSQL]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("++ hostname\n+ [[ mysql =~ -([0-9]+)$ ]]\n+ exit 1\n", 1)
    );
}

/// The sidecar's two ways to a replication position (stdout/stderr are real bash 5.2's, with
/// `cat change_master_to.sql.in` appended to the script).
#[test]
fn sidecar_reads_the_clone_position_as_bash_does() {
    let script = format!("{SIDECAR_CLONE_POSITION}cat change_master_to.sql.in\n");
    let image = "gcr.io/google-samples/xtrabackup:1.0";
    let mut b = Bench::new();
    let k = b.container("mysql-1", image, &[], &[]);
    let prep = "mkdir -p /var/lib/mysql && printf 'mysql-0-bin.000001\\t154\\n' > /var/lib/mysql/xtrabackup_binlog_info";
    assert_eq!(b.exec_ok(&k, &["sh", "-c", prep]).code, 0);
    let r = b.exec_ok(&k, &["bash", "-c", &script]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        (
            "CHANGE MASTER TO MASTER_LOG_FILE='mysql-0-bin.000001',        MASTER_LOG_POS=154\n",
            "+ cd /var/lib/mysql\n+ [[ -f xtrabackup_slave_info ]]\n+ [[ -f xtrabackup_binlog_info ]]\n++ cat xtrabackup_binlog_info\n+ [[ mysql-0-bin.000001\t154 =~ ^(.*?)[[:space:]]+(.*?)$ ]]\n+ rm -f xtrabackup_binlog_info xtrabackup_slave_info\n+ echo 'CHANGE MASTER TO MASTER_LOG_FILE='\\''mysql-0-bin.000001'\\'',        MASTER_LOG_POS=154'\n+ cat change_master_to.sql.in\n",
            0
        )
    );
    let k = b.container("mysql-2", image, &[], &[]);
    let prep = "mkdir -p /var/lib/mysql && cd /var/lib/mysql && printf \"CHANGE MASTER TO MASTER_LOG_FILE='mysql-1-bin.000003', MASTER_LOG_POS=1234;\\n\" > xtrabackup_slave_info && printf 'mysql-1-bin.000003\\t1234\\n' > xtrabackup_binlog_info";
    assert_eq!(b.exec_ok(&k, &["sh", "-c", prep]).code, 0);
    let r = b.exec_ok(&k, &["bash", "-c", &script]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        (
            "CHANGE MASTER TO MASTER_LOG_FILE='mysql-1-bin.000003', MASTER_LOG_POS=1234\n",
            "+ cd /var/lib/mysql\n+ [[ -f xtrabackup_slave_info ]]\n+ [[ xCHANGE MASTER TO MASTER_LOG_FILE='mysql-1-bin.000003', MASTER_LOG_POS=1234; != \\x ]]\n+ cat xtrabackup_slave_info\n+ sed -E 's/;$//g'\n+ rm -f xtrabackup_slave_info xtrabackup_binlog_info\n+ cat change_master_to.sql.in\n",
            0
        )
    );
    assert_eq!(
        b.exec_ok(&k, &["ls", "/var/lib/mysql"]).stdout,
        "change_master_to.sql.in\n"
    );
}

/// The sidecar's `mysql -e "$(<change_master_to.sql.in), \ ..."`: the file's text, then each
/// continued line's indentation.
#[test]
fn continued_lines_in_double_quotes_keep_the_next_lines_indentation() {
    let mut b = Bench::new();
    let k = b.container("mysql-1", "nginx", &[], &[]);
    let script = "printf 'CHANGE MASTER TO X\\n' > /tmp/c.in\nprintf '%s\\n' \"$(</tmp/c.in), \\\n        MASTER_HOST='mysql-0', \\\n      START SLAVE;\"";
    let r = b.exec_ok(&k, &["bash", "-c", script]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "CHANGE MASTER TO X,         MASTER_HOST='mysql-0',       START SLAVE;\n",
            ""
        )
    );
}

/// `bash -xc`, `bash -exc` and bash's `$'...'` quoting of control characters in a trace (the
/// expected text is bash 5.2's).
#[test]
fn bash_x_option_traces_with_ansi_c_quoting() {
    let mut b = Bench::new();
    let k = b.container("web-0", "nginx", &[], &[]);
    let r = b.exec_ok(&k, &["bash", "-xc", "echo hi"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("hi\n", "+ echo hi\n")
    );
    let script = "x=$(printf 'a\\001b\\033c'); echo \"$x\" q; false; echo no";
    let r = b.exec_ok(&k, &["bash", "-exc", script]);
    assert_eq!(
        (r.stderr.as_str(), r.code),
        (
            "++ printf 'a\\001b\\033c'\n+ x=$'a\\001b\\Ec'\n+ echo $'a\\001b\\Ec' q\n+ false\n",
            1
        )
    );
}

#[test]
fn recursive_cp_and_mv_keep_links_as_links() {
    // `cp -r` (GNU and BusyBox default to -P with -r) and `mv` copy a link, not what it points
    // at; the links of a secret volume's tree used to vanish from the copy.
    let mut b = Bench::new();
    let k = b.container("box", "busybox", &[], &[]);
    let now = b.now;
    {
        let mut v = b.world.view(&k, now).unwrap();
        v.mkdir("/src/..data", 0o755, true).unwrap();
        v.write("/src/..data/key", b"v\n").unwrap();
        v.symlink("/src/key", "..data/key").unwrap();
    }
    let r = run(
        &mut b,
        &k,
        "cp -r /src /copy; ls -l /copy/key; cat /copy/key; mv /copy /moved; ls -l /moved/key",
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}{}", r.stdout, r.stderr);
    assert!(
        lines[0].starts_with('l') && lines[0].ends_with("/copy/key -> ..data/key"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "v");
    assert!(
        lines[2].ends_with("/moved/key -> ..data/key"),
        "{}",
        lines[2]
    );
}
