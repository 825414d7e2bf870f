//! Network tools: `hostname`, `nslookup` (BusyBox ≥ 1.29 and 1.28 formats), `wget` (BusyBox),
//! `curl` (7.88) and `ping`, over the simulated DNS and [`ExecCx::connect`].

use crate::api::{Kind, Object, ObjectKey};
use crate::dns::{QType, RData, Rcode};
use crate::engine::SimDuration;
use crate::exec::{ConnectError, ExecCx, ExecResult};
use crate::store::ContainerKey;

/// An HTTP request as a server model sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `HEAD`...
    pub method: String,
    /// The request target (`/index.html`).
    pub path: String,
    /// The `Host` header.
    pub host: String,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The client's address.
    pub client_ip: String,
}

/// An HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for HEAD).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The status line and headers, CRLF-terminated, with the blank line.
    pub fn head_text(&self) -> String {
        let mut s = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s
    }
}

/// Sends `req` to the server process of container `server`.
pub fn http_exchange(
    cx: &mut ExecCx<'_>,
    server: &ContainerKey,
    req: &HttpRequest,
) -> Option<HttpResponse> {
    let program = cx.world.procs.get(server)?.program.clone();
    match program.as_str() {
        "nginx" => crate::apps::nginx::handle(cx.world, server, cx.now(), req),
        _ => None,
    }
}

pub(super) fn hostname(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let s = cx.setup().clone();
    match argv.get(1).map(String::as_str) {
        Some("-f") | Some("--fqdn") | Some("--long") => {
            ExecResult::ok(format!("{}\n", s.fqdn.clone().unwrap_or(s.hostname)))
        }
        Some("-i") | Some("--ip-address") => ExecResult::ok(format!("{}\n", s.pod_ip)),
        Some("-d") | Some("--domain") => {
            let d = s
                .fqdn
                .as_deref()
                .and_then(|f| f.split_once('.'))
                .map(|(_, d)| d.to_string())
                .unwrap_or_default();
            ExecResult::ok(format!("{d}\n"))
        }
        Some("-s") | Some("--short") | None => ExecResult::ok(format!("{}\n", s.hostname)),
        Some(other) if !other.starts_with('-') => {
            ExecResult::fail("hostname: you must be root to change the host name\n", 1)
        }
        Some(_) => ExecResult::ok(format!("{}\n", s.hostname)),
    }
}

/// The kube-dns Service's ClusterIP (10.96.0.10 in kind).
pub fn dns_server_ip(cx: &ExecCx<'_>) -> String {
    let key = ObjectKey::new(Kind::Service, "kube-system", "kube-dns");
    cx.api
        .get(&key)
        .ok()
        .and_then(|o| match o.as_ref() {
            Object::Service(s) => s.spec.as_ref()?.cluster_ip.clone(),
            _ => None,
        })
        .unwrap_or_else(|| "10.96.0.10".to_string())
}

fn reverse_name(ip: &std::net::Ipv4Addr) -> String {
    let o = ip.octets();
    format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
}

fn ptr_of(cx: &mut ExecCx<'_>, ip: &std::net::Ipv4Addr) -> Option<String> {
    let now = cx.now();
    let r = cx.dns.query(cx.api, now, &reverse_name(ip), QType::Ptr);
    r.answers.iter().find_map(|rec| match &rec.data {
        RData::Ptr(n) => Some(n.trim_end_matches('.').to_string()),
        _ => None,
    })
}

