//! YAML documents to JSON values, the way kubectl converts them: go-yaml v2 parses one
//! document (YAML 1.1 scalars: `yes`/`no`/`on`/`off` are booleans, `0644` is octal, `1_000` is
//! a thousand), `sigs.k8s.io/yaml` turns keys into strings and marshals to JSON, and kubectl's
//! unstructured round trip normalises numbers (`1.0` becomes `1`).
//!
//! This is the only module that touches `serde_yaml`, so replacing the YAML parser touches
//! this file alone. serde_yaml resolves scalars by YAML 1.2 rules and does not say whether a
//! scalar was quoted; we recover that by asking for borrowed strings and looking at the byte
//! before each one in the document text (a quote means quoted, a `!tag` means tagged). A
//! scalar serde_yaml cannot borrow (escapes, folding, block scalars) is never plain-resolved,
//! which matches go-yaml for everything but multi-line plain scalars.
//!
//! Parse errors are reworded as go-yaml words them: `yaml: line N: <problem>`, where N follows
//! go-yaml's rule (the problem line for scanner errors, the line before it for parser errors,
//! no line at all on the document's first line) and counts from the start of the document,
//! not the file, exactly as kubectl reports it. serde_yaml's problem texts are libyaml's, as
//! go-yaml's are, so they match word for word.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess};
use serde::de::{VariantAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::gotext;

/// One YAML document converted to what the API server would receive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Converted {
    /// The JSON value; `None` for an empty or `null` document (kubectl skips those).
    pub value: Option<Value>,
    /// Byte offset (in the document text) of the first scalar of the document.
    pub first_offset: Option<usize>,
    /// When the document is a mapping with an `items` sequence: the byte offset of each item.
    pub item_offsets: Vec<Option<usize>>,
    /// Keys given twice (the last one wins), as `sigs.k8s.io/json` paths (`spec.replicas`).
    pub duplicates: Vec<String>,
}

/// Converts one document's text. The error is everything kubectl prints after
/// `error parsing <file>: `.
pub(crate) fn convert(text: &str) -> Result<Converted, String> {
    let node = match parse(text) {
        Ok(Some(node)) => node,
        Ok(None) => {
            return Ok(Converted {
                value: None,
                first_offset: None,
                item_offsets: vec![],
                duplicates: vec![],
            });
        }
        Err(reason) => return Err(format!("error converting YAML to JSON: {reason}")),
    };
    let first_offset = node.pos();
    let item_offsets = match &node {
        Node::Map(entries, _) => entries
            .iter()
            .rev()
            .find(|(k, _)| matches!(k, Node::Str(s, _, _) if s == "items"))
            .and_then(|(_, v)| match v {
                Node::Seq(items, _) => Some(items.iter().map(Node::pos).collect()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => vec![],
    };
    let mut duplicates = Vec::new();
    let value = to_json(&node, "", &mut duplicates)
        .map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    let value = match value {
        Value::Null => None,
        v => Some(v),
    };
    Ok(Converted {
        value,
        first_offset,
        item_offsets,
        duplicates,
    })
}

/// How a scalar string was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// A plain scalar, which go-yaml resolves (`yes` is a boolean).
    Plain,
    /// Quoted, a block scalar, or tagged: always a string.
    Literal,
}

/// A parsed YAML node, before Go's conversions. Positions are byte offsets in the document.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String, Style, Option<usize>),
    Seq(Vec<Node>, Option<usize>),
    Map(Vec<(Node, Node)>, Option<usize>),
}

impl Node {
    fn pos(&self) -> Option<usize> {
        match self {
            Node::Str(_, _, p) | Node::Seq(_, p) | Node::Map(_, p) => *p,
            _ => None,
        }
    }
}

/// Parses the first YAML document of `text` (go-yaml ignores the rest).
fn parse(text: &str) -> Result<Option<Node>, String> {
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let Some(document) = documents.next() else {
        return Ok(None);
    };
    match (NodeSeed { base: text }).deserialize(document) {
        Ok(node) => Ok(Some(node)),
        Err(e) => Err(go_yaml_error(&e, text)),
    }
}

struct NodeSeed<'a> {
    base: &'a str,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor { base: self.base })
    }
}

struct NodeVisitor<'a> {
    base: &'a str,
}

impl NodeVisitor<'_> {
    /// Where a borrowed string sits in the document, and whether it was written plain.
    fn locate(&self, v: &str) -> (Style, Option<usize>) {
        let base = self.base.as_ptr() as usize;
        let at = (v.as_ptr() as usize).wrapping_sub(base);
        if at > self.base.len() || at + v.len() > self.base.len() {
            return (Style::Literal, None);
        }
        let before = &self.base.as_bytes()[..at];
        let style = match before.last() {
            Some(b'"') | Some(b'\'') => Style::Literal,
            _ if tagged(before) => Style::Literal,
            _ => Style::Plain,
        };
        (style, Some(at))
    }
}

