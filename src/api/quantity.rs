//! Resource quantities (`k8s.io/apimachinery/pkg/api/resource`): parsing, comparison and the
//! canonical form the API server stores.
//!
//! [`Quantity::parse`] follows `resource.ParseQuantity` step by step: the same scanner, the
//! same suffix table, the same "fast path" into an `int64Amount` (which decides whether the
//! input string is kept verbatim as the cached serialization) and the same rounding of
//! sub-nano values up to `1n`. [`Quantity`]'s `Display` is `Quantity.String()`: the cached
//! input when upstream keeps it, else `CanonicalizeBytes`.
//!
//! Values never go through floating point: the magnitude is a decimal digit string with a
//! power-of-ten exponent, so arbitrarily large or precise inputs compare exactly.
//!
//! Not modelled: arithmetic (`Add`, `Sub`, `Mul`) and the newer upstream fallbacks that print
//! `DecimalSI` values beyond `E` in exponent form; like v1.35, a value such as `1000E` prints
//! its mantissa without a suffix.

use std::cmp::Ordering;
use std::fmt;

/// Upstream's `splitREString`, quoted in [`QuantityError::FormatWrong`].
pub const SPLIT_REGEX: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// The largest value a `BinarySI` quantity may hold (`math.MaxInt64`); larger inputs are capped.
const MAX_ALLOWED: &str = "9223372036854775807";

/// `maxInt64Factors`: decimal digits that always fit an int64.
const MAX_INT64_FACTORS: i32 = 18;

/// How a quantity prints (`resource.Format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `DecimalExponent`: `12e6`.
    DecimalExponent,
    /// `BinarySI`: `12Mi`.
    BinarySI,
    /// `DecimalSI`: `12M`.
    DecimalSI,
}

impl Format {
    /// The Go constant's value (`"DecimalSI"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DecimalExponent => "DecimalExponent",
            Format::BinarySI => "BinarySI",
            Format::DecimalSI => "DecimalSI",
        }
    }
}

/// Why a string is not a quantity (`ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// The string does not have the shape of a quantity.
    FormatWrong,
    /// The numeric part could not be read.
    Numeric,
    /// The suffix is not a known unit or exponent.
    Suffix,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::FormatWrong => write!(
                f,
                "quantities must match the regular expression '{SPLIT_REGEX}'"
            ),
            QuantityError::Numeric => f.write_str("unable to parse numeric part of quantity"),
            QuantityError::Suffix => f.write_str("unable to parse quantity's suffix"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// A non-negative decimal: `digits × 10^exp`, normalized (no leading or trailing zero digit;
/// zero is no digits).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mag {
    digits: Vec<u8>,
    exp: i64,
}

impl Mag {
    fn zero() -> Mag {
        Mag {
            digits: vec![],
            exp: 0,
        }
    }

    /// From ASCII digits (any may be zero) times `10^exp`.
    fn from_ascii(ascii: &[u8], exp: i64) -> Mag {
        let mut m = Mag {
            digits: ascii.iter().map(|b| b - b'0').collect(),
            exp,
        };
        m.normalize();
        m
    }

