//! Numbers as Go prints them: `encoding/json`'s float text and `strconv.FormatFloat(f, 'g', -1,
//! 64)`, plus the number model of apimachinery's unstructured objects (every JSON number is an
//! `int64` or else a `float64`).

use serde_json::Number;

/// The shortest decimal digits that round-trip a finite `f64`, as Go's `strconv` computes them:
/// the value is `0.d1 d2 … dn × 10^dp`. Zero has no digits.
struct Digits {
    is_negative: bool,
    digits: Vec<u8>,
    dp: i64,
}

impl Digits {
    fn of(f: f64) -> Digits {
        // Rust's `{:e}` prints a shortest round-tripping digit string, like Go's shortest mode,
        // but may break a tie between two equally near candidates differently: Go rounds the
        // exact value half to even. So take the length from Rust and round the exact value
        // (Rust prints it in full with enough precision) to that length; keep Rust's digits
        // only when the rounded ones do not read back as `f`.
        let shortest = Digits::parse(&format!("{f:e}"));
        if shortest.digits.is_empty() {
            return shortest;
        }
        let exact = Digits::parse(&format!("{f:.800e}"));
        let nearest = exact.round_half_even(shortest.digits.len());
        if nearest.to_f64() == Some(f) {
            nearest
        } else {
            shortest
        }
    }

    /// Reads Rust's `{:e}` output ("-1.2345e-7", "5e0", "0e0").
    fn parse(text: &str) -> Digits {
        let is_negative = text.starts_with('-');
        let body = text.trim_start_matches('-');
        let (mantissa, exponent) = body.split_once('e').unwrap_or((body, "0"));
        let exponent: i64 = exponent.parse().unwrap_or(0);
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Digits {
                is_negative,
                digits,
                dp: 0,
            };
        }
        Digits {
            is_negative,
            digits,
            dp: exponent + 1,
        }
    }

    /// The first `count` digits, rounded half to even on the rest.
    fn round_half_even(&self, count: usize) -> Digits {
        let mut digits: Vec<u8> = self.digits.iter().take(count).copied().collect();
        let mut dp = self.dp;
        let next = self.digits.get(count).copied().unwrap_or(b'0');
        let rest_is_zero = self.digits.iter().skip(count + 1).all(|&d| d == b'0');
        let last_is_odd = digits.last().is_some_and(|d| (d - b'0') % 2 == 1);
        if next > b'5' || (next == b'5' && (!rest_is_zero || last_is_odd)) {
            let mut carry = true;
            for d in digits.iter_mut().rev() {
                if *d == b'9' {
                    *d = b'0';
                } else {
                    *d += 1;
                    carry = false;
                    break;
                }
            }
            if carry {
                digits.insert(0, b'1');
                digits.pop();
                dp += 1;
            }
        }
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Digits {
            is_negative: self.is_negative,
            digits,
            dp,
        }
    }

    fn to_f64(&self) -> Option<f64> {
        let mut text = String::from(if self.is_negative { "-0." } else { "0." });
        text.extend(self.digits.iter().map(|&d| char::from(d)));
        text.push_str(&format!("e{}", self.dp));
        text.parse().ok()
    }

    fn digit_at(&self, index: i64) -> u8 {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.digits.get(i).copied())
            .unwrap_or(b'0')
    }

    /// Go's `%e` with `prec` digits after the point.
    fn format_e(&self, prec: usize) -> String {
        let mut out = String::new();
        if self.is_negative {
            out.push('-');
        }
        out.push(char::from(self.digit_at(0)));
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(char::from(
                    self.digit_at(i64::try_from(i).unwrap_or(i64::MAX)),
                ));
            }
        }
        out.push('e');
        let exp = if self.digits.is_empty() {
            0
        } else {
            self.dp - 1
        };
        out.push(if exp < 0 { '-' } else { '+' });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            out.push('0');
        }
        out.push_str(&exp.to_string());
        out
    }

    /// Go's `%f` with `prec` digits after the point.
    fn format_f(&self, prec: i64) -> String {
        let mut out = String::new();
        if self.is_negative {
            out.push('-');
        }
        if self.dp > 0 {
            for i in 0..self.dp {
                out.push(char::from(self.digit_at(i)));
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(char::from(self.digit_at(self.dp + i - 1)));
            }
        }
        out
    }

    fn digit_count(&self) -> i64 {
        i64::try_from(self.digits.len()).unwrap_or(i64::MAX)
    }
}

