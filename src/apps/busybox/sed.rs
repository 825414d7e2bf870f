//! `sed`: GNU sed 4.9 (Debian-based images) and BusyBox sed, one implementation with two sets
//! of messages.
//!
//! Covered: `-n`, `-e`, `-E`/`-r`, `-i[SUFFIX]`, `-s`, a script operand, files or stdin;
//! addresses (a line number, `$`, `/re/` and `\cREc` with GNU's `I`, `first,last` ranges,
//! `!`), `{ }` blocks and the commands `s` (flags `g`, `p`, `i`/`I`, a number), `y`, `d`, `p`,
//! `q`/`Q` (with an exit code), `=`, `n`, `a`/`i`/`c` (GNU one-liners and `a\` text). Regular
//! expressions are POSIX basic by default, extended with `-E`, as glibc reads them
//! ([`super::posix_re`]).

use crate::apps::Flavor;
use crate::exec::{ExecCx, ExecResult, images};

use super::posix_re::{self, Syntax};

const GNU_USAGE: &str = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...

  -n, --quiet, --silent
                 suppress automatic printing of pattern space
      --debug
                 annotate program execution
  -e script, --expression=script
                 add the script to the commands to be executed
  -f script-file, --file=script-file
                 add the contents of script-file to the commands to be executed
  --follow-symlinks
                 follow symlinks when processing in place
  -i[SUFFIX], --in-place[=SUFFIX]
                 edit files in place (makes backup if SUFFIX supplied)
  -l N, --line-length=N
                 specify the desired line-wrap length for the `l' command
  --posix
                 disable all GNU extensions.
  -E, -r, --regexp-extended
                 use extended regular expressions in the script
                 (for portability use POSIX -E).
  -s, --separate
                 consider files as separate rather than as a single,
                 continuous long stream.
      --sandbox
                 operate in sandbox mode (disable e/r/w commands).
  -u, --unbuffered
                 load minimal amounts of data from the input files and flush
                 the output buffers more often
  -z, --null-data
                 separate lines by NUL characters
      --help     display this help and exit
      --version  output version information and exit

If no -e, --expression, -f, or --file option is given, then the first
non-option argument is taken as the sed script to interpret.  All
remaining arguments are names of input files; if no input files are
specified, then the standard input is read.

GNU sed home page: <https://www.gnu.org/software/sed/>.
General help using GNU software: <https://www.gnu.org/gethelp/>.
";

const BUSYBOX_USAGE: &str = "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.

Usage: sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...
or: sed [-i[SFX]] [-nrE] CMD [FILE]...

\t-e CMD\tAdd CMD to sed commands to be executed
\t-f FILE\tAdd FILE contents to sed commands to be executed
\t-i[SFX]\tEdit files in-place (otherwise write to stdout)
\t\tOptionally back files up, appending SFX
\t-n\tSuppress automatic printing of pattern space
\t-r,-E\tUse extended regex syntax

If no -e or -f, the first non-option argument is the sed command string.
Remaining arguments are input files (stdin if none).
";

/// Why a script does not compile. GNU words it with the expression number and the character
/// where it noticed; BusyBox has its own shorter text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ScriptError {
    UnterminatedS,
    UnterminatedY,
    UnknownSOption,
    UnterminatedAddress,
    MissingCommand,
    UnknownCommand(char),
    UnexpectedBrace,
    UnmatchedBrace,
    YLengths,
    ExpectedNewline,
    ExtraChars,
    BadRegex(String, String),
    UnexpectedComma,
}

impl ScriptError {
    fn gnu(&self) -> String {
        match self {
            ScriptError::UnterminatedS => "unterminated `s' command".into(),
            ScriptError::UnterminatedY => "unterminated `y' command".into(),
            ScriptError::UnknownSOption => "unknown option to `s'".into(),
            ScriptError::UnexpectedComma => "unexpected `,'".into(),
            ScriptError::UnterminatedAddress => "unterminated address regex".into(),
            ScriptError::MissingCommand => "missing command".into(),
            ScriptError::UnknownCommand(c) => format!("unknown command: `{c}'"),
            ScriptError::UnexpectedBrace => "unexpected `}'".into(),
            ScriptError::UnmatchedBrace => "unmatched `{'".into(),
            ScriptError::YLengths => "strings for `y' command are different lengths".into(),
            ScriptError::ExpectedNewline => "expected \\ after `a', `c' or `i'".into(),
            ScriptError::ExtraChars => "extra characters after command".into(),
            ScriptError::BadRegex(_, m) => m.clone(),
        }
    }

    fn busybox(&self) -> String {
        match self {
            ScriptError::UnterminatedS
            | ScriptError::UnterminatedY
            | ScriptError::UnterminatedAddress => "unmatched '/'".into(),
            ScriptError::UnknownSOption => "bad option in substitution expression".into(),
            ScriptError::UnexpectedComma => "unexpected ','".into(),
            ScriptError::MissingCommand => "missing command".into(),
            ScriptError::UnknownCommand(c) => format!("unsupported command {c}"),
            ScriptError::UnexpectedBrace | ScriptError::UnmatchedBrace => "unmatched '{'".into(),
            ScriptError::YLengths => "strings for y must be the same length".into(),
            ScriptError::ExpectedNewline | ScriptError::ExtraChars => {
                "garbage after command".into()
            }
            ScriptError::BadRegex(p, m) => format!("bad regex '{p}': {m}"),
        }
    }
}

