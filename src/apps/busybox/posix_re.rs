//! POSIX regular expressions as glibc reads them (bash's `=~`, `sed`), translated into the
//! `regex` crate's syntax.
//!
//! What carries over exactly: bracket expressions (`[[:space:]]`, `[]a-]`, a backslash is
//! literal inside), the GNU escapes (`\w`, `\s`, `\b`...), intervals, anchors, and stacked
//! quantifiers: glibc has no lazy quantifiers, so `.*?` is `(.*)?`, greedy (the `regex` crate
//! would read it as lazy). `.` matches a newline, as without `REG_NEWLINE`.
//!
//! The approximation: POSIX picks the leftmost-*longest* match, the `regex` crate the
//! leftmost-*first* one. They agree on the patterns scripts use (greedy quantifiers, anchored
//! patterns); they differ on alternatives where an earlier one is a prefix of a later one
//! (`a|ab` on `ab`: POSIX `ab`, here `a`). Back-references (`\1` in a pattern) are refused.

/// Which grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Basic (`grep`, `sed`): `\(`, `\{`, GNU's `\+`, `\?`, `\|`.
    Basic,
    /// Extended (`grep -E`, `sed -E`, bash's `=~`).
    Extended,
}

/// Why a pattern does not compile: glibc's `regerror` text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReError(pub String);

const UNMATCHED_BRACKET: &str = "Unmatched [, [^, [:, [., or [=";
const UNMATCHED_PAREN: &str = "Unmatched ( or \\(";
const UNMATCHED_CLOSE: &str = "Unmatched ) or \\)";
const BAD_PRECEDING: &str = "Invalid preceding regular expression";
const UNMATCHED_BRACE: &str = "Unmatched \\{";
const BAD_CONTENT: &str = "Invalid content of \\{\\}";

/// Compiles `pattern` (case-insensitive when `icase`).
pub fn compile(pattern: &str, syntax: Syntax, icase: bool) -> Result<regex::Regex, ReError> {
    let translated = translate(pattern, syntax)?;
    regex::RegexBuilder::new(&translated)
        .case_insensitive(icase)
        .dot_matches_new_line(true)
        .build()
        .map_err(|_| ReError("Invalid regular expression".into()))
}

fn err<T>(m: &str) -> Result<T, ReError> {
    Err(ReError(m.to_string()))
}

/// A literal character in the `regex` crate's syntax.
fn lit(out: &mut String, c: char) {
    out.push_str(&regex::escape(c.encode_utf8(&mut [0u8; 4])));
}

struct Translator {
    s: Vec<char>,
    i: usize,
    out: String,
    syntax: Syntax,
    /// Where the last atom starts in `out` (None at the start of a branch or after an anchor).
    atom: Option<usize>,
    /// The last atom already carries a quantifier.
    quantified: bool,
    /// Where each open group starts in `out`.
    groups: Vec<usize>,
}

/// `pattern` in the `regex` crate's syntax.
pub fn translate(pattern: &str, syntax: Syntax) -> Result<String, ReError> {
    let mut t = Translator {
        s: pattern.chars().collect(),
        i: 0,
        out: String::new(),
        syntax,
        atom: None,
        quantified: false,
        groups: Vec::new(),
    };
    t.run()?;
    Ok(t.out)
}

impl Translator {
    fn ere(&self) -> bool {
        self.syntax == Syntax::Extended
    }

    fn begin_atom(&mut self) {
        self.atom = Some(self.out.len());
        self.quantified = false;
    }

    fn literal(&mut self, c: char) {
        self.begin_atom();
        lit(&mut self.out, c);
    }

    /// Applies quantifier `q` to the last atom (wrapping a quantified one: `a*?` is `(?:a*)?`).
    fn quantify(&mut self, q: &str) -> Result<(), ReError> {
        let Some(start) = self.atom else {
            return err(BAD_PRECEDING);
        };
        if self.quantified {
            self.out.insert_str(start, "(?:");
            self.out.push(')');
        }
        self.out.push_str(q);
        self.quantified = true;
        Ok(())
    }

    /// True at the start of the pattern, of a group or of an alternative (where BRE's `^` is
    /// an anchor and its `*` a literal).
    fn at_branch_start(&self) -> bool {
        let prev = |k: usize| self.s.get(self.i.wrapping_sub(k)).copied();
        match self.syntax {
            Syntax::Extended => self.i == 0 || matches!(prev(1), Some('(' | '|')),
            Syntax::Basic => {
                self.i == 0
                    || (prev(2) == Some('\\') && matches!(prev(1), Some('(' | '|')))
                    || (self.i == 1 && prev(1) == Some('^'))
            }
        }
    }