/// `encoding/json`'s text for a `float64`: `%f` for 1e-6 <= |f| < 1e21 (and zero), else `%e`
/// with a one-digit negative exponent cleaned up (`1e-07` becomes `1e-7`).
pub(crate) fn json_float(f: f64) -> String {
    let digits = Digits::of(f);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = digits.format_e(usize::try_from(digits.digit_count() - 1).unwrap_or(0));
        let bytes = text.as_bytes();
        let n = bytes.len();
        if n >= 4 && bytes[n - 4] == b'e' && bytes[n - 3] == b'-' && bytes[n - 2] == b'0' {
            let mut cleaned = text[..n - 2].to_string();
            cleaned.push(char::from(bytes[n - 1]));
            return cleaned;
        }
        text
    } else {
        digits.format_f((digits.digit_count() - digits.dp).max(0))
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`: `%e` when the exponent is < -4 or >= 6 (Go uses 6
/// as the precision for this choice in shortest mode), else `%f`.
pub(crate) fn g_float(f: f64) -> String {
    let digits = Digits::of(f);
    let exp = digits.dp - 1;
    if !(-4..6).contains(&exp) {
        digits.format_e(usize::try_from(digits.digit_count() - 1).unwrap_or(0))
    } else {
        digits.format_f((digits.digit_count() - digits.dp).max(0))
    }
}

/// The JSON text kubectl prints for a number: an `int64` as is, anything else (a fraction, or
/// an integer beyond `int64`) as the `float64` it becomes in an unstructured object.
pub(crate) fn json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    json_float(number_as_f64(n))
}

fn number_as_f64(n: &Number) -> f64 {
    if let Some(u) = n.as_u64() {
        // Precision loss is the point: Go turns an out-of-range integer into a float64.
        #[allow(clippy::cast_precision_loss)]
        return u as f64;
    }
    n.as_f64().unwrap_or(0.0)
}

/// The YAML scalar for a number after sigs.k8s.io/yaml's JSON-to-YAML step: go-yaml reads the
/// JSON text back as an int (signed, then unsigned 64-bit) or else a float, and prints the
/// float with `'g'` formatting.
pub(crate) fn yaml_number(n: &Number) -> String {
    let text = json_number(n);
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    g_float(number_as_f64(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_float_matches_go() {
        let cases = [
            (1.5, "1.5"),
            (3.0, "3"),
            (-0.0, "-0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (-2.5e-7, "-2.5e-7"),
            (1.25e-10, "1.25e-10"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456789.123, "123456789.123"),
            (0.1, "0.1"),
            // Ties between two shortest candidates (the values are exact binary fractions):
            // Go rounds half to even.
            (-(593_507_800_372_254.0 + 0.25), "-593507800372254.2"),
            (92_365_573_009_982.0 + 0.625, "92365573009982.62"),
        ];
        for (f, want) in cases {
            assert_eq!(json_float(f), want, "{f}");
        }
    }

    #[test]
    fn g_float_matches_go() {
        let cases = [
            (1.5, "1.5"),
            (1e21, "1e+21"),
            (1e-6, "1e-06"),
            (1234567.5, "1.2345675e+06"),
            (123456.5, "123456.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e100, "1e+100"),
            (0.0, "0"),
        ];
        for (f, want) in cases {
            assert_eq!(g_float(f), want, "{f}");
        }
    }
}