#[derive(Clone, Debug)]
enum Addr {
    Line(usize),
    Last,
    Re(Option<regex::Regex>),
}

#[derive(Clone, Debug)]
enum Cmd {
    Subst {
        re: Option<regex::Regex>,
        repl: Vec<Repl>,
        global: bool,
        nth: usize,
        print: bool,
    },
    Translate(Vec<(char, char)>),
    Delete,
    Print,
    Quit(i32, bool),
    LineNumber,
    Next,
    Append(String),
    Insert(String),
    Change(String),
    Open(usize),
    Close,
}

#[derive(Clone, Debug)]
enum Repl {
    Text(String),
    Group(usize),
}

#[derive(Clone, Debug)]
struct Command {
    a1: Option<Addr>,
    a2: Option<Addr>,
    negate: bool,
    cmd: Cmd,
}

struct ScriptParser<'a> {
    s: Vec<char>,
    i: usize,
    syntax: Syntax,
    /// GNU's reading (else BusyBox's: `s///Ng` replaces every match, `y` pairs up as many
    /// characters as the shorter string has).
    gnu: bool,
    cmds: &'a mut Vec<Command>,
    blocks: &'a mut Vec<usize>,
}

type Parsed<T> = Result<T, ScriptError>;

impl ScriptParser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    /// Text up to an unescaped `delim` (`\delim` becomes `delim`, `\n` a newline when `re`
    /// is false); None at the end of the script.
    fn delimited(&mut self, delim: char, re: bool) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == delim {
                return Some(out);
            }
            if c == '\\' {
                let n = self.peek()?;
                self.i += 1;
                if n == delim {
                    out.push(n);
                } else if n == '\n' && !re {
                    out.push('\n');
                } else {
                    out.push('\\');
                    out.push(n);
                }
                continue;
            }
            out.push(c);
        }
        None
    }

    fn regex(&self, pattern: &str, icase: bool) -> Parsed<Option<regex::Regex>> {
        if pattern.is_empty() {
            return Ok(None);
        }
        posix_re::compile(pattern, self.syntax, icase)
            .map(Some)
            .map_err(|e| ScriptError::BadRegex(pattern.to_string(), e.0))
    }

    fn address(&mut self) -> Parsed<Option<Addr>> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let mut n = 0usize;
                while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    self.i += 1;
                }
                Ok(Some(Addr::Line(n)))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Addr::Last))
            }
            Some(c @ ('/' | '\\')) => {
                self.i += 1;
                let delim = if c == '\\' {
                    let Some(d) = self.peek() else {
                        return Err(ScriptError::UnterminatedAddress);
                    };
                    self.i += 1;
                    d
                } else {
                    '/'
                };
                let Some(p) = self.delimited(delim, true) else {
                    return Err(ScriptError::UnterminatedAddress);
                };
                let mut icase = false;
                while matches!(self.peek(), Some('I')) {
                    icase = true;
                    self.i += 1;
                }
                Ok(Some(Addr::Re(self.regex(&p, icase)?)))
            }
            _ => Ok(None),
        }
    }

    /// The text of `a`, `i`, `c`: `a\` then the next line, or GNU's one-liner `a text`.
    fn text_arg(&mut self) -> Parsed<String> {
        self.skip_blanks();
        if self.peek() == Some('\\') {
            self.i += 1;
            if self.peek() == Some('\n') {
                self.i += 1;
            }
        }
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '\n' => break,
                '\\' => {
                    if let Some(n) = self.peek() {
                        self.i += 1;
                        out.push(n);
                    }
                }
                _ => out.push(c),
            }
        }
        if out.is_empty() {
            return Err(ScriptError::ExpectedNewline);
        }
        out.push('\n');
        Ok(out)
    }

    fn replacement(text: &str) -> Vec<Repl> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut it = text.chars();
        while let Some(c) = it.next() {
            match c {
                '&' => {
                    out.push(Repl::Text(std::mem::take(&mut cur)));
                    out.push(Repl::Group(0));
                }
                '\\' => match it.next() {
                    Some(d @ '0'..='9') => {
                        out.push(Repl::Text(std::mem::take(&mut cur)));
                        out.push(Repl::Group(d as usize - '0' as usize));
                    }
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some(o) => cur.push(o),
                    None => cur.push('\\'),
                },
                _ => cur.push(c),
            }
        }
        out.push(Repl::Text(cur));
        out
    }

    /// After a command: blanks, then `;`, a newline, `}` or the end.
    fn end_of_command(&mut self) -> Parsed<()> {
        self.skip_blanks();
        match self.peek() {
            None | Some('}') | Some('#') => Ok(()),
            Some(';' | '\n') => {
                self.i += 1;
                Ok(())
            }
            Some(_) => {
                self.i += 1;
                Err(ScriptError::ExtraChars)
            }
        }
    }

    fn script(&mut self) -> Parsed<()> {
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | ';')) {
                self.i += 1;
            }
            if self.peek() == Some('#') {
                while !matches!(self.peek(), None | Some('\n')) {
                    self.i += 1;
                }
                continue;
            }
            if self.peek().is_none() {
                return Ok(());
            }
            let a1 = self.address()?;
            let mut a2 = None;
            if a1.is_some() && self.peek() == Some(',') {
                self.i += 1;
                self.skip_blanks();
                a2 = self.address()?;
                if a2.is_none() {
                    return Err(ScriptError::UnexpectedComma);
                }
            }
            self.skip_blanks();
            let mut negate = false;
            while self.peek() == Some('!') {
                negate = true;
                self.i += 1;
                self.skip_blanks();
            }
            let Some(c) = self.peek() else {
                return Err(ScriptError::MissingCommand);
            };
            self.i += 1;
            let cmd = match c {
                's' => self.subst()?,
                'y' => self.translate()?,
                'd' => Cmd::Delete,
                'p' => Cmd::Print,
                '=' => Cmd::LineNumber,
                'n' => Cmd::Next,
                'q' | 'Q' => {
                    self.skip_blanks();
                    let mut code = 0i32;
                    while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
                        code = code.saturating_mul(10).saturating_add(d as i32);
                        self.i += 1;
                    }
                    Cmd::Quit(code, c == 'q')
                }
                'a' => Cmd::Append(self.text_arg()?),
                'i' => Cmd::Insert(self.text_arg()?),
                'c' => Cmd::Change(self.text_arg()?),
                '{' => {
                    self.blocks.push(self.cmds.len());
                    Cmd::Open(0)
                }
                '}' => {
                    if a1.is_some() {
                        return Err(ScriptError::UnknownCommand('}'));
                    }
                    let Some(open) = self.blocks.pop() else {
                        return Err(ScriptError::UnexpectedBrace);
                    };
                    let end = self.cmds.len();
                    if let Cmd::Open(e) = &mut self.cmds[open].cmd {
                        *e = end;
                    }
                    Cmd::Close
                }
                '\n' | ';' => return Err(ScriptError::MissingCommand),
                other => return Err(ScriptError::UnknownCommand(other)),
            };
            let text_cmd = matches!(cmd, Cmd::Append(_) | Cmd::Insert(_) | Cmd::Change(_));
            let open = matches!(cmd, Cmd::Open(_));
            self.cmds.push(Command {
                a1,
                a2,
                negate,
                cmd,
            });
            if !text_cmd && !open {
                self.end_of_command()?;
            }
        }
    }

    fn subst(&mut self) -> Parsed<Cmd> {
        let Some(delim) = self.peek() else {
            return Err(ScriptError::UnterminatedS);
        };
        self.i += 1;
        let Some(pat) = self.delimited(delim, true) else {
            return Err(ScriptError::UnterminatedS);
        };
        let Some(rep) = self.delimited(delim, false) else {
            return Err(ScriptError::UnterminatedS);
        };
        let (mut global, mut print, mut icase, mut nth) = (false, false, false, 0usize);
        loop {
            match self.peek() {
                Some('g') => global = true,
                Some('p') => print = true,
                Some('i' | 'I') => icase = true,
                Some(d) if d.is_ascii_digit() => {
                    let mut n = 0usize;
                    while let Some(v) = self.peek().and_then(|c| c.to_digit(10)) {
                        n = n.saturating_mul(10).saturating_add(v as usize);
                        self.i += 1;
                    }
                    if n == 0 {
                        return Err(ScriptError::UnknownSOption);
                    }
                    nth = n;
                    continue;
                }
                None | Some(';' | '\n' | '}' | ' ' | '\t' | '#') => break,
                Some(_) => {
                    self.i += 1;
                    return Err(ScriptError::UnknownSOption);
                }
            }
            self.i += 1;
        }
        let re = self.regex(&pat, icase)?;
        if global && !self.gnu {
            nth = 1;
        }
        Ok(Cmd::Subst {
            re,
            repl: Self::replacement(&rep),
            global,
            nth: nth.max(1),
            print,
        })
    }

    fn translate(&mut self) -> Parsed<Cmd> {
        let Some(delim) = self.peek() else {
            return Err(ScriptError::UnterminatedY);
        };
        self.i += 1;
        let unescape = |s: String| -> Vec<char> {
            let mut out = Vec::new();
            let mut it = s.chars();
            while let Some(c) = it.next() {
                if c == '\\' {
                    match it.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(o) => out.push(o),
                        None => out.push('\\'),
                    }
                } else {
                    out.push(c);
                }
            }
            out
        };
        let Some(from) = self.delimited(delim, false) else {
            return Err(ScriptError::UnterminatedY);
        };
        let Some(to) = self.delimited(delim, false) else {
            return Err(ScriptError::UnterminatedY);
        };
        let (from, to) = (unescape(from), unescape(to));
        if from.len() != to.len() && self.gnu {
            return Err(ScriptError::YLengths);
        }
        Ok(Cmd::Translate(from.into_iter().zip(to).collect()))
    }
}

