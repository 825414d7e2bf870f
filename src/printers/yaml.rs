//! `kubectl … -o yaml`: the YAMLPrinter of k8s.io/cli-runtime.
//!
//! kubectl marshals the object to JSON, reads that JSON back with go-yaml v2 (sigs.k8s.io/yaml's
//! `JSONToYAML`) and writes it with go-yaml v2's emitter. Both halves leave marks on the output,
//! and both are reproduced here:
//!
//! - the read-back turns each JSON number into an int or a float (floats are then printed with
//!   Go's `'g'` format: `1e+21`, `1.2345675e+06`), folds NEL (U+0085) line breaks inside
//!   strings as YAML's double-quoted scalars do, and fails on characters go-yaml's reader
//!   refuses (see [`YamlError`]);
//! - map keys are sorted in go-yaml's "natural" order (`a9` before `a10`);
//! - the emitter's choice of scalar style (plain, single-quoted, double-quoted, literal block),
//!   its escapes, its block-scalar indentation and chomping indicators, its `? ` form for keys
//!   that are multi-line or longer than 128 bytes, and its folding of long plain and quoted
//!   scalars past column 80 are ported from `emitterc.go`.

use std::borrow::Cow;

use serde_json::Value;

use super::{gonum, json, resolve};

/// Why kubectl's YAML printer refuses an object (the message is what kubectl prints after
/// `error: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// A string holds DEL, a C1 control character other than NEL, U+FFFE or U+FFFF: JSON
    /// leaves them raw and go-yaml's reader rejects them.
    #[error("yaml: control characters are not allowed")]
    ControlCharacters,
    /// go-yaml cannot read a map key of kubectl's JSON as a key: it holds a NEL (U+0085), a
    /// line break to go-yaml, or its JSON text is 1023 characters or longer (go-yaml's simple
    /// key limit). `line` is the 0-based line of the `:` after it, counting NELs as line
    /// breaks; go-yaml leaves the line out of the message when it is 0.
    #[error("yaml: {}did not find expected ',' or '}}'", line_prefix(*.line))]
    UnreadableKey {
        /// Line as go-yaml reports it.
        line: usize,
    },
    /// A string holds a NEL directly followed by `---` or `...` and a space or another NEL: a
    /// document marker to go-yaml's scanner. `line` is 1-based, as go-yaml reports it.
    #[error("yaml: line {line}: found unexpected document indicator")]
    DocumentIndicator {
        /// Line as go-yaml reports it.
        line: usize,
    },
}

fn line_prefix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    }
}

/// Prints one object as `kubectl -o yaml` does (ends with a newline).
///
/// For the rare objects kubectl refuses to print (see [`try_to_yaml`]) this still prints
/// something readable: the offending strings double-quoted with escapes.
pub fn to_yaml(value: &Value) -> String {
    emit_document(&to_node(value))
}

/// Like [`to_yaml`], but fails where kubectl fails.
pub fn try_to_yaml(value: &Value) -> Result<String, YamlError> {
    check_round_trip(value)?;
    Ok(to_yaml(value))
}

/// Prints several objects as kubectl's YAMLPrinter does when it is handed them one by one (for
/// example `kubectl create -f` of a multi-document file, or `kubectl get -w`): a `---` line
/// before every object but the first. `kubectl get` of several objects instead prints one
/// list; see [`super::list`].
pub fn to_yaml_documents(values: &[Value]) -> String {
    values.iter().map(to_yaml).collect::<Vec<_>>().join("---\n")
}

// ---------------------------------------------------------------------------------------------
// The JSON-to-YAML read-back.

const NEL: char = '\u{85}';

/// A value as go-yaml v2 holds it after reading kubectl's JSON.
enum Node<'a> {
    /// A scalar with the style go-yaml's encoder asks for (the emitter may override it).
    Scalar(Cow<'a, str>, Style),
    /// A sequence.
    Seq(Vec<Node<'a>>),
    /// A mapping, keys in go-yaml's order.
    Map(Vec<(&'a str, Node<'a>)>),
}

fn to_node(value: &Value) -> Node<'_> {
    match value {
        Value::Null => Node::Scalar(Cow::Borrowed("null"), Style::Plain),
        Value::Bool(b) => Node::Scalar(
            Cow::Borrowed(if *b { "true" } else { "false" }),
            Style::Plain,
        ),
        Value::Number(n) => Node::Scalar(Cow::Owned(gonum::yaml_number(n)), Style::Plain),
        Value::String(s) => {
            let s = fold_nel(s);
            let style = string_style(&s);
            Node::Scalar(s, style)
        }
        Value::Array(items) => Node::Seq(items.iter().map(to_node).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(&str, &Value)> =
                map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            sort_keys(&mut entries);
            Node::Map(entries.into_iter().map(|(k, v)| (k, to_node(v))).collect())
        }
    }
}