pub(super) fn nslookup(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let names: Vec<&String> = argv[1..].iter().filter(|a| !a.starts_with('-')).collect();
    let Some(name) = names.first().map(|s| s.to_string()) else {
        return ExecResult::fail(
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n\nQUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any\n",
            1,
        );
    };
    let server = dns_server_ip(cx);
    let ns = cx.setup().namespace.clone();
    let image = cx.setup().image.clone();
    let now = cx.now();
    if super::old_busybox(&image) {
        // 1.28: libc getaddrinfo with the search list, then reverse names.
        let sip: std::net::Ipv4Addr = server
            .parse()
            .unwrap_or(std::net::Ipv4Addr::new(10, 96, 0, 10));
        let mut out = format!("Server:    {server}\n");
        match ptr_of(cx, &sip) {
            Some(n) => out.push_str(&format!("Address 1: {server} {n}\n\n")),
            None => out.push_str(&format!("Address 1: {server}\n\n")),
        }
        let ips: Vec<std::net::Ipv4Addr> = match name.parse::<std::net::Ipv4Addr>() {
            Ok(ip) => vec![ip],
            Err(_) => cx.dns.resolve(cx.api, now, &ns, &name, QType::A).ipv4(),
        };
        if ips.is_empty() {
            return ExecResult {
                stdout: out,
                stderr: format!("nslookup: can't resolve '{name}'\n"),
                code: 1,
            };
        }
        out.push_str(&format!("{:<10} {name}\n", "Name:"));
        for (i, ip) in ips.iter().enumerate() {
            match ptr_of(cx, ip) {
                Some(n) => out.push_str(&format!("Address {}: {ip} {n}\n", i + 1)),
                None => out.push_str(&format!("Address {}: {ip}\n", i + 1)),
            }
        }
        return ExecResult::ok(out);
    }
    // ≥ 1.29: its own resolver; a name with a dot is asked as is.
    let mut out = format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n");
    let mut failed = false;
    let mut queries: Vec<(String, QType)> = Vec::new();
    if let Ok(ip) = name.parse::<std::net::Ipv4Addr>() {
        queries.push((reverse_name(&ip), QType::Ptr));
    } else {
        let fqdns: Vec<String> = if name.contains('.') {
            vec![name.trim_end_matches('.').to_string()]
        } else {
            [
                format!("{ns}.svc.cluster.local"),
                "svc.cluster.local".into(),
                "cluster.local".into(),
            ]
            .iter()
            .map(|d| format!("{name}.{d}"))
            .collect()
        };
        for t in [QType::A, QType::Aaaa] {
            for f in &fqdns {
                queries.push((f.clone(), t));
            }
        }
    }
    for (q, t) in queries {
        let r = cx.dns.query(cx.api, now, &q, t);
        if r.rcode == Rcode::NxDomain {
            failed = true;
            out.push_str(&format!("** server can't find {q}: NXDOMAIN\n"));
        } else {
            for rec in &r.answers {
                let owner = rec.name.trim_end_matches('.');
                match &rec.data {
                    RData::A(ip) => out.push_str(&format!("Name:\t{owner}\nAddress: {ip}\n")),
                    RData::Aaaa(ip) => out.push_str(&format!("Name:\t{owner}\nAddress: {ip}\n")),
                    RData::Ptr(n) => {
                        out.push_str(&format!("{owner}\tname = {}\n", n.trim_end_matches('.')))
                    }
                    RData::Cname(n) => out.push_str(&format!(
                        "{owner}\tcanonical name = {}\n",
                        n.trim_end_matches('.')
                    )),
                    RData::Srv { .. } => {}
                }
            }
        }
        out.push('\n');
    }
    ExecResult {
        stdout: out,
        stderr: String::new(),
        code: i32::from(failed),
    }
}

pub(super) fn ping(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let Some(host) = argv[1..]
        .iter()
        .rev()
        .find(|a| !a.starts_with('-') && a.parse::<u32>().is_err())
        .cloned()
    else {
        return ExecResult::fail(
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n",
            1,
        );
    };
    let count: u32 = argv
        .iter()
        .position(|a| a == "-c")
        .and_then(|i| argv.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
        .clamp(1, 100);
    let ip = match cx.resolve_host(&host) {
        Ok(ip) => ip,
        Err(_) => return ExecResult::fail(format!("ping: bad address '{host}'\n"), 1),
    };
    let up = cx.world.pod_known(&ip) || ip == cx.setup().pod_ip;
    let mut out = format!("PING {host} ({ip}): 56 data bytes\n");
    let mut got = 0;
    for i in 0..count {
        if up {
            out.push_str(&format!(
                "64 bytes from {ip}: seq={i} ttl=64 time=0.080 ms\n"
            ));
            got += 1;
        }
        if i + 1 < count {
            cx.spend(SimDuration::from_secs(1));
        }
    }
    if !up {
        cx.spend(SimDuration::from_secs(1));
    }
    let loss = (count - got) * 100 / count;
    out.push_str(&format!(
        "\n--- {host} ping statistics ---\n{count} packets transmitted, {got} packets received, {loss}% packet loss\n"
    ));
    if got > 0 {
        out.push_str("round-trip min/avg/max = 0.080/0.080/0.080 ms\n");
    }
    ExecResult {
        stdout: out,
        stderr: String::new(),
        code: i32::from(got == 0),
    }
}

/// A parsed `http://host:port/path` URL.
struct Url {
    host: String,
    port: u16,
    path: String,
    https: bool,
}

fn parse_url(u: &str) -> Option<Url> {
    let (https, rest) = if let Some(r) = u.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = u.strip_prefix("https://") {
        (true, r)
    } else if u.contains("://") {
        return None;
    } else {
        (false, u)
    };
    let (hp, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match hp.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().ok()?),
        None => (hp.to_string(), if https { 443 } else { 80 }),
    };
    if host.is_empty() {
        return None;
    }
    Some(Url {
        host,
        port,
        path,
        https,
    })
}

