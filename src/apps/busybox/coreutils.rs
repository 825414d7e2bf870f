//! The file and text tools: BusyBox applets and GNU coreutils, each with its own messages
//! (`ls: /x: No such file or directory` vs `ls: cannot access '/x': No such file or
//! directory`). The C locale is assumed (plain ASCII quotes), as in images without `LANG`.

use crate::apps::Flavor;
use crate::engine::SimTime;
use crate::exec::{ExecCx, ExecResult, images};
use crate::store::{FsError, Node};

fn flavor(cx: &ExecCx<'_>) -> Flavor {
    images::flavor(&cx.setup().image)
}

fn gnu(cx: &ExecCx<'_>) -> bool {
    flavor(cx) == Flavor::Gnu
}

/// Splits `-abc` style flags from operands (a lone `-` and everything after `--` are
/// operands). Returns (flag characters, operands).
fn flags(args: &[String]) -> (String, Vec<String>) {
    let mut f = String::new();
    let mut ops = Vec::new();
    let mut done = false;
    for a in args {
        if !done && a == "--" {
            done = true;
        } else if !done && a.starts_with('-') && a.len() > 1 && !a.starts_with("--") {
            f.push_str(&a[1..]);
        } else if !done && a.starts_with("--") {
            f.push_str(match a.as_str() {
                "--all" => "a",
                "--recursive" => "r",
                "--force" => "f",
                "--parents" => "p",
                "--human-readable" => "h",
                "--lines" => "l",
                _ => "",
            });
        } else {
            ops.push(a.clone());
        }
    }
    (f, ops)
}

struct Out {
    out: String,
    err: String,
    code: i32,
}

impl Out {
    fn new() -> Out {
        Out {
            out: String::new(),
            err: String::new(),
            code: 0,
        }
    }
    fn fail(&mut self, msg: String, code: i32) {
        self.err.push_str(&msg);
        self.err.push('\n');
        self.code = code;
    }
    fn done(self) -> ExecResult {
        ExecResult {
            stdout: self.out,
            stderr: self.err,
            code: self.code,
        }
    }
}