/// True when the token before a scalar (skipping blanks) is a `!tag`.
fn tagged(before: &[u8]) -> bool {
    let trimmed = before
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(&before[..0], |i| &before[..=i]);
    let start = trimmed
        .iter()
        .rposition(|b| b" \t\n\r[{,".contains(b))
        .map_or(0, |i| i + 1);
    trimmed.get(start) == Some(&b'!')
}

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Uint(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node, E> {
        let (style, pos) = self.locate(v);
        Ok(Node::Str(v.to_string(), style, pos))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string(), Style::Literal, None))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v, Style::Literal, None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(NodeSeed { base: self.base })? {
            items.push(item);
        }
        let pos = items.iter().find_map(Node::pos);
        Ok(Node::Seq(items, pos))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key_seed(NodeSeed { base: self.base })? {
            let v = map.next_value_seed(NodeSeed { base: self.base })?;
            entries.push((k, v));
        }
        let pos = entries
            .iter()
            .find_map(|(k, v)| k.pos().or_else(|| v.pos()));
        Ok(Node::Map(entries, pos))
    }

    /// A value with a local tag (`!foo`): go-yaml keeps the content and drops the tag.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        let node = variant.newtype_variant_seed(NodeSeed { base: self.base })?;
        Ok(match node {
            Node::Str(s, _, p) => Node::Str(s, Style::Literal, p),
            other => other,
        })
    }
}

/// A scalar after go-yaml v2's `resolve` for plain scalars.
#[derive(Clone, Debug, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str,
}