fn curl_meter_line(total: usize) -> String {
    format!(
        "\r{:>3} {:>5}  {:>3} {:>5}  {:>3} {:>5}  {:>5}  {:>5} --:--:-- --:--:-- --:--:-- {:>5}\n",
        100, total, 100, total, 0, 0, total, 0, total
    )
}

const CURL_METER_HEAD: &str = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";
const CURL_METER_ZERO: &str =
    "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0";

pub(super) fn curl(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut silent = false;
    let mut show_err = false;
    let mut head = false;
    let mut include = false;
    let mut fail = false;
    let mut verbose = false;
    let mut out_file: Option<String> = None;
    let mut max_time: Option<f64> = None;
    let mut method = "GET".to_string();
    let mut url: Option<String> = None;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        let next = |i: &mut usize| -> Option<String> {
            *i += 1;
            argv.get(*i).cloned()
        };
        match a {
            "-o" | "--output" => out_file = next(&mut i),
            "-m" | "--max-time" | "--connect-timeout" => {
                max_time = next(&mut i).and_then(|v| v.parse().ok())
            }
            "-X" | "--request" => method = next(&mut i).unwrap_or(method),
            "-H" | "--header" | "-d" | "--data" | "-A" | "--user-agent" | "-w" | "--write-out" => {
                let _ = next(&mut i);
            }
            "--silent" => silent = true,
            "--show-error" => show_err = true,
            "--head" => head = true,
            "--include" => include = true,
            "--fail" => fail = true,
            "--verbose" => verbose = true,
            s if s.starts_with("--") => {}
            s if s.starts_with('-') && s.len() > 1 => {
                for c in s[1..].chars() {
                    match c {
                        's' => silent = true,
                        'S' => show_err = true,
                        'I' => head = true,
                        'i' => include = true,
                        'f' => fail = true,
                        'v' => verbose = true,
                        'L' | 'k' => {}
                        'o' => out_file = next(&mut i),
                        'm' => max_time = next(&mut i).and_then(|v| v.parse().ok()),
                        _ => {}
                    }
                }
            }
            s => url = Some(s.to_string()),
        }
        i += 1;
    }
    if head {
        method = "HEAD".into();
    }
    let Some(url) = url else {
        return ExecResult::fail(
            "curl: try 'curl --help' or 'curl --manual' for more information\n",
            2,
        );
    };
    let meter = !silent && (out_file.is_some() || !cx.tty) && !verbose;
    let errors = !silent || show_err;
    let mut err = String::new();
    if meter {
        err.push_str(CURL_METER_HEAD);
        err.push_str(CURL_METER_ZERO);
    }
    let finish = |mut err: String, msg: String, code: i32, _meter: bool| -> ExecResult {
        if errors {
            err.push_str(&msg);
        }
        ExecResult::fail(err, code)
    };
    let Some(u) = parse_url(&url) else {
        return finish(
            err,
            "curl: (3) URL using bad/illegal format or missing URL\n".into(),
            3,
            meter,
        );
    };
    let target = match cx.connect(&u.host, u.port) {
        Ok(k) => k,
        Err(ConnectError::UnknownHost(h)) => {
            return finish(
                err,
                format!("curl: (6) Could not resolve host: {h}\n"),
                6,
                meter,
            );
        }
        Err(ConnectError::Refused { .. }) => {
            let msg = format!(
                "curl: (7) Failed to connect to {} port {} after 0 ms: Couldn't connect to server\n",
                u.host, u.port
            );
            if meter {
                err.push_str(CURL_METER_ZERO);
                err.push('\n');
            }
            return finish(err, msg, 7, false);
        }
        Err(ConnectError::Timeout { .. }) => {
            let (ms, msg) = match max_time {
                Some(t) => {
                    let ms = (t * 1000.0) as u64;
                    (
                        ms,
                        format!(
                            "curl: (28) Connection timed out after {} milliseconds\n",
                            ms + 1
                        ),
                    )
                }
                None => (
                    130_000,
                    format!(
                        "curl: (28) Failed to connect to {} port {} after 130000 ms: Couldn't connect to server\n",
                        u.host, u.port
                    ),
                ),
            };
            cx.spend(SimDuration::from_ms(ms));
            if meter {
                err.push('\n');
            }
            return finish(err, msg, 28, false);
        }
    };
    let _ = u.https;
    let client_ip = if target.pod_uid == cx.key.pod_uid
        && (u.host == "localhost" || u.host.starts_with("127."))
    {
        "127.0.0.1".to_string()
    } else {
        cx.setup().pod_ip.clone()
    };
    let host_header = if u.port == 80 {
        u.host.clone()
    } else {
        format!("{}:{}", u.host, u.port)
    };
    let req = HttpRequest {
        method: method.clone(),
        path: u.path.clone(),
        host: host_header.clone(),
        user_agent: "curl/7.88.1".into(),
        client_ip,
    };
    let Some(resp) = http_exchange(cx, &target, &req) else {
        if meter {
            err.push('\n');
        }
        return finish(
            err,
            "curl: (52) Empty reply from server\n".into(),
            52,
            false,
        );
    };
    let mut stdout = String::new();
    if verbose {
        let ip = cx.resolve_host(&u.host).unwrap_or_default();
        err.push_str(&format!(
            "*   Trying {ip}:{}...\n* Connected to {} ({ip}) port {} (#0)\n> {method} {} HTTP/1.1\r\n> Host: {host_header}\r\n> User-Agent: curl/7.88.1\r\n> Accept: */*\r\n> \r\n",
            u.port, u.host, u.port, u.path
        ));
        for l in resp.head_text().split_inclusive("\r\n") {
            err.push_str(&format!("< {l}"));
        }
    }
    if fail && resp.status >= 400 {
        if meter {
            err.push_str(&format!("\r  0 {:>5}    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n", resp.body.len()));
        }
        return finish(
            err,
            format!(
                "curl: (22) The requested URL returned error: {}\n",
                resp.status
            ),
            22,
            false,
        );
    }
    let mut payload = String::new();
    if include || head {
        payload.push_str(&resp.head_text());
    }
    payload.push_str(&String::from_utf8_lossy(&resp.body));
    let n = resp.body.len();
    if meter {
        err.push_str(&curl_meter_line(n));
    }
    if verbose {
        err.push_str(&format!("* Connection #0 to host {} left intact\n", u.host));
    }
    match out_file {
        Some(f) if f != "-" => {
            let p = cx.abs(&f);
            if let Err(e) = cx.fs().write(&p, payload.as_bytes()) {
                let _ = e;
                err.push_str("curl: (23) Failure writing output to destination\n");
                return ExecResult::fail(err, 23);
            }
        }
        _ => stdout = payload,
    }
    ExecResult {
        stdout,
        stderr: err,
        code: 0,
    }
}

