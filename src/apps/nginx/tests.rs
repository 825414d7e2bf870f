//! nginx serving from the container's view of its docroot, against the spec's captures (§4).

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;
use crate::exec::testing::Bench;
use crate::kubelet::app::ContainerInfo;
use crate::store::VolumeId;

fn pod(image: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": "web-0", "namespace": "default", "uid": "uid-web-0"},
        "spec": {"containers": [{"name": "web-0", "image": image}]}
    }))
    .unwrap()
}

/// A started nginx container with an empty ext4 PV at the docroot.
fn started(b: &mut Bench, image: &str) -> (ContainerKey, NginxModel, Pod) {
    let k = b.container(
        "web-0",
        image,
        &[],
        &[(DOCROOT, VolumeId::Pv("pv-www".into()))],
    );
    let p = pod(image);
    let c = p.spec.as_ref().unwrap().containers[0].clone();
    let ip = b.world.setup(&k).unwrap().pod_ip.clone();
    let mut m = NginxModel::default();
    let mut cx = AppCx {
        info: ContainerInfo {
            pod: &p,
            container: &c,
            is_init: false,
            restart_count: 0,
            pod_ip: &ip,
        },
        since_start: SimDuration::ZERO,
        rng: &mut b.rng,
        now: b.now,
        world: &mut b.world,
        api: &b.api,
        dns: &mut b.dns,
    };
    let s = m.start(&mut cx);
    assert_eq!(s.exit, None);
    b.now += SimDuration::from_secs(1);
    (k, m, p)
}

#[test]
fn an_empty_ext4_mount_is_forbidden_until_index_html_is_written() {
    let mut b = Bench::new();
    let (k, _, _) = started(&mut b, "nginx:1.22.1");
    let r = b.exec_ok(&k, &["curl", "-s", "localhost"]);
    assert_eq!(
        r.stdout,
        "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
    );
    let r = b.exec_ok(&k, &["curl", "-si", "localhost/nope.txt"]);
    assert_eq!(
        r.stdout,
        "HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\nDate: Wed, 01 Jan 2025 00:00:01 GMT\r\nContent-Type: text/html\r\nContent-Length: 153\r\nConnection: keep-alive\r\n\r\n<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
    );
    let r = b.exec_ok(&k, &["ls", "-l", "/usr/share/nginx/html"]);
    assert_eq!(
        r.stdout,
        "total 16\ndrwx------ 2 root root 16384 Jan  1 00:00 lost+found\n"
    );
    let r = b.exec_ok(
        &k,
        &["sh", "-c", "echo hi > /usr/share/nginx/html/index.html"],
    );
    assert_eq!(r.code, 0);
    let r = b.exec_ok(&k, &["curl", "-s", "localhost"]);
    assert_eq!(r.stdout, "hi\n");
    let r = b.exec_ok(&k, &["curl", "-sI", "localhost"]);
    assert_eq!(
        r.stdout,
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 01 Jan 2025 00:00:01 GMT\r\nContent-Type: text/html\r\nContent-Length: 3\r\nLast-Modified: Wed, 01 Jan 2025 00:00:01 GMT\r\nConnection: keep-alive\r\nETag: \"67748581-3\"\r\nAccept-Ranges: bytes\r\n\r\n"
    );
    // A directory without the slash: 301 to it (header order as nginx 1.22.1 sends them).
    b.exec_ok(&k, &["mkdir", "/usr/share/nginx/html/sub"]);
    let r = b.exec_ok(&k, &["curl", "-si", "localhost/sub"]);
    assert!(
        r.stdout.starts_with("HTTP/1.1 301 Moved Permanently\r\nServer: nginx/1.22.1\r\nDate: Wed, 01 Jan 2025 00:00:01 GMT\r\nContent-Type: text/html\r\nContent-Length: 169\r\nLocation: http://localhost/sub/\r\nConnection: keep-alive\r\n\r\n<html>\r\n<head><title>301 Moved Permanently</title></head>"),
        "{}",
        r.stdout
    );
    let logs: Vec<String> = b
        .world
        .logs(&k)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect();
    assert!(logs.contains(&"127.0.0.1 - - [01/Jan/2025:00:00:01 +0000] \"GET / HTTP/1.1\" 403 153 \"-\" \"curl/7.88.1\" \"-\"".to_string()));
    assert!(logs.contains(&"2025/01/01 00:00:01 [error] 29#29: *1 directory index of \"/usr/share/nginx/html/\" is forbidden, client: 127.0.0.1, server: localhost, request: \"GET / HTTP/1.1\", host: \"localhost\"".to_string()));
    assert!(logs.contains(&"127.0.0.1 - - [01/Jan/2025:00:00:01 +0000] \"GET / HTTP/1.1\" 200 3 \"-\" \"curl/7.88.1\" \"-\"".to_string()));
}

