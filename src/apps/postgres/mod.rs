//! The `postgres` images: the server model ([`server`]), and the client programs `psql`,
//! `pg_isready`, `pg_dump` and `postgres --version` ([`psql`], [`tools`]).

pub mod psql;
pub mod server;
pub mod tools;

use crate::engine::SimTime;
use crate::exec::ProgramFn;
use crate::kubelet::AppRegistry;
use crate::store::Fs;

use super::{Flavor, GNU_BASE, ImageProfile};

/// A PostgreSQL release as the image ships it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgVersion {
    /// Major version.
    pub major: u32,
    /// `15.17`.
    pub short: String,
    /// `15.17 (Debian 15.17-1.pgdg12+1)`; the Alpine builds say only `15.17`.
    pub full: String,
    /// The platform and compiler: `x86_64-pc-linux-gnu, compiled by gcc (Debian ...`.
    pub build: &'static str,
}

/// The Debian (bookworm, PGDG packages) images' build.
const DEBIAN_BUILD: &str =
    "x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit";
/// The Alpine images' build (musl; Alpine 3.23's gcc).
const ALPINE_BUILD: &str = "x86_64-pc-linux-musl, compiled by gcc (Alpine 15.2.0) 15.2.0, 64-bit";

impl PgVersion {
    /// What `version()` returns, and what the server logs as it starts.
    pub fn version_string(&self) -> String {
        format!("PostgreSQL {} on {}", self.full, self.build)
    }
}

/// The release an image tag runs: its major version, and the Alpine build for `-alpine` tags.
pub fn version_of_tag(tag: &str) -> PgVersion {
    let mut v = version_of(major_of_tag(tag));
    if tag.contains("alpine") {
        v.full = v.short.clone();
        v.build = ALPINE_BUILD;
    }
    v
}

/// The release of each supported major version (image snapshot of early 2026).
pub fn version_of(major: u32) -> PgVersion {
    let short = match major {
        13 => "13.23",
        14 => "14.21",
        15 => "15.17",
        16 => "16.13",
        17 => "17.9",
        _ => "18.3",
    };
    let major = if (13..=18).contains(&major) {
        major
    } else {
        18
    };
    PgVersion {
        major,
        short: short.to_string(),
        full: format!("{short} (Debian {short}-1.pgdg12+1)"),
        build: DEBIAN_BUILD,
    }
}

/// The major version an image tag names (`15`, `15.4`, `16-alpine`; `latest` is 18).
pub fn major_of_tag(tag: &str) -> u32 {
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .ok()
        .filter(|m| (13..=18).contains(m))
        .unwrap_or(18)
}

/// PGDATA of an image version.
pub fn pgdata_of(major: u32) -> String {
    if major >= 18 {
        format!("/var/lib/postgresql/{major}/docker")
    } else {
        "/var/lib/postgresql/data".to_string()
    }
}

/// Registers the postgres model.
pub fn register(reg: &mut AppRegistry) {
    reg.register("postgres", |info| {
        let image = info.container.image.as_deref().unwrap_or("postgres");
        let r = crate::kubelet::image::ImageRef::parse(image);
        let c = info.container;
        let runs = server::runs_postgres(
            c.command.as_deref().unwrap_or_default(),
            c.args.as_deref().unwrap_or_default(),
        );
        super::server_or_shell(runs, || {
            Box::new(server::PostgresModel::with_version(version_of_tag(r.tag())))
        })
    });
}

/// The programs this module implements.
pub fn program(name: &str) -> Option<ProgramFn> {
    match name {
        "psql" => Some(psql::psql),
        "pg_isready" => Some(tools::pg_isready),
        "pg_dump" => Some(tools::pg_dump),
        "postgres" => Some(tools::postgres),
        _ => None,
    }
}

const PG_PROGRAMS: &[&str] = &[
    "psql",
    "pg_isready",
    "pg_dump",
    "postgres",
    "pg_ctl",
    "initdb",
    "pg_dumpall",
    "docker-entrypoint.sh",
    "gosu",
];

fn layer(fs: &mut Fs, now: SimTime) {
    super::base_layer(fs, now);
    for d in [
        "/var/run/postgresql",
        "/var/lib/postgresql",
        "/docker-entrypoint-initdb.d",
        "/usr/local/bin",
    ] {
        let _ = fs.mkdir_p(d, 0o755, now);
    }
    let _ = fs.chmod("/var/run/postgresql", 0o3777);
    let _ = fs.chown("/var/run/postgresql", 999, 999, false);
    let _ = fs.chown("/var/lib/postgresql", 999, 999, false);
}

/// The profile of `postgres:<tag>`.
pub fn profile(short: &str, tag: &str) -> Option<ImageProfile> {
    if short != "postgres" {
        return None;
    }
    let major = major_of_tag(tag);
    let v = version_of(major);
    let mut programs: Vec<String> = GNU_BASE.iter().map(|s| (*s).to_string()).collect();
    programs.extend(PG_PROGRAMS.iter().map(|s| (*s).to_string()));
    Some(ImageProfile {
        programs,
        env: vec![
            (
                "PATH".into(),
                format!(
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/{major}/bin"
                ),
            ),
            ("GOSU_VERSION".into(), "1.17".into()),
            ("LANG".into(), "en_US.utf8".into()),
            ("PG_MAJOR".into(), major.to_string()),
            ("PG_VERSION".into(), format!("{}-1.pgdg12+1", v.short)),
            ("PGDATA".into(), pgdata_of(major)),
        ],
        workdir: "/".into(),
        flavor: Flavor::Gnu,
        layer,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn alpine_tags_are_musl_builds_without_the_debian_suffix() {
        let v = version_of_tag("13-alpine");
        assert_eq!((v.major, v.full.as_str()), (13, "13.23"));
        assert_eq!(
            v.version_string(),
            "PostgreSQL 13.23 on x86_64-pc-linux-musl, compiled by gcc (Alpine 15.2.0) 15.2.0, 64-bit"
        );
        let v = version_of_tag("15");
        assert_eq!(
            v.version_string(),
            "PostgreSQL 15.17 (Debian 15.17-1.pgdg12+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit"
        );
        assert_eq!(version_of_tag("16.4-alpine3.20").full, "16.13");
    }
}
