//! `tar` inside a container: create (`c`), extract (`x`) and list (`t`) an archive file
//! (`f`), optionally through gzip (`z`), verbose (`v`), relative to a directory (`C`). GNU tar
//! in the Debian-based images, BusyBox tar in the others; each with its own messages.
//!
//! The archive is a real ustar archive; `z` compresses it as `gzip -6` does (the flate2
//! crate), and extraction reads any gzip file, such as one copied in from the learner's
//! machine.
//!
//! Left out: appending (`r`, `u`), other compressions (`j`, `J`), `--exclude`, owners and
//! modes other than the archived ones, hard links, long names (over 100 bytes, GNU's
//! `././@LongLink`), stdin/stdout archives (`f -`).

use crate::apps::Flavor;
use crate::exec::{ExecCx, ExecResult, images};
use crate::store::{FsError, Meta, Node};

const BLOCK: usize = 512;

/// One archive member.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Member {
    /// Relative name; directories end in `/`.
    name: String,
    meta: Meta,
    /// `None` for a directory.
    data: Option<Vec<u8>>,
}

fn octal(field: &mut [u8], v: u64) {
    let width = field.len() - 1;
    let s = format!("{v:0width$o}");
    let s = &s.as_bytes()[s.len().saturating_sub(width)..];
    field[..width].copy_from_slice(s);
    field[width] = 0;
}

fn parse_octal(field: &[u8]) -> u64 {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .collect();
    u64::from_str_radix(s.trim(), 8).unwrap_or(0)
}

fn unix_secs(t: crate::engine::SimTime) -> u64 {
    (crate::apps::postgres::server::unix_ms(t) / 1000).max(0) as u64
}

fn header(m: &Member) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let name = m.name.as_bytes();
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name[..n]);
    octal(&mut h[100..108], u64::from(m.meta.mode & 0o7777));
    octal(&mut h[108..116], u64::from(m.meta.uid));
    octal(&mut h[116..124], u64::from(m.meta.gid));
    octal(
        &mut h[124..136],
        m.data.as_ref().map_or(0, |d| d.len() as u64),
    );
    octal(&mut h[136..148], unix_secs(m.meta.mtime));
    h[156] = if m.data.is_some() { b'0' } else { b'5' };
    // GNU tar's default format (gnu): magic "ustar  \0".
    h[257..265].copy_from_slice(b"ustar  \0");
    let (user, group) = (owner_name(m.meta.uid), owner_name(m.meta.gid));
    h[265..265 + user.len()].copy_from_slice(user.as_bytes());
    h[297..297 + group.len()].copy_from_slice(group.as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    let s = format!("{sum:06o}");
    h[148..154].copy_from_slice(s.as_bytes());
    h[154] = 0;
    h[155] = b' ';
    h
}

fn owner_name(id: u32) -> &'static str {
    match id {
        0 => "root",
        101 => "nginx",
        999 => "mysql",
        _ => "",
    }
}

fn pack(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        out.extend_from_slice(&header(m));
        if let Some(d) = &m.data {
            out.extend_from_slice(d);
            let pad = (BLOCK - d.len() % BLOCK) % BLOCK;
            out.extend(std::iter::repeat_n(0u8, pad));
        }
    }
    // Two zero blocks end the archive; GNU tar pads to its 10240-byte record.
    out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
    let pad = (10240 - out.len() % 10240) % 10240;
    out.extend(std::iter::repeat_n(0u8, pad));
    out
}

fn unpack(bytes: &[u8]) -> Result<Vec<Member>, ()> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + BLOCK <= bytes.len() {
        let h = &bytes[i..i + BLOCK];
        if h.iter().all(|b| *b == 0) {
            return Ok(out);
        }
        let stored = parse_octal(&h[148..156]);
        let mut sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
        sum = sum - h[148..156].iter().map(|b| u64::from(*b)).sum::<u64>() + 8 * u64::from(b' ');
        if sum != stored {
            return Err(());
        }
        let name: String = h[..100]
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| *b as char)
            .collect();
        let size = parse_octal(&h[124..136]) as usize;
        let meta = Meta {
            mode: parse_octal(&h[100..108]) as u32,
            uid: parse_octal(&h[108..116]) as u32,
            gid: parse_octal(&h[116..124]) as u32,
            mtime: crate::engine::SimTime::ZERO,
        };
        i += BLOCK;
        let dir = h[156] == b'5' || name.ends_with('/');
        let data = if dir {
            None
        } else {
            let end = i + size;
            if end > bytes.len() {
                return Err(());
            }
            Some(bytes[i..end].to_vec())
        };
        i += size.div_ceil(BLOCK) * BLOCK;
        out.push(Member { name, meta, data });
    }
    Ok(out)
}