/// The style go-yaml's encoder requests for a string (`stringv`): literal when it holds a
/// newline, plain when it reads back as a string, else double-quoted.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolve::can_use_plain(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

/// Folds NELs as go-yaml's double-quoted scalar scanner does: in a run of spaces and NELs that
/// holds at least one NEL, the spaces go, one NEL becomes a space and n NELs become n-1 newlines.
fn fold_nel(s: &str) -> Cow<'_, str> {
    if !s.contains(NEL) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut run_breaks = 0usize;
    let flush = |out: &mut String, run: &mut String, run_breaks: &mut usize| {
        match *run_breaks {
            0 => out.push_str(run),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
        run.clear();
        *run_breaks = 0;
    };
    for c in s.chars() {
        if c == ' ' || c == NEL {
            run.push(c);
            if c == NEL {
                run_breaks += 1;
            }
        } else {
            flush(&mut out, &mut run, &mut run_breaks);
            out.push(c);
        }
    }
    flush(&mut out, &mut run, &mut run_breaks);
    Cow::Owned(out)
}

/// Characters JSON leaves raw that go-yaml's reader refuses.
fn is_refused_by_reader(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Finds the error go-yaml would hit reading kubectl's JSON for `value`. The reader decodes
/// ahead of the parser, so refused characters are reported first (exact for objects up to a
/// few hundred bytes); the NEL errors are found in the order of the JSON text, with NEL
/// counted as a line break.
fn check_round_trip(value: &Value) -> Result<(), YamlError> {
    if any_string(value, &|s| s.chars().any(is_refused_by_reader)) {
        return Err(YamlError::ControlCharacters);
    }
    let mut lines = 0usize;
    check_nel(value, &mut lines)
}

fn any_string(value: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => pred(s),
        Value::Array(items) => items.iter().any(|v| any_string(v, pred)),
        Value::Object(map) => map.iter().any(|(k, v)| pred(k) || any_string(v, pred)),
        _ => false,
    }
}

