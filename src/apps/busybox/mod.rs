//! The `busybox`, `alpine` and `curlimages/curl` images: a shell ([`sh`]), the file and text
//! tools ([`coreutils`], [`sed`]), and the network tools ([`net`]: `nslookup`, `wget`, `curl`,
//! `hostname`, `ping`). The GNU flavour of the same tools (Debian-based images) lives here
//! too: one implementation, two sets of messages.
//!
//! The container's main process ([`ShellModel`]) runs the container's command through the
//! shell when it starts: its output goes to the log stamped with the virtual instant it was
//! printed, and it exits with the script's status after the virtual time the script spent.
//!
//! Signals: the main process of a container is PID 1, and the kernel ignores any signal PID 1
//! has no handler for. BusyBox `sh -c 'sleep 3600'` execs `sleep` for the last command, and
//! neither installs a SIGTERM handler, so `kubectl delete pod` waits the whole grace period
//! and the kubelet SIGKILLs it (exit 137). [`ShellModel::on_signal`] therefore ignores the
//! signal, unless the pod shares its process namespace (then `pause` is PID 1 and SIGTERM
//! kills the shell at once: 143).

pub mod coreutils;
pub mod net;
pub mod posix_re;
pub mod sed;
pub mod sh;
pub mod tar;

#[cfg(test)]
mod tests;

use k8s_openapi::api::core::v1::Probe;

use crate::engine::{SimDuration, SimTime};
use crate::exec::{ExecCx, ProgramFn};
use crate::kubelet::AppRegistry;
use crate::kubelet::app::{AppCx, AppModel, Exit, ProbeAnswer, ProbeKind, Signal, Startup};
use crate::store::{ContainerKey, Fs, Stream, World};

use super::{Flavor, ImageProfile};

/// What `sleep infinity` spends: a century.
pub const FOREVER: SimDuration = SimDuration::from_secs(100 * 365 * 86_400);

/// How far ahead of its start a main shell is simulated before it counts as running
/// forever (a loop printing the date every second has logged a day by then).
pub const HORIZON: SimDuration = SimDuration::from_secs(86_400);

/// The applets of the busybox image this simulator implements (a subset of the ~400).
pub const BUSYBOX_APPLETS: &[&str] = &[
    "sh", "ash", "tar", "echo", "cat", "ls", "mkdir", "rm", "rmdir", "touch", "cp", "mv",
    "hostname", "df", "du", "sleep", "env", "printenv", "pwd", "head", "tail", "wc", "grep",
    "date", "id", "whoami", "true", "false", "test", "[", "printf", "uname", "chmod", "chown",
    "sort", "tee", "stat", "basename", "dirname", "seq", "tr", "cut", "sed", "nslookup", "wget",
    "ping",
];

/// The busybox PATH.
pub const BUSYBOX_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn busybox_layer(fs: &mut Fs, now: SimTime) {
    super::base_layer(fs, now);
    let _ = fs.mkdir_p("/home", 0o755, now);
    let _ = fs.mkdir_p("/var/spool/mail", 0o755, now);
    let _ = fs.mkdir_p("/usr/sbin", 0o755, now);
    let _ = fs.write(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
        now,
    );
    let _ = fs.write(
        "/etc/group",
        b"root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nlp:x:7:\nmail:x:8:\nkmem:x:9:\nwheel:x:10:root\ncdrom:x:11:\ndialout:x:18:\nfloppy:x:19:\nvideo:x:28:\naudio:x:29:\ntape:x:32:\nwww-data:x:33:\noperator:x:37:\nutmp:x:43:\nplugdev:x:46:\nstaff:x:50:\nlock:x:54:\nnetdev:x:82:\nusers:x:100:\nnobody:x:65534:\n",
        now,
    );
    let _ = fs.write("/bin/busybox", &[0u8; 0], now);
    for a in BUSYBOX_APPLETS {
        if *a != "[" {
            let _ = fs.write(&format!("/bin/{a}"), b"", now);
        }
    }
    let _ = fs.chmod("/bin/busybox", 0o755);
}

fn alpine_layer(fs: &mut Fs, now: SimTime) {
    busybox_layer(fs, now);
    let _ = fs.write("/etc/alpine-release", b"3.21.3\n", now);
    let _ = fs.write(
        "/etc/os-release",
        b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.21.3\nPRETTY_NAME=\"Alpine Linux v3.21\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n",
        now,
    );
}

