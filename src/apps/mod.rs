//! The application models: what runs in a container of a given image (its entrypoint, its
//! logs, its server state on volumes) and the programs the image ships for `kubectl exec`.
//!
//! Each module owns one family of images and offers the same three things:
//! - `register`: its [`AppModel`](crate::kubelet::AppModel)s in the kubelet's registry;
//! - `program`: the programs it implements ([`ProgramFn`]);
//! - `profile`: what its images hold ([`ImageProfile`]).
//!
//! Image behaviour is chosen by image name and tag ([`profile`]); unknown images get a
//! generic Debian-like profile and the generic long-running process.

pub mod busybox;
pub mod mongo;
pub mod mysql;
pub mod nginx;
pub mod postgres;
pub mod redis;
pub mod sql;
pub mod xtrabackup;

use crate::engine::SimTime;
use crate::exec::ProgramFn;
use crate::kubelet::AppRegistry;
use crate::kubelet::image::ImageRef;
use crate::store::Fs;

/// Whose command-line tools an image has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// BusyBox applets (busybox, alpine, curlimages/curl).
    Busybox,
    /// GNU coreutils and bash (the Debian-based official images).
    Gnu,
}

/// What an image holds.
#[derive(Clone, Debug)]
pub struct ImageProfile {
    /// Programs on its `PATH`, by name.
    pub programs: Vec<String>,
    /// Its `ENV` (including `PATH`).
    pub env: Vec<(String, String)>,
    /// Its `WORKDIR`.
    pub workdir: String,
    /// Whose tools.
    pub flavor: Flavor,
    /// Writes the image's files into a fresh container layer.
    pub layer: fn(&mut Fs, SimTime),
}

/// The programs every image with GNU tools has (a Debian base).
pub const GNU_BASE: &[&str] = &[
    "sh", "bash", "tar", "echo", "cat", "ls", "mkdir", "rm", "rmdir", "touch", "cp", "mv",
    "hostname", "df", "du", "sleep", "env", "printenv", "pwd", "head", "tail", "wc", "grep",
    "date", "id", "whoami", "true", "false", "test", "[", "printf", "uname", "chmod", "chown",
    "ln", "sort", "tee", "find", "stat", "basename", "dirname", "seq", "tr", "cut", "xargs", "sed",
];

/// The Debian base PATH.
pub const DEBIAN_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Writes the directories every Linux image has.
pub fn base_layer(fs: &mut Fs, now: SimTime) {
    for d in [
        "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/var",
    ] {
        let _ = fs.mkdir_p(d, 0o755, now);
    }
    let _ = fs.chmod("/tmp", 0o1777);
    let _ = fs.chmod("/root", 0o700);
}

/// A Debian-like image with GNU tools and nothing else known.
pub fn generic_profile() -> ImageProfile {
    ImageProfile {
        programs: GNU_BASE.iter().map(|s| (*s).to_string()).collect(),
        env: vec![("PATH".into(), DEBIAN_PATH.into())],
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer: base_layer,
    }
}

/// What `image` holds, chosen by its short name (`postgres` for `postgres:16`,
/// `docker.io/library/postgres` and `bitnami/postgres`) and tag.
pub fn profile(image: &str) -> ImageProfile {
    known_profile(image).unwrap_or_else(generic_profile)
}

/// What `image` holds when a module models it; `None` for an image that gets the generic
/// profile.
pub fn known_profile(image: &str) -> Option<ImageProfile> {
    let r = ImageRef::parse(image);
    let tag = r.tag().to_string();
    let short = r.short_name().to_string();
    busybox::profile(&short, &tag)
        .or_else(|| nginx::profile(&short, &tag))
        .or_else(|| postgres::profile(&short, &tag))
        .or_else(|| mysql::profile(&short, &tag))
        .or_else(|| redis::profile(&short, &tag))
        .or_else(|| mongo::profile(&short, &tag))
        .or_else(|| xtrabackup::profile(&short, &tag))
}

/// True when a module models `image` (its short name); other images get the generic profile.
pub fn is_known_image(image: &str) -> bool {
    known_profile(image).is_some()
}

/// The implementation of the program called `name`.
pub fn program(name: &str) -> Option<ProgramFn> {
    busybox::program(name)
        .or_else(|| nginx::program(name))
        .or_else(|| postgres::program(name))
        .or_else(|| mysql::program(name))
        .or_else(|| redis::program(name))
        .or_else(|| mongo::program(name))
        .or_else(|| xtrabackup::program(name))
}

/// The model of a container of a server image: `server`'s when the container's command runs
/// the server; otherwise the image's entrypoint `exec`s the command (`kubectl run
/// --image=redis -- redis-cli ...`, an init container's `bash -c` script), and the shell model
/// runs it as it would run anywhere.
pub fn server_or_shell(
    runs_server: bool,
    server: impl FnOnce() -> Box<dyn crate::kubelet::AppModel>,
) -> Box<dyn crate::kubelet::AppModel> {
    if runs_server {
        server()
    } else {
        Box::new(busybox::ShellModel::default())
    }
}

/// The kubelet's application registry with every model stsim has.
pub fn registry() -> AppRegistry {
    let mut r = AppRegistry::new();
    busybox::register(&mut r);
    nginx::register(&mut r);
    postgres::register(&mut r);
    mysql::register(&mut r);
    redis::register(&mut r);
    mongo::register(&mut r);
    xtrabackup::register(&mut r);
    // An image stsim does not model, told what to run (`command`/`args`): its process is that
    // command, run through the programs stsim has (a shell script, `sleep`...). With neither,
    // it is the generic long-running process.
    r.add_override(|info| {
        let c = info.container;
        let image = c.image.as_deref().unwrap_or("");
        let told = c.command.as_ref().is_some_and(|v| !v.is_empty())
            || c.args.as_ref().is_some_and(|v| !v.is_empty());
        (told && !is_known_image(image))
            .then(|| Box::new(busybox::ShellModel::default()) as Box<dyn crate::kubelet::AppModel>)
    });
    r
}