/// `data` compressed as `gzip -6` would (the flate2 crate; the header's mtime as given, OS
/// Unix).
fn gzip(data: &[u8], mtime: u32) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::GzBuilder::new()
        .mtime(mtime)
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Why a gzip stream could not be read (each with gzip's own words).
#[derive(Debug, PartialEq, Eq)]
enum Gunzip {
    /// `not in gzip format`.
    NotGzip,
    /// `unexpected end of file`.
    Truncated,
    /// `invalid compressed data--format violated` (or a bad CRC).
    Corrupt,
}

impl Gunzip {
    fn message(&self) -> &'static str {
        match self {
            Gunzip::NotGzip => "not in gzip format",
            Gunzip::Truncated => "unexpected end of file",
            Gunzip::Corrupt => "invalid compressed data--format violated",
        }
    }
}

/// Decompresses a gzip file (any number of members, as gzip does).
fn gunzip(data: &[u8]) -> Result<Vec<u8>, Gunzip> {
    use std::io::Read;
    if !data.starts_with(&[0x1f, 0x8b]) {
        return Err(Gunzip::NotGzip);
    }
    let mut out = Vec::new();
    match flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Gunzip::Truncated),
        Err(_) => Err(Gunzip::Corrupt),
    }
}

/// What the command line asked for.
struct Opts {
    mode: Option<char>,
    gzip: bool,
    verbose: bool,
    file: Option<String>,
    dir: Option<String>,
    operands: Vec<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        mode: None,
        gzip: false,
        verbose: false,
        file: None,
        dir: None,
        operands: Vec::new(),
    };
    let mut i = 0;
    let mut first = true;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let letters: Option<&str> = if let Some(rest) = a.strip_prefix("--") {
            match rest.split_once('=') {
                Some(("file", v)) => o.file = Some(v.into()),
                Some(("directory", v)) => o.dir = Some(v.into()),
                _ => match rest {
                    "create" => o.mode = Some('c'),
                    "extract" | "get" => o.mode = Some('x'),
                    "list" => o.mode = Some('t'),
                    "gzip" | "gunzip" => o.gzip = true,
                    "verbose" => o.verbose = true,
                    _ => return Err(format!("unrecognized option '{a}'")),
                },
            }
            None
        } else if let Some(rest) = a.strip_prefix('-').filter(|r| !r.is_empty()) {
            Some(rest)
        } else if first {
            // Old style: the first word holds the letters (`tar czf x.tgz dir`).
            Some(a.as_str())
        } else {
            o.operands.push(a.clone());
            None
        };
        first = false;
        if let Some(letters) = letters {
            for ch in letters.chars() {
                match ch {
                    'c' | 'x' | 't' => o.mode = Some(ch),
                    'z' => o.gzip = true,
                    'v' => o.verbose = true,
                    'f' | 'C' => {
                        let Some(v) = args.get(i).cloned() else {
                            return Err(format!("option requires an argument -- '{ch}'"));
                        };
                        i += 1;
                        if ch == 'f' {
                            o.file = Some(v);
                        } else {
                            o.dir = Some(v);
                        }
                    }
                    'p' | 'o' => {}
                    _ => return Err(format!("invalid option -- '{ch}'")),
                }
            }
        }
    }
    Ok(o)
}

/// Adds `path` (absolute) and everything below it, named `name`.
fn collect(
    cx: &mut ExecCx<'_>,
    path: &str,
    name: &str,
    out: &mut Vec<Member>,
) -> Result<(), FsError> {
    let node = cx.fs().lookup(path)?.clone();
    match &node {
        Node::File { data, meta } => out.push(Member {
            name: name.to_string(),
            meta: *meta,
            data: Some(data.clone()),
        }),
        Node::Dir { meta, .. } => {
            let dname = format!("{}/", name.trim_end_matches('/'));
            out.push(Member {
                name: dname.clone(),
                meta: *meta,
                data: None,
            });
            let names = cx.fs().list(path)?;
            for n in names {
                let child = format!("{}/{n}", path.trim_end_matches('/'));
                collect(cx, &child, &format!("{dname}{n}"), out)?;
            }
        }
        Node::Symlink { .. } => {}
    }
    Ok(())
}

