//! `kubectl … -o json`: the JSONPrinter of k8s.io/cli-runtime, which is Go's
//! `json.MarshalIndent(obj, "", "    ")` plus a newline.
//!
//! What that means byte for byte:
//!
//! - object keys sorted by their UTF-8 bytes (Go sorts map keys), `"key": value`, four-space
//!   indentation, and `{}` / `[]` for empty containers;
//! - strings escaped as `encoding/json` does with HTML escaping on: `\"`, `\\`, `\b`, `\f`, `\n`,
//!   `\r`, `\t`, other control characters as `\u00XX`, `<` `>` `&` as `\u003c` `\u003e`
//!   `\u0026`, and U+2028 / U+2029 as `\u2028` / `\u2029`; everything else (DEL, NEL, emoji)
//!   is written raw;
//! - numbers as an unstructured object holds them: integers that fit `int64` as they are,
//!   anything else as a `float64` in Go's format (`1.5`, `100000000000000000000`, `1e+21`,
//!   `1e-7`).

use serde_json::Value;

use super::gonum;

/// Prints one object as `kubectl -o json` does (ends with a newline).
pub fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

/// Prints several objects as kubectl's JSONPrinter does when it is handed them one by one (for
/// example `kubectl create -f` of a multi-document file): each printed in full, one after the
/// other, with nothing in between. `kubectl get` instead wraps several objects in a list; see
/// [`super::list`].
pub fn to_json_documents(values: &[Value]) -> String {
    values.iter().map(to_json).collect()
}

/// Compact JSON exactly as Go's `json.Marshal` writes it (sorted keys, HTML escaping, Go
/// number text), without a trailing newline.
pub fn to_json_compact(value: &Value) -> String {
    let mut out = String::new();
    write_compact(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline_indent(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            newline_indent(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (index, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline_indent(out, depth + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, depth + 1);
            }
            newline_indent(out, depth);
            out.push('}');
        }
        _ => write_compact(out, value),
    }
}

fn newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&gonum::json_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (index, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_compact(out, item);
            }
            out.push('}');
        }
    }
}

/// Map entries in Go's order (bytewise). serde_json's map is already sorted that way unless
/// its `preserve_order` feature is on; sorting again keeps the output right either way.
pub(crate) fn sorted_entries(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    entries
}

/// Writes `s` as a JSON string the way Go's `encoding/json` does with HTML escaping.
pub(crate) fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let code = u32::from(c);
                out.push_str("\\u00");
                for shift in [4, 0] {
                    let nibble = usize::try_from((code >> shift) & 0xF).unwrap_or(0);
                    out.push(char::from(HEX[nibble]));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indents_with_four_spaces_and_keeps_empty_containers_compact() {
        let v = json!({"b": [1, {}], "a": {"x": []}, "c": "<&>\u{2028}\u{7f}"});
        let want = "{\n    \"a\": {\n        \"x\": []\n    },\n    \"b\": [\n        1,\n        \
                    {}\n    ],\n    \"c\": \"\\u003c\\u0026\\u003e\\u2028\u{7f}\"\n}\n";
        assert_eq!(to_json(&v), want);
    }

    #[test]
    fn compact_matches_go_marshal() {
        let v = json!({"z": 1.0, "a": [null, true, "\u{1}\u{8}"]});
        assert_eq!(
            to_json_compact(&v),
            "{\"a\":[null,true,\"\\u0001\\b\"],\"z\":1}"
        );
    }
}
