//! Go's view of decoded JSON, for patch semantics and error texts.
//!
//! The API server decodes patches into `interface{}` values (integers as `int64`, other numbers
//! as `float64`) and builds its error messages with `fmt`'s `%v`, `%s` and `%q`. This module
//! reproduces both, so that equality, "same type" checks and message texts match upstream.
//! It owns no patch logic.

use serde_json::{Number, Value};

use super::PatchError;

/// The Go dynamic type of a decoded JSON value (`reflect.TypeOf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GoType {
    /// `nil`.
    Nil,
    /// `bool`.
    Bool,
    /// `int64`: an integer that fits.
    Int,
    /// `float64`: any other number.
    Float,
    /// `string`.
    String,
    /// `map[string]interface {}`.
    Map,
    /// `[]interface {}`.
    Slice,
}

impl GoType {
    /// The type as `%s` prints a `reflect.Type`.
    pub(super) fn name(self) -> &'static str {
        match self {
            GoType::Nil => "%!s(<nil>)",
            GoType::Bool => "bool",
            GoType::Int => "int64",
            GoType::Float => "float64",
            GoType::String => "string",
            GoType::Map => "map[string]interface {}",
            GoType::Slice => "[]interface {}",
        }
    }
}

/// A number as Go holds it after `UnmarshalCaseSensitivePreserveInts`.
enum GoNumber {
    Int(i64),
    Float(f64),
}

fn go_number(n: &Number) -> GoNumber {
    match n.as_i64() {
        Some(i) => GoNumber::Int(i),
        None => GoNumber::Float(n.as_f64().unwrap_or(0.0)),
    }
}

/// The Go type of `v`.
pub(super) fn go_type(v: &Value) -> GoType {
    match v {
        Value::Null => GoType::Nil,
        Value::Bool(_) => GoType::Bool,
        Value::Number(n) => match go_number(n) {
            GoNumber::Int(_) => GoType::Int,
            GoNumber::Float(_) => GoType::Float,
        },
        Value::String(_) => GoType::String,
        Value::Object(_) => GoType::Map,
        Value::Array(_) => GoType::Slice,
    }
}

/// Go's `==` on two `interface{}` values. Comparing two maps or two slices panics in Go; that
/// panic is returned as an error, as the API server turns it into a 500.
pub(super) fn go_eq(a: &Value, b: &Value) -> Result<bool, PatchError> {
    let (ta, tb) = (go_type(a), go_type(b));
    if ta != tb {
        return Ok(false);
    }
    Ok(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => match (go_number(x), go_number(y)) {
            (GoNumber::Int(i), GoNumber::Int(j)) => i == j,
            (GoNumber::Float(f), GoNumber::Float(g)) => f == g,
            _ => false,
        },
        _ => {
            return Err(PatchError::panic(format!(
                "runtime error: comparing uncomparable type {}",
                ta.name()
            )));
        }
    })
}

/// Fails as Go does when `v` is used as a map key (`hash of unhashable type`).
pub(super) fn check_hashable(v: &Value) -> Result<(), PatchError> {
    match go_type(v) {
        GoType::Map | GoType::Slice => Err(PatchError::panic(format!(
            "runtime error: hash of unhashable type {}",
            go_type(v).name()
        ))),
        _ => Ok(()),
    }
}

/// `fmt.Sprintf("%v", v)`.
pub(super) fn fmt_v(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 'v', &mut out);
    out
}

/// `fmt.Sprintf("%s", v)`.
pub(super) fn fmt_s(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 's', &mut out);
    out
}

/// `fmt.Sprintf("%v", lists)` for a `[][]interface{}`.
pub(super) fn fmt_v_lists(lists: &[&[Value]]) -> String {
    let mut out = String::from("[");
    for (i, list) in lists.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('[');
        for (j, v) in list.iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            write_value(v, 'v', &mut out);
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// `fmt.Sprintf("%q", s)`: a double-quoted Go string literal.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_value(v: &Value, verb: char, out: &mut String) {
    match v {
        Value::Null => out.push_str(if verb == 'v' { "<nil>" } else { "%!s(<nil>)" }),
        Value::Bool(b) => write_scalar(verb, "bool", &b.to_string(), out),
        Value::Number(n) => match go_number(n) {
            GoNumber::Int(i) => write_scalar(verb, "int64", &i.to_string(), out),
            GoNumber::Float(f) => write_scalar(verb, "float64", &format_float_g(f), out),
        },
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(item, verb, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // fmt prints maps with their keys sorted; serde_json's map is already sorted.
            out.push_str("map[");
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(item, verb, out);
            }
            out.push(']');
        }
    }
}

fn write_scalar(verb: char, type_name: &str, text: &str, out: &mut String) {
    if verb == 'v' {
        out.push_str(text);
    } else {
        out.push_str(&format!("%!{verb}({type_name}={text})"));
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is what `%v` prints for a `float64`.
pub(super) fn format_float_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Go's shortest formatting does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    // With the shortest representation Go decides on precision 6: %e when the exponent is
    // below -4 or at least 6.
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = usize::try_from(exp + 1).unwrap_or(0);
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// The word `encoding/json` uses for a JSON value in "cannot unmarshal X into ...".
pub(super) fn json_kind_word(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn floats_print_as_go_percent_v() {
        assert_eq!(format_float_g(1.5), "1.5");
        assert_eq!(format_float_g(100000.0), "100000");
        assert_eq!(format_float_g(1e6), "1e+06");
        assert_eq!(format_float_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(-2.25), "-2.25");
    }

    #[test]
    fn maps_print_sorted_with_go_syntax() {
        let v = json!({"name": "web", "image": "nginx:1.25", "n": 3, "x": null, "l": [1, "a"]});
        assert_eq!(
            fmt_v(&v),
            "map[image:nginx:1.25 l:[1 a] n:3 name:web x:<nil>]"
        );
        assert_eq!(fmt_s(&json!(5)), "%!s(int64=5)");
        assert_eq!(fmt_s(&json!("merge")), "merge");
    }

    #[test]
    fn int_and_float_are_different_go_types() {
        assert!(!go_eq(&json!(1), &json!(1.0)).unwrap());
        assert!(go_eq(&json!("a"), &json!("a")).unwrap());
        assert!(go_eq(&json!({}), &json!({})).is_err());
        assert!(!go_eq(&json!({}), &json!([])).unwrap());
    }
}