    fn normalize(&mut self) {
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Position just above the most significant digit (its power of ten plus one).
    fn top(&self) -> i64 {
        self.digits.len() as i64 + self.exp
    }

    fn cmp(&self, other: &Mag) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        match self.top().cmp(&other.top()) {
            Ordering::Equal => {}
            o => return o,
        }
        let n = self.digits.len().max(other.digits.len());
        for i in 0..n {
            let a = self.digits.get(i).copied().unwrap_or(0);
            let b = other.digits.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }

    /// Multiplies by a small factor.
    fn mul_small(&mut self, factor: u64) {
        let mut carry: u128 = 0;
        for d in self.digits.iter_mut().rev() {
            let v = u128::from(*d) * u128::from(factor) + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        let mut head = vec![];
        while carry > 0 {
            head.push((carry % 10) as u8);
            carry /= 10;
        }
        head.reverse();
        head.append(&mut self.digits);
        self.digits = head;
        self.normalize();
    }

    /// Multiplies by `2^power`.
    fn shl(&mut self, mut power: u32) {
        while power > 0 {
            let step = power.min(32);
            self.mul_small(1u64 << step);
            power -= step;
        }
    }

    /// Adds one unit in the last place (`10^exp`).
    fn increment_last(&mut self) {
        let mut i = self.digits.len();
        loop {
            if i == 0 {
                self.digits.insert(0, 1);
                break;
            }
            i -= 1;
            if self.digits[i] == 9 {
                self.digits[i] = 0;
            } else {
                self.digits[i] += 1;
                break;
            }
        }
        self.normalize();
    }

    /// Rounds a non-zero value up (away from zero) to a multiple of `10^-9`, as
    /// `amount.Round(amount, Nano, inf.RoundUp)` does.
    fn round_up_to_nano(&mut self) {
        if self.is_zero() || self.exp >= -9 {
            return;
        }
        let drop = (-9 - self.exp) as u64;
        if drop >= self.digits.len() as u64 {
            self.digits = vec![1];
            self.exp = -9;
            return;
        }
        let keep = self.digits.len() - drop as usize;
        self.digits.truncate(keep);
        self.exp = -9;
        // Normalized, so the dropped digits were not all zero.
        self.increment_last();
    }

    fn is_integer(&self) -> bool {
        self.is_zero() || self.exp >= 0
    }

    /// The value as an integer, when it is one and fits.
    fn to_u128(&self) -> Option<u128> {
        if !self.is_integer() || self.top() > 38 {
            return None;
        }
        let mut v: u128 = 0;
        for d in &self.digits {
            v = v.checked_mul(10)?.checked_add(u128::from(*d))?;
        }
        for _ in 0..self.exp {
            v = v.checked_mul(10)?;
        }
        Some(v)
    }

    /// `ceil(value / 10^scale)`, when it fits.
    fn ceil_scaled(&self, scale: i64) -> Option<u128> {
        if self.is_zero() {
            return Some(0);
        }
        let e = self.exp - scale;
        if e >= 0 {
            return Mag {
                digits: self.digits.clone(),
                exp: e,
            }
            .to_u128();
        }
        // Normalized: the fractional digits are never all zero, so round up by one.
        let int_len = self.digits.len() as i64 + e;
        let int = if int_len <= 0 {
            0
        } else {
            Mag::from_ascii(
                &self.digits[..int_len as usize]
                    .iter()
                    .map(|d| d + b'0')
                    .collect::<Vec<u8>>(),
                0,
            )
            .to_u128()?
        };
        int.checked_add(1)
    }

    /// `AsCanonicalBytes`: the digits and a power-of-ten exponent that is a multiple of 3,
    /// moving zeros into the mantissa as needed.
    fn canonical_decimal(&self) -> (String, i64) {
        let mut s: String = self.digits.iter().map(|d| char::from(d + b'0')).collect();
        let r = self.exp.rem_euclid(3);
        for _ in 0..r {
            s.push('0');
        }
        (s, self.exp - r)
    }
}

/// A parsed resource quantity (`resource.Quantity`).
///
/// Equality and order are by value, as `Quantity.Cmp` compares: `1000m == 1`.
#[derive(Clone, Debug)]
pub struct Quantity {
    negative: bool,
    mag: Mag,
    format: Format,
    /// The input string, when upstream keeps it as the serialization (`q.s`).
    cached: Option<String>,
    /// `(value, scale)` when the fast path stored an `int64Amount`; `None` for `inf.Dec`.
    int_amount: Option<(i64, i32)>,
}

/// What `parseQuantityString` splits a string into.
struct Parts<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

/// `parseQuantityString`: sign, integer and fraction digits, then the suffix.
fn split_quantity(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut parts = Parts {
        positive: true,
        value: "",
        num: "",
        denom: "",
        suffix: "",
    };
    let mut pos = 0;
    if pos < end {
        match b[0] {
            b'-' => {
                parts.positive = false;
                pos += 1;
            }
            b'+' => pos += 1,
            _ => {}
        }
    }
    // Leading zeros.
    loop {
        if pos >= end {
            parts.num = "0";
            parts.value = "0";
            return Ok(parts);
        }
        if b[pos] == b'0' {
            pos += 1;
        } else {
            break;
        }
    }
    // Integer digits.
    let mut i = pos;
    loop {
        if i >= end {
            parts.num = &s[pos..end];
            parts.value = s;
            return Ok(parts);
        }
        if !b[i].is_ascii_digit() {
            parts.num = &s[pos..i];
            pos = i;
            break;
        }
        i += 1;
    }
    if parts.num.is_empty() {
        parts.num = "0";
    }
    // Fraction digits.
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let mut i = pos;
        loop {
            if i >= end {
                parts.denom = &s[pos..end];
                parts.value = s;
                return Ok(parts);
            }
            if !b[i].is_ascii_digit() {
                parts.denom = &s[pos..i];
                pos = i;
                break;
            }
            i += 1;
        }
    }
    parts.value = &s[..pos];
    // Suffix letters, an optional sign, then digits to the end.
    let suffix_start = pos;
    let mut i = pos;
    loop {
        if i >= end {
            parts.suffix = &s[suffix_start..end];
            return Ok(parts);
        }
        if !b"eEinumkKMGTP".contains(&b[i]) {
            pos = i;
            break;
        }
        i += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    let mut i = pos;
    loop {
        if i >= end {
            parts.suffix = &s[suffix_start..end];
            return Ok(parts);
        }
        if !b[i].is_ascii_digit() {
            break;
        }
        i += 1;
    }
    Err(QuantityError::FormatWrong)
}

/// `quantitySuffixer.interpret`: base, exponent and format of a suffix.
fn interpret_suffix(suffix: &str) -> Option<(u32, i32, Format)> {
    let dec = |e| Some((10, e, Format::DecimalSI));
    let bin = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        s if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            let parsed: i64 = s[1..].parse().ok()?;
            // Go narrows the exponent with int32(parsed).
            Some((10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

fn decimal_suffix(exponent: i64) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

fn binary_suffix(power_of_1024: u32) -> Option<&'static str> {
    Some(match power_of_1024 {
        0 => "",
        1 => "Ki",
        2 => "Mi",
        3 => "Gi",
        4 => "Ti",
        5 => "Pi",
        6 => "Ei",
        _ => return None,
    })
}

impl Quantity {
    /// `resource.ParseQuantity`.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok(Quantity {
                negative: false,
                mag: Mag::zero(),
                format: Format::DecimalSI,
                cached: Some(s.to_string()),
                int_amount: Some((0, 0)),
            });
        }
        let parts = split_quantity(s)?;
        let (base, exponent, format) =
            interpret_suffix(parts.suffix).ok_or(QuantityError::Suffix)?;

        // The fast path: the whole number fits an int64 with a decimal scale.
        let digits = parts.num.len() as i32 + parts.denom.len() as i32;
        let (mut scale, precision, mantissa) = match format {
            Format::DecimalExponent | Format::DecimalSI => {
                (exponent, MAX_INT64_FACTORS - digits, 1i64)
            }
            Format::BinarySI => {
                if exponent >= 0 && parts.denom.is_empty() {
                    let precision =
                        15 - parts.num.len() as i32 - ((exponent as f32) * 3.0 / 10.0) as i32 - 1;
                    (0, precision, 1i64 << exponent)
                } else {
                    (0, -1, 1)
                }
            }
        };
        if precision >= 0 {
            scale -= parts.denom.len() as i32;
            if scale >= -9 {
                let shifted = format!("{}{}", parts.num, parts.denom);
                let value: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
                if let Some(mut result) = value.checked_mul(mantissa) {
                    if !parts.positive {
                        result = -result;
                    }
                    let keeps_string = match format {
                        Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
                        _ => {
                            scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0')
                        }
                    };
                    let mag = Mag::from_ascii(
                        result.unsigned_abs().to_string().as_bytes(),
                        i64::from(scale),
                    );
                    return Ok(Quantity {
                        negative: result < 0,
                        mag,
                        format,
                        cached: keeps_string.then(|| s.to_string()),
                        int_amount: Some((result, scale)),
                    });
                }
            }
        }

        // The slow path, through an arbitrary-precision decimal.
        let numeric = parts.value.trim_start_matches(['+', '-']);
        let (int_part, frac_part) = numeric.split_once('.').unwrap_or((numeric, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(QuantityError::Numeric);
        }
        let mut ascii = int_part.as_bytes().to_vec();
        ascii.extend_from_slice(frac_part.as_bytes());
        let mut mag = Mag::from_ascii(&ascii, -(frac_part.len() as i64));
        if base == 10 {
            if !mag.is_zero() {
                mag.exp += i64::from(exponent);
            }
        } else {
            mag.shl(exponent.max(0) as u32);
        }
        mag.round_up_to_nano();
        let mut format = format;
        if format == Format::BinarySI {
            let max = Mag::from_ascii(MAX_ALLOWED.as_bytes(), 0);
            if mag.cmp(&max) == Ordering::Greater {
                mag = max;
            }
            let one = Mag::from_ascii(b"1", 0);
            if !mag.is_zero() && mag.cmp(&one) == Ordering::Less {
                format = Format::DecimalSI;
            }
        }
        Ok(Quantity {
            negative: !parts.positive && !mag.is_zero(),
            mag,
            format,
            cached: None,
            int_amount: None,
        })
    }

    /// The `int64Amount` (value, scale) that `ParseQuantity`'s fast path stored, or `None` when
    /// the value went through an `inf.Dec`.
    pub fn int64_amount(&self) -> Option<(i64, i32)> {
        self.int_amount
    }

    /// The input string upstream keeps as the serialization (`q.s`), if it keeps it.
    pub fn cached_string(&self) -> Option<&str> {
        self.cached.as_deref()
    }

    /// The format the quantity was written in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.mag.is_zero()
    }

