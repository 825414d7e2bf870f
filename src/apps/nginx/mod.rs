//! The `nginx` images (`nginx`, `nginx:*-alpine`, `registry.k8s.io/nginx-slim`): the image's
//! files, the entrypoint's log, and a server process that answers GET/HEAD from the
//! container's view of `/usr/share/nginx/html` (a mounted PV hides the image's index.html:
//! 403 until something writes one), with nginx's error pages, headers and access/error log
//! lines (spec `app-models.md` §4).

#[cfg(test)]
mod tests;

use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::apps::busybox::net::{HttpRequest, HttpResponse};
use crate::engine::{SimDuration, SimTime};
use crate::exec::ProgramFn;
use crate::kubelet::AppRegistry;
use crate::kubelet::app::{AppCx, AppModel, Exit, ProbeAnswer, ProbeKind, Signal, Startup};
use crate::store::{ContainerKey, Fs, Node, Proc, Stream, World};

use super::{Flavor, ImageProfile};

/// The document root.
pub const DOCROOT: &str = "/usr/share/nginx/html";
/// The worker's pid in log lines.
const WORKER: u32 = 29;
/// How long nginx takes to start listening.
const STARTUP: SimDuration = SimDuration::from_ms(100);

/// The image's default page.
pub const INDEX_HTML: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n\n<p>For online documentation and support please refer to\n<a href=\"http://nginx.org/\">nginx.org</a>.<br/>\nCommercial support is available at\n<a href=\"http://nginx.com/\">nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n";

const FIFTY_X_HTML: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n<h1>An error occurred.</h1>\n<p>Sorry, the page you are looking for is currently unavailable.<br/>\nPlease try again later.</p>\n<p>If you are the system administrator of this resource then you should check\nthe error log for details.</p>\n<p><em>Faithfully yours, nginx.</em></p>\n</body>\n</html>\n";

const NGINX_CONF: &str = "\nuser  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /var/run/nginx.pid;\n\n\nevents {\n    worker_connections  1024;\n}\n\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n\n    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '\n                      '$status $body_bytes_sent \"$http_referer\" '\n                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n\n    access_log  /var/log/nginx/access.log  main;\n\n    sendfile        on;\n    #tcp_nopush     on;\n\n    keepalive_timeout  65;\n\n    #gzip  on;\n\n    include /etc/nginx/conf.d/*.conf;\n}\n";

const DEFAULT_CONF: &str = "server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n\n    #access_log  /var/log/nginx/host.access.log  main;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n\n    #error_page  404              /404.html;\n\n    # redirect server error pages to the static page /50x.html\n    #\n    error_page   500 502 503 504  /50x.html;\n    location = /50x.html {\n        root   /usr/share/nginx/html;\n    }\n}\n";

fn nginx_files(fs: &mut Fs, now: SimTime) {
    let _ = fs.mkdir_p(DOCROOT, 0o755, now);
    let _ = fs.write(&format!("{DOCROOT}/index.html"), INDEX_HTML.as_bytes(), now);
    let _ = fs.write(&format!("{DOCROOT}/50x.html"), FIFTY_X_HTML.as_bytes(), now);
    let _ = fs.mkdir_p("/etc/nginx/conf.d", 0o755, now);
    let _ = fs.write("/etc/nginx/nginx.conf", NGINX_CONF.as_bytes(), now);
    let _ = fs.write(
        "/etc/nginx/conf.d/default.conf",
        DEFAULT_CONF.as_bytes(),
        now,
    );
    let _ = fs.mkdir_p("/var/log/nginx", 0o755, now);
    let _ = fs.mkdir_p("/var/cache/nginx", 0o755, now);
    let _ = fs.mkdir_p("/docker-entrypoint.d", 0o755, now);
    let _ = fs.write("/docker-entrypoint.sh", b"#!/bin/sh\n", now);
    let _ = fs.chmod("/docker-entrypoint.sh", 0o775);
}

