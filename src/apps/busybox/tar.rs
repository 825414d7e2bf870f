//! `tar` inside a container: create (`c`), extract (`x`) and list (`t`) an archive file
//! (`f`), optionally through gzip (`z`), verbose (`v`), relative to a directory (`C`). GNU tar
//! in the Debian-based images, BusyBox tar in the others; each with its own messages.
//!
//! The archive is a real ustar archive; `z` wraps it in a real gzip stream made of stored
//! (uncompressed) deflate blocks, so the file is valid for any gzip reader, only larger than
//! one `gzip -6` would write. Extraction reads stored blocks only: an archive compressed by a
//! real gzip (copied in from the learner's machine) is refused as corrupt.
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

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A gzip stream of `data` in stored deflate blocks.
fn gzip(data: &[u8], mtime: u32) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0];
    out.extend_from_slice(&mtime.to_le_bytes());
    out.extend_from_slice(&[0, 3]);
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65535).collect()
    };
    for (n, c) in chunks.iter().enumerate() {
        out.push(u8::from(n + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Why a gzip stream could not be read.
#[derive(Debug, PartialEq, Eq)]
enum Gunzip {
    NotGzip,
    Unsupported,
}

fn gunzip(data: &[u8]) -> Result<Vec<u8>, Gunzip> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err(Gunzip::NotGzip);
    }
    let flags = data[3];
    let mut i = 10;
    if flags & 4 != 0 {
        let xlen = u16::from_le_bytes([data[i], data[i + 1]]) as usize;
        i += 2 + xlen;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            while i < data.len() && data[i] != 0 {
                i += 1;
            }
            i += 1;
        }
    }
    if flags & 2 != 0 {
        i += 2;
    }
    let mut out = Vec::new();
    loop {
        let Some(&h) = data.get(i) else {
            return Err(Gunzip::Unsupported);
        };
        if (h >> 1) & 3 != 0 {
            return Err(Gunzip::Unsupported);
        }
        let Some(l) = data.get(i + 1..i + 5) else {
            return Err(Gunzip::Unsupported);
        };
        let len = u16::from_le_bytes([l[0], l[1]]) as usize;
        let Some(c) = data.get(i + 5..i + 5 + len) else {
            return Err(Gunzip::Unsupported);
        };
        out.extend_from_slice(c);
        i += 5 + len;
        if h & 1 != 0 {
            break;
        }
    }
    Ok(out)
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
                    Err(_) => {
                        err.push_str(
                            "\ngzip: stdin: invalid compressed data--format violated\ntar: Child returned status 1\n",
                        );
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
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_deflated_stream_is_refused() {
        // A real `gzip -6` stream (fixed Huffman block) of "hi\n".
        let real = [
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xcb, 0xc8, 0xe4, 0x02, 0, 0x7a, 0x7a, 0x6f, 0xed,
            3, 0, 0, 0,
        ];
        assert_eq!(gunzip(&real), Err(Gunzip::Unsupported));
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