struct Options {
    quiet: bool,
    in_place: bool,
    separate: bool,
    scripts: Vec<String>,
    files: Vec<String>,
}

/// The usage failure (`missing`: the option that lacked its argument).
fn usage(gnu: bool, missing: Option<char>) -> ExecResult {
    let mut err = String::new();
    if let Some(c) = missing {
        err.push_str(&format!("sed: option requires an argument -- '{c}'\n"));
    }
    err.push_str(if gnu { GNU_USAGE } else { BUSYBOX_USAGE });
    ExecResult::fail(err, 1)
}

fn options(argv: &[String], gnu: bool) -> Result<(Options, Syntax), ExecResult> {
    let mut o = Options {
        quiet: false,
        in_place: false,
        separate: false,
        scripts: Vec::new(),
        files: Vec::new(),
    };
    let mut syntax = Syntax::Basic;
    let mut operands = Vec::new();
    let mut i = 1;
    let mut done = false;
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        if done || a == "-" || !a.starts_with('-') {
            operands.push(a.clone());
            continue;
        }
        match a.as_str() {
            "--" => done = true,
            "--quiet" | "--silent" => o.quiet = true,
            "--regexp-extended" => syntax = Syntax::Extended,
            "--separate" => o.separate = true,
            "--in-place" => o.in_place = true,
            "--expression" => match argv.get(i) {
                Some(s) => {
                    o.scripts.push(s.clone());
                    i += 1;
                }
                None => return Err(usage(gnu, Some('e'))),
            },
            _ if a.starts_with("--expression=") => {
                o.scripts.push(a["--expression=".len()..].to_string());
            }
            _ if a.starts_with("--in-place") => o.in_place = true,
            _ if a.starts_with("--") => return Err(usage(gnu, None)),
            _ => {
                let flags: Vec<char> = a[1..].chars().collect();
                let mut k = 0;
                while k < flags.len() {
                    match flags[k] {
                        'n' => o.quiet = true,
                        'E' | 'r' => syntax = Syntax::Extended,
                        's' => o.separate = true,
                        'u' => {}
                        'i' => {
                            // -i[SUFFIX]: the rest is the backup suffix (no backup is kept).
                            o.in_place = true;
                            break;
                        }
                        'e' => {
                            let rest: String = flags[k + 1..].iter().collect();
                            if !rest.is_empty() {
                                o.scripts.push(rest);
                            } else if let Some(s) = argv.get(i) {
                                o.scripts.push(s.clone());
                                i += 1;
                            } else {
                                return Err(usage(gnu, Some('e')));
                            }
                            break;
                        }
                        other => {
                            let mut r = usage(gnu, None);
                            r.stderr
                                .insert_str(0, &format!("sed: invalid option -- '{other}'\n"));
                            return Err(r);
                        }
                    }
                    k += 1;
                }
            }
        }
    }
    let mut operands = operands.into_iter();
    if o.scripts.is_empty() {
        match operands.next() {
            Some(s) => o.scripts.push(s),
            None => return Err(usage(gnu, None)),
        }
    }
    o.files = operands.collect();
    Ok((o, syntax))
}