/// Interprets backslash escapes (`echo -e`, dash's `echo`, `printf`'s format). Returns the
/// text and true when `\c` asked to stop output.
pub fn unescape(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('e') => out.push('\x1b'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('c') => return (out, true),
            Some('0') => {
                let mut v = 0u32;
                for _ in 0..3 {
                    match it.peek() {
                        Some(d) if ('0'..='7').contains(d) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            it.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\0'));
            }
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

pub(super) fn echo(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut nl = true;
    let mut esc = false;
    let mut i = 1;
    while let Some(a) = argv.get(i) {
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c)) {
            for c in a[1..].chars() {
                match c {
                    'n' => nl = false,
                    'e' => esc = true,
                    _ => esc = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let text = argv[i.min(argv.len())..].join(" ");
    let (mut s, stop) = if esc { unescape(&text) } else { (text, false) };
    if nl && !stop {
        s.push('\n');
    }
    ExecResult::ok(s)
}

fn read_input(cx: &mut ExecCx<'_>, path: &str) -> Result<String, FsError> {
    if path == "-" {
        return Ok(cx.stdin.clone().unwrap_or_default());
    }
    let p = cx.abs(path);
    cx.fs()
        .read(&p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn open_error(cx: &ExecCx<'_>, prog: &str, path: &str, e: FsError) -> String {
    if gnu(cx) {
        match prog {
            "head" | "tail" => format!("{prog}: cannot open '{path}' for reading: {e}"),
            "sort" => format!("sort: cannot read: {path}: {e}"),
            _ => format!("{prog}: {path}: {e}"),
        }
    } else {
        match prog {
            "cat" | "tail" if e == FsError::IsADirectory => format!("{prog}: read error: {e}"),
            "cat" | "tail" => format!("{prog}: can't open '{path}': {e}"),
            _ => format!("{prog}: {path}: {e}"),
        }
    }
}

/// Reads every operand (stdin when none); errors go to `o`.
fn inputs(cx: &mut ExecCx<'_>, prog: &str, ops: &[String], o: &mut Out) -> Vec<String> {
    if ops.is_empty() {
        return vec![cx.stdin.clone().unwrap_or_default()];
    }
    let mut v = Vec::new();
    for p in ops {
        match read_input(cx, p) {
            Ok(s) => v.push(s),
            Err(e) => {
                let msg = open_error(cx, prog, p, e);
                o.fail(msg, if prog == "sort" { 2 } else { 1 });
            }
        }
    }
    v
}

pub(super) fn cat(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let mut o = Out::new();
    let texts = inputs(cx, "cat", &ops, &mut o);
    for t in texts {
        if f.contains('n') {
            for (i, l) in t.split_inclusive('\n').enumerate() {
                o.out.push_str(&format!("{:>6}\t{l}", i + 1));
            }
        } else {
            o.out.push_str(&t);
        }
    }
    o.done()
}

fn lines_arg(f: &str, args: &[String]) -> (Option<i64>, Vec<String>) {
    // -n N, -nN, -N.
    let mut n = None;
    let mut ops = Vec::new();
    let mut i = 0;
    let _ = f;
    while i < args.len() {
        let a = &args[i];
        if a == "-n" {
            n = args
                .get(i + 1)
                .and_then(|v| v.trim_start_matches('+').parse().ok());
            i += 2;
            continue;
        }
        if let Some(v) = a.strip_prefix("-n") {
            n = v.parse().ok();
        } else if a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) && a.len() > 1 {
            n = a[1..].parse().ok();
        } else if a.starts_with('-') && a.len() > 1 {
        } else {
            ops.push(a.clone());
        }
        i += 1;
    }
    (n, ops)
}

pub(super) fn head(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (n, ops) = lines_arg("", &argv[1..]);
    let n = n.unwrap_or(10).max(0) as usize;
    let mut o = Out::new();
    let texts = inputs(cx, "head", &ops, &mut o);
    let many = texts.len() > 1;
    for (k, t) in texts.iter().enumerate() {
        if many {
            o.out.push_str(&format!(
                "{}==> {} <==\n",
                if k > 0 { "\n" } else { "" },
                ops[k]
            ));
        }
        for l in t.split_inclusive('\n').take(n) {
            o.out.push_str(l);
        }
    }
    o.done()
}

pub(super) fn tail(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (n, ops) = lines_arg("", &argv[1..]);
    let n = n.unwrap_or(10).max(0) as usize;
    let mut o = Out::new();
    let texts = inputs(cx, "tail", &ops, &mut o);
    if texts.is_empty() && !gnu(cx) {
        o.err.push_str("tail: no files\n");
    }
    for t in texts {
        let ls: Vec<&str> = t.split_inclusive('\n').collect();
        for l in &ls[ls.len().saturating_sub(n)..] {
            o.out.push_str(l);
        }
    }
    o.done()
}

pub(super) fn wc(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let mut o = Out::new();
    let g = gnu(cx);
    let mut rows = Vec::new();
    for (k, p) in (if ops.is_empty() {
        vec![String::new()]
    } else {
        ops.clone()
    })
    .iter()
    .enumerate()
    {
        let t = if ops.is_empty() {
            cx.stdin.clone().unwrap_or_default()
        } else {
            match read_input(cx, p) {
                Ok(t) => t,
                Err(e) => {
                    o.fail(format!("wc: {p}: {e}"), 1);
                    continue;
                }
            }
        };
        let _ = k;
        let l = t.matches('\n').count();
        let w = t.split_whitespace().count();
        let c = t.len();
        let mut vals = Vec::new();
        let all = !f.contains('l') && !f.contains('w') && !f.contains('c');
        if all || f.contains('l') {
            vals.push(l);
        }
        if all || f.contains('w') {
            vals.push(w);
        }
        if all || f.contains('c') {
            vals.push(c);
        }
        rows.push((
            vals,
            if ops.is_empty() {
                None
            } else {
                Some(p.clone())
            },
        ));
    }
    for (vals, name) in rows {
        let single = vals.len() == 1;
        let cols: Vec<String> = vals
            .iter()
            .map(|v| {
                if g {
                    if single {
                        v.to_string()
                    } else {
                        format!("{v:>7}")
                    }
                } else if single {
                    v.to_string()
                } else {
                    format!("{v:>9}")
                }
            })
            .collect();
        let mut line = cols.join(if g { " " } else { "" });
        if !g && !single {
            // BusyBox pads every column to 9 and separates with a space.
            line = vals
                .iter()
                .map(|v| format!("{v:>9}"))
                .collect::<Vec<_>>()
                .join(" ");
        }
        match name {
            Some(n) => o.out.push_str(&format!("{line} {n}\n")),
            None => o.out.push_str(&format!("{line}\n")),
        }
    }
    o.done()
}

fn user_name(cx: &mut ExecCx<'_>, file: &str, id: u32) -> String {
    let data = cx.fs().read(file).unwrap_or_default();
    let text = String::from_utf8_lossy(&data);
    for l in text.lines() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() > 2 && f[2].parse::<u32>().ok() == Some(id) {
            return f[0].to_string();
        }
    }
    id.to_string()
}

fn mode_string(n: &Node) -> String {
    let t = match n {
        Node::Dir { .. } => 'd',
        Node::Symlink { .. } => 'l',
        Node::File { .. } => '-',
    };
    let m = n.meta();
    let mut s = format!("{t}{m}");
    if m.mode & 0o1000 != 0 {
        s.pop();
        s.push(if m.mode & 1 != 0 { 't' } else { 'T' });
    }
    if matches!(n, Node::Symlink { .. }) {
        s = "lrwxrwxrwx".into();
    }
    s
}

fn node_size(n: &Node) -> u64 {
    match n {
        Node::File { data, .. } => data.len() as u64,
        Node::Dir { .. } => 4096,
        Node::Symlink { target, .. } => target.len() as u64,
    }
}

/// `lost+found` is made with 16 KiB of blocks by mke2fs (`ls -l` shows 16384).
fn entry_size(name: &str, n: &Node, tmpfs: bool) -> u64 {
    if let (true, Node::Dir { entries, .. }) = (tmpfs, n) {
        // shmem counts BOGO_DIRENT_SIZE (20) per entry, `.` and `..` included.
        return 20 * (entries.len() as u64 + 2);
    }
    if name == "lost+found" && n.is_dir() {
        16_384
    } else {
        node_size(n)
    }
}

fn entry_blocks_k(name: &str, n: &Node, tmpfs: bool) -> u64 {
    if tmpfs && n.is_dir() {
        // A tmpfs directory has no blocks.
        return 0;
    }
    if name == "lost+found" && n.is_dir() {
        16
    } else {
        blocks_k(n)
    }
}

fn nlink(n: &Node) -> u64 {
    match n {
        Node::Dir { entries, .. } => 2 + entries.values().filter(|e| e.is_dir()).count() as u64,
        _ => 1,
    }
}

fn blocks_k(n: &Node) -> u64 {
    match n {
        Node::File { data, .. } => (data.len() as u64).div_ceil(4096) * 4,
        Node::Dir { .. } => 4,
        Node::Symlink { .. } => 0,
    }
}

/// `Nov 30 11:03` within six months of `now`, else `Nov 30  2024`.
fn ls_date(t: SimTime, now: SimTime) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(t.unix_seconds()).unwrap_or_default();
    let recent = now.saturating_since(t).as_secs() < 183 * 86_400 && t <= now;
    let fmt = if recent { "%b %e %H:%M" } else { "%b %e  %Y" };
    k8s_openapi::jiff::fmt::strtime::format(fmt, &ts.to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC))
        .unwrap_or_default()
}

type Row = (String, String, String, String, String, String);

/// Follows symbolic links from `abs` (a container path) to what they point at, as `stat(2)`
/// does: a relative target is taken from the link's directory. Returns the final path and
/// entry.
fn follow_links(cx: &mut ExecCx<'_>, abs: &str) -> Result<(String, Node), FsError> {
    let mut p = crate::store::normalize(abs);
    for _ in 0..=crate::store::fs::MAX_SYMLINKS {
        let fs = cx.fs();
        let node = match fs.lookup(&p) {
            Ok(n) => n.clone(),
            Err(_) if fs.is_dir(&p) => return Ok((p, dir_placeholder(fs.now))),
            Err(e) => return Err(e),
        };
        let Node::Symlink { target, .. } = node else {
            return Ok((p, node));
        };
        p = if target.starts_with('/') {
            crate::store::normalize(&target)
        } else {
            let dir = p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
            crate::store::normalize(&format!("{dir}/{target}"))
        };
    }
    Err(FsError::Loop)
}

/// What a mount point nobody has written to yet looks like.
fn dir_placeholder(now: SimTime) -> Node {
    Node::Dir {
        entries: Default::default(),
        meta: crate::store::Meta {
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: now,
        },
    }
}

struct Entry {
    name: String,
    node: Node,
    /// On a tmpfs (a secret, projected or downwardAPI volume): directories are sized as
    /// shmem sizes them.
    tmpfs: bool,
}

fn on_tmpfs(cx: &mut ExecCx<'_>, path: &str) -> bool {
    cx.fs().df(path).0 == "tmpfs"
}

pub(super) fn ls(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, mut ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let long = f.contains('l') || f.contains('n');
    let all = f.contains('a');
    let almost = f.contains('A');
    let one = f.contains('1') || !cx.tty || long;
    let dir_only = f.contains('d');
    let recursive = f.contains('R');
    // -L: every link is shown as what it points at. Without -l, -d or -F, a link named on the
    // command line is followed too (GNU ls's and BusyBox's default for operands).
    let deref = f.contains('L');
    let deref_operands = deref || !(long || dir_only || f.contains('F'));
    let mut o = Out::new();
    if ops.is_empty() {
        ops.push(".".into());
    }
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for p in &ops {
        let mut abs = cx.abs(p);
        if deref_operands && matches!(cx.fs().lookup(&abs), Ok(Node::Symlink { .. })) {
            match follow_links(cx, &abs) {
                Ok((to, _)) => abs = to,
                Err(e) if deref => {
                    let msg = if g {
                        format!("ls: cannot access '{p}': {e}")
                    } else {
                        format!("ls: {p}: {e}")
                    };
                    o.fail(msg, if g { 2 } else { 1 });
                    continue;
                }
                Err(_) => {}
            }
        }
        let tmpfs = on_tmpfs(cx, &abs);
        let fs = cx.fs();
        if fs.resolve(&abs).is_mount_point || fs.is_dir(&abs) {
            if dir_only {
                let node = fs.lookup(&abs).cloned().unwrap_or(Node::Dir {
                    entries: Default::default(),
                    meta: crate::store::Meta {
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        mtime: fs.now,
                    },
                });
                files.push(Entry {
                    name: p.clone(),
                    node,
                    tmpfs,
                });
            } else {
                dirs.push((p.clone(), abs.clone()));
            }
            continue;
        }
        match fs.lookup(&abs) {
            Ok(n) => files.push(Entry {
                name: p.clone(),
                node: n.clone(),
                tmpfs,
            }),
            Err(e) => {
                let msg = if g {
                    format!("ls: cannot access '{p}': {e}")
                } else {
                    format!("ls: {p}: {e}")
                };
                o.fail(msg, if g { 2 } else { 1 });
            }
        }
    }
    let show_names = ops.len() > 1 || recursive;
    if !files.is_empty() {
        o.out
            .push_str(&render(cx, &files, long, one, g, f.contains('n'), false));
    }
    let mut queue: Vec<(String, String)> = dirs;
    let mut first = files.is_empty();
    let mut k = 0;
    while k < queue.len() {
        let (d, abs) = queue[k].clone();
        k += 1;
        let names = match cx.fs().list(&abs) {
            Ok(n) => n,
            Err(e) => {
                o.fail(format!("ls: {d}: {e}"), if g { 2 } else { 1 });
                continue;
            }
        };
        let mut entries = Vec::new();
        if all {
            for dot in [".", ".."] {
                let p = if dot == "." {
                    abs.clone()
                } else {
                    crate::store::normalize(&format!("{abs}/.."))
                };
                let node = cx.fs().lookup(&p).cloned().unwrap_or(Node::Dir {
                    entries: Default::default(),
                    meta: crate::store::Meta {
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        mtime: SimTime::ZERO,
                    },
                });
                let tmpfs = on_tmpfs(cx, &p);
                entries.push(Entry {
                    name: dot.into(),
                    node,
                    tmpfs,
                });
            }
        }
        let mut subdirs = Vec::new();
        for n in names {
            if n.starts_with('.') && !all && !almost {
                continue;
            }
            let p = format!("{}/{n}", abs.trim_end_matches('/'));
            if deref && let Ok((_, node)) = follow_links(cx, &p) {
                if recursive && node.is_dir() {
                    subdirs.push((format!("{}/{n}", d.trim_end_matches('/')), p.clone()));
                }
                let tmpfs = on_tmpfs(cx, &p);
                entries.push(Entry {
                    name: n,
                    node,
                    tmpfs,
                });
                continue;
            }
            let fs = cx.fs();
            let node = match fs.lookup(&p) {
                Ok(x) => x.clone(),
                Err(_) if fs.is_dir(&p) => Node::Dir {
                    entries: Default::default(),
                    meta: crate::store::Meta {
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        mtime: fs.now,
                    },
                },
                Err(_) => continue,
            };
            if recursive && node.is_dir() {
                subdirs.push((format!("{}/{n}", d.trim_end_matches('/')), p.clone()));
            }
            let tmpfs = on_tmpfs(cx, &p);
            entries.push(Entry {
                name: n,
                node,
                tmpfs,
            });
        }
        if show_names {
            if !first {
                o.out.push('\n');
            }
            o.out.push_str(&format!("{d}:\n"));
        }
        first = false;
        if long {
            let total: u64 = entries
                .iter()
                .map(|e| entry_blocks_k(&e.name, &e.node, e.tmpfs))
                .sum();
            o.out.push_str(&format!("total {total}\n"));
        }
        o.out
            .push_str(&render(cx, &entries, long, one, g, f.contains('n'), true));
        if recursive {
            for (j, s) in subdirs.into_iter().enumerate() {
                queue.insert(k + j, s);
            }
        }
    }
    o.done()
}

fn render(
    cx: &mut ExecCx<'_>,
    es: &[Entry],
    long: bool,
    one: bool,
    g: bool,
    numeric: bool,
    _in_dir: bool,
) -> String {
    let now = cx.now();
    if !long {
        if one {
            return es.iter().map(|e| format!("{}\n", e.name)).collect();
        }
        let line = es
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join("  ");
        return if line.len() <= 80 {
            if line.is_empty() {
                String::new()
            } else {
                format!("{line}\n")
            }
        } else {
            es.iter().map(|e| format!("{}\n", e.name)).collect()
        };
    }
    let rows: Vec<Row> = es
        .iter()
        .map(|e| {
            let m = e.node.meta();
            let (u, gr) = if numeric {
                (m.uid.to_string(), m.gid.to_string())
            } else {
                (
                    user_name(cx, "/etc/passwd", m.uid),
                    user_name(cx, "/etc/group", m.gid),
                )
            };
            let mut name = e.name.clone();
            if let Node::Symlink { target, .. } = &e.node {
                name = format!("{name} -> {target}");
            }
            (
                mode_string(&e.node),
                nlink(&e.node).to_string(),
                u,
                gr,
                entry_size(&e.name, &e.node, e.tmpfs).to_string(),
                format!("{} {name}", ls_date(m.mtime, now)),
            )
        })
        .collect();
    let mut s = String::new();
    if g {
        let w = |f: &dyn Fn(&Row) -> usize| rows.iter().map(f).max().unwrap_or(0);
        let (wn, wu, wg, ws) = (
            w(&|r| r.1.len()),
            w(&|r| r.2.len()),
            w(&|r| r.3.len()),
            w(&|r| r.4.len()),
        );
        for r in &rows {
            s.push_str(&format!(
                "{} {:>wn$} {:<wu$} {:<wg$} {:>ws$} {}\n",
                r.0, r.1, r.2, r.3, r.4, r.5
            ));
        }
    } else {
        for r in &rows {
            s.push_str(&format!(
                "{} {:>4} {:<8} {:<8} {:>9} {}\n",
                r.0, r.1, r.2, r.3, r.4, r.5
            ));
        }
    }
    s
}

pub(super) fn mkdir(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    if ops.is_empty() {
        o.fail(if g { "mkdir: missing operand\nTry 'mkdir --help' for more information.".into() } else { "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: mkdir [-m MODE] [-p] DIRECTORY...".into() }, 1);
        return o.done();
    }
    for p in ops {
        let abs = cx.abs(&p);
        if let Err(e) = cx.fs().mkdir(&abs, 0o755, f.contains('p')) {
            let msg = if g {
                format!("mkdir: cannot create directory '{p}': {e}")
            } else {
                format!("mkdir: can't create directory '{p}': {e}")
            };
            o.fail(msg, 1);
        }
    }
    o.done()
}

pub(super) fn rmdir(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (_, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    for p in ops {
        let abs = cx.abs(&p);
        let mut fs = cx.fs();
        let r = if !fs.exists(&abs) {
            Err(FsError::NotFound)
        } else if !fs.is_dir(&abs) {
            Err(FsError::NotADirectory)
        } else {
            fs.remove(&abs, false)
        };
        if let Err(e) = r {
            let msg = if g {
                format!("rmdir: failed to remove '{p}': {e}")
            } else {
                format!("rmdir: '{p}': {e}")
            };
            o.fail(msg, 1);
        }
    }
    o.done()
}

pub(super) fn rm(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let rec = f.contains('r') || f.contains('R');
    let force = f.contains('f');
    let mut o = Out::new();
    for p in ops {
        let abs = cx.abs(&p);
        let mut fs = cx.fs();
        let r = if !fs.exists(&abs) {
            Err(FsError::NotFound)
        } else if fs.is_dir(&abs) && !rec {
            Err(FsError::IsADirectory)
        } else {
            fs.remove(&abs, true)
        };
        match r {
            Err(FsError::NotFound) if force => {}
            Err(FsError::IsADirectory) if !g => o.fail(format!("rm: '{p}' is a directory"), 1),
            Err(e) => {
                let msg = if g {
                    format!("rm: cannot remove '{p}': {e}")
                } else {
                    format!("rm: can't remove '{p}': {e}")
                };
                o.fail(msg, 1);
            }
            Ok(()) => {}
        }
    }
    o.done()
}

pub(super) fn touch(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (_, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    for p in ops {
        let abs = cx.abs(&p);
        let mut fs = cx.fs();
        let r = if fs.is_dir(&abs) {
            Ok(())
        } else {
            fs.append(&abs, b"")
        };
        if let Err(e) = r {
            let msg = if g {
                format!("touch: cannot touch '{p}': {e}")
            } else {
                format!("touch: {p}: {e}")
            };
            o.fail(msg, 1);
        }
    }
    o.done()
}

/// Copies the tree at `from` to `to` through the view (files and directories).
fn copy_tree(cx: &mut ExecCx<'_>, from: &str, to: &str) -> Result<(), (String, FsError)> {
    let node = cx
        .fs()
        .lookup(from)
        .cloned()
        .map_err(|e| (from.to_string(), e))?;
    match node {
        Node::Dir { entries, .. } => {
            cx.fs()
                .mkdir(to, 0o755, false)
                .or_else(|e| if e == FsError::Exists { Ok(()) } else { Err(e) })
                .map_err(|e| (to.to_string(), e))?;
            for name in entries.keys() {
                copy_tree(cx, &format!("{from}/{name}"), &format!("{to}/{name}"))?;
            }
            Ok(())
        }
        Node::File { data, .. } => cx.fs().write(to, &data).map_err(|e| (to.to_string(), e)),
        // Recursive cp (-P, its default with -r) and mv copy a link as a link.
        Node::Symlink { target, .. } => cx
            .fs()
            .symlink(to, &target)
            .map_err(|e| (to.to_string(), e)),
    }
}

fn cp_mv(cx: &mut ExecCx<'_>, argv: &[String], mv: bool) -> ExecResult {
    let prog = if mv { "mv" } else { "cp" };
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    if ops.len() < 2 {
        o.fail(
            if g {
                format!("{prog}: missing file operand\nTry '{prog} --help' for more information.")
            } else {
                format!("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: {prog} [OPTIONS] SOURCE... DIRECTORY")
            },
            1,
        );
        return o.done();
    }
    let (srcs, dst) = ops.split_at(ops.len() - 1);
    let dst_abs = cx.abs(&dst[0]);
    let dst_dir = cx.fs().is_dir(&dst_abs);
    for s in srcs {
        let sa = cx.abs(s);
        let exists = cx.fs().exists(&sa);
        if !exists {
            let msg = match (g, mv) {
                (true, _) => format!("{prog}: cannot stat '{s}': No such file or directory"),
                (false, true) => format!("mv: can't rename '{s}': No such file or directory"),
                (false, false) => format!("cp: can't stat '{s}': No such file or directory"),
            };
            o.fail(msg, 1);
            continue;
        }
        let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
        let target = if dst_dir {
            format!("{}/{base}", dst_abs.trim_end_matches('/'))
        } else {
            dst_abs.clone()
        };
        let recursive = f.contains('r') || f.contains('R') || f.contains('a');
        // Without -r (or with -L) cp copies what a link points at, not the link: a secret
        // volume's keys are links into `..data`.
        let sa = if !mv && (!recursive || f.contains('L')) {
            follow_links(cx, &sa).map_or(sa, |(to, _)| to)
        } else {
            sa
        };
        if cx.fs().is_dir(&sa) && !mv && !recursive {
            let msg = if g {
                format!("cp: -r not specified; omitting directory '{s}'")
            } else {
                format!("cp: omitting directory '{s}'")
            };
            o.fail(msg, 1);
            continue;
        }
        if let Err((p, e)) = copy_tree(cx, &sa, &target) {
            let shown = if p == target { dst[0].clone() } else { p };
            let msg = if g {
                format!("{prog}: cannot create regular file '{shown}': {e}")
            } else {
                format!("{prog}: can't create '{shown}': {e}")
            };
            o.fail(msg, 1);
            continue;
        }
        if mv && let Err(e) = cx.fs().remove(&sa, true) {
            o.fail(format!("mv: cannot remove '{s}': {e}"), 1);
        }
    }
    o.done()
}

pub(super) fn cp(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    cp_mv(cx, argv, false)
}

pub(super) fn mv(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    cp_mv(cx, argv, true)
}

pub(super) fn pwd(cx: &mut ExecCx<'_>, _argv: &[String]) -> ExecResult {
    ExecResult::ok(format!("{}\n", cx.cwd))
}

pub(super) fn env(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut vars = cx.env.clone();
    let mut i = 1;
    while let Some(a) = argv.get(i) {
        if let Some((k, v)) = a.split_once('=') {
            vars.insert(k.into(), v.into());
            i += 1;
        } else if a == "-i" {
            vars.clear();
            i += 1;
        } else {
            break;
        }
    }
    if i < argv.len() {
        let saved = std::mem::replace(&mut cx.env, vars);
        let r = cx.run(&argv[i..]);
        cx.env = saved;
        return match r {
            Ok(r) => r,
            Err(_) => ExecResult::fail(
                if gnu(cx) {
                    format!("env: '{}': No such file or directory\n", argv[i])
                } else {
                    format!(
                        "env: can't execute '{}': No such file or directory\n",
                        argv[i]
                    )
                },
                127,
            ),
        };
    }
    ExecResult::ok(
        vars.iter()
            .filter(|(k, _)| !k.starts_with(' '))
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>(),
    )
}

pub(super) fn printenv(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    if argv.len() < 2 {
        return env(cx, &argv[..1]);
    }
    let mut o = Out::new();
    for n in &argv[1..] {
        match cx.env.get(n) {
            Some(v) => o.out.push_str(&format!("{v}\n")),
            None => o.code = 1,
        }
    }
    o.done()
}

pub(super) fn sleep(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let g = gnu(cx);
    let Some(a) = argv.get(1) else {
        return ExecResult::fail(
            if g {
                "sleep: missing operand\nTry 'sleep --help' for more information.\n".to_string()
            } else {
                "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\nhave an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays\n".to_string()
            },
            1,
        );
    };
    let mut total = crate::engine::SimDuration::ZERO;
    for a in &argv[1..] {
        if a == "infinity" || a == "inf" {
            total = total + super::FOREVER;
            continue;
        }
        match super::sh::sleep_duration(a) {
            Some(d) => total = total + d,
            None => {
                return ExecResult::fail(
                    if g {
                        format!(
                            "sleep: invalid time interval '{a}'\nTry 'sleep --help' for more information.\n"
                        )
                    } else {
                        format!("sleep: invalid number '{a}'\n")
                    },
                    1,
                );
            }
        }
    }
    let _ = a;
    cx.spend(total);
    ExecResult::ok("")
}

pub(super) fn date(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    use k8s_openapi::jiff::{Timestamp, fmt::strtime, tz::TimeZone};
    let ts = Timestamp::from_second(cx.now().unix_seconds()).unwrap_or_default();
    let z = ts.to_zoned(TimeZone::UTC);
    let mut fmt = "%a %b %e %H:%M:%S UTC %Y".to_string();
    for a in &argv[1..] {
        if let Some(f) = a.strip_prefix('+') {
            fmt = f.to_string();
        } else if a == "-R" {
            fmt = "%a, %d %b %Y %H:%M:%S +0000".into();
        } else if a == "-I" || a == "--iso-8601" {
            fmt = "%Y-%m-%d".into();
        }
    }
    match strtime::format(fmt.as_str(), &z) {
        Ok(s) => ExecResult::ok(format!("{s}\n")),
        Err(_) => ExecResult::ok(format!("{fmt}\n")),
    }
}

pub(super) fn id(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let f = argv.get(1).map(String::as_str).unwrap_or("");
    match f {
        "-u" | "-g" => ExecResult::ok("0\n"),
        "-un" | "-gn" | "-nu" | "-ng" => ExecResult::ok("root\n"),
        _ => {
            if gnu(cx) {
                ExecResult::ok("uid=0(root) gid=0(root) groups=0(root)\n")
            } else {
                ExecResult::ok("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n")
            }
        }
    }
}

pub(super) fn whoami(_cx: &mut ExecCx<'_>, _argv: &[String]) -> ExecResult {
    ExecResult::ok("root\n")
}

pub(super) fn uname(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let host = cx.setup().hostname.clone();
    let (f, _) = flags(&argv[1..]);
    let g = gnu(cx);
    let kernel = "6.8.0-1019-gcp";
    let version = "#21-Ubuntu SMP Sun Nov 10 13:32:49 UTC 2024";
    if f.contains('a') {
        let _ = g;
        return ExecResult::ok(format!(
            "Linux {host} {kernel} {version} x86_64 GNU/Linux\n"
        ));
    }
    let mut parts = Vec::new();
    if f.is_empty() || f.contains('s') {
        parts.push("Linux".to_string());
    }
    if f.contains('n') {
        parts.push(host);
    }
    if f.contains('r') {
        parts.push(kernel.into());
    }
    if f.contains('v') {
        parts.push(version.into());
    }
    if f.contains('m') || f.contains('p') {
        parts.push("x86_64".into());
    }
    if f.contains('o') {
        parts.push("GNU/Linux".into());
    }
    ExecResult::ok(format!("{}\n", parts.join(" ")))
}

fn printf_format(fmt: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut ai = 0;
    loop {
        let mut it = fmt.chars().peekable();
        let mut used_arg = false;
        while let Some(c) = it.next() {
            if c == '\\' && it.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                // `\NNN`: one to three octal digits.
                let mut v = 0u32;
                for _ in 0..3 {
                    match it.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            it.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\0'));
                continue;
            }
            if c == '\\' {
                let mut esc = String::from("\\");
                if let Some(n) = it.next() {
                    esc.push(n);
                }
                out.push_str(&unescape(&esc).0);
                continue;
            }
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = String::new();
            while let Some(&n) = it.peek() {
                if "-+ #0123456789.".contains(n) {
                    spec.push(n);
                    it.next();
                } else {
                    break;
                }
            }
            let Some(conv) = it.next() else {
                out.push('%');
                break;
            };
            if conv == '%' {
                out.push('%');
                continue;
            }
            let arg = args.get(ai).cloned().unwrap_or_default();
            ai += 1;
            used_arg = true;
            let left = spec.starts_with('-');
            let zero = spec.starts_with('0');
            let num: String = spec
                .trim_start_matches(['-', '0', '+', ' ', '#'])
                .to_string();
            let (w, prec) = match num.split_once('.') {
                Some((w, p)) => (w.parse().unwrap_or(0usize), p.parse::<usize>().ok()),
                None => (num.parse().unwrap_or(0usize), None),
            };
            let body = match conv {
                'd' | 'i' | 'u' => arg.trim().parse::<i64>().unwrap_or(0).to_string(),
                'x' => format!("{:x}", arg.trim().parse::<i64>().unwrap_or(0)),
                'o' => format!("{:o}", arg.trim().parse::<i64>().unwrap_or(0)),
                'f' => format!(
                    "{:.*}",
                    prec.unwrap_or(6),
                    arg.trim().parse::<f64>().unwrap_or(0.0)
                ),
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'b' => unescape(&arg).0,
                _ => match prec {
                    Some(p) => arg.chars().take(p).collect(),
                    None => arg,
                },
            };
            let pad = w.saturating_sub(body.chars().count());
            if left {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if zero && conv != 's' {
                out.push_str(&"0".repeat(pad));
                out.push_str(&body);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        }
        if !used_arg || ai >= args.len() {
            break;
        }
    }
    out
}

pub(super) fn printf(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let Some(fmt) = argv.get(1) else {
        return ExecResult::fail("printf: usage: printf format [arguments]\n", 2);
    };
    ExecResult::ok(printf_format(fmt, &argv[2..]))
}

pub(super) fn tee(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let input = cx.stdin.clone().unwrap_or_default();
    let mut o = Out::new();
    o.out = input.clone();
    for p in ops {
        let abs = cx.abs(&p);
        let r = if f.contains('a') {
            cx.fs().append(&abs, input.as_bytes())
        } else {
            cx.fs().write(&abs, input.as_bytes())
        };
        if let Err(e) = r {
            o.fail(format!("tee: {p}: {e}"), 1);
        }
    }
    o.done()
}

pub(super) fn seq(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let nums: Vec<i64> = argv[1..].iter().filter_map(|a| a.parse().ok()).collect();
    let (a, step, b) = match nums.as_slice() {
        [b] => (1, 1, *b),
        [a, b] => (*a, 1, *b),
        [a, s, b] => (*a, *s, *b),
        _ => return ExecResult::fail("seq: missing operand\n", 1),
    };
    let mut s = String::new();
    let mut x = a;
    let mut n = 0;
    while step != 0 && ((step > 0 && x <= b) || (step < 0 && x >= b)) && n < 100_000 {
        s.push_str(&format!("{x}\n"));
        x += step;
        n += 1;
    }
    ExecResult::ok(s)
}

pub(super) fn sort(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let mut o = Out::new();
    let texts = inputs(cx, "sort", &ops, &mut o);
    if o.code != 0 {
        return o.done();
    }
    let mut lines: Vec<String> = texts
        .iter()
        .flat_map(|t| t.lines().map(str::to_string))
        .collect();
    if f.contains('n') {
        lines.sort_by(|a, b| {
            let p = |s: &str| {
                s.trim()
                    .split(|c: char| !c.is_ascii_digit() && c != '-')
                    .next()
                    .and_then(|x| x.parse::<i64>().ok())
                    .unwrap_or(0)
            };
            p(a).cmp(&p(b)).then(a.cmp(b))
        });
    } else {
        lines.sort();
    }
    if f.contains('r') {
        lines.reverse();
    }
    if f.contains('u') {
        lines.dedup();
    }
    o.out = lines.iter().map(|l| format!("{l}\n")).collect();
    o.done()
}

pub(super) fn cut(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut delim = '\t';
    let mut fields: Option<String> = None;
    let mut chars: Option<String> = None;
    let mut ops = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        let take = |i: &mut usize, pre: &str| -> String {
            if a.len() > pre.len() {
                a[pre.len()..].to_string()
            } else {
                *i += 1;
                argv.get(*i).cloned().unwrap_or_default()
            }
        };
        if a.starts_with("-d") {
            delim = take(&mut i, "-d").chars().next().unwrap_or('\t');
        } else if a.starts_with("-f") {
            fields = Some(take(&mut i, "-f"));
        } else if a.starts_with("-c") {
            chars = Some(take(&mut i, "-c"));
        } else {
            ops.push(a.clone());
        }
        i += 1;
    }
    let sel = |spec: &str, n: usize| -> bool {
        spec.split(',').any(|r| match r.split_once('-') {
            Some((a, b)) => {
                let a = a.parse().unwrap_or(1);
                let b = b.parse().unwrap_or(usize::MAX);
                (a..=b).contains(&n)
            }
            None => r.parse() == Ok(n),
        })
    };
    let mut o = Out::new();
    let texts = inputs(cx, "cut", &ops, &mut o);
    for t in texts {
        for l in t.lines() {
            if let Some(fs) = &fields {
                if !l.contains(delim) {
                    o.out.push_str(l);
                } else {
                    let parts: Vec<&str> = l
                        .split(delim)
                        .enumerate()
                        .filter(|(k, _)| sel(fs, k + 1))
                        .map(|(_, p)| p)
                        .collect();
                    o.out.push_str(&parts.join(&delim.to_string()));
                }
            } else if let Some(cs) = &chars {
                o.out.extend(
                    l.chars()
                        .enumerate()
                        .filter(|(k, _)| sel(cs, k + 1))
                        .map(|(_, c)| c),
                );
            }
            o.out.push('\n');
        }
    }
    o.done()
}

fn tr_set(s: &str) -> Vec<char> {
    let s = unescape(s).0;
    let cs: Vec<char> = s.chars().collect();
    let named = [
        ("[:lower:]", 'a', 'z'),
        ("[:upper:]", 'A', 'Z'),
        ("[:digit:]", '0', '9'),
    ];
    for (n, a, b) in named {
        if s == n {
            return (a..=b).collect();
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if i + 2 < cs.len() && cs[i + 1] == '-' {
            out.extend(cs[i]..=cs[i + 2]);
            i += 3;
        } else {
            out.push(cs[i]);
            i += 1;
        }
    }
    out
}

pub(super) fn tr(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let input = cx.stdin.clone().unwrap_or_default();
    let Some(a) = ops.first() else {
        return ExecResult::fail("tr: missing operand\n", 1);
    };
    let a = tr_set(a);
    if f.contains('d') {
        return ExecResult::ok(input.chars().filter(|c| !a.contains(c)).collect::<String>());
    }
    let b = ops.get(1).map(|s| tr_set(s)).unwrap_or_default();
    let out: String = input
        .chars()
        .map(|c| match a.iter().position(|x| *x == c) {
            Some(k) => b.get(k).or(b.last()).copied().unwrap_or(c),
            None => c,
        })
        .collect();
    ExecResult::ok(out)
}

pub(super) fn basename(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let Some(p) = argv.get(1) else {
        return ExecResult::fail("basename: missing operand\n", 1);
    };
    let t = p.trim_end_matches('/');
    let mut b = if t.is_empty() && p.starts_with('/') {
        "/".to_string()
    } else {
        t.rsplit('/').next().unwrap_or(t).to_string()
    };
    if let Some(suf) = argv.get(2)
        && b.len() > suf.len()
        && b.ends_with(suf.as_str())
    {
        b.truncate(b.len() - suf.len());
    }
    ExecResult::ok(format!("{b}\n"))
}

pub(super) fn dirname(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let Some(p) = argv.get(1) else {
        return ExecResult::fail("dirname: missing operand\n", 1);
    };
    let t = p.trim_end_matches('/');
    let d = match t.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => t[..i].trim_end_matches('/').to_string(),
        None if p.starts_with('/') => "/".into(),
        None => ".".into(),
    };
    ExecResult::ok(format!("{d}\n"))
}

pub(super) fn stat(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (_, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    for p in ops {
        let abs = cx.abs(&p);
        let node = cx.fs().lookup(&abs).cloned();
        match node {
            Err(e) => o.fail(
                if g {
                    format!("stat: cannot statx '{p}': {e}")
                } else {
                    format!("stat: can't stat '{p}': {e}")
                },
                1,
            ),
            Ok(n) => {
                let m = *n.meta();
                let kind = match &n {
                    Node::Dir { .. } => "directory",
                    Node::Symlink { .. } => "symbolic link",
                    Node::File { data, .. } if data.is_empty() => "regular empty file",
                    Node::File { .. } => "regular file",
                };
                let user = user_name(cx, "/etc/passwd", m.uid);
                let group = user_name(cx, "/etc/group", m.gid);
                let ts = k8s_openapi::jiff::Timestamp::from_second(m.mtime.unix_seconds())
                    .unwrap_or_default();
                let t = k8s_openapi::jiff::fmt::strtime::format(
                    "%Y-%m-%d %H:%M:%S.000000000 +0000",
                    &ts.to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC),
                )
                .unwrap_or_default();
                let size = node_size(&n);
                o.out.push_str(&format!(
                    "  File: {p}\n  Size: {size:<10}\tBlocks: {:<10} IO Block: 4096   {kind}\n{}Inode: {:<11} Links: {}\nAccess: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})\nAccess: {t}\nModify: {t}\nChange: {t}\n",
                    blocks_k(&n) * 2,
                    if g { "Device: 0,52\t" } else { "Device: 34h/52d\t" },
                    1000 + abs.len(),
                    nlink(&n),
                    m.mode & 0o7777,
                    mode_string(&n),
                    m.uid,
                    user,
                    m.gid,
                    group,
                ));
                if g {
                    o.out.push_str(&format!(" Birth: {t}\n"));
                }
            }
        }
    }
    o.done()
}

pub(super) fn chmod(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(
        &argv[1..]
            .iter()
            .filter(|a| {
                !a.starts_with('-') || a.len() < 2 || a.chars().nth(1).is_some_and(|c| c == 'R')
            })
            .cloned()
            .collect::<Vec<_>>(),
    );
    let _ = f;
    let g = gnu(cx);
    let mut o = Out::new();
    let Some((mode, files)) = ops.split_first() else {
        return ExecResult::fail("chmod: missing operand\n", 1);
    };
    for p in files {
        let abs = cx.abs(p);
        let cur = cx.fs().lookup(&abs).map(|n| n.meta().mode);
        let new = match (u32::from_str_radix(mode, 8), cur) {
            (Ok(m), _) => Ok(m),
            (Err(_), Ok(c)) => Ok(symbolic_mode(mode, c)),
            (Err(_), Err(e)) => Err(e),
        };
        let r = new.and_then(|m| cx.fs().chmod(&abs, m));
        if let Err(e) = r {
            o.fail(
                if g {
                    format!("chmod: cannot access '{p}': {e}")
                } else {
                    format!("chmod: {p}: {e}")
                },
                1,
            );
        }
    }
    o.done()
}

fn symbolic_mode(spec: &str, cur: u32) -> u32 {
    let mut m = cur;
    for part in spec.split(',') {
        let (who, rest) = part.split_at(part.find(['+', '-', '=']).unwrap_or(part.len()));
        let mut mask = 0;
        for c in if who.is_empty() {
            "a".chars()
        } else {
            who.chars()
        } {
            mask |= match c {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                _ => 0o777,
            };
        }
        let mut op = ' ';
        let mut bits = 0;
        for c in rest.chars() {
            match c {
                '+' | '-' | '=' => op = c,
                'r' => bits |= 0o444,
                'w' => bits |= 0o222,
                'x' => bits |= 0o111,
                _ => {}
            }
        }
        let b = bits & mask;
        m = match op {
            '+' => m | b,
            '-' => m & !b,
            '=' => (m & !mask) | b,
            _ => m,
        };
    }
    m
}

pub(super) fn chown(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let mut o = Out::new();
    let Some((owner, files)) = ops.split_first() else {
        return ExecResult::fail("chown: missing operand\n", 1);
    };
    let (u, gr) = owner.split_once([':', '.']).unwrap_or((owner, ""));
    let lookup = |cx: &mut ExecCx<'_>, file: &str, name: &str| -> Option<u32> {
        if let Ok(n) = name.parse() {
            return Some(n);
        }
        let data = cx.fs().read(file).unwrap_or_default();
        String::from_utf8_lossy(&data)
            .lines()
            .find(|l| l.split(':').next() == Some(name))
            .and_then(|l| l.split(':').nth(2)?.parse().ok())
    };
    let Some(uid) = lookup(cx, "/etc/passwd", u) else {
        return ExecResult::fail(format!("chown: invalid user: '{owner}'\n"), 1);
    };
    let gid = if gr.is_empty() {
        None
    } else {
        lookup(cx, "/etc/group", gr)
    };
    for p in files {
        let abs = cx.abs(p);
        let cur_gid = cx.fs().lookup(&abs).map(|n| n.meta().gid);
        let r = cur_gid.and_then(|cg| cx.fs().chown(&abs, uid, gid.unwrap_or(cg), f.contains('R')));
        if let Err(e) = r {
            o.fail(
                if g {
                    format!("chown: cannot access '{p}': {e}")
                } else {
                    format!("chown: {p}: {e}")
                },
                1,
            );
        }
    }
    o.done()
}

pub(super) fn grep(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let mut fl = String::new();
    let mut rest = Vec::new();
    let mut pattern: Option<String> = None;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "-e" {
            pattern = argv.get(i + 1).cloned();
            i += 2;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            fl.push_str(&a[1..]);
        } else if pattern.is_none() {
            pattern = Some(a.clone());
        } else {
            rest.push(a.clone());
        }
        i += 1;
    }
    let g = gnu(cx);
    let Some(pat) = pattern else {
        return ExecResult::fail(
            if g {
                "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
            } else {
                "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n"
            },
            2,
        );
    };
    let icase = fl.contains('i');
    let re = if fl.contains('F') {
        None
    } else {
        let p = if fl.contains('E') {
            pat.clone()
        } else {
            bre_to_ere(&pat)
        };
        regex::RegexBuilder::new(&p)
            .case_insensitive(icase)
            .build()
            .ok()
    };
    let matches = |l: &str| -> bool {
        let m = match &re {
            Some(r) => r.is_match(l),
            None if icase => l.to_lowercase().contains(&pat.to_lowercase()),
            None => l.contains(pat.as_str()),
        };
        m != fl.contains('v')
    };
    let mut o = Out::new();
    let mut any = false;
    let names = rest.len() > 1;
    let srcs: Vec<Option<String>> = if rest.is_empty() {
        vec![None]
    } else {
        rest.iter().cloned().map(Some).collect()
    };
    let mut had_err = false;
    for s in srcs {
        let text = match &s {
            None => cx.stdin.clone().unwrap_or_default(),
            Some(p) => match read_input(cx, p) {
                Ok(t) => t,
                Err(e) => {
                    if !fl.contains('s') {
                        o.err.push_str(&format!("grep: {p}: {e}\n"));
                    }
                    had_err = true;
                    continue;
                }
            },
        };
        let mut count = 0;
        for (n, l) in text.lines().enumerate() {
            if matches(l) {
                any = true;
                count += 1;
                if fl.contains('q') || fl.contains('c') || fl.contains('l') {
                    continue;
                }
                let mut line = String::new();
                if names {
                    line.push_str(&format!("{}:", s.clone().unwrap_or_default()));
                }
                if fl.contains('n') {
                    line.push_str(&format!("{}:", n + 1));
                }
                line.push_str(l);
                o.out.push_str(&line);
                o.out.push('\n');
            }
        }
        if fl.contains('c') {
            o.out.push_str(&match (&s, names) {
                (Some(p), true) => format!("{p}:{count}\n"),
                _ => format!("{count}\n"),
            });
        }
        if fl.contains('l') && count > 0 {
            o.out.push_str(&format!(
                "{}\n",
                s.unwrap_or_else(|| "(standard input)".into())
            ));
        }
    }
    if fl.contains('q') {
        o.out.clear();
    }
    o.code = if any && (!had_err || fl.contains('q')) {
        0
    } else if had_err {
        2
    } else {
        1
    };
    if any && had_err && !fl.contains('q') {
        o.code = 2;
    }
    o.done()
}

/// A POSIX basic regular expression in the `regex` crate's syntax.
fn bre_to_ere(p: &str) -> String {
    let mut out = String::new();
    let mut it = p.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(n @ ('(' | ')' | '{' | '}' | '|' | '+' | '?')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn test(_cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    test_impl(_cx, argv)
}

pub(super) fn test_impl(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let name = crate::exec::program_name(&argv[0]).to_string();
    let g = gnu(cx);
    match run_test(cx, &name, &argv[1..]) {
        Ok(true) => ExecResult::ok(""),
        Ok(false) => ExecResult::fail("", 1),
        Err(e) => {
            let msg = match (&e, g) {
                (TestError::MissingBracket, true) => "missing ']'".to_string(),
                (TestError::MissingBracket, false) => "missing ]".to_string(),
                (TestError::BadNumber(n), true) => format!("invalid integer '{n}'"),
                (TestError::BadNumber(n), false) => format!("{n}: bad number"),
                (TestError::Other(m), _) => m.clone(),
            };
            ExecResult::fail(format!("{name}: {msg}\n"), 2)
        }
    }
}

/// Why a `test` expression is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestError {
    /// `[` without its closing `]`.
    MissingBracket,
    /// A non-integer operand of `-eq` and friends.
    BadNumber(String),
    /// Anything else (the message).
    Other(String),
}

/// Evaluates `test ARGS` / `[ ARGS ]` (`name` is `test` or `[`).
pub fn run_test(cx: &mut ExecCx<'_>, name: &str, args: &[String]) -> Result<bool, TestError> {
    let mut args: Vec<String> = args.to_vec();
    if name == "[" {
        if args.last().map(String::as_str) != Some("]") {
            return Err(TestError::MissingBracket);
        }
        args.pop();
    }
    eval_test(cx, &args)
}

fn eval_test(cx: &mut ExecCx<'_>, a: &[String]) -> Result<bool, TestError> {
    if let Some(k) = a.iter().position(|x| x == "-o") {
        return Ok(eval_test(cx, &a[..k])? || eval_test(cx, &a[k + 1..])?);
    }
    if let Some(k) = a.iter().position(|x| x == "-a")
        && k > 0
    {
        return Ok(eval_test(cx, &a[..k])? && eval_test(cx, &a[k + 1..])?);
    }
    match a {
        [] => Ok(false),
        [n, rest @ ..] if n == "!" => Ok(!eval_test(cx, rest)?),
        [s] => Ok(!s.is_empty()),
        [op, v] => {
            let abs = cx.abs(v);
            let fs = cx.fs();
            Ok(match op.as_str() {
                "-n" => !v.is_empty(),
                "-z" => v.is_empty(),
                "-e" | "-a" => fs.exists(&abs),
                "-f" => fs
                    .lookup(&abs)
                    .is_ok_and(|n| matches!(n, Node::File { .. })),
                "-d" => fs.is_dir(&abs),
                "-s" => fs.lookup(&abs).is_ok_and(|n| {
                    matches!(n, Node::File { data, .. } if !data.is_empty()) || n.is_dir()
                }),
                "-r" | "-w" | "-x" => fs.exists(&abs),
                "-L" | "-h" => fs
                    .lookup(&abs)
                    .is_ok_and(|n| matches!(n, Node::Symlink { .. })),
                _ => return Err(TestError::Other(format!("{op}: unary operator expected"))),
            })
        }
        [l, op, r] => {
            let num = |s: &str| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| TestError::BadNumber(s.to_string()))
            };
            Ok(match op.as_str() {
                "=" | "==" => l == r,
                "!=" => l != r,
                "-eq" => num(l)? == num(r)?,
                "-ne" => num(l)? != num(r)?,
                "-lt" => num(l)? < num(r)?,
                "-le" => num(l)? <= num(r)?,
                "-gt" => num(l)? > num(r)?,
                "-ge" => num(l)? >= num(r)?,
                _ => return Err(TestError::Other(format!("{op}: binary operator expected"))),
            })
        }
        _ => Err(TestError::Other("too many arguments".into())),
    }
}

pub(super) fn true_(_cx: &mut ExecCx<'_>, _argv: &[String]) -> ExecResult {
    ExecResult::ok("")
}

pub(super) fn false_(_cx: &mut ExecCx<'_>, _argv: &[String]) -> ExecResult {
    ExecResult::fail("", 1)
}

// ----- df and du -------------------------------------------------------------------------------

/// ext4 metadata overhead of a fresh volume of `cap` bytes: the journal, the inode tables
/// (256-byte inodes, one per 16 KiB) and the group descriptors/bitmaps, fitted to `df` of
/// fresh 1, 5 and 10 GiB volumes (Appendix B).
fn ext4_overhead(cap: u64) -> u64 {
    let blocks = cap / 4096;
    let journal = if blocks < 32_768 {
        1024
    } else if blocks < 256 * 1024 {
        4096
    } else if blocks < 512 * 1024 {
        8192
    } else if blocks < 4096 * 1024 {
        16_384
    } else {
        32_768
    } * 4096;
    journal + cap / 64 + cap / 400
}

/// 1K-blocks used by a tree (4 KiB blocks).
fn tree_kb(n: &Node) -> u64 {
    match n {
        Node::File { data, .. } => (data.len() as u64).div_ceil(4096) * 4,
        Node::Dir { entries, .. } => 4 + entries.values().map(tree_kb).sum::<u64>(),
        Node::Symlink { .. } => 0,
    }
}

/// (device, size KiB, used KiB, avail KiB, mount point) of the filesystem holding `path`.
fn df_row(cx: &mut ExecCx<'_>, path: &str) -> (String, u64, u64, u64, String) {
    let abs = cx.abs(path);
    let fs = cx.fs();
    let r = fs.resolve(&abs);
    let (dev, cap, _used, mp) = fs.df(&abs);
    let ext4 = dev == "/dev/sdb";
    if ext4 {
        let i = r.mount.unwrap_or(0);
        let mpath = crate::store::normalize(&fs.mounts()[i].path);
        let tree = fs.lookup(&mpath).map(tree_kb).unwrap_or(20);
        let size = (cap - ext4_overhead(cap)) / 1024;
        // lost+found is created with 16 KiB of blocks, and the journal superblock takes 4.
        let used = (tree + 16).min(size);
        let reserved = cap / 20 / 1024 + (cap / 4096 / 50).min(4096) * 4;
        let avail = size.saturating_sub(used + reserved);
        return (dev, size, used, avail, mp);
    }
    // The node's disk (overlay root, hostPath, emptyDir): a 250 GiB disk, a fifth used.
    let size = cap / 1024 * 97 / 100;
    let base = size / 5;
    let used = base + fs.lookup(&abs).map(tree_kb).unwrap_or(0) / 8;
    let avail = size.saturating_sub(used + cap / 20 / 1024);
    (dev, size, used, avail, mp)
}

/// GNU `-h`: one decimal below 10 (rounded up), whole numbers above.
fn human_gnu(kb: u64) -> String {
    let units = ['K', 'M', 'G', 'T', 'P'];
    let mut v = kb as f64;
    let mut u = 0;
    if kb == 0 {
        return "0".into();
    }
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if v < 10.0 {
        let r = (v * 10.0).ceil() / 10.0;
        if r >= 10.0 {
            return format!("{}{}", 10, units[u]);
        }
        format!("{r:.1}{}", units[u])
    } else {
        let r = v.ceil();
        if r >= 1024.0 && u + 1 < units.len() {
            return format!("1.0{}", units[u + 1]);
        }
        format!("{r:.0}{}", units[u])
    }
}

/// BusyBox `-h`: one decimal, rounded to nearest.
fn human_bb(kb: u64) -> String {
    let units = ['K', 'M', 'G', 'T', 'P'];
    if kb == 0 {
        return "0".into();
    }
    let mut v = kb as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1}{}", units[u])
}

pub(super) fn df(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let h = f.contains('h');
    let mut o = Out::new();
    let paths: Vec<String> = if ops.is_empty() {
        let mut v = vec!["/".to_string()];
        let mps: Vec<String> = cx
            .fs()
            .mounts()
            .iter()
            .map(|m| crate::store::normalize(&m.path))
            .collect();
        v.extend(mps);
        v
    } else {
        ops.clone()
    };
    let mut rows = Vec::new();
    for p in &paths {
        let abs = cx.abs(p);
        if !cx.fs().exists(&abs) {
            if g {
                o.fail(format!("df: {p}: No such file or directory"), 1);
            } else {
                o.fail(format!("df: {p}: can't find mount point"), 1);
            }
            continue;
        }
        let row = df_row(cx, p);
        if ops.is_empty()
            && rows
                .iter()
                .any(|r: &(String, u64, u64, u64, String)| r.4 == row.4)
        {
            continue;
        }
        rows.push(row);
    }
    let pct = |used: u64, avail: u64, gnu: bool| -> u64 {
        let t = used + avail;
        if t == 0 {
            0
        } else if gnu {
            (used * 100).div_ceil(t)
        } else {
            (used * 100 + t / 2) / t
        }
    };
    let mut s = String::new();
    if g {
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|(d, sz, u, a, m)| {
                let fmt = |v: u64| if h { human_gnu(v) } else { v.to_string() };
                [
                    d.clone(),
                    fmt(*sz),
                    fmt(*u),
                    fmt(*a),
                    format!("{}%", pct(*u, *a, true)),
                    m.clone(),
                ]
            })
            .collect();
        let hdr = [
            "Filesystem",
            if h { "Size" } else { "1K-blocks" },
            "Used",
            if h { "Avail" } else { "Available" },
            "Use%",
            "Mounted on",
        ];
        let mins = [14, if h { 5 } else { 9 }, 5, 5, 4, 0];
        let mut w = [0usize; 6];
        for k in 0..6 {
            w[k] = cells
                .iter()
                .map(|c| c[k].len())
                .chain([hdr[k].len(), mins[k]])
                .max()
                .unwrap_or(0);
        }
        let line = |c: [&str; 6]| {
            format!(
                "{:<w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {}\n",
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3],
                w4 = w[4]
            )
        };
        s.push_str(&line(hdr));
        for c in &cells {
            s.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]));
        }
    } else {
        if h {
            s.push_str("Filesystem                Size      Used Available Use% Mounted on\n");
        } else {
            s.push_str("Filesystem           1K-blocks      Used Available Use% Mounted on\n");
        }
        for (d, sz, u, a, m) in &rows {
            let fmt = |v: u64| if h { human_bb(v) } else { v.to_string() };
            let dev = if d.len() > 20 {
                format!("{d}\n{:20}", "")
            } else {
                format!("{d:<20}")
            };
            s.push_str(&format!(
                "{dev} {:>9} {:>9} {:>9} {:>3}% {m}\n",
                fmt(*sz),
                fmt(*u),
                fmt(*a),
                pct(*u, *a, false)
            ));
        }
    }
    o.out = s + &o.out;
    o.done()
}