    /// -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        if self.mag.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }

    /// `Quantity.Cmp`: compares values, whatever their formats.
    pub fn cmp_value(&self, other: &Quantity) -> Ordering {
        match (self.sign(), other.sign()) {
            (a, b) if a != b => a.cmp(&b),
            (0, _) => Ordering::Equal,
            (1, _) => self.mag.cmp(&other.mag),
            _ => other.mag.cmp(&self.mag),
        }
    }

    fn scaled_value(&self, scale: i64) -> i64 {
        let magnitude = self.mag.ceil_scaled(scale).unwrap_or(u128::MAX);
        let magnitude = i64::try_from(magnitude).unwrap_or(i64::MAX);
        if self.negative { -magnitude } else { magnitude }
    }

    /// `Quantity.Value()`: the value rounded away from zero to an integer (bytes for memory
    /// and storage), saturating at the `i64` range.
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// `Quantity.MilliValue()`: `ceil(value × 1000)` (millicores for CPU), saturating.
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(-3)
    }

    /// `CanonicalizeBytes`: the canonical form, ignoring any cached input string.
    pub fn canonical(&self) -> String {
        if self.mag.is_zero() {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            let below_1024 = self.mag.cmp(&Mag::from_ascii(b"1024", 0)) == Ordering::Less;
            if below_1024 || !self.mag.is_integer() || self.mag.to_u128().is_none() {
                format = Format::DecimalSI;
            }
        }
        let sign = if self.negative { "-" } else { "" };
        match format {
            Format::BinarySI => {
                let mut v = self.mag.to_u128().unwrap_or(0);
                let mut power = 0;
                while v != 0 && v.is_multiple_of(1024) {
                    v /= 1024;
                    power += 1;
                }
                format!("{sign}{v}{}", binary_suffix(power).unwrap_or(""))
            }
            Format::DecimalSI => {
                let (digits, e) = self.mag.canonical_decimal();
                format!("{sign}{digits}{}", decimal_suffix(e).unwrap_or(""))
            }
            Format::DecimalExponent => {
                let (digits, e) = self.mag.canonical_decimal();
                if e == 0 {
                    format!("{sign}{digits}")
                } else {
                    format!("{sign}{digits}e{e}")
                }
            }
        }
    }

    /// Go's `%#v` of the (v1.35) `resource.Quantity` struct, as field errors print it when a
    /// quantity itself is the bad value (`resource.Quantity{i:resource.int64Amount{value:500,
    /// scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"500m", Format:"DecimalSI"}`).
    /// An `inf.Dec` pointer prints as a fixed fake address: Go prints a heap address there.
    pub fn go_debug(&self) -> String {
        let (value, scale, dec) = match self.int_amount {
            Some((v, s)) => (v, s, "nil"),
            None => (0, 0, "0xc000000000"),
        };
        format!(
            "resource.Quantity{{i:resource.int64Amount{{value:{value}, scale:{scale}}}, d:resource.infDecAmount{{Dec:(*inf.Dec)({dec})}}, s:{}, Format:{}}}",
            crate::api::field::go_quote(self.cached.as_deref().unwrap_or("")),
            crate::api::field::go_quote(self.format.as_str()),
        )
    }
}