pub(super) fn wget(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut quiet = false;
    let mut out: Option<String> = None;
    let mut spider = false;
    let mut timeout: u64 = 900;
    let mut url: Option<String> = None;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "--spider" => spider = true,
            "-q" | "--quiet" => quiet = true,
            "-O" => {
                i += 1;
                out = argv.get(i).cloned();
            }
            "-T" | "--timeout" => {
                i += 1;
                timeout = argv.get(i).and_then(|v| v.parse().ok()).unwrap_or(900);
            }
            s if s.starts_with("--timeout=") => timeout = s[10..].parse().unwrap_or(900),
            s if s.starts_with("-T") => timeout = s[2..].parse().unwrap_or(900),
            s if s.starts_with('-') && s.len() > 1 && !s.starts_with("--") => {
                let cs: Vec<char> = s[1..].chars().collect();
                for (k, c) in cs.iter().enumerate() {
                    match c {
                        'q' => quiet = true,
                        'O' => {
                            let rest: String = cs[k + 1..].iter().collect();
                            if rest.is_empty() {
                                i += 1;
                                out = argv.get(i).cloned();
                            } else {
                                out = Some(rest);
                            }
                            break;
                        }
                        _ => {}
                    }
                }
            }
            s if s.starts_with("--") => {}
            s => url = Some(s.to_string()),
        }
        i += 1;
    }
    let Some(url) = url else {
        return ExecResult::fail(
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n",
            1,
        );
    };
    let Some(u) = parse_url(&url) else {
        return ExecResult::fail(format!("wget: not an http or ftp url: {url}\n"), 1);
    };
    let mut err = String::new();
    let ip = match cx.resolve_host(&u.host) {
        Ok(ip) => ip,
        Err(_) => return ExecResult::fail(format!("wget: bad address '{}'\n", u.host), 1),
    };
    if !quiet {
        let hp = if url.contains(&format!("{}:{}", u.host, u.port)) {
            format!("{}:{}", u.host, u.port)
        } else {
            u.host.clone()
        };
        err.push_str(&format!("Connecting to {hp} ({ip}:{})\n", u.port));
    }
    let target = match cx.connect(&u.host, u.port) {
        Ok(k) => k,
        Err(ConnectError::UnknownHost(h)) => {
            return ExecResult::fail(format!("wget: bad address '{h}'\n"), 1);
        }
        Err(ConnectError::Refused { ip }) => {
            err.push_str(&format!(
                "wget: can't connect to remote host ({ip}): Connection refused\n"
            ));
            return ExecResult::fail(err, 1);
        }
        Err(ConnectError::Timeout { .. }) => {
            cx.spend(SimDuration::from_secs(timeout));
            err.push_str("wget: download timed out\n");
            return ExecResult::fail(err, 1);
        }
    };
    let req = HttpRequest {
        method: if spider { "HEAD".into() } else { "GET".into() },
        path: u.path.clone(),
        host: u.host.clone(),
        user_agent: "Wget".into(),
        client_ip: if target.pod_uid == cx.key.pod_uid
            && (u.host == "localhost" || u.host.starts_with("127."))
        {
            "127.0.0.1".into()
        } else {
            cx.setup().pod_ip.clone()
        },
    };
    let Some(resp) = http_exchange(cx, &target, &req) else {
        err.push_str("wget: error getting response: Connection reset by peer\n");
        return ExecResult::fail(err, 1);
    };
    if resp.status >= 400 {
        err.push_str(&format!(
            "wget: server returned error: HTTP/1.1 {} {}\n",
            resp.status, resp.reason
        ));
        return ExecResult::fail(err, 1);
    }
    if spider {
        if !quiet {
            err.push_str("remote file exists\n");
        }
        return ExecResult::fail(err, 0);
    }
    let body = String::from_utf8_lossy(&resp.body).into_owned();
    let n = resp.body.len();
    let bar = |name: &str| {
        format!("{name:<20.20} 100% |********************************| {n:>5}  0:00:00 ETA\n")
    };
    let file = match &out {
        Some(f) if f == "-" => None,
        Some(f) => Some(f.clone()),
        None => {
            let base = u
                .path
                .rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("index.html");
            Some(base.to_string())
        }
    };
    match file {
        None => {
            if !quiet {
                err.push_str("writing to stdout\n");
            }
            let mut r = ExecResult::ok(body);
            if !quiet {
                err.push_str(&bar("-"));
                err.push_str("written to stdout\n");
            }
            r.stderr = err;
            r
        }
        Some(f) => {
            let p = cx.abs(&f);
            if out.is_none() && cx.fs().exists(&p) {
                err.push_str(&format!("wget: can't open '{f}': File exists\n"));
                return ExecResult::fail(err, 1);
            }
            if let Err(e) = cx.fs().write(&p, body.as_bytes()) {
                err.push_str(&format!("wget: can't open '{f}': {e}\n"));
                return ExecResult::fail(err, 1);
            }
            if !quiet {
                err.push_str(&format!("saving to '{f}'\n"));
                err.push_str(&bar(&f));
                err.push_str(&format!("'{f}' saved\n"));
            }
            ExecResult::fail(err, 0)
        }
    }
}