pub(super) fn du(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let (f, ops) = flags(&argv[1..]);
    let g = gnu(cx);
    let h = f.contains('h');
    let mut o = Out::new();
    let ops = if ops.is_empty() {
        vec![".".to_string()]
    } else {
        ops
    };
    for p in ops {
        let abs = cx.abs(&p);
        match cx.fs().lookup(&abs).map(tree_kb) {
            Ok(kb) => {
                let v = if h {
                    if g { human_gnu(kb) } else { human_bb(kb) }
                } else {
                    kb.to_string()
                };
                o.out.push_str(&format!("{v}\t{p}\n"));
            }
            Err(e) => o.fail(
                if g {
                    format!("du: cannot access '{p}': {e}")
                } else {
                    format!("du: {p}: {e}")
                },
                1,
            ),
        }
    }
    o.done()
}

#[cfg(test)]
mod link_tests {
    use crate::exec::testing::Bench;

    /// A secret volume's layout (what the kubelet's AtomicWriter makes) in each flavour's
    /// container layer.
    fn bench() -> (
        Bench,
        crate::store::ContainerKey,
        crate::store::ContainerKey,
    ) {
        let mut b = Bench::new();
        let bb = b.container("box", "busybox", &[], &[]);
        let deb = b.container("web-0", "nginx", &[], &[]);
        let now = b.now;
        for k in [&bb, &deb] {
            let fs = b.world.layer(k).expect("layer");
            fs.mkdir_p("/s/..2025_01_01_00_00_00.7", 0o755, now)
                .unwrap();
            fs.write("/s/..2025_01_01_00_00_00.7/password", b"demo-password", now)
                .unwrap();
            fs.chmod("/s/..2025_01_01_00_00_00.7/password", 0o400)
                .unwrap();
            fs.symlink("/s/..data", "..2025_01_01_00_00_00.7", now)
                .unwrap();
            fs.symlink("/s/password", "..data/password", now).unwrap();
        }
        (b, bb, deb)
    }

