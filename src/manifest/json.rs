//! A stream of JSON values, read the way Go's `json.Decoder` reads it: one value after another,
//! with `encoding/json`'s scanner deciding where each ends and wording any syntax error
//! (`json: offset 12: invalid character '}' looking for beginning of object key string`).
//!
//! The scanner below is a transcription of the state machine's rules (not its code); values it
//! accepts are then parsed by `serde_json`.

use serde_json::{Number, Value};

use super::gotext;

/// One value of the stream.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JsonValue {
    /// Byte offset of the value's first character.
    pub offset: usize,
    /// The parsed value, numbers normalised as kubectl sends them.
    pub value: Value,
}

/// The values before any error, then the error in kubectl's words (after `error parsing
/// <file>: `) and the byte offset where it was found.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JsonStream {
    pub values: Vec<JsonValue>,
    pub error: Option<(String, usize)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Int1,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Literal(&'static [u8], usize),
}

/// Outcome of feeding one byte.
enum Step {
    Continue,
    /// The top-level value ended before this byte (which must be scanned again).
    EndBefore,
    /// The top-level value ended with this byte.
    EndWith,
    Error(&'static str),
}

struct Scanner {
    state: State,
    stack: Vec<Ctx>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            state: State::BeginValue,
            stack: Vec::new(),
        }
    }

    /// The state after a complete value inside a container, or the end of the top value.
    fn end_value(&mut self, c: u8) -> Step {
        let Some(ctx) = self.stack.last().copied() else {
            return Step::EndBefore;
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Step::Continue;
        }
        match (ctx, c) {
            (Ctx::ObjectKey, b':') => {
                self.set_top(Ctx::ObjectValue);
                self.state = State::BeginValue;
                Step::Continue
            }
            (Ctx::ObjectKey, _) => Step::Error("after object key"),
            (Ctx::ObjectValue, b',') => {
                self.set_top(Ctx::ObjectKey);
                self.state = State::BeginString;
                Step::Continue
            }
            (Ctx::ObjectValue, b'}') | (Ctx::ArrayValue, b']') => self.pop(),
            (Ctx::ObjectValue, _) => Step::Error("after object key:value pair"),
            (Ctx::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Step::Continue
            }
            (Ctx::ArrayValue, _) => Step::Error("after array element"),
        }
    }

    fn set_top(&mut self, ctx: Ctx) {
        if let Some(top) = self.stack.last_mut() {
            *top = ctx;
        }
    }

    fn pop(&mut self) -> Step {
        self.stack.pop();
        if self.stack.is_empty() {
            Step::EndWith
        } else {
            self.state = State::EndValue;
            Step::Continue
        }
    }

    fn push(&mut self, ctx: Ctx) -> Step {
        if self.stack.len() >= 10000 {
            return Step::Error("exceeded max depth");
        }
        self.stack.push(ctx);
        Step::Continue
    }

    fn begin_value(&mut self, c: u8) -> Step {
        match c {
            c if is_space(c) => Step::Continue,
            b'{' => {
                self.state = State::BeginStringOrEmpty;
                self.push(Ctx::ObjectKey)
            }
            b'[' => {
                self.state = State::BeginValueOrEmpty;
                self.push(Ctx::ArrayValue)
            }
            b'"' => {
                self.state = State::InString;
                Step::Continue
            }
            b'-' => {
                self.state = State::Neg;
                Step::Continue
            }
            b'0' => {
                self.state = State::Zero;
                Step::Continue
            }
            b'1'..=b'9' => {
                self.state = State::Int1;
                Step::Continue
            }
            b't' => {
                self.state = State::Literal(b"true", 1);
                Step::Continue
            }
            b'f' => {
                self.state = State::Literal(b"false", 1);
                Step::Continue
            }
            b'n' => {
                self.state = State::Literal(b"null", 1);
                Step::Continue
            }
            _ => Step::Error("looking for beginning of value"),
        }
    }

    fn step(&mut self, c: u8) -> Step {
        match self.state {
            State::BeginValue => self.begin_value(c),
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Step::Continue
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    Step::Continue
                } else if c == b'}' {
                    self.set_top(Ctx::ObjectValue);
                    self.end_value(c)
                } else {
                    self.begin_string(c)
                }
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return Step::Error("in string literal"),
                    _ => {}
                }
                Step::Continue
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Step::Continue
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Step::Continue
                }
                _ => Step::Error("in string escape code"),
            },
            State::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.state = if n == 3 {
                        State::InString
                    } else {
                        State::InStringEscU(n + 1)
                    };
                    Step::Continue
                } else {
                    Step::Error("in \\u hexadecimal character escape")
                }
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Step::Continue
                }
                b'1'..=b'9' => {
                    self.state = State::Int1;
                    Step::Continue
                }
                _ => Step::Error("in numeric literal"),
            },
            State::Int1 => {
                if c.is_ascii_digit() {
                    Step::Continue
                } else {
                    self.zero(c)
                }
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    Step::Continue
                } else {
                    Step::Error("after decimal point in numeric literal")
                }
            }
            State::Dot0 => match c {
                b'0'..=b'9' => Step::Continue,
                b'e' | b'E' => {
                    self.state = State::E;
                    Step::Continue
                }
                _ => self.end_value(c),
            },
            State::E => {
                if c == b'+' || c == b'-' {
                    self.state = State::ESign;
                    Step::Continue
                } else {
                    self.e_sign(c)
                }
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    Step::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, i) => {
                if word.get(i) == Some(&c) {
                    self.state = if i + 1 == word.len() {
                        State::EndValue
                    } else {
                        State::Literal(word, i + 1)
                    };
                    Step::Continue
                } else {
                    Step::Error(literal_context(word, i))
                }
            }
        }
    }

    fn begin_string(&mut self, c: u8) -> Step {
        if is_space(c) {
            Step::Continue
        } else if c == b'"' {
            self.state = State::InString;
            Step::Continue
        } else {
            Step::Error("looking for beginning of object key string")
        }
    }

    fn zero(&mut self, c: u8) -> Step {
        match c {
            b'.' => {
                self.state = State::Dot;
                Step::Continue
            }
            b'e' | b'E' => {
                self.state = State::E;
                Step::Continue
            }
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) -> Step {
        if c.is_ascii_digit() {
            self.state = State::E0;
            Step::Continue
        } else {
            Step::Error("in exponent of numeric literal")
        }
    }

    /// At end of input: does the value end here (a number or literal at top level)?
    fn ends_at_eof(&mut self) -> bool {
        matches!(self.end_value(b' '), Step::EndBefore)
            && matches!(
                self.state,
                State::Int1 | State::Zero | State::Dot0 | State::E0 | State::EndValue
            )
    }
}