fn curl_layer(fs: &mut Fs, now: SimTime) {
    alpine_layer(fs, now);
    let _ = fs.write("/usr/bin/curl", b"", now);
    let _ = fs.mkdir_p("/home/curl_user", 0o755, now);
    let _ = fs.chown("/home/curl_user", 100, 101, false);
    let _ = fs.append(
        "/etc/passwd",
        b"curl_user:x:100:101:Linux User,,,:/home/curl_user:/sbin/nologin\n",
        now,
    );
    let _ = fs.append("/etc/group", b"curl_group:x:101:curl_user\n", now);
}

/// True when the image's BusyBox is 1.28 or older (the `nslookup` built on libc, the format
/// the Kubernetes tutorials show).
pub fn old_busybox(image: &str) -> bool {
    let r = crate::kubelet::image::ImageRef::parse(image);
    if r.short_name() != "busybox" {
        return false;
    }
    let mut it = r.tag().split(['.', '-']);
    let major: u32 = it.next().and_then(|x| x.parse().ok()).unwrap_or(99);
    let minor: u32 = it.next().and_then(|x| x.parse().ok()).unwrap_or(99);
    major < 1 || (major == 1 && minor <= 28)
}

/// Registers the models of these images.
pub fn register(reg: &mut AppRegistry) {
    for name in ["busybox", "alpine", "curl"] {
        reg.register(name, |_| Box::new(ShellModel::default()));
    }
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    use coreutils as c;
    Some(match name {
        "sh" | "ash" | "bash" | "dash" => sh::sh_program,
        "echo" => c::echo,
        "cat" => c::cat,
        "ls" => c::ls,
        "mkdir" => c::mkdir,
        "rm" => c::rm,
        "rmdir" => c::rmdir,
        "touch" => c::touch,
        "cp" => c::cp,
        "mv" => c::mv,
        "df" => c::df,
        "du" => c::du,
        "sleep" => c::sleep,
        "env" => c::env,
        "printenv" => c::printenv,
        "pwd" => c::pwd,
        "head" => c::head,
        "tail" => c::tail,
        "wc" => c::wc,
        "grep" => c::grep,
        "date" => c::date,
        "id" => c::id,
        "whoami" => c::whoami,
        "uname" => c::uname,
        "printf" => c::printf,
        "tee" => c::tee,
        "seq" => c::seq,
        "tar" => tar::tar,
        "sed" => sed::sed,
        "sort" => c::sort,
        "cut" => c::cut,
        "tr" => c::tr,
        "basename" => c::basename,
        "dirname" => c::dirname,
        "stat" => c::stat,
        "chmod" => c::chmod,
        "chown" => c::chown,
        "true" => c::true_,
        "false" => c::false_,
        "test" | "[" => c::test,
        "hostname" => net::hostname,
        "nslookup" => net::nslookup,
        "wget" => net::wget,
        "curl" => net::curl,
        "ping" => net::ping,
        _ => return None,
    })
}

/// The profile of an image with this short name and tag, if it is one of these.
pub fn profile(short: &str, _tag: &str) -> Option<ImageProfile> {
    let mut programs: Vec<String> = BUSYBOX_APPLETS.iter().map(|s| (*s).to_string()).collect();
    let (layer, workdir): (fn(&mut Fs, SimTime), &str) = match short {
        "busybox" => (busybox_layer, "/"),
        "alpine" => (alpine_layer, "/"),
        "curl" => {
            programs.push("curl".into());
            (curl_layer, "/home/curl_user")
        }
        _ => return None,
    };
    Some(ImageProfile {
        programs,
        env: vec![("PATH".into(), BUSYBOX_PATH.into())],
        workdir: workdir.into(),
        flavor: Flavor::Busybox,
        layer,
    })
}

/// Quotes a word for the shell.
pub fn quote(w: &str) -> String {
    format!("'{}'", w.replace('\'', "'\\''"))
}

