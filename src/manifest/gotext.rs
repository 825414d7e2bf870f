//! Go's text formats, as the messages we reproduce print them: `strconv.Quote` (`%q`),
//! `encoding/json` numbers and documents, `strconv.FormatFloat`, and the few `%#v` renderings
//! go-yaml puts in its errors.
//!
//! Pure functions over strings and `serde_json` values; nothing here can fail.

use serde_json::{Number, Value};

use crate::api::validation::meta::json_quote;

/// `strconv.Quote(s)`: double-quoted, with Go's escapes.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space. Rust has no Unicode category tables in `std`, so this treats every
/// non-control, non-separator character as printable.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e000}'..='\u{f8ff}'
    )
}

/// The JSON text `encoding/json` writes for a float64 (`floatEncoder`): shortest digits, plain
/// notation between 1e-6 and 1e21, exponent notation (`1e+21`, `1e-7`) outside.
pub(crate) fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` gives the shortest digits with a bare exponent: `1.5e-7`, `1e21`.
        let e = format!("{f:e}");
        match e.split_once('e') {
            Some((mantissa, exp)) => {
                let exp: i32 = exp.parse().unwrap_or(0);
                if exp < 0 {
                    format!("{mantissa}e-{}", -exp)
                } else {
                    format!("{mantissa}e+{exp:02}")
                }
            }
            None => e,
        }
    } else {
        format!("{f}")
    }
}

/// The JSON text of a number as the API server receives it from kubectl.
pub(crate) fn json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        json_float(n.as_f64().unwrap_or(0.0))
    }
}

/// `strconv.FormatFloat(f, 'g', -1, bits)` for bits 32 or 64 (`+Inf`, `NaN`, `1e+06`, `0.5`).
pub(crate) fn format_float_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    // Shortest digits and decimal exponent of the value at the requested precision.
    let sci = if bits32 {
        format!("{:e}", f as f32)
    } else {
        format!("{f:e}")
    };
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    // %e is used when the exponent is < -4 or >= 6 (the shortest-precision rule).
    if !(-4..6).contains(&exp) {
        if exp < 0 {
            format!("{mantissa}e-{:02}", -exp)
        } else {
            format!("{mantissa}e+{exp:02}")
        }
    } else if bits32 {
        format!("{}", f as f32)
    } else {
        format!("{f}")
    }
}

/// How Go names a JSON value in its errors (`json: cannot unmarshal string into ...`):
/// `null`, `bool`, `number`, `string`, `array`, `object`.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `json.Marshal` of a decoded document: keys sorted, no spaces, HTML-safe escapes.
pub(crate) fn json_marshal(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as `encoding/json` writes it (HTML-safe escapes).
fn write_json_string(s: &str, out: &mut String) {
    out.push_str(&json_quote(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(quote("spec.foo"), "\"spec.foo\"");
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("\u{1}é"), "\"\\x01é\"");
    }

    #[test]
    fn floats_print_like_encoding_json() {
        assert_eq!(json_float(0.5), "0.5");
        assert_eq!(json_float(1.0), "1");
        assert_eq!(json_float(1e20), "100000000000000000000");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(1.5e-7), "1.5e-7");
        assert_eq!(json_float(-2.5e300), "-2.5e+300");
    }

    #[test]
    fn format_float_g_like_strconv() {
        assert_eq!(format_float_g(1.5, true), "1.5");
        assert_eq!(format_float_g(0.1, true), "0.1");
        assert_eq!(format_float_g(1e6, false), "1e+06");
        assert_eq!(format_float_g(123456.0, false), "123456");
        assert_eq!(format_float_g(f64::INFINITY, false), "+Inf");
        assert_eq!(format_float_g(f64::NAN, false), "NaN");
    }

    #[test]
    fn marshal_sorts_and_escapes_html() {
        let v = serde_json::json!({"b": "<x>", "a": [1, 0.5, null, true]});
        assert_eq!(
            json_marshal(&v),
            r#"{"a":[1,0.5,null,true],"b":"\u003cx\u003e"}"#
        );
    }
}