    fn ls(b: &mut Bench, k: &crate::store::ContainerKey, args: &[&str]) -> String {
        let mut argv = vec!["ls"];
        argv.extend_from_slice(args);
        let r = b.exec(k, &argv, false, None).unwrap();
        assert_eq!(r.stderr, "");
        r.stdout
    }

    #[test]
    fn ls_shows_links_and_follows_them_with_capital_l() {
        let (mut b, bb, deb) = bench();
        assert_eq!(ls(&mut b, &deb, &["/s"]), "password\n");
        assert_eq!(
            ls(&mut b, &deb, &["-l", "/s"]),
            "total 0\nlrwxrwxrwx 1 root root 15 Jan  1 00:00 password -> ..data/password\n"
        );
        assert_eq!(
            ls(&mut b, &bb, &["-l", "/s"]),
            "total 0\nlrwxrwxrwx    1 root     root            15 Jan  1 00:00 password -> ..data/password\n"
        );
        assert_eq!(
            ls(&mut b, &deb, &["-lL", "/s"]),
            "total 4\n-r-------- 1 root root 13 Jan  1 00:00 password\n"
        );
        assert_eq!(
            ls(&mut b, &bb, &["-lL", "/s"]),
            "total 4\n-r--------    1 root     root            13 Jan  1 00:00 password\n"
        );
        assert_eq!(
            ls(&mut b, &deb, &["-lA", "/s"]),
            "total 4\n\
             drwxr-xr-x 2 root root 4096 Jan  1 00:00 ..2025_01_01_00_00_00.7\n\
             lrwxrwxrwx 1 root root   23 Jan  1 00:00 ..data -> ..2025_01_01_00_00_00.7\n\
             lrwxrwxrwx 1 root root   15 Jan  1 00:00 password -> ..data/password\n"
        );
        // An operand that is a link to a directory is listed through it without -l.
        assert_eq!(ls(&mut b, &bb, &["/s/..data"]), "password\n");
        assert_eq!(
            ls(&mut b, &deb, &["-l", "/s/..data"]),
            "lrwxrwxrwx 1 root root 23 Jan  1 00:00 /s/..data -> ..2025_01_01_00_00_00.7\n"
        );
        let r = b.exec(&deb, &["cat", "/s/password"], false, None).unwrap();
        assert_eq!(r.stdout, "demo-password");
        // cp copies the file a link points at (the mongodb keyfile init container does).
        for k in [&bb, &deb] {
            let r = b
                .exec(k, &["sh", "-c", "cp /s/password /p && cat /p"], false, None)
                .unwrap();
            assert_eq!((r.stdout.as_str(), r.code), ("demo-password", 0));
        }
    }
}