fn literal_context(word: &[u8], i: usize) -> &'static str {
    match (word, i) {
        (b"true", 1) => "in literal true (expecting 'r')",
        (b"true", 2) => "in literal true (expecting 'u')",
        (b"true", _) => "in literal true (expecting 'e')",
        (b"false", 1) => "in literal false (expecting 'a')",
        (b"false", 2) => "in literal false (expecting 'l')",
        (b"false", 3) => "in literal false (expecting 's')",
        (b"false", _) => "in literal false (expecting 'e')",
        (b"null", 1) => "in literal null (expecting 'u')",
        (_, _) => "in literal null (expecting 'l')",
    }
}

/// `quoteChar`: how the scanner names the offending byte.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c => {
            let q = gotext::quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// Reads every value of a JSON stream.
pub(crate) fn read_stream(text: &str) -> JsonStream {
    let bytes = text.as_bytes();
    let mut values = Vec::new();
    let mut pos = 0;
    loop {
        // Skip the blanks before the next value; the end of input ends the stream.
        while pos < bytes.len() && is_space(bytes[pos]) {
            pos += 1;
        }
        if pos >= bytes.len() {
            return JsonStream {
                values,
                error: None,
            };
        }
        let start = pos;
        let mut scanner = Scanner::new();
        let mut end = None;
        while pos < bytes.len() {
            match scanner.step(bytes[pos]) {
                Step::Continue => pos += 1,
                Step::EndBefore => {
                    end = Some(pos);
                    break;
                }
                Step::EndWith => {
                    pos += 1;
                    end = Some(pos);
                    break;
                }
                Step::Error(context) => {
                    let message = format!(
                        "json: offset {}: invalid character {} {context}",
                        pos + 1,
                        quote_char(bytes[pos])
                    );
                    return JsonStream {
                        values,
                        error: Some((message, start)),
                    };
                }
            }
        }
        let end = match end {
            Some(end) => end,
            None if scanner.ends_at_eof() => bytes.len(),
            None => {
                return JsonStream {
                    values,
                    error: Some(("unexpected EOF".to_string(), start)),
                };
            }
        };
        match serde_json::from_str::<Value>(&text[start..end]) {
            Ok(v) => values.push(JsonValue {
                offset: start,
                value: normalize_numbers(v),
            }),
            Err(e) => {
                let message = if e.to_string().contains("number out of range") {
                    "strconv.ParseFloat: value out of range".to_string()
                } else {
                    "json: exceeded max depth".to_string()
                };
                return JsonStream {
                    values,
                    error: Some((message, start)),
                };
            }
        }
    }
}

/// kubectl decodes JSON numbers into int64 when they are integers and float64 otherwise, then
/// marshals them again: `1.0` goes out as `1`.
pub(crate) fn normalize_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(normalize_number(n)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

fn normalize_number(n: Number) -> Number {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.2e18 => {
            Number::from(f as i64)
        }
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn several_objects_in_one_stream() {
        let s = read_stream("{\"a\": 1.0}\n{\"b\": [true, null]} {}\n");
        assert_eq!(s.error, None);
        let got: Vec<(usize, Value)> = s.values.into_iter().map(|v| (v.offset, v.value)).collect();
        assert_eq!(
            got,
            [
                (0, json!({"a": 1})),
                (11, json!({"b": [true, null]})),
                (31, json!({}))
            ]
        );
    }

    #[test]
    fn syntax_errors_are_worded_like_encoding_json() {
        let e = |t: &str| read_stream(t).error.unwrap().0;
        assert_eq!(
            e("{\"a\": 1,}"),
            "json: offset 9: invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(
            e("{\"a\" 1}"),
            "json: offset 6: invalid character '1' after object key"
        );
        assert_eq!(
            e("{\"a\": tru}"),
            "json: offset 10: invalid character '}' in literal true (expecting 'e')"
        );
        assert_eq!(e("{\"a\": 1"), "unexpected EOF");
        assert_eq!(
            e("{}\n---\n"),
            "json: offset 5: invalid character '-' in numeric literal"
        );
    }

    #[test]
    fn top_level_scalars_end_at_eof() {
        let s = read_stream("{} 5");
        assert_eq!(s.values.len(), 2);
        assert_eq!(s.values[1].value, json!(5));
    }
}