/// Puts a script's output into a container's log line by line, each line at the instant its
/// newline was printed (a last unterminated line at `end`).
pub fn log_chunks(world: &mut World, key: &ContainerKey, chunks: &[sh::Chunk], end: SimTime) {
    let mut partial: [(String, SimTime); 2] = [(String::new(), end), (String::new(), end)];
    for c in chunks {
        let idx = usize::from(c.stream == Stream::Stderr);
        let buf = &mut partial[idx];
        if buf.0.is_empty() {
            buf.1 = c.at;
        }
        buf.0.push_str(&c.text);
        while let Some(p) = buf.0.find('\n') {
            let line: String = buf.0[..p].to_string();
            buf.0.drain(..=p);
            world.log(key, c.at, c.stream, &line);
        }
    }
    for (idx, (rest, _)) in partial.iter().enumerate() {
        if !rest.is_empty() {
            let s = if idx == 0 {
                Stream::Stdout
            } else {
                Stream::Stderr
            };
            world.log(key, end, s, rest);
        }
    }
}

/// The argv a busybox-family container runs: its command and args, else the image's
/// entrypoint and CMD.
pub fn container_argv(image: &str, command: &[String], args: &[String]) -> Vec<String> {
    let short = crate::kubelet::image::ImageRef::parse(image)
        .short_name()
        .to_string();
    if !command.is_empty() {
        return command.iter().chain(args).cloned().collect();
    }
    if short == "curl" {
        // The entrypoint runs curl unless the first argument is a program.
        if args.is_empty() || args[0].starts_with('-') {
            return std::iter::once("curl".to_string())
                .chain(args.iter().cloned())
                .collect();
        }
        return args.to_vec();
    }
    if args.is_empty() {
        let sh = if short == "alpine" { "/bin/sh" } else { "sh" };
        return vec![sh.to_string()];
    }
    args.to_vec()
}

/// The main process of a busybox/alpine/curl container: the command through the shell.
#[derive(Debug, Default)]
pub struct ShellModel {
    shares_pid_ns: bool,
}

impl AppModel for ShellModel {
    fn start(&mut self, cx: &mut AppCx<'_>) -> Startup {
        let image = cx.info.container.image.clone().unwrap_or_default();
        let command = cx.info.container.command.clone().unwrap_or_default();
        let args = cx.info.container.args.clone().unwrap_or_default();
        self.shares_pid_ns = cx
            .info
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.share_process_namespace)
            .unwrap_or(false);
        let argv = container_argv(&image, &command, &args);
        let key = cx.key();
        let now = cx.now;
        // What `kubectl run -i` typed, if anything (a `sh` without -c reads its script there).
        let stdin = cx.world.setup(&key).and_then(|s| s.stdin.clone());
        let Some(mut ecx) = ExecCx::new(
            cx.world,
            cx.api,
            cx.dns,
            cx.rng,
            key.clone(),
            now,
            false,
            stdin,
        ) else {
            return Startup {
                ready_after: Some(SimDuration::ZERO),
                exit: Some(Exit::with_code(SimDuration::ZERO, 128)),
            };
        };
        let script = argv.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
        let flavor = crate::exec::images::flavor(&image);
        let mut shell = sh::Shell::new(&ecx, sh::dialect("sh", flavor), "sh");
        shell.deadline = Some(now + HORIZON);
        let run = shell.run_script(&mut ecx, &script);
        let elapsed = ecx.elapsed;
        drop(ecx);
        log_chunks(cx.world, &key, &run.chunks, now + elapsed);
        Startup {
            ready_after: Some(SimDuration::ZERO),
            exit: if run.forever {
                None
            } else {
                Some(Exit::with_code(elapsed, run.code))
            },
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, _kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        if probe.exec.is_some() {
            // The kubelet runs exec probes itself; reaching here means nothing to check.
            return ProbeAnswer::Success;
        }
        ProbeAnswer::Failure(crate::kubelet::app::connection_refused(
            probe,
            cx.info.pod_ip,
        ))
    }

    fn on_signal(&mut self, _cx: &mut AppCx<'_>, _signal: Signal) -> Option<Exit> {
        if self.shares_pid_ns {
            // Not PID 1: the default action of SIGTERM/SIGINT/SIGQUIT kills it.
            let code = 128 + _signal.number();
            return Some(Exit::with_code(SimDuration::ZERO, code));
        }
        // PID 1 without a handler: the kernel drops the signal; SIGKILL comes at the end of
        // the grace period.
        None
    }
}