fn debian_layer(fs: &mut Fs, now: SimTime) {
    super::base_layer(fs, now);
    let _ = fs.write(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nnginx:x:101:101:nginx user:/nonexistent:/bin/false\n",
        now,
    );
    let _ = fs.write(
        "/etc/group",
        b"root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\nnginx:x:101:\n",
        now,
    );
    let _ = fs.write(
        "/etc/os-release",
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        now,
    );
    nginx_files(fs, now);
}

fn alpine_layer(fs: &mut Fs, now: SimTime) {
    (super::busybox::profile("alpine", "latest")
        .map_or(super::base_layer as fn(&mut Fs, SimTime), |p| p.layer))(fs, now);
    let _ = fs.append(
        "/etc/passwd",
        b"nginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n",
        now,
    );
    let _ = fs.append("/etc/group", b"nginx:x:101:nginx\n", now);
    nginx_files(fs, now);
}

/// The nginx version an image runs (`Server: nginx/<version>`).
pub fn version(image: &str) -> String {
    let r = crate::kubelet::image::ImageRef::parse(image);
    let tag = r
        .tag()
        .trim_end_matches("-alpine")
        .trim_end_matches("-slim")
        .to_string();
    if r.short_name() == "nginx-slim" {
        return match tag.as_str() {
            "0.8" => "1.11.1".into(),
            _ => "1.27.3".into(),
        };
    }
    match tag.as_str() {
        "latest" | "mainline" | "alpine" | "" => "1.27.4".into(),
        "stable" => "1.26.3".into(),
        "1.14" => "1.14.2".into(),
        // A `major.minor` tag follows that branch to its last release.
        "1.21" => "1.21.6".into(),
        "1.22" => "1.22.1".into(),
        "1.23" => "1.23.4".into(),
        "1.24" => "1.24.0".into(),
        "1.25" => "1.25.5".into(),
        "1.26" => "1.26.3".into(),
        "1.27" => "1.27.4".into(),
        t if t.split('.').count() == 3 && t.split('.').all(|p| p.parse::<u32>().is_ok()) => {
            t.into()
        }
        t if t.split('.').count() == 2 && t.split('.').all(|p| p.parse::<u32>().is_ok()) => {
            format!("{t}.0")
        }
        _ => "1.27.4".into(),
    }
}

/// Registers the models of these images.
pub fn register(reg: &mut AppRegistry) {
    for name in ["nginx", "nginx-slim"] {
        reg.register(name, |info| {
            let c = info.container;
            let runs = runs_nginx_server(
                c.command.as_deref().unwrap_or_default(),
                c.args.as_deref().unwrap_or_default(),
            );
            super::server_or_shell(runs, || Box::new(NginxModel::default()))
        });
    }
}

/// The programs this module implements (none beyond the shared tools).
pub fn program(_name: &str) -> Option<ProgramFn> {
    None
}

/// The profile of an image with this short name and tag, if it is one of these.
pub fn profile(short: &str, tag: &str) -> Option<ImageProfile> {
    if short != "nginx" && short != "nginx-slim" {
        return None;
    }
    let alpine = tag.contains("alpine");
    let mut env = vec![("PATH".to_string(), super::DEBIAN_PATH.to_string())];
    env.push(("NGINX_VERSION".into(), version(&format!("{short}:{tag}"))));
    if alpine {
        let mut programs: Vec<String> = super::busybox::BUSYBOX_APPLETS
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        programs.push("nginx".into());
        return Some(ImageProfile {
            programs,
            env,
            workdir: "/".into(),
            flavor: Flavor::Busybox,
            layer: alpine_layer,
        });
    }
    let mut programs: Vec<String> = super::GNU_BASE.iter().map(|s| (*s).to_string()).collect();
    programs.push("curl".into());
    programs.push("nginx".into());
    Some(ImageProfile {
        programs,
        env,
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer: debian_layer,
    })
}

/// The server's state.
#[derive(Debug)]
pub struct NginxState {
    /// `1.27.4`.
    pub version: String,
    /// Connections served (`*N` in the error log).
    pub connections: u64,
}

fn log_time(t: SimTime) -> String {
    fmt_time(t, "%Y/%m/%d %H:%M:%S")
}