/// `tar`.
pub fn tar(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let gnu = images::flavor(&cx.setup().image) == Flavor::Gnu;
    let mut err = String::new();
    let fatal = |err: &mut String, code: i32| {
        if gnu {
            err.push_str("tar: Error is not recoverable: exiting now\n");
        }
        ExecResult {
            stdout: String::new(),
            stderr: std::mem::take(err),
            code,
        }
    };
    let o = match parse(&argv[1..]) {
        Ok(o) => o,
        Err(e) => {
            let hint = if gnu {
                "Try 'tar --help' or 'tar --usage' for more information.\n"
            } else {
                ""
            };
            return ExecResult {
                stdout: String::new(),
                stderr: format!("tar: {e}\n{hint}"),
                code: if gnu { 2 } else { 1 },
            };
        }
    };
    let Some(mode) = o.mode else {
        return ExecResult {
            stdout: String::new(),
            stderr: if gnu {
                "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\nTry 'tar --help' or 'tar --usage' for more information.\n".into()
            } else {
                "tar: need one of 'c', 'x' or 't'\n".into()
            },
            code: if gnu { 2 } else { 1 },
        };
    };
    let Some(file) = o.file.clone().filter(|f| f != "-") else {
        err.push_str(if mode == 'c' {
            "tar: Refusing to write archive contents to terminal (missing -f option?)\n"
        } else {
            "tar: Refusing to read archive contents from terminal (missing -f option?)\n"
        });
        return fatal(&mut err, 2);
    };
    let archive = cx.abs(&file);
    let base = o
        .dir
        .as_deref()
        .map_or_else(|| cx.cwd.clone(), |d| cx.abs(d));
    let mut out = String::new();
    let mut code = 0;
    match mode {
        'c' => {
            if o.operands.is_empty() {
                err.push_str(if gnu {
                    "tar: Cowardly refusing to create an empty archive\nTry 'tar --help' or 'tar --usage' for more information.\n"
                } else {
                    "tar: empty archive\n"
                });
                return ExecResult {
                    stdout: String::new(),
                    stderr: err,
                    code: if gnu { 2 } else { 1 },
                };
            }
            let mut members = Vec::new();
            let mut warned = false;
            for op in &o.operands {
                let path = if op.starts_with('/') {
                    crate::store::normalize(op)
                } else {
                    crate::store::normalize(&format!("{base}/{op}"))
                };
                let mut name = op.clone();
                if name.starts_with('/') {
                    name = name.trim_start_matches('/').to_string();
                    if !warned {
                        err.push_str(if gnu {
                            "tar: Removing leading `/' from member names\n"
                        } else {
                            "tar: removing leading '/' from member names\n"
                        });
                        warned = true;
                    }
                }
                while name.contains("//") {
                    name = name.replace("//", "/");
                }
                if let Err(e) = collect(cx, &path, &name, &mut members) {
                    if gnu {
                        err.push_str(&format!("tar: {op}: Cannot stat: {e}\n"));
                    } else {
                        err.push_str(&format!("tar: {op}: {e}\n"));
                    }
                    code = if gnu { 2 } else { 1 };
                }
            }
            if o.verbose {
                for m in &members {
                    out.push_str(&m.name);
                    out.push('\n');
                }
            }
            let mut bytes = pack(&members);
            if o.gzip {
                bytes = gzip(&bytes, 0);
            }
            if let Err(e) = cx.fs().write(&archive, &bytes) {
                err.push_str(&format!("tar: {file}: Cannot open: {e}\n"));
                return fatal(&mut err, 2);
            }
            if code != 0 && gnu {
                err.push_str("tar: Exiting with failure status due to previous errors\n");
            }
        }
        _ => {
            let bytes = match cx.fs().read(&archive) {
                Ok(b) => b,
                Err(e) => {
                    if gnu {
                        err.push_str(&format!("tar: {file}: Cannot open: {e}\n"));
                        return fatal(&mut err, 2);
                    }
                    return ExecResult {
                        stdout: String::new(),
                        stderr: format!("tar: can't open '{file}': {e}\n"),
                        code: 1,
                    };
                }
            };
            let plain = if o.gzip || bytes.starts_with(&[0x1f, 0x8b]) {
                match gunzip(&bytes) {
                    Ok(p) => p,
                    Err(e) => {
                        err.push_str(&format!(
                            "\ngzip: stdin: {}\ntar: Child returned status 1\n",
                            e.message()
                        ));
                        return fatal(&mut err, 2);
                    }
                }
            } else {
                bytes
            };
            let Ok(members) = unpack(&plain) else {
                err.push_str("tar: This does not look like a tar archive\n");
                return fatal(&mut err, 2);
            };
            for m in members {
                if o.verbose || mode == 't' {
                    out.push_str(&m.name);
                    out.push('\n');
                }
                if mode != 'x' {
                    continue;
                }
                let target = crate::store::normalize(&format!("{base}/{}", m.name));
                let now = cx.now();
                let r = match &m.data {
                    None => cx.fs().mkdir(&target, m.meta.mode, true),
                    Some(d) => {
                        let parent = target.rsplit_once('/').map_or("/", |(p, _)| p).to_string();
                        let p = if parent.is_empty() {
                            "/".to_string()
                        } else {
                            parent
                        };
                        cx.fs()
                            .mkdir(&p, 0o755, true)
                            .and_then(|()| cx.fs().write(&target, d))
                    }
                };
                let _ = now;
                match r {
                    Ok(()) => {
                        let mut fs = cx.fs();
                        let _ = fs.chmod(&target, m.meta.mode);
                        let _ = fs.chown(&target, m.meta.uid, m.meta.gid, false);
                    }
                    Err(e) => {
                        err.push_str(&format!(
                            "tar: {}: Cannot open: {e}\n",
                            m.name.trim_end_matches('/')
                        ));
                        code = 2;
                    }
                }
            }
            if code != 0 && gnu {
                err.push_str("tar: Exiting with failure status due to previous errors\n");
            }
        }
    }
    ExecResult {
        stdout: out,
        stderr: err,
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, data: Option<&[u8]>) -> Member {
        Member {
            name: name.into(),
            meta: Meta {
                mode: if data.is_some() { 0o644 } else { 0o755 },
                uid: 0,
                gid: 0,
                mtime: crate::engine::SimTime::ZERO,
            },
            data: data.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn archives_round_trip_through_gzip() {
        let ms = vec![
            member("usr/share/nginx/html/", None),
            member("usr/share/nginx/html/identity.txt", Some(b"I am web-0\n")),
        ];
        let tgz = gzip(&pack(&ms), 0);
        assert_eq!(&tgz[..3], &[0x1f, 0x8b, 8]);
        let plain = gunzip(&tgz).unwrap();
        assert_eq!(plain.len(), 10240);
        assert_eq!(&plain[257..265], b"ustar  \0");
        let back = unpack(&plain).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].name, "usr/share/nginx/html/identity.txt");
        assert_eq!(back[1].data.as_deref(), Some(&b"I am web-0\n"[..]));
        assert_eq!(back[0].data, None);
        assert_eq!(back[1].meta.mode, 0o644);
    }

    #[test]
    fn a_real_gzip_stream_is_read_and_bad_ones_get_gzips_words() {
        // A real `gzip -6` stream (fixed Huffman block) of "hi\n", as a learner's laptop writes.
        let real = [
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xcb, 0xc8, 0xe4, 0x02, 0, 0x7a, 0x7a, 0x6f, 0xed,
            3, 0, 0, 0,
        ];
        assert_eq!(gunzip(&real), Ok(b"hi\n".to_vec()));
        assert_eq!(gunzip(&real[..15]), Err(Gunzip::Truncated));
        let mut bad = real;
        bad[11] ^= 0xff;
        assert!(gunzip(&bad).is_err());
        assert_eq!(gunzip(b"plain text"), Err(Gunzip::NotGzip));
        // What tar czf writes compresses (a repetitive archive shrinks well below its size).
        let big = vec![b'a'; 100_000];
        let z = gzip(&big, 0);
        assert!(z.len() < 1_000, "{}", z.len());
        assert_eq!(gunzip(&z), Ok(big));
    }

    #[test]
    fn old_style_letters_and_directory() {
        let args: Vec<String> = ["xzf", "/tmp/b.tgz", "-C", "/"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let o = parse(&args).unwrap();
        assert_eq!(o.mode, Some('x'));
        assert!(o.gzip);
        assert_eq!(o.file.as_deref(), Some("/tmp/b.tgz"));
        assert_eq!(o.dir.as_deref(), Some("/"));
    }
}