impl fmt::Display for Quantity {
    /// `Quantity.String()`: the input kept by the parser, or the canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_value(other)
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        Quantity::parse(s)
    }
}

/// `Quantity.UnmarshalJSON`'s verdict on a quantity's (trimmed) JSON text, as the manifest
/// decoder gives it: [`Quantity::parse`]'s error, and also [`QuantityError::Numeric`] when the
/// number in front of the suffix has no digit at all (`k`, `.`, `+Ki`), which
/// `ParseQuantity`'s fast path would read as zero.
pub fn decode_error(s: &str) -> Option<QuantityError> {
    match Quantity::parse(s) {
        Err(e) => Some(e),
        Ok(_) => {
            let parts = split_quantity(s).ok()?;
            (!parts.value.bytes().any(|b| b.is_ascii_digit())).then_some(QuantityError::Numeric)
        }
    }
}

/// Parses the string inside a `k8s-openapi` quantity, as the API server's decoder does
/// (surrounding spaces are trimmed).
pub fn parse_k8s(
    q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
) -> Result<Quantity, QuantityError> {
    Quantity::parse(q.0.trim())
}

/// The string the API server stores for a `k8s-openapi` quantity, or `None` if it does not
/// parse.
pub fn canonicalize_k8s(
    q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
) -> Option<String> {
    parse_k8s(q).ok().map(|q| q.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parse_errors_have_upstream_texts() {
        assert_eq!(
            Quantity::parse("").unwrap_err().to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        for bad in [
            "1.1.M", "1+1.0M", "aoeu", "0.1am", " 1", "1 ", "1Gix", "10 Gi",
        ] {
            assert_eq!(
                Quantity::parse(bad).unwrap_err(),
                QuantityError::FormatWrong,
                "{bad}"
            );
        }
        for bad in [
            "0.1mi", "-3.01e-", ".5i", "1i", "-3.01i", "1k3", "1Mi-", "1e",
        ] {
            assert_eq!(
                Quantity::parse(bad).unwrap_err(),
                QuantityError::Suffix,
                "{bad}"
            );
        }
        assert_eq!(
            QuantityError::Suffix.to_string(),
            "unable to parse quantity's suffix"
        );
        assert_eq!(Quantity::parse("Ei").unwrap_err(), QuantityError::Numeric);
        assert_eq!(
            QuantityError::Numeric.to_string(),
            "unable to parse numeric part of quantity"
        );
    }

    /// The decoder's message for `s`, if any.
    fn quantity_error(s: &str) -> Option<String> {
        decode_error(s).map(|e| e.to_string())
    }

    #[test]
    fn quantity_errors_match_parse_quantity() {
        for ok in [
            "1", "0", "1Gi", "500m", "0.5", "1e3", "1E", "+1", "-1", ".5", "1.", " ",
        ] {
            let trimmed = ok.trim();
            if trimmed.is_empty() {
                continue;
            }
            assert_eq!(quantity_error(trimmed), None, "{ok}");
        }
        let format = quantity_error("1GB").unwrap();
        assert!(format.starts_with("quantities must match the regular expression"));
        assert_eq!(quantity_error("abc"), Some(format.clone()));
        assert_eq!(quantity_error("true"), Some(format.clone()));
        assert_eq!(quantity_error(""), Some(format));
        assert_eq!(
            quantity_error("1ii").as_deref(),
            Some("unable to parse quantity's suffix")
        );
        assert_eq!(
            quantity_error(".").as_deref(),
            Some("unable to parse numeric part of quantity")
        );
    }

    #[test]
    fn parses_upstream_table_values() {
        // (input, expected value as an exact quantity written canonically)
        let table = [
            ("0", "0"),
            ("0Ki", "0"),
            ("1Ki", "1024"),
            ("8Ki", "8192"),
            ("7Mi", "7340032"),
            ("6Gi", "6442450944"),
            ("3Ei", "3458764513820540928"),
            ("5n", "0.000000005"),
            ("50k", "50000"),
            ("1.01E", "1010000000000000000"),
            ("100.035k", "100035"),
            ("0.0005k", "0.5"),
            ("1.3E+6", "1300000"),
            ("3.001n", "0.000000004"),
            ("1.1E-9", "0.000000002"),
            ("0.0000000001", "0.000000001"),
            ("0.00000012345", "0.000000124"),
            ("9Ei", "9223372036854775807"),
            ("9223372036854775807Ki", "9223372036854775807"),
            ("100.035Ki", "102435.84"),
            ("0.05Gi", "53687091.2"),
            (".001", "0.001"),
            ("1.", "1"),
            ("1.G", "1000000000"),
        ];
        for (input, value) in table {
            assert_eq!(q(input), q(value), "{input}");
        }
    }

    #[test]
    fn parse_remembers_formats() {
        assert_eq!(q("1Ki").format(), Format::BinarySI);
        assert_eq!(q("1e3").format(), Format::DecimalExponent);
        assert_eq!(q("5n").format(), Format::DecimalSI);
        // Rounds up to 2n and leaves binary for values below one.
        assert_eq!(q("0.000000000001Ki").format(), Format::DecimalSI);
    }

    #[test]
    fn canonical_strings_match_upstream() {
        let table = [
            ("0.5", "500m"),
            ("1000Mi", "1000Mi"),
            ("1024Mi", "1Gi"),
            ("1000M", "1G"),
            ("1000", "1k"),
            ("1000m", "1"),
            ("1.5", "1500m"),
            ("1.5Gi", "1536Mi"),
            (".001Ki", "1024m"),
            (".000001Ki", "1024u"),
            (".000000001Ki", "1024n"),
            (".000000000001Ki", "2n"),
            ("0.5Ki", "512"),
            ("1.1Ki", "1126400m"),
            ("1e1", "10"),
            ("1e3", "1e3"),
            ("1E3", "1E3"),
            ("0.5e-2", "5e-3"),
            ("-1000m", "-1"),
            ("1080m", "1080m"),
            ("1.08", "1080m"),
            ("0.001T", "1G"),
            ("1000u", "1m"),
            ("307200Ki", "300Mi"),
            ("9Ei", "9223372036854775807"),
            ("+1Gi", "+1Gi"),
            ("01", "01"),
            ("-0", "0"),
        ];
        for (input, want) in table {
            assert_eq!(q(input).to_string(), want, "{input}");
        }
        // Canonical forms parse back to themselves.
        for s in ["1Gi", "300Mi", "1080m", "1e9", "80e-3", "1n", "3k", "1025"] {
            assert_eq!(q(s).to_string(), s);
        }
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(q("100m").cmp(&q("50m")), Ordering::Greater);
        assert_eq!(q("10000T").cmp(&q("100Gi")), Ordering::Greater);
        assert_eq!(q("1").cmp(&q("1000m")), Ordering::Equal);
        assert_eq!(q("-1").cmp(&q("0")), Ordering::Less);
        assert_eq!(q("-2").cmp(&q("-1")), Ordering::Less);
        assert_eq!(q("1Gi").cmp(&q("1G")), Ordering::Greater);
        assert!(q("500Mi") < q("1Gi"));
    }

    #[test]
    fn converts_to_units_and_millis() {
        assert_eq!(q("1Gi").value(), 1 << 30);
        assert_eq!(q("1.5").value(), 2);
        assert_eq!(q("-1.5").value(), -2);
        assert_eq!(q("250m").milli_value(), 250);
        assert_eq!(q("2").milli_value(), 2000);
        assert_eq!(q("1n").milli_value(), 1);
        assert_eq!(q("100E").value(), i64::MAX);
    }

    #[test]
    fn go_debug_shows_the_int64_amount_and_cached_string() {
        assert_eq!(
            q("500m").go_debug(),
            "resource.Quantity{i:resource.int64Amount{value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"500m\", Format:\"DecimalSI\"}"
        );
        assert_eq!(
            q("0.5").go_debug(),
            "resource.Quantity{i:resource.int64Amount{value:5, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"\", Format:\"DecimalSI\"}"
        );
    }
}