fn fmt_time(t: SimTime, f: &str) -> String {
    use k8s_openapi::jiff::{Timestamp, fmt::strtime, tz::TimeZone};
    let ts = Timestamp::from_second(t.unix_seconds()).unwrap_or_default();
    strtime::format(f, &ts.to_zoned(TimeZone::UTC)).unwrap_or_default()
}

fn http_date(t: SimTime) -> String {
    fmt_time(t, "%a, %d %b %Y %H:%M:%S GMT")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Not Allowed",
        _ => "Internal Server Error",
    }
}

/// nginx's built-in error page (CRLF line ends; 153 bytes for 403/404 with `nginx/1.22.1`).
pub fn error_page(status: u16, version: &str) -> String {
    let t = format!("{status} {}", reason(status));
    format!(
        "<html>\r\n<head><title>{t}</title></head>\r\n<body>\r\n<center><h1>{t}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n"
    )
}

fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html") | Some("htm") | Some("shtml") => "text/html",
        Some("txt") => "text/plain",
        Some("css") => "text/css",
        Some("js") => "application/javascript",
        Some("json") => "application/json",
        Some("xml") => "text/xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

enum Outcome {
    File(Vec<u8>, SimTime, String),
    Error(u16, Option<String>, Option<String>),
}

/// Answers `req` as the nginx process of container `server` at `now`: reads the container's
/// docroot, writes the access (and error) log lines. `None` when no nginx runs there.
pub fn handle(
    world: &mut World,
    server: &ContainerKey,
    now: SimTime,
    req: &HttpRequest,
) -> Option<HttpResponse> {
    let (version, conn) = {
        let p = world.procs.get_mut(server)?;
        let st = p.state.downcast_mut::<NginxState>()?;
        st.connections += 1;
        (st.version.clone(), st.connections)
    };
    let raw_path = req.path.split(['?', '#']).next().unwrap_or("/").to_string();
    let outcome = {
        let view = world.view(server, now)?;
        if !raw_path.starts_with('/') || raw_path.split('/').any(|c| c == "..") {
            Outcome::Error(400, None, None)
        } else if req.method != "GET" && req.method != "HEAD" {
            Outcome::Error(405, None, None)
        } else {
            let fp = format!("{DOCROOT}{raw_path}");
            if raw_path.ends_with('/') {
                if view.is_dir(&fp) {
                    let idx = format!("{fp}index.html");
                    match view.lookup(&idx) {
                        Ok(Node::File { data, meta }) => {
                            if meta.mode & 0o004 == 0 && meta.uid != 101 {
                                Outcome::Error(
                                    403,
                                    Some(format!(
                                        "open() \"{idx}\" failed (13: Permission denied)"
                                    )),
                                    None,
                                )
                            } else {
                                Outcome::File(data.clone(), meta.mtime, idx)
                            }
                        }
                        _ => Outcome::Error(
                            403,
                            Some(format!("directory index of \"{fp}\" is forbidden")),
                            None,
                        ),
                    }
                } else {
                    Outcome::Error(
                        404,
                        Some(format!(
                            "\"{fp}index.html\" is not found (2: No such file or directory)"
                        )),
                        None,
                    )
                }
            } else {
                match view.lookup(&fp) {
                    Ok(Node::File { data, meta }) => {
                        if meta.mode & 0o004 == 0 && meta.uid != 101 {
                            Outcome::Error(
                                403,
                                Some(format!("open() \"{fp}\" failed (13: Permission denied)")),
                                None,
                            )
                        } else {
                            Outcome::File(data.clone(), meta.mtime, fp)
                        }
                    }
                    Ok(Node::Dir { .. }) => {
                        Outcome::Error(301, None, Some(format!("http://{}{raw_path}/", req.host)))
                    }
                    _ if view.is_dir(&fp) => {
                        Outcome::Error(301, None, Some(format!("http://{}{raw_path}/", req.host)))
                    }
                    _ => Outcome::Error(
                        404,
                        Some(format!(
                            "open() \"{fp}\" failed (2: No such file or directory)"
                        )),
                        None,
                    ),
                }
            }
        }
    };
    let head = req.method == "HEAD";
    let mut headers = vec![
        ("Server".to_string(), format!("nginx/{version}")),
        ("Date".to_string(), http_date(now)),
    ];
    let request_line = format!("{} {} HTTP/1.1", req.method, req.path);
    let resp = match outcome {
        Outcome::File(data, mtime, path) => {
            headers.push(("Content-Type".into(), content_type(&path).into()));
            headers.push(("Content-Length".into(), data.len().to_string()));
            headers.push(("Last-Modified".into(), http_date(mtime)));
            headers.push(("Connection".into(), "keep-alive".into()));
            headers.push((
                "ETag".into(),
                format!("\"{:x}-{:x}\"", mtime.unix_seconds(), data.len()),
            ));
            headers.push(("Accept-Ranges".into(), "bytes".into()));
            HttpResponse {
                status: 200,
                reason: "OK".into(),
                headers,
                body: if head { Vec::new() } else { data },
            }
        }
        Outcome::Error(status, err, location) => {
            let body = error_page(status, &version).into_bytes();
            headers.push(("Content-Type".into(), "text/html".into()));
            headers.push(("Content-Length".into(), body.len().to_string()));
            if let Some(l) = location {
                headers.push(("Location".into(), l));
            }
            headers.push((
                "Connection".into(),
                if status == 400 { "close" } else { "keep-alive" }.into(),
            ));
            if let Some(e) = err {
                let line = format!(
                    "{} [error] {WORKER}#{WORKER}: *{conn} {e}, client: {}, server: localhost, request: \"{request_line}\", host: \"{}\"",
                    log_time(now),
                    req.client_ip,
                    req.host
                );
                world.log(server, now, Stream::Stderr, &line);
            }
            HttpResponse {
                status,
                reason: reason(status).into(),
                headers,
                body: if head { Vec::new() } else { body },
            }
        }
    };
    let access = format!(
        "{} - - [{}] \"{request_line}\" {} {} \"-\" \"{}\" \"-\"",
        req.client_ip,
        fmt_time(now, "%d/%b/%Y:%H:%M:%S +0000"),
        resp.status,
        resp.body.len(),
        req.user_agent
    );
    world.log(server, now, Stream::Stdout, &access);
    Some(resp)
}