#[test]
fn probes_fail_with_the_status_code_and_pass_once_served() {
    let mut b = Bench::new();
    let (k, mut m, p) = started(&mut b, "registry.k8s.io/nginx-slim:0.8");
    let c = p.spec.as_ref().unwrap().containers[0].clone();
    let probe: Probe =
        serde_json::from_value(json!({"httpGet": {"path": "/", "port": 80}})).unwrap();
    let ip = b.world.setup(&k).unwrap().pod_ip.clone();
    let mut cx = AppCx {
        info: ContainerInfo {
            pod: &p,
            container: &c,
            is_init: false,
            restart_count: 0,
            pod_ip: &ip,
        },
        since_start: SimDuration::ZERO,
        rng: &mut b.rng,
        now: b.now,
        world: &mut b.world,
        api: &b.api,
        dns: &mut b.dns,
    };
    assert_eq!(
        m.probe(&mut cx, ProbeKind::Readiness, &probe),
        ProbeAnswer::Failure("HTTP probe failed with statuscode: 403".into())
    );
    cx.world
        .view(&k, SimTime::ZERO)
        .unwrap()
        .write("/usr/share/nginx/html/index.html", b"web-0\n")
        .unwrap();
    assert_eq!(
        m.probe(&mut cx, ProbeKind::Readiness, &probe),
        ProbeAnswer::Success
    );
    // SIGQUIT: graceful shutdown, exit 0.
    let e = m.on_signal(&mut cx, Signal::Quit).unwrap();
    assert_eq!(e.code, 0);
    let logs: Vec<String> = b
        .world
        .logs(&k)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.ends_with("[notice] 1#1: signal 3 (SIGQUIT) received, shutting down"))
    );
    assert_eq!(
        logs.last().unwrap(),
        "2025/01/01 00:00:01 [notice] 1#1: exit"
    );
}