/// go-yaml v2's resolution of a plain scalar (`resolve.go`).
fn resolve_plain(s: &str) -> Resolved {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => match go_parse_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => {
            let plain: String = s.chars().filter(|c| *c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain) {
                return Resolved::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Resolved::Float(f);
            }
            if let Some(digits) = plain.strip_prefix("0b")
                && let Ok(u) = u64::from_str_radix(digits, 2)
            {
                return Resolved::Uint(u);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// Splits Go's base prefix off (for `strconv.ParseInt(s, 0, 64)`): `0x`, `0o`, `0b`, or a
/// leading `0` for octal.
fn go_radix(digits: &str) -> (u32, &str) {
    let lower = |b: u8| b.to_ascii_lowercase();
    let bytes = digits.as_bytes();
    if bytes.len() >= 2 && bytes[0] == b'0' {
        match lower(bytes[1]) {
            b'x' => return (16, &digits[2..]),
            b'o' => return (8, &digits[2..]),
            b'b' => return (2, &digits[2..]),
            _ => return (8, &digits[1..]),
        }
    }
    (10, digits)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(unsigned)?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv.ParseUint(s, 0, 64)` (no sign).
fn go_parse_uint(s: &str) -> Option<u64> {
    let (radix, digits) = go_radix(s);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for decimal input: finite results only (Go reports overflow).
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.trim_start_matches(['+', '-']);
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || b".eE+-_".contains(&c))
    {
        return None;
    }
    let f: f64 = s.replace('_', "").parse().ok()?;
    f.is_finite().then_some(f)
}

/// The JSON number kubectl sends for a float64: integral values become integers.
fn float_number(f: f64) -> Result<Number, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            gotext::format_float_g(f, false)
        ));
    }
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return Ok(Number::from(f as i64));
    }
    Number::from_f64(f).ok_or_else(|| "json: unsupported value: NaN".to_string())
}

/// A scalar node's value under go-yaml's rules.
fn scalar(node: &Node) -> Option<Resolved> {
    Some(match node {
        Node::Null => Resolved::Null,
        Node::Bool(b) => Resolved::Bool(*b),
        Node::Int(i) => Resolved::Int(*i),
        Node::Uint(u) => Resolved::Uint(*u),
        Node::Float(f) => Resolved::Float(*f),
        Node::Str(s, Style::Plain, _) => resolve_plain(s),
        Node::Str(..) => Resolved::Str,
        Node::Seq(..) | Node::Map(..) => return None,
    })
}

/// `sigs.k8s.io/yaml`'s key conversion: numbers and booleans become strings.
fn key_string(key: &Node, value: &Node) -> Result<String, String> {
    let text = match key {
        Node::Str(s, _, _) => s.clone(),
        _ => String::new(),
    };
    match scalar(key) {
        Some(Resolved::Str) => Ok(text),
        Some(Resolved::Bool(b)) => Ok(b.to_string()),
        Some(Resolved::Int(i)) => Ok(i.to_string()),
        Some(Resolved::Uint(u)) => Ok(u.to_string()),
        Some(Resolved::Float(f)) => Ok(match gotext::format_float_g(f, true).as_str() {
            "+Inf" => ".inf".to_string(),
            "-Inf" => "-.inf".to_string(),
            "NaN" => ".nan".to_string(),
            s => s.to_string(),
        }),
        Some(Resolved::Null) => Err(format!(
            "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
            go_syntax(value)
        )),
        None => Err(format!("yaml: invalid map key: {}", go_syntax(key))),
    }
}

/// Go's `%#v` of a decoded go-yaml value (for the rare errors that print one).
fn go_syntax(node: &Node) -> String {
    match node {
        Node::Seq(items, _) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_syntax).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries, _) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_syntax(k), go_syntax(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => match scalar(node) {
            Some(Resolved::Null) | None => "interface {}(nil)".to_string(),
            Some(Resolved::Bool(b)) => b.to_string(),
            Some(Resolved::Int(i)) => i.to_string(),
            Some(Resolved::Uint(u)) => format!("0x{u:x}"),
            Some(Resolved::Float(f)) => gotext::format_float_g(f, false),
            Some(Resolved::Str) => match node {
                Node::Str(s, _, _) => gotext::quote(s),
                _ => String::new(),
            },
        },
    }
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Converts a node to JSON as `yaml.Unmarshal` + `convertToJSONableObject` + `json.Marshal`
/// + kubectl's unstructured round trip would, recording duplicate keys.
fn to_json(node: &Node, path: &str, duplicates: &mut Vec<String>) -> Result<Value, String> {
    match node {
        Node::Seq(items, _) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(to_json(item, &format!("{path}[{i}]"), duplicates)?);
            }
            Ok(Value::Array(out))
        }
        Node::Map(entries, _) => {
            let mut map: BTreeMap<String, Value> = BTreeMap::new();
            let mut explicit: Vec<String> = Vec::new();
            for (k, v) in entries {
                if matches!(k, Node::Str(s, Style::Plain, _) if s == "<<") {
                    merge(&mut map, v, path, duplicates)?;
                    continue;
                }
                let key = key_string(k, v)?;
                let value = to_json(v, &child_path(path, &key), duplicates)?;
                if explicit.contains(&key) {
                    duplicates.push(child_path(path, &key));
                } else {
                    explicit.push(key.clone());
                }
                map.insert(key, value);
            }
            Ok(Value::Object(
                map.into_iter().collect::<Map<String, Value>>(),
            ))
        }
        _ => Ok(match scalar(node) {
            Some(Resolved::Null) | None => Value::Null,
            Some(Resolved::Bool(b)) => Value::Bool(b),
            Some(Resolved::Int(i)) => Value::Number(Number::from(i)),
            Some(Resolved::Uint(u)) => Value::Number(Number::from(u)),
            Some(Resolved::Float(f)) => Value::Number(float_number(f)?),
            Some(Resolved::Str) => match node {
                Node::Str(s, _, _) => Value::String(s.clone()),
                _ => Value::Null,
            },
        }),
    }
}

/// A `<<` merge key: go-yaml v2 decodes the merged mapping(s) into the same map, so merged
/// keys overwrite earlier keys and later keys overwrite merged ones. In a sequence, earlier
/// mappings take precedence.
fn merge(
    map: &mut BTreeMap<String, Value>,
    value: &Node,
    path: &str,
    duplicates: &mut Vec<String>,
) -> Result<(), String> {
    const WANT_MAP: &str = "yaml: map merge requires map or sequence of maps as the value";
    let mappings: Vec<&Node> = match value {
        Node::Map(..) => vec![value],
        Node::Seq(items, _) => {
            if items.iter().any(|i| !matches!(i, Node::Map(..))) {
                return Err(WANT_MAP.to_string());
            }
            items.iter().rev().collect()
        }
        _ => return Err(WANT_MAP.to_string()),
    };
    for m in mappings {
        if let Value::Object(merged) = to_json(m, path, duplicates)? {
            map.extend(merged);
        }
    }
    Ok(())
}

/// Rewords a serde_yaml error as go-yaml v2 words the same problem (`yaml: line N: ...`).
fn go_yaml_error(e: &serde_yaml::Error, text: &str) -> String {
    let debug = format!("{e:?}");
    if let Some(problem) = debug_field(&debug, "problem: \"") {
        let kind = debug_word(&debug, "kind: ").unwrap_or_default();
        let problem_line = debug_mark_line(&debug, "problem_mark: Mark { line: ");
        let context_line = debug_mark_line(&debug, "context_mark: Mark { line: ");
        // go-yaml's parser.fail(): marks are 0-based; scanner errors add one.
        let line = if problem_line != 0 {
            if kind == "SCANNER" {
                problem_line + 1
            } else {
                problem_line
            }
        } else {
            context_line
        };
        return if line != 0 {
            format!("yaml: line {line}: {problem}")
        } else {
            format!("yaml: {problem}")
        };
    }
    let message = e.to_string();
    let message = match e.location() {
        Some(loc) => message
            .strip_suffix(&format!(" at line {} column {}", loc.line(), loc.column()))
            .unwrap_or(&message)
            .to_string(),
        None => message,
    };
    match message.as_str() {
        "unknown anchor" => {
            let name = e
                .location()
                .and_then(|loc| text.get(loc.index()..))
                .and_then(|rest| rest.strip_prefix('*'))
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
                        .collect::<String>()
                })
                .unwrap_or_default();
            format!("yaml: unknown anchor '{name}' referenced")
        }
        "repetition limit exceeded" => "yaml: document contains excessive aliasing".to_string(),
        other => format!("yaml: {other}"),
    }
}