/// The nginx container's main process.
#[derive(Default)]
pub struct NginxModel {
    version: String,
}

/// True when the container's command and args run nginx (a command that replaced it,
/// `command: [sh, -c, ...]`, runs in the shell model).
pub fn runs_nginx_server(command: &[String], args: &[String]) -> bool {
    let argv: Vec<String> = command.iter().chain(args.iter()).cloned().collect();
    runs_nginx(&argv) && !(command.is_empty() && !args.is_empty() && !runs_nginx(args))
}

fn runs_nginx(command: &[String]) -> bool {
    command.is_empty()
        || command.first().is_some_and(|c| {
            let n = crate::exec::program_name(c);
            n == "nginx" || n == "docker-entrypoint.sh"
        })
}

impl AppModel for NginxModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let image = cx.info.container.image.clone().unwrap_or_default();
        self.version = version(&image);
        let slim = crate::kubelet::image::ImageRef::parse(&image).short_name() == "nginx-slim";
        let t = log_time(cx.now);
        if !slim {
            let alpine = image.contains("alpine");
            let mut lines = vec![
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration".to_string(),
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/".into(),
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh".into(),
                "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf".into(),
                "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf".into(),
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh".into(),
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh".into(),
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh".into(),
                "/docker-entrypoint.sh: Configuration complete; ready for start up".into(),
            ];
            if !version_at_least(&self.version, 1, 25) {
                lines.retain(|l| !l.contains("15-local-resolvers"));
            }
            for l in lines {
                cx.log_at(SimDuration::ZERO, Stream::Stdout, &l);
            }
            let built = if alpine {
                "built by gcc 14.2.0 (Alpine 14.2.0) ".to_string()
            } else {
                "built by gcc 12.2.0 (Debian 12.2.0-14) ".to_string()
            };
            for n in [
                "using the \"epoll\" event method".to_string(),
                format!("nginx/{}", self.version),
                built,
                "OS: Linux 6.8.0-1019-gcp".into(),
                "getrlimit(RLIMIT_NOFILE): 1048576:1048576".into(),
                "start worker processes".into(),
                format!("start worker process {WORKER}"),
            ] {
                cx.log_at(
                    SimDuration::ZERO,
                    Stream::Stderr,
                    &format!("{t} [notice] 1#1: {n}"),
                );
            }
        }
        let key = cx.key();
        let mut p = Proc::new(
            "nginx",
            Box::new(NginxState {
                version: self.version.clone(),
                connections: 0,
            }),
        );
        p.listening.insert(80, cx.now + STARTUP);
        cx.world.procs.insert(key, p);
        Startup {
            ready_after: Some(STARTUP),
            exit: None,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        let port_ok = |p: &IntOrString| match p {
            IntOrString::Int(i) => *i == 80,
            IntOrString::String(s) => s == "http" || s == "web" || s == "80",
        };
        if let Some(h) = &probe.http_get {
            if !port_ok(&h.port) {
                return ProbeAnswer::Failure(crate::kubelet::app::connection_refused(
                    probe,
                    cx.info.pod_ip,
                ));
            }
            let key = cx.key();
            let pod_ip = cx.info.pod_ip.to_string();
            let gateway = pod_ip
                .rsplit_once('.')
                .map_or(pod_ip.clone(), |(a, _)| format!("{a}.1"));
            let req = HttpRequest {
                method: "GET".into(),
                path: h.path.clone().unwrap_or_else(|| "/".into()),
                host: format!("{pod_ip}:80"),
                user_agent: format!("kube-probe/{}", "1.35"),
                client_ip: gateway,
            };
            return match handle(cx.world, &key, cx.now, &req) {
                Some(r) if (200..400).contains(&r.status) => ProbeAnswer::Success,
                Some(r) => {
                    ProbeAnswer::Failure(format!("HTTP probe failed with statuscode: {}", r.status))
                }
                None => ProbeAnswer::Failure(crate::kubelet::app::connection_refused(
                    probe,
                    cx.info.pod_ip,
                )),
            };
        }
        if let Some(t) = &probe.tcp_socket
            && !port_ok(&t.port)
        {
            return ProbeAnswer::Failure(crate::kubelet::app::connection_refused(
                probe,
                cx.info.pod_ip,
            ));
        }
        ProbeAnswer::Success
    }

    fn on_signal(&mut self, cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        let t = log_time(cx.now);
        let mut lines = Vec::new();
        match signal {
            Signal::Quit => {
                lines.push("1#1: signal 3 (SIGQUIT) received, shutting down".to_string());
                lines.push(format!("{WORKER}#{WORKER}: gracefully shutting down"));
            }
            Signal::Term | Signal::Int => {
                lines.push(format!(
                    "1#1: signal {} ({signal}) received, exiting",
                    signal.number()
                ));
            }
            Signal::Kill => return None,
        }
        lines.push(format!("{WORKER}#{WORKER}: exiting"));
        lines.push(format!("{WORKER}#{WORKER}: exit"));
        lines.push(format!("1#1: signal 17 (SIGCHLD) received from {WORKER}"));
        lines.push(format!("1#1: worker process {WORKER} exited with code 0"));
        lines.push("1#1: exit".to_string());
        for l in lines {
            cx.log_at(
                SimDuration::ZERO,
                Stream::Stderr,
                &format!("{t} [notice] {l}"),
            );
        }
        let key = cx.key();
        if let Some(p) = cx.world.procs.get_mut(&key) {
            p.listening.clear();
        }
        Some(Exit::with_code(SimDuration::from_ms(10), 0))
    }
}

fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let mut it = v.split('.').filter_map(|p| p.parse::<u32>().ok());
    let (a, b) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    (a, b) >= (major, minor)
}