fn check_nel(value: &Value, lines: &mut usize) -> Result<(), YamlError> {
    match value {
        Value::String(s) => check_nel_string(s, lines),
        Value::Array(items) => items.iter().try_for_each(|v| check_nel(v, lines)),
        Value::Object(map) => {
            for (key, item) in json::sorted_entries(map) {
                check_nel_string(key, lines)?;
                if key.contains(NEL) || json_text_chars(key) >= KEY_JSON_CHARS_MAX {
                    return Err(YamlError::UnreadableKey { line: *lines });
                }
                check_nel(item, lines)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// go-yaml drops a possible simple key once the scanner is more than 1024 characters past its
/// start: a key whose quoted JSON text is longer than that cannot be read.
const KEY_JSON_CHARS_MAX: usize = 1023;

/// The length in characters of `s` as Go's `encoding/json` writes it, without the quotes.
fn json_text_chars(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if u32::from(c) < 0x20 => 6,
            _ => 1,
        })
        .sum()
}

/// Counts the NELs of one JSON string and reports a document marker at the start of a line.
fn check_nel_string(s: &str, lines: &mut usize) -> Result<(), YamlError> {
    let mut at_line_start = false;
    for (i, c) in s.char_indices() {
        if c == NEL {
            *lines += 1;
            at_line_start = true;
            continue;
        }
        if at_line_start {
            let rest = &s[i..];
            let is_marker = (rest.starts_with("---") || rest.starts_with("..."))
                && rest[3..].starts_with([' ', NEL]);
            if is_marker {
                return Err(YamlError::DocumentIndicator { line: *lines + 1 });
            }
        }
        at_line_start = false;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// go-yaml v2's map key order (`keyList.Less` in sorter.go), for string keys.

fn is_letter(c: char) -> bool {
    // Go's unicode.IsLetter is the L categories; `is_alphabetic` also covers Nl (letter
    // numbers, removed here) and Other_Alphabetic marks (kept: a rare difference).
    c.is_alphabetic() && !c.is_numeric()
}

fn is_digit(c: char) -> bool {
    // Go's unicode.IsDigit is Nd. Outside ASCII, `is_numeric` also admits No (a rare
    // difference).
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && !c.is_alphabetic())
}

fn key_less(a: &[char], b: &[char]) -> bool {
    for i in 0..a.len().min(b.len()) {
        let (ca, cb) = (a[i], b[i]);
        if ca == cb {
            continue;
        }
        let (la, lb) = (is_letter(ca), is_letter(cb));
        if la && lb {
            return ca < cb;
        }
        if la || lb {
            return lb;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ca == '0' || cb == '0' {
            for &c in a[..i].iter().rev().take_while(|&&c| is_digit(c)) {
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let number = |s: &[char], mut n: i64| {
            let mut end = i;
            while end < s.len() && is_digit(s[end]) {
                n = n
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(u32::from(s[end])) - 48);
                end += 1;
            }
            (n, end)
        };
        let (an, ai) = number(a, an);
        let (bn, bi) = number(b, bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ca < cb;
    }
    a.len() < b.len()
}

/// Sorts keys with go-yaml's comparison. A hand-written merge sort: it is stable and cannot
/// panic even if the comparison is not a total order for some exotic keys.
fn sort_keys(entries: &mut Vec<(&str, &Value)>) {
    let keyed: Vec<(Vec<char>, (&str, &Value))> = entries
        .drain(..)
        .map(|e| (e.0.chars().collect(), e))
        .collect();
    let sorted = merge_sort(keyed);
    entries.extend(sorted.into_iter().map(|(_, e)| e));
}

fn merge_sort<T>(mut items: Vec<(Vec<char>, T)>) -> Vec<(Vec<char>, T)> {
    if items.len() <= 1 {
        return items;
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items);
    let right = merge_sort(right);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_right = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => key_less(&r.0, &l.0),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The emitter (a port of the parts of go-yaml v2's emitterc.go that kubectl's output uses:
// block mappings and sequences, `{}` / `[]` for empty ones, and every scalar style but folded).

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;
const SIMPLE_KEY_LENGTH_MAX: usize = 128;

/// What `yaml_emitter_analyze_scalar` finds out about a scalar.
struct Analysis {
    is_multiline: bool,
    is_block_plain_allowed: bool,
    is_single_quoted_allowed: bool,
    is_block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | NEL | '\u{2028}' | '\u{2029}')
}

/// go-yaml's `is_printable` (decided on UTF-8 bytes there, on code points here).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}')
        || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            is_multiline: false,
            is_block_plain_allowed: true,
            is_single_quoted_allowed: true,
            is_block_allowed: false,
        };
    }
    let mut has_block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut has_line_breaks, mut has_special_characters) = (false, false);
    let (mut has_leading_space, mut has_leading_break) = (false, false);
    let (mut has_trailing_space, mut has_trailing_break) = (false, false);
    let (mut has_break_space, mut has_space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let followed_by_whitespace = next.is_none_or(is_blank);
        let is_last = next.is_none();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => has_block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => has_block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => has_block_indicators = true,
                '#' if preceded_by_whitespace => has_block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            has_special_characters = true;
        }
        if c == ' ' {
            has_leading_space |= i == 0;
            has_trailing_space |= is_last;
            has_break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            has_line_breaks = true;
            has_leading_break |= i == 0;
            has_trailing_break |= is_last;
            has_space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut analysis = Analysis {
        is_multiline: has_line_breaks,
        is_block_plain_allowed: true,
        is_single_quoted_allowed: true,
        is_block_allowed: true,
    };
    if has_leading_space || has_leading_break || has_trailing_space || has_trailing_break {
        analysis.is_block_plain_allowed = false;
    }
    if has_trailing_space {
        analysis.is_block_allowed = false;
    }
    if has_break_space {
        analysis.is_block_plain_allowed = false;
        analysis.is_single_quoted_allowed = false;
    }
    if has_space_break || has_special_characters {
        analysis.is_block_plain_allowed = false;
        analysis.is_single_quoted_allowed = false;
        analysis.is_block_allowed = false;
    }
    if has_line_breaks || has_block_indicators {
        analysis.is_block_plain_allowed = false;
    }
    analysis
}

struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

fn emit_document(root: &Node<'_>) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        mapping_context: false,
        simple_key_context: false,
    };
    e.emit_node(root, false, false);
    // Document end: finish the last line.
    e.write_indent();
    e.out
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Copies a line break of the value: `\n` as a newline, others (CR, LS, PS) as they are.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, is_flow: bool, is_indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if is_flow { BEST_INDENT } else { 0 };
        } else if !is_indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn emit_node(&mut self, node: &Node<'_>, is_mapping: bool, is_simple_key: bool) {
        self.mapping_context = is_mapping;
        self.simple_key_context = is_simple_key;
        match node {
            Node::Scalar(text, style) => self.emit_scalar(text, *style),
            Node::Seq(items) if items.is_empty() => self.emit_empty("[", "]"),
            Node::Map(entries) if entries.is_empty() => self.emit_empty("{", "}"),
            Node::Seq(items) => self.emit_block_sequence(items),
            Node::Map(entries) => self.emit_block_mapping(entries),
        }
    }

    fn emit_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Node<'_>]) {
        // A sequence that is a mapping value is not indented (`key:\n- item`).
        self.increase_indent(false, self.mapping_context && !self.indention);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, false, false);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, entries: &[(&str, Node<'_>)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let key_node = Node::Scalar(Cow::Borrowed(key), string_style(key));
            let is_simple = !analyze(key).is_multiline && key.len() <= SIMPLE_KEY_LENGTH_MAX;
            if is_simple {
                self.emit_node(&key_node, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(&key_node, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, true, false);
        }
        self.pop_indent();
    }

    fn select_style(&self, value: &str, requested: Style, analysis: &Analysis) -> Style {
        let mut style = requested;
        if self.simple_key_context && analysis.is_multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain
            && (!analysis.is_block_plain_allowed || (value.is_empty() && self.simple_key_context))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !analysis.is_single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!analysis.is_block_allowed || self.simple_key_context) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let analysis = analyze(value);
        let style = self.select_style(value, requested, &analysis);
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && next != Some(' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let last = value.len().saturating_sub(1);
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < last
                    && next != Some(' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.write_indicator("\"", true, false, false);
        // go-yaml's `is_bom` looks at the start of the value, whatever the position: a value
        // that starts with a BOM gets every character escaped.
        let starts_with_bom = value.starts_with('\u{feff}');
        let last = value.len().saturating_sub(1);
        let mut spaces = false;
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    NEL => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                if let Some(s) = short {
                    self.put(s);
                } else {
                    let code = u32::from(c);
                    let (letter, width) = match code {
                        0..=0xFF => ('x', 2),
                        0x100..=0xFFFF => ('u', 4),
                        _ => ('U', 8),
                    };
                    self.put(letter);
                    for k in (0..width).rev() {
                        let nibble = usize::try_from((code >> (k * 4)) & 0xF).unwrap_or(0);
                        self.put(char::from(HEX[nibble]));
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < last {
                    self.write_indent();
                    if next == Some(' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let mut chars = value.chars();
        if chars.next().is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        // Chomping: `-` without a final line break, `+` with two of them (or a lone one).
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_block_structures_like_kubectl() {
        let v = json!({"b": [{"x": 1, "y": []}, [1, 2]], "a": {}, "c": "80", "d": "a\nb\n"});
        let want = "a: {}\nb:\n- x: 1\n  \"y\": []\n- - 1\n  - 2\nc: \"80\"\nd: |\n  a\n  b\n";
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn sorts_keys_naturally() {
        let v = json!({"a10": 1, "a9": 2, "a": 3});
        assert_eq!(to_yaml(&v), "a: 3\na9: 2\na10: 1\n");
    }

    #[test]
    fn folds_nel_and_reports_kubectl_errors() {
        assert_eq!(to_yaml(&json!({"v": "a \u{85} b"})), "v: a b\n");
        assert_eq!(
            try_to_yaml(&json!({"v": "\u{7f}"})),
            Err(YamlError::ControlCharacters)
        );
        assert_eq!(
            try_to_yaml(&json!({"a": "\u{85}", "b\u{85}": 1})),
            Err(YamlError::UnreadableKey { line: 2 })
        );
    }

    #[test]
    fn separates_documents() {
        let docs = [json!({"a": 1}), json!({"b": 2})];
        assert_eq!(to_yaml_documents(&docs), "a: 1\n---\nb: 2\n");
    }
}