/// The unescaped text of a `name: "..."` field in a Debug rendering.
fn debug_field(debug: &str, start: &str) -> Option<String> {
    let rest = &debug[debug.find(start)? + start.len()..];
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn debug_word(debug: &str, start: &str) -> Option<String> {
    let rest = &debug[debug.find(start)? + start.len()..];
    Some(
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect(),
    )
}

/// A mark's 0-based line (the Debug rendering shows it 1-based, or omits a zero mark).
fn debug_mark_line(debug: &str, start: &str) -> usize {
    debug
        .find(start)
        .map(|i| &debug[i + start.len()..])
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse::<usize>().ok())
        .map_or(0, |line| line.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> Value {
        convert(text).unwrap().value.unwrap()
    }

    fn error(text: &str) -> String {
        convert(text).unwrap_err()
    }

    #[test]
    fn plain_scalars_resolve_by_yaml_1_1() {
        let v = value(
            "a: yes\nb: 'yes'\nc: \"on\"\nd: 0644\ne: 1_000\nf: 1.0\ng: 08\nh: 0x1F\n\
             i: !!str 12\nj: ~\nk: 2001-12-14\nl: .5\nm: +12\nq: \"12\"\no: Off\np: 1e3\n",
        );
        assert_eq!(
            v,
            json!({"a": true, "b": "yes", "c": "on", "d": 420, "e": 1000, "f": 1, "g": 8,
                   "h": 31, "i": "12", "j": null, "k": "2001-12-14", "l": 0.5, "m": 12,
                   "q": "12", "o": false, "p": 1000})
        );
    }

    #[test]
    fn keys_become_strings_and_aliases_and_merges_apply() {
        let v = value("on: 1\n1: a\n1.5: b\nbase: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\nn: 0\n");
        assert_eq!(
            v,
            json!({"true": 1, "1": "a", "1.5": "b", "base": {"x": 1, "z": 2},
                   "m": {"x": 1, "z": 3}, "false": 0})
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_are_recorded() {
        let c = convert("spec:\n  replicas: 1\n  replicas: 2\n").unwrap();
        assert_eq!(c.value, Some(json!({"spec": {"replicas": 2}})));
        assert_eq!(c.duplicates, ["spec.replicas"]);
    }

    #[test]
    fn empty_and_null_documents_have_no_value() {
        assert_eq!(convert("# nothing\n").unwrap().value, None);
        assert_eq!(convert("~\n").unwrap().value, None);
        assert_eq!(convert("null\n").unwrap().value, None);
    }

    #[test]
    fn parse_errors_use_go_yaml_lines() {
        // Scanner error on the first line: go-yaml prints no line.
        assert_eq!(
            error("a: b: c\n"),
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context"
        );
        // Scanner error on line 2.
        assert_eq!(
            error("a: 1\n b: 2\n"),
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in \
             this context"
        );
        // Parser error on line 4: go-yaml reports the 0-based line, 3.
        assert_eq!(
            error("x: 1\na:\n  - b\n c: d\n"),
            "error converting YAML to JSON: yaml: line 3: did not find expected key"
        );
        assert_eq!(
            error("\ta: 1\n"),
            "error converting YAML to JSON: yaml: found character that cannot start any token"
        );
        assert_eq!(
            error("a: *nope\n"),
            "error converting YAML to JSON: yaml: unknown anchor 'nope' referenced"
        );
        assert_eq!(
            error("a: .inf\n"),
            "error converting YAML to JSON: json: unsupported value: +Inf"
        );
    }

    #[test]
    fn item_offsets_point_at_each_list_item() {
        let text = "kind: List\nitems:\n- a: 1\n- b: 2\n";
        let c = convert(text).unwrap();
        assert_eq!(c.item_offsets, [Some(20), Some(27)]);
    }
}