#[test]
fn the_image_serves_its_welcome_page_and_logs_its_start() {
    let mut b = Bench::new();
    let k = b.container("web-0", "nginx", &[], &[]);
    let p = pod("nginx");
    let c = p.spec.as_ref().unwrap().containers[0].clone();
    let mut cx = AppCx {
        info: ContainerInfo {
            pod: &p,
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
    NginxModel::default().start(&mut cx);
    b.now += SimDuration::from_secs(1);
    let r = b.exec_ok(&k, &["curl", "-s", "http://localhost/"]);
    assert_eq!(r.stdout, INDEX_HTML);
    assert_eq!(INDEX_HTML.len(), 615);
    let logs: Vec<String> = b
        .world
        .logs(&k)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect();
    assert_eq!(
        logs[0],
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    );
    assert!(logs.contains(
        &"2025/01/01 00:00:00 [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) ".to_string()
    ));
}

#[test]
fn the_error_pages_are_153_bytes() {
    assert_eq!(error_page(403, "1.22.1").len(), 153);
    assert_eq!(error_page(404, "1.22.1").len(), 153);
}

#[test]
fn busybox_wget_talks_to_nginx_like_the_real_pair() {
    let mut b = Bench::new();
    let (k, _, _) = started(&mut b, "nginx:1.22.1");
    b.world
        .view(&k, SimTime::ZERO)
        .unwrap()
        .write("/usr/share/nginx/html/identity.txt", b"I am web-0\n")
        .unwrap();
    let ip = b.world.setup(&k).unwrap().pod_ip.clone();
    let client = b.container("debug", "busybox", &[], &[]);
    let url = format!("http://{ip}/identity.txt");
    let r = b.exec_ok(&client, &["wget", "-O-", &url]);
    // Captured with BusyBox 1.35 wget against nginx 1.22.1.
    assert_eq!(r.stdout, "I am web-0\n");
    assert_eq!(
        r.stderr,
        format!(
            "Connecting to {ip} ({ip}:80)\nwriting to stdout\n-                    100% |********************************|    11  0:00:00 ETA\nwritten to stdout\n"
        )
    );
    let r = b.exec_ok(&client, &["wget", "-O-", &format!("http://{ip}/nope")]);
    assert_eq!(
        (r.stderr, r.code),
        (
            format!(
                "Connecting to {ip} ({ip}:80)\nwget: server returned error: HTTP/1.1 404 Not Found\n"
            ),
            1
        )
    );
    let r = b.exec_ok(&client, &["wget", "--spider", &url]);
    assert_eq!(
        (r.stderr, r.code),
        (
            format!("Connecting to {ip} ({ip}:80)\nremote file exists\n"),
            0
        )
    );
    // The access log has the client pod's address.
    let cip = b.world.setup(&client).unwrap().pod_ip.clone();
    let logs: Vec<String> = b
        .world
        .logs(&k)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect();
    assert!(logs.contains(&format!(
        "{cip} - - [01/Jan/2025:00:00:01 +0000] \"GET /identity.txt HTTP/1.1\" 200 11 \"-\" \"Wget\" \"-\""
    )));
}

#[test]
fn curl_verbose_and_progress_meter_follow_curl_7_88() {
    let mut b = Bench::new();
    let (k, _, _) = started(&mut b, "nginx:1.22.1");
    b.world
        .view(&k, SimTime::ZERO)
        .unwrap()
        .write("/usr/share/nginx/html/identity.txt", b"I am web-0\n")
        .unwrap();
    // No terminal (kubectl exec without -t): curl shows its meter on stderr.
    let r = b.exec_ok(&k, &["curl", "-v", "localhost/identity.txt"]);
    assert_eq!(r.stdout, "I am web-0\n");
    // Captured from curl 7.88.1 against nginx 1.22.1 (the transfer speeds, which depend on
    // the wall clock, are the byte count here).
    assert_eq!(
        r.stderr,
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0*   Trying 127.0.0.1:80...\n* Connected to localhost (127.0.0.1) port 80 (#0)\n> GET /identity.txt HTTP/1.1\r\n> Host: localhost\r\n> User-Agent: curl/7.88.1\r\n> Accept: */*\r\n> \r\n< HTTP/1.1 200 OK\r\n< Server: nginx/1.22.1\r\n< Date: Wed, 01 Jan 2025 00:00:01 GMT\r\n< Content-Type: text/plain\r\n< Content-Length: 11\r\n< Last-Modified: Wed, 01 Jan 2025 00:00:00 GMT\r\n< Connection: keep-alive\r\n< ETag: \"67748580-b\"\r\n< Accept-Ranges: bytes\r\n< \r\n{ [11 bytes data]\n\r100    11  100    11    0     0     11      0 --:--:-- --:--:-- --:--:--    11\n* Connection #0 to host localhost left intact\n"
    );
    // With a terminal (-t) and -s: only the body.
    let r = b
        .exec(&k, &["curl", "localhost/identity.txt"], true, None)
        .unwrap();
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("I am web-0\n", ""));
}

#[test]
fn minor_tags_run_the_last_release_of_their_branch() {
    // `nginx:1.21` is 1.21.6 (the branch's last release), not 1.21.0: it is what the error
    // pages' footer and the start-up log print.
    assert_eq!(version("nginx:1.21"), "1.21.6");
    assert_eq!(version("nginx:1.22"), "1.22.1");
    assert_eq!(version("nginx:1.21.3"), "1.21.3");
    assert_eq!(version("nginx:1.25-alpine"), "1.25.5");
}