/// One input line: its text and whether a newline ended it.
struct Line {
    text: String,
    newline: bool,
}

fn split_lines(text: &str) -> Vec<Line> {
    let mut out: Vec<Line> = text
        .split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(t) => Line {
                text: t.to_string(),
                newline: true,
            },
            None => Line {
                text: l.to_string(),
                newline: false,
            },
        })
        .collect();
    if out.is_empty() && !text.is_empty() {
        out.push(Line {
            text: text.to_string(),
            newline: false,
        });
    }
    out
}

/// Where the run is: what is left to read and what was printed.
struct Run<'a> {
    cmds: &'a [Command],
    quiet: bool,
    lines: Vec<Line>,
    next: usize,
    out: String,
    last_re: Option<regex::Regex>,
    ranges: Vec<bool>,
    code: Option<i32>,
}

impl Run<'_> {
    fn is_last(&self) -> bool {
        self.next >= self.lines.len()
    }

    fn addr_matches(&mut self, a: &Addr, line_no: usize, text: &str) -> bool {
        match a {
            Addr::Line(n) => *n == line_no,
            Addr::Last => self.is_last(),
            Addr::Re(Some(re)) => {
                self.last_re = Some(re.clone());
                re.is_match(text)
            }
            Addr::Re(None) => self.last_re.as_ref().is_some_and(|re| re.is_match(text)),
        }
    }

    fn selects(&mut self, k: usize, line_no: usize, text: &str) -> bool {
        let c = &self.cmds[k];
        let hit = match (&c.a1, &c.a2) {
            (None, _) => true,
            (Some(a1), None) => self.addr_matches(a1, line_no, text),
            (Some(a1), Some(a2)) => {
                if self.ranges[k] {
                    let end = match a2 {
                        Addr::Line(n) => line_no >= *n,
                        _ => self.addr_matches(a2, line_no, text),
                    };
                    if end {
                        self.ranges[k] = false;
                    }
                    true
                } else if self.addr_matches(a1, line_no, text) {
                    // A line-number end at or before the start closes the range at once.
                    let closed = match a2 {
                        Addr::Line(n) => *n <= line_no,
                        Addr::Last => self.is_last(),
                        _ => false,
                    };
                    self.ranges[k] = !closed;
                    true
                } else {
                    false
                }
            }
        };
        hit != c.negate
    }

    fn emit(&mut self, text: &str, newline: bool) {
        self.out.push_str(text);
        if newline {
            self.out.push('\n');
        }
    }

    /// Runs every cycle; the exit code when a `q` asked for one.
    fn all(&mut self) {
        let mut line_no = 0;
        while self.next < self.lines.len() && self.code.is_none() {
            let line = &self.lines[self.next];
            let (mut ps, mut newline) = (line.text.clone(), line.newline);
            self.next += 1;
            line_no += 1;
            let mut appended = String::new();
            let mut print = !self.quiet;
            let mut k = 0;
            while k < self.cmds.len() {
                if !self.selects(k, line_no, &ps) {
                    k = match self.cmds[k].cmd {
                        Cmd::Open(end) => end + 1,
                        _ => k + 1,
                    };
                    continue;
                }
                match &self.cmds[k].cmd {
                    Cmd::Subst {
                        re,
                        repl,
                        global,
                        nth,
                        print: p,
                    } => {
                        let re = match re {
                            Some(r) => {
                                self.last_re = Some(r.clone());
                                Some(r.clone())
                            }
                            None => self.last_re.clone(),
                        };
                        if let Some(re) = re
                            && let Some(new) = substitute(&re, &ps, repl, *global, *nth)
                        {
                            ps = new;
                            if *p {
                                self.emit(&ps, true);
                            }
                        }
                    }
                    Cmd::Translate(map) => {
                        ps = ps
                            .chars()
                            .map(|c| map.iter().find(|(f, _)| *f == c).map_or(c, |(_, t)| *t))
                            .collect();
                    }
                    Cmd::Delete => {
                        print = false;
                        break;
                    }
                    Cmd::Print => self.emit(&ps, true),
                    Cmd::Quit(code, autoprint) => {
                        print = print && *autoprint;
                        self.code = Some(*code);
                        break;
                    }
                    Cmd::LineNumber => self.out.push_str(&format!("{line_no}\n")),
                    Cmd::Next => {
                        if self.next >= self.lines.len() {
                            // No next line: GNU prints the pattern space and stops.
                            self.code = Some(0);
                            break;
                        }
                        if !self.quiet {
                            self.emit(&ps, newline);
                        }
                        let l = &self.lines[self.next];
                        (ps, newline) = (l.text.clone(), l.newline);
                        self.next += 1;
                        line_no += 1;
                    }
                    Cmd::Append(t) => appended.push_str(t),
                    Cmd::Insert(t) => self.out.push_str(t),
                    Cmd::Change(t) => {
                        let t = t.clone();
                        self.out.push_str(&t);
                        print = false;
                        break;
                    }
                    Cmd::Open(_) | Cmd::Close => {}
                }
                k += 1;
            }
            if print {
                self.emit(&ps, newline);
            }
            self.out.push_str(&appended);
        }
    }
}