    /// True when BRE's `$` at `self.i` ends the pattern, a group or an alternative.
    fn at_branch_end(&self) -> bool {
        let next = self.s.get(self.i + 1).copied();
        next.is_none() || (next == Some('\\') && matches!(self.s.get(self.i + 2), Some(')' | '|')))
    }

    fn run(&mut self) -> Result<(), ReError> {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match c {
                '\\' => {
                    let Some(&n) = self.s.get(self.i + 1) else {
                        return err("Trailing backslash");
                    };
                    self.i += 2;
                    self.escape(n)?;
                    continue;
                }
                '[' => {
                    self.begin_atom();
                    self.bracket()?;
                    continue;
                }
                '.' => {
                    self.begin_atom();
                    self.out.push('.');
                }
                '^' if self.ere() || self.at_branch_start() => {
                    self.out.push('^');
                    self.atom = None;
                }
                '$' if self.ere() || self.at_branch_end() => {
                    self.out.push('$');
                    self.atom = None;
                }
                '*' if !self.ere() && self.atom.is_none() => self.literal('*'),
                '*' => self.quantify("*")?,
                '+' | '?' if self.ere() => self.quantify(&c.to_string())?,
                '{' if self.ere() => {
                    self.i += 1;
                    self.interval()?;
                    continue;
                }
                '(' if self.ere() => self.open_group(),
                ')' if self.ere() => self.close_group()?,
                '|' if self.ere() => self.alternative(),
                _ => self.literal(c),
            }
            self.i += 1;
        }
        if !self.groups.is_empty() {
            return err(UNMATCHED_PAREN);
        }
        Ok(())
    }

    fn open_group(&mut self) {
        self.groups.push(self.out.len());
        self.out.push('(');
        self.atom = None;
    }

    fn close_group(&mut self) -> Result<(), ReError> {
        let Some(start) = self.groups.pop() else {
            return err(UNMATCHED_CLOSE);
        };
        self.out.push(')');
        self.atom = Some(start);
        self.quantified = false;
        Ok(())
    }

    fn alternative(&mut self) {
        self.out.push('|');
        self.atom = None;
    }

    /// A backslash followed by `n` (`self.i` is past both).
    fn escape(&mut self, n: char) -> Result<(), ReError> {
        let bre = !self.ere();
        match n {
            '(' if bre => self.open_group(),
            ')' if bre => self.close_group()?,
            '|' if bre => self.alternative(),
            '{' if bre => return self.interval(),
            '+' | '?' if bre => self.quantify(&n.to_string())?,
            'w' | 'W' | 's' | 'S' => {
                self.begin_atom();
                self.out.push('\\');
                self.out.push(n);
            }
            'b' | 'B' => {
                self.out.push('\\');
                self.out.push(n);
                self.atom = None;
            }
            // Word starts and ends: a word boundary is the closest the crate has.
            '<' | '>' => {
                self.out.push_str("\\b");
                self.atom = None;
            }
            '`' => {
                self.out.push_str("\\A");
                self.atom = None;
            }
            '\'' => {
                self.out.push_str("\\z");
                self.atom = None;
            }
            '1'..='9' => return err("Invalid back reference"),
            'n' => self.literal('\n'),
            't' => self.literal('\t'),
            _ => self.literal(n),
        }
        Ok(())
    }

    /// An interval after its `{` (ERE) or `\{` (BRE): `{m}`, `{m,}`, `{m,n}` (`{,n}` is GNU's
    /// `{0,n}`).
    fn interval(&mut self) -> Result<(), ReError> {
        if self.atom.is_none() {
            return err(BAD_PRECEDING);
        }
        let mut body = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return err(UNMATCHED_BRACE);
            };
            let close = match self.syntax {
                Syntax::Extended => c == '}',
                Syntax::Basic => c == '\\' && self.s.get(self.i + 1) == Some(&'}'),
            };
            if close {
                self.i += if self.ere() { 1 } else { 2 };
                break;
            }
            if !(c.is_ascii_digit() || c == ',') {
                return err(BAD_CONTENT);
            }
            body.push(c);
            self.i += 1;
        }
        let (lo, hi) = match body.split_once(',') {
            Some((lo, hi)) => (lo, Some(hi)),
            None => (body.as_str(), None),
        };
        if hi.is_some_and(|h| h.contains(',')) || (lo.is_empty() && hi.is_none()) {
            return err(BAD_CONTENT);
        }
        let lo_n: u32 = if lo.is_empty() {
            0
        } else {
            lo.parse().map_err(|_| ReError(BAD_CONTENT.into()))?
        };
        let q = match hi {
            None => format!("{{{lo_n}}}"),
            Some("") => format!("{{{lo_n},}}"),
            Some(h) => {
                let hi_n: u32 = h.parse().map_err(|_| ReError(BAD_CONTENT.into()))?;
                if hi_n < lo_n {
                    return err(BAD_CONTENT);
                }
                format!("{{{lo_n},{hi_n}}}")
            }
        };
        if lo_n > 1000 {
            return err("Regular expression too big");
        }
        self.quantify(&q)
    }

    /// A bracket expression at `self.i` (its `[`).
    fn bracket(&mut self) -> Result<(), ReError> {
        self.i += 1;
        let mut class = String::from("[");
        if self.s.get(self.i) == Some(&'^') {
            class.push('^');
            self.i += 1;
        }
        let mut first = true;
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return err(UNMATCHED_BRACKET);
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == '[' && matches!(self.s.get(self.i + 1), Some(':' | '=' | '.')) {
                let kind = self.s[self.i + 1];
                let from = self.i + 2;
                let Some(len) = self.s[from..]
                    .windows(2)
                    .position(|w| w[0] == kind && w[1] == ']')
                else {
                    return err(UNMATCHED_BRACKET);
                };
                let name: String = self.s[from..from + len].iter().collect();
                self.i = from + len + 2;
                if kind == ':' {
                    const NAMES: &[&str] = &[
                        "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct",
                        "print", "graph", "cntrl", "xdigit",
                    ];
                    if !NAMES.contains(&name.as_str()) {
                        return err("Invalid character class name");
                    }
                    class.push_str(&format!("[:{name}:]"));
                } else {
                    // Equivalence classes and collating symbols of one character: itself.
                    for ch in name.chars() {
                        lit(&mut class, ch);
                    }
                }
                continue;
            }
            // A range `c-d` (a `-` before the closing `]` is literal).
            if self.s.get(self.i + 1) == Some(&'-')
                && let Some(&d) = self.s.get(self.i + 2)
                && d != ']'
            {
                if d < c {
                    return err("Invalid range end");
                }
                lit(&mut class, c);
                class.push('-');
                lit(&mut class, d);
                self.i += 3;
                continue;
            }
            lit(&mut class, c);
            self.i += 1;
        }
        class.push(']');
        self.out.push_str(&class);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(p: &str, text: &str) -> Option<Vec<String>> {
        let re = compile(p, Syntax::Extended, false).expect("compiles");
        re.captures(text).map(|c| {
            c.iter()
                .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
                .collect()
        })
    }

    #[test]
    fn lazy_looking_quantifiers_are_greedy_as_in_glibc() {
        assert_eq!(
            translate("^(.*?)[[:space:]]+(.*?)$", Syntax::Extended).unwrap(),
            "^((?:.*)?)[[:space:]]+((?:.*)?)$"
        );
        assert_eq!(
            caps("^(.*?)[[:space:]]+(.*?)$", "mysql-0-bin.000001\t154").unwrap(),
            ["mysql-0-bin.000001\t154", "mysql-0-bin.000001", "154"]
        );
        assert_eq!(caps("-([0-9]+)$", "mysql-12").unwrap(), ["-12", "12"]);
        assert_eq!(caps("a**", "aa").unwrap(), ["aa"]);
    }

    #[test]
    fn brackets_escapes_and_anchors() {
        assert_eq!(caps("[]a-]+", "x]-a]y").unwrap(), ["]-a]"]);
        assert_eq!(caps("[\\n]", "a\\b").unwrap(), ["\\"]);
        assert_eq!(caps("a.b", "a\nb").unwrap(), ["a\nb"]);
        assert!(caps("a$", "a\nb").is_none());
        assert_eq!(caps("x{2,}", "xxxx").unwrap(), ["xxxx"]);
        assert_eq!(caps("\\w+", "  ab_1 ").unwrap(), ["ab_1"]);
        // BRE: \( \) \{ \} group and count; ( ) + ? | are literal; * first is literal.
        let re = compile("\\(a\\)\\{2\\}(+?|)", Syntax::Basic, false).unwrap();
        assert!(re.is_match("aa(+?|)"));
        let re = compile("*a^b$c$", Syntax::Basic, false).unwrap();
        assert!(re.is_match("*a^b$c") && !re.is_match("*a^b$cd"));
        let re = compile("^a\\|b$", Syntax::Basic, false).unwrap();
        assert!(re.is_match("b") && re.is_match("a"));
    }

    #[test]
    fn bad_patterns_give_glibc_messages() {
        for (p, m) in [
            ("(", UNMATCHED_PAREN),
            ("[a", UNMATCHED_BRACKET),
            ("*", BAD_PRECEDING),
            ("a{", UNMATCHED_BRACE),
            ("a{x}", BAD_CONTENT),
            ("[[:nope:]]", "Invalid character class name"),
        ] {
            assert_eq!(
                translate(p, Syntax::Extended),
                Err(ReError(m.into())),
                "{p}"
            );
        }
        assert_eq!(
            translate("\\(", Syntax::Basic),
            Err(ReError(UNMATCHED_PAREN.into()))
        );
    }
}