/// `s///` on `ps`: the `nth` match and, when `global`, every later one. None when nothing
/// matched.
fn substitute(
    re: &regex::Regex,
    ps: &str,
    repl: &[Repl],
    global: bool,
    nth: usize,
) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    let mut count = 0;
    let mut any = false;
    for caps in re.captures_iter(ps) {
        let m = caps.get(0).expect("group 0 always matches");
        count += 1;
        if count < nth {
            continue;
        }
        any = true;
        out.push_str(&ps[last..m.start()]);
        for r in repl {
            match r {
                Repl::Text(t) => out.push_str(t),
                Repl::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
            }
        }
        last = m.end();
        if !global {
            break;
        }
    }
    if !any {
        return None;
    }
    out.push_str(&ps[last..]);
    Some(out)
}

/// The `sed` program.
pub(super) fn sed(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let gnu = images::flavor(&cx.setup().image) == Flavor::Gnu;
    let (o, syntax) = match options(argv, gnu) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut cmds = Vec::new();
    let mut blocks = Vec::new();
    for (n, script) in o.scripts.iter().enumerate() {
        let mut p = ScriptParser {
            s: script.chars().collect(),
            i: 0,
            syntax,
            gnu,
            cmds: &mut cmds,
            blocks: &mut blocks,
        };
        let r = p.script();
        let at = p.i.max(1);
        if let Err(e) = r {
            let msg = if gnu {
                format!("sed: -e expression #{}, char {at}: {}\n", n + 1, e.gnu())
            } else {
                format!("sed: {}\n", e.busybox())
            };
            return ExecResult::fail(msg, 1);
        }
    }
    if !blocks.is_empty() {
        let msg = if gnu {
            format!(
                "sed: -e expression #{}, char 0: {}\n",
                o.scripts.len(),
                ScriptError::UnmatchedBrace.gnu()
            )
        } else {
            format!("sed: {}\n", ScriptError::UnmatchedBrace.busybox())
        };
        return ExecResult::fail(msg, 1);
    }
    let mut err = String::new();
    let mut code = 0;
    let missing = |f: &str, e: &crate::store::FsError| -> String {
        if gnu {
            format!("sed: can't read {f}: {e}\n")
        } else {
            format!("sed: {f}: {e}\n")
        }
    };
    let fail_code = if gnu { 2 } else { 1 };
    if o.in_place {
        if o.files.is_empty() {
            return ExecResult::fail("sed: no input files\n", if gnu { 1 } else { 4 });
        }
        for f in &o.files {
            let path = cx.abs(f);
            let text = match cx.fs().read(&path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    err.push_str(&missing(f, &e));
                    code = fail_code;
                    continue;
                }
            };
            let mut run = new_run(&cmds, o.quiet, split_lines(&text));
            run.all();
            let _ = cx.fs().write(&path, run.out.as_bytes());
            if let Some(c) = run.code {
                return ExecResult {
                    stdout: String::new(),
                    stderr: err,
                    code: c,
                };
            }
        }
        return ExecResult {
            stdout: String::new(),
            stderr: err,
            code,
        };
    }
    let mut texts = Vec::new();
    if o.files.is_empty() {
        texts.push(cx.stdin.clone().unwrap_or_default());
    }
    for f in &o.files {
        if f == "-" {
            texts.push(cx.stdin.clone().unwrap_or_default());
            continue;
        }
        let path = cx.abs(f);
        match cx.fs().read(&path) {
            Ok(b) => texts.push(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => {
                err.push_str(&missing(f, &e));
                code = fail_code;
            }
        }
    }
    let mut out = String::new();
    let groups: Vec<Vec<Line>> = if o.separate {
        texts.iter().map(|t| split_lines(t)).collect()
    } else {
        // One continuous stream: a file without a final newline still ends its line.
        let mut all = Vec::new();
        let n = texts.len();
        for (k, t) in texts.iter().enumerate() {
            let mut ls = split_lines(t);
            if k + 1 < n
                && let Some(l) = ls.last_mut()
            {
                l.newline = true;
            }
            all.extend(ls);
        }
        vec![all]
    };
    for lines in groups {
        let mut run = new_run(&cmds, o.quiet, lines);
        run.all();
        out.push_str(&run.out);
        if let Some(c) = run.code {
            code = c;
            break;
        }
    }
    ExecResult {
        stdout: out,
        stderr: err,
        code,
    }
}

fn new_run(cmds: &[Command], quiet: bool, lines: Vec<Line>) -> Run<'_> {
    Run {
        cmds,
        quiet,
        lines,
        next: 0,
        out: String::new(),
        last_re: None,
        ranges: vec![false; cmds.len()],
        code: None,
    }
}
