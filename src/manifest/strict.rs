//! Decoding a JSON value into a k8s-openapi type with the API server's semantics
//! (`runtime/serializer/json` over `sigs.k8s.io/json` in strict mode):
//!
//! - every unknown field is reported with its full path (`spec.template.spec.containers[0].x`),
//!   in the order the server meets them (kubectl sends keys sorted, as `serde_json` keeps them);
//! - a value of the wrong JSON type is an error in Go's words (`json: cannot unmarshal string
//!   into Go struct field StatefulSetSpec.spec.replicas of type int32`); decoding goes on after
//!   it, as Go's does, and the first such error wins over the strict errors;
//! - errors that Go types raise from their own `UnmarshalJSON` (quantities, int-or-strings,
//!   times) stop decoding at once and win over everything;
//! - `null` means "zero value" wherever k8s-openapi would otherwise refuse it; numbers given
//!   for quantities become their JSON text; missing fields that k8s-openapi insists on get
//!   Go's zero value, so that validation (not decoding) reports them.
//!
//! The decoder is a `serde::Deserializer` over `serde_json::Value` that k8s-openapi's own
//! `Deserialize` impls drive; it learns struct names and field lists from
//! `deserialize_struct`, and the remaining type names from [`super::gotypes`].

use std::cell::RefCell;
use std::fmt;

use serde::Deserialize;
use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::gotext;
use super::gotypes;
use crate::api::{Kind, Object, quantity, types};

/// How the server treats unknown and duplicate fields (`fieldValidation=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    /// Reject the request (`kubectl --validate=strict`, the default).
    #[default]
    Strict,
    /// Accept it and return each problem as a warning (`--validate=warn`).
    Warn,
    /// Drop unknown fields silently (`--validate=false`).
    Ignore,
}

/// The outcome of a decode, before it is phrased for a kind.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// Decoded; strict problems (if any were allowed through) listed.
    Ok(T, Vec<String>),
    /// A fatal error in Go's words.
    Malformed(String),
    /// Strict field validation failed.
    Strict(Vec<String>),
}

/// Decodes `value` as `kind`, with the API server's semantics.
pub(crate) fn decode_object(
    kind: Kind,
    value: &Value,
    validation: FieldValidation,
    duplicates: &[String],
) -> Outcome<Object> {
    macro_rules! run {
        ($($variant:ident),* $(,)?) => {
            match kind {
                $(Kind::$variant => map(decode::<types::$variant>(value, validation, duplicates),
                    Object::$variant),)*
            }
        };
    }
    run!(
        Namespace,
        Node,
        PersistentVolume,
        StorageClass,
        ConfigMap,
        Secret,
        ServiceAccount,
        Service,
        Endpoints,
        EndpointSlice,
        PersistentVolumeClaim,
        StatefulSet,
        ControllerRevision,
        Deployment,
        ReplicaSet,
        DaemonSet,
        Job,
        CronJob,
        Pod,
        PodDisruptionBudget,
        Event,
        Lease,
    )
}

fn map<T, U>(o: Outcome<T>, f: impl FnOnce(T) -> U) -> Outcome<U> {
    match o {
        Outcome::Ok(t, w) => Outcome::Ok(f(t), w),
        Outcome::Malformed(m) => Outcome::Malformed(m),
        Outcome::Strict(s) => Outcome::Strict(s),
    }
}

/// Decodes any k8s-openapi type with Go's semantics.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    value: &Value,
    validation: FieldValidation,
    duplicates: &[String],
) -> Outcome<T> {
    let shared = RefCell::new(Shared {
        report_unknown: validation != FieldValidation::Ignore,
        duplicates: if validation == FieldValidation::Ignore {
            vec![]
        } else {
            duplicates.to_vec()
        },
        ..Shared::default()
    });
    let de = De {
        value,
        shared: &shared,
        loc: Loc::default(),
    };
    let result = T::deserialize(de);
    let shared = shared.into_inner();
    if let Some(fatal) = shared.fatal {
        return Outcome::Malformed(fatal);
    }
    match result {
        Err(e) => Outcome::Malformed(shared.saved.unwrap_or(e.0)),
        Ok(_) if shared.saved.is_some() => Outcome::Malformed(shared.saved.unwrap_or_default()),
        Ok(t) => match validation {
            FieldValidation::Strict if !shared.strict.is_empty() => Outcome::Strict(shared.strict),
            _ => Outcome::Ok(t, shared.strict),
        },
    }
}

/// Errors and strict findings collected while decoding.
#[derive(Debug, Default)]
struct Shared {
    /// The first error returned by a Go `UnmarshalJSON` (aborts decoding).
    fatal: Option<String>,
    /// The first type mismatch (Go's `savedError`).
    saved: Option<String>,
    /// `unknown field "..."`/`duplicate field "..."`, deduplicated, at most 100.
    strict: Vec<String>,
    report_unknown: bool,
    /// Paths given twice in the source, reported when the decoder reaches them.
    duplicates: Vec<String>,
}

impl Shared {
    fn strict_error(&mut self, message: String) {
        if self.strict.len() < 100 && !self.strict.contains(&message) {
            self.strict.push(message);
        }
    }
}

/// Where the decoder is: the strict path (`a.b[0].c`) and Go's error context (the innermost
/// struct whose field is being decoded, and the dotted field names from the root).
#[derive(Clone, Debug, Default)]
struct Loc {
    strict_path: String,
    go_fields: String,
    go_struct: &'static str,
    field: String,
}

impl Loc {
    fn field(&self, go_struct: &'static str, key: &str) -> Loc {
        Loc {
            strict_path: join(&self.strict_path, key),
            go_fields: join(&self.go_fields, key),
            go_struct,
            field: key.to_string(),
        }
    }

    fn map_entry(&self, key: &str) -> Loc {
        Loc {
            strict_path: join(&self.strict_path, key),
            ..self.clone()
        }
    }

    fn element(&self, i: usize) -> Loc {
        Loc {
            strict_path: format!("{}[{i}]", self.strict_path),
            ..self.clone()
        }
    }

    /// `json: cannot unmarshal <what> into Go struct field S.a.b of type T`.
    fn type_error(&self, what: &str, go_type: &str) -> String {
        if self.go_struct.is_empty() && self.go_fields.is_empty() {
            format!("json: cannot unmarshal {what} into Go value of type {go_type}")
        } else {
            format!(
                "json: cannot unmarshal {what} into Go struct field {}.{} of type {go_type}",
                self.go_struct, self.go_fields
            )
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The error type of the decoder; its text is only used when nothing better was recorded.
#[derive(Debug)]
pub(crate) struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

fn expecting(visitor: &dyn Expected) -> String {
    format!("{visitor}")
}

const BASE64_EXPECTING: &str = "a base64-encoded string";

struct De<'a> {
    value: &'a Value,
    shared: &'a RefCell<Shared>,
    loc: Loc,
}

impl<'a> De<'a> {
    fn at(&self, value: &'a Value, loc: Loc) -> De<'a> {
        De {
            value,
            shared: self.shared,
            loc,
        }
    }

    /// Records a Go type mismatch (the first one wins), naming the Go type through the
    /// table when the field has a named type.
    fn mismatch(&self, go_type: impl FnOnce() -> String) {
        let mut shared = self.shared.borrow_mut();
        if shared.saved.is_none() {
            let go_type = gotypes::named_field_type(self.loc.go_struct, &self.loc.field)
                .map(str::to_string)
                .unwrap_or_else(go_type);
            shared.saved = Some(self.loc.type_error(gotext::json_kind(self.value), &go_type));
        }
    }

    /// Records an error returned by a Go `UnmarshalJSON` and aborts.
    fn fatal(&self, message: String) -> DeError {
        let mut shared = self.shared.borrow_mut();
        if shared.fatal.is_none() {
            shared.fatal = Some(message.clone());
        }
        DeError(message)
    }

    fn int<V: Visitor<'a>>(
        self,
        visitor: V,
        go_type: &'static str,
        min: i64,
        max: u64,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    if i >= min && (i < 0 || i as u64 <= max) {
                        return visitor.visit_i64(i);
                    }
                } else if let Some(u) = n.as_u64()
                    && u <= max
                {
                    return visitor.visit_u64(u);
                }
                let mut shared = self.shared.borrow_mut();
                if shared.saved.is_none() {
                    let what = format!("number {}", gotext::json_number(n));
                    shared.saved = Some(self.loc.type_error(&what, go_type));
                }
                drop(shared);
                visitor.visit_i64(0)
            }
            Value::Null => visitor.visit_i64(0),
            _ => {
                self.mismatch(|| go_type.to_string());
                visitor.visit_i64(0)
            }
        }
    }

    fn any_value<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(0.0))
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                parent: self,
            }),
            Value::Object(map) => visitor.visit_map(Entries {
                entries: map.iter(),
                pending: None,
                parent: self,
            }),
        }
    }

    /// `intstr.IntOrString.UnmarshalJSON`: a string, or a JSON number that fits an int32.
    fn int_or_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::String(s) => visitor.visit_str(s),
            Value::Null => visitor.visit_i32(0),
            Value::Number(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
                Some(i) => visitor.visit_i32(i),
                None => {
                    let what = format!("number {}", gotext::json_number(n));
                    Err(self.fatal(self.loc.type_error(&what, "int32")))
                }
            },
            other => Err(self.fatal(self.loc.type_error(gotext::json_kind(other), "int32"))),
        }
    }

    /// `resource.Quantity.UnmarshalJSON`: the JSON text (unquoted) must parse as a quantity.
    fn quantity<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = match self.value {
            Value::Null => "0".to_string(),
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => gotext::json_number(n),
            other => gotext::json_marshal(other),
        };
        if let Some(problem) = quantity::decode_error(&text) {
            return Err(self.fatal(problem.to_string()));
        }
        visitor.visit_newtype_struct(text.into_deserializer())
    }

    /// `metav1.Time.UnmarshalJSON` (and `MicroTime`): an RFC 3339 string.
    fn time<V: Visitor<'a>>(self, visitor: V, layout: &str) -> Result<V::Value, DeError> {
        let text = match self.value {
            Value::Null => GO_ZERO_TIME.to_string(),
            Value::String(s) => s.clone(),
            other => {
                return Err(self.fatal(self.loc.type_error(gotext::json_kind(other), "string")));
            }
        };
        if text.parse::<k8s_openapi::jiff::Timestamp>().is_err() {
            return Err(self.fatal(format!(
                "parsing time {} as \"{layout}\": cannot parse {} as \"2006\"",
                gotext::quote(&text),
                gotext::quote(&text)
            )));
        }
        visitor.visit_newtype_struct(text.into_deserializer())
    }

    /// A type mismatch at a sequence: names the element type by letting the visitor decode
    /// one zero element through a probe, then records the error.
    fn seq_mismatch<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let probe = RefCell::new(None);
        let result = visitor.visit_seq(ProbeSeq {
            probe: &probe,
            done: false,
        });
        let elem = probed_type(probe);
        self.mismatch(|| format!("[]{elem}"));
        result
    }

    fn map_mismatch<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DeError> {
        let probe = RefCell::new(None);
        let result = visitor.visit_map(ProbeMap {
            probe: &probe,
            state: 0,
        });
        let elem = probed_type(probe);
        self.mismatch(|| format!("map[string]{elem}"));
        result
    }
}

macro_rules! int_methods {
    ($($method:ident => $go:literal, $min:expr, $max:expr;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                self.int(visitor, $go, $min, $max)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for De<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match expecting(&visitor).as_str() {
            "IntOrString" => self.int_or_string(visitor),
            _ => self.any_value(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Null => visitor.visit_bool(false),
            _ => {
                self.mismatch(|| "bool".to_string());
                visitor.visit_bool(false)
            }
        }
    }

    int_methods! {
        deserialize_i8 => "int8", i8::MIN as i64, i8::MAX as u64;
        deserialize_i16 => "int16", i16::MIN as i64, i16::MAX as u64;
        deserialize_i32 => "int32", i32::MIN as i64, i32::MAX as u64;
        deserialize_i64 => "int64", i64::MIN, i64::MAX as u64;
        deserialize_u8 => "uint8", 0, u8::MAX as u64;
        deserialize_u16 => "uint16", 0, u16::MAX as u64;
        deserialize_u32 => "uint32", 0, u32::MAX as u64;
        deserialize_u64 => "uint64", 0, u64::MAX;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Number(n) => visitor.visit_f64(n.as_f64().unwrap_or(0.0)),
            Value::Null => visitor.visit_f64(0.0),
            _ => {
                self.mismatch(|| "float64".to_string());
                visitor.visit_f64(0.0)
            }
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let base64 = expecting(&visitor) == BASE64_EXPECTING;
        match self.value {
            Value::String(s) if base64 => {
                if let Some(at) = base64_error(s) {
                    let mut shared = self.shared.borrow_mut();
                    if shared.saved.is_none() {
                        shared.saved = Some(format!("illegal base64 data at input byte {at}"));
                    }
                    drop(shared);
                    return visitor.visit_str("");
                }
                visitor.visit_str(s)
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Null => visitor.visit_str(""),
            _ => {
                self.mismatch(|| if base64 { "[]uint8" } else { "string" }.to_string());
                visitor.visit_str("")
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match name {
            "Quantity" => self.quantity(visitor),
            "Time" => self.time(visitor, "2006-01-02T15:04:05Z07:00"),
            "MicroTime" => self.time(visitor, "2006-01-02T15:04:05.000000Z07:00"),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                parent: self,
            }),
            Value::Null => visitor.visit_seq(ProbeSeq {
                probe: &RefCell::new(None),
                done: true,
            }),
            _ => self.seq_mismatch(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Entries {
                entries: map.iter(),
                pending: None,
                parent: self,
            }),
            Value::Null => visitor.visit_map(Empty),
            _ => self.map_mismatch(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::Object(map) => {
                let zeros = REQUIRED_ZEROES
                    .iter()
                    .filter(|(s, f, _)| *s == name && !map.contains_key(*f))
                    .map(|(_, f, v)| (*f, Value::String((*v).to_string())))
                    .collect();
                visitor.visit_map(Fields {
                    entries: map.iter(),
                    zeros,
                    pending: None,
                    name,
                    fields,
                    parent: self,
                })
            }
            Value::Null => visitor.visit_map(Empty),
            _ => {
                self.mismatch(|| gotypes::struct_type(name));
                visitor.visit_map(Empty)
            }
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(DeError(format!("cannot decode {name}")))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// Fields k8s-openapi requires that Go leaves at their zero value when absent:
/// `(struct, field, zero value as JSON string)`.
const REQUIRED_ZEROES: &[(&str, &str, &str)] = &[("Condition", "lastTransitionTime", "")];

struct Seq<'a, I> {
    items: I,
    index: usize,
    parent: De<'a>,
}

impl<'a, I: Iterator<Item = &'a Value>> SeqAccess<'a> for Seq<'a, I> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'a>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let loc = self.parent.loc.element(self.index);
        self.index += 1;
        seed.deserialize(self.parent.at(item, loc)).map(Some)
    }
}

/// A JSON object decoded as a Go map: keys are map keys, the Go error context stays.
struct Entries<'a, I> {
    entries: I,
    pending: Option<(&'a String, &'a Value)>,
    parent: De<'a>,
}

impl<'a, I: Iterator<Item = (&'a String, &'a Value)>> MapAccess<'a> for Entries<'a, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((k, v));
        let path = join(&self.parent.loc.strict_path, k);
        report_duplicate(self.parent.shared, &path);
        let key: StrDeserializer<'_, DeError> = k.as_str().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'a>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let Some((k, v)) = self.pending.take() else {
            return Err(DeError("value without a key".to_string()));
        };
        let loc = self.parent.loc.map_entry(k);
        seed.deserialize(self.parent.at(v, loc))
    }
}

fn report_duplicate(shared: &RefCell<Shared>, path: &str) {
    let mut shared = shared.borrow_mut();
    if shared.duplicates.iter().any(|d| d == path) {
        shared.strict_error(format!("duplicate field {}", gotext::quote(path)));
    }
}

/// A JSON object decoded as a Go struct: unknown keys are strict errors.
struct Fields<'a, I> {
    entries: I,
    zeros: Vec<(&'static str, Value)>,
    pending: Option<(&'a str, Option<&'a Value>)>,
    name: &'static str,
    fields: &'static [&'static str],
    parent: De<'a>,
}

impl<'a, I: Iterator<Item = (&'a String, &'a Value)>> MapAccess<'a> for Fields<'a, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let key: &'a str = match self.entries.next() {
            Some((k, v)) => {
                self.pending = Some((k.as_str(), Some(v)));
                k.as_str()
            }
            None => match self.zeros.first() {
                Some((k, _)) => {
                    self.pending = Some((k, None));
                    k
                }
                None => return Ok(None),
            },
        };
        if self.pending.is_some_and(|(_, v)| v.is_some()) {
            let path = join(&self.parent.loc.strict_path, key);
            if !self.fields.contains(&key) {
                let mut shared = self.parent.shared.borrow_mut();
                if shared.report_unknown {
                    shared.strict_error(format!("unknown field {}", gotext::quote(&path)));
                }
            } else {
                report_duplicate(self.parent.shared, &path);
            }
        }
        let key: StrDeserializer<'_, DeError> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'a>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        match self.pending.take() {
            Some((k, Some(v))) => {
                let loc = self.parent.loc.field(self.name, k);
                seed.deserialize(self.parent.at(v, loc))
            }
            Some((k, None)) => {
                let zero = if self.zeros.is_empty() {
                    Value::Null
                } else {
                    self.zeros.remove(0).1
                };
                let loc = self.parent.loc.field(self.name, k);
                let de = De {
                    value: &zero,
                    shared: self.parent.shared,
                    loc,
                };
                // The zero value is owned here: decode it eagerly through a fresh lifetime.
                seed.deserialize(Owned(de))
            }
            None => Err(DeError("value without a key".to_string())),
        }
    }
}

/// A decoder over a value that does not live as long as the document (a synthesized zero):
/// strings are handed over by value.
struct Owned<'b>(De<'b>);

impl<'de> de::Deserializer<'de> for Owned<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.value {
            Value::String(s) => visitor.visit_string(s.clone()),
            _ => visitor.visit_unit(),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match name {
            "Time" | "MicroTime" => visitor.visit_newtype_struct(GO_ZERO_TIME.into_deserializer()),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An empty map (what Go leaves for `null` or after a type mismatch).
struct Empty;

impl<'de> MapAccess<'de> for Empty {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        _: K,
    ) -> Result<Option<K::Value>, DeError> {
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, _: S) -> Result<S::Value, DeError> {
        Err(DeError("value without a key".to_string()))
    }
}

/// A one-element sequence whose element records the Go name of its type.
struct ProbeSeq<'p> {
    probe: &'p RefCell<Option<String>>,
    done: bool,
}

impl<'de> SeqAccess<'de> for ProbeSeq<'_> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize(Probe { probe: self.probe }).map(Some)
    }
}

/// A one-entry map whose value records the Go name of its type.
struct ProbeMap<'p> {
    probe: &'p RefCell<Option<String>>,
    state: u8,
}

impl<'de> MapAccess<'de> for ProbeMap<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.state > 0 {
            return Ok(None);
        }
        self.state = 1;
        let key: StrDeserializer<'_, DeError> = "".into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        seed.deserialize(Probe { probe: self.probe })
    }
}

/// Go's name for a type the probe learned nothing about (`interface {}`).
const GO_ANY: &str = "interface {}";

/// The zero `metav1.Time` as it serializes.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The Go name a probe recorded for an element type, or [`GO_ANY`] when the visitor decoded
/// no element.
fn probed_type(probe: RefCell<Option<String>>) -> String {
    probe.into_inner().unwrap_or_else(|| GO_ANY.to_string())
}

/// Decodes a zero value while recording the Go name of the requested type (the first
/// request wins, so wrappers name themselves before their contents).
struct Probe<'p> {
    probe: &'p RefCell<Option<String>>,
}

impl Probe<'_> {
    fn record(&self, name: impl FnOnce() -> String) {
        let mut p = self.probe.borrow_mut();
        if p.is_none() {
            *p = Some(name());
        }
    }

    fn nested(&self) -> (RefCell<Option<String>>, bool) {
        (RefCell::new(None), self.probe.borrow().is_none())
    }
}

macro_rules! probe_scalars {
    ($($method:ident => $go:literal, $visit:ident($zero:expr);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                self.record(|| $go.to_string());
                visitor.$visit($zero)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if expecting(&visitor) == "IntOrString" {
            self.record(|| "intstr.IntOrString".to_string());
            return visitor.visit_i32(0);
        }
        self.record(|| GO_ANY.to_string());
        visitor.visit_unit()
    }

    probe_scalars! {
        deserialize_bool => "bool", visit_bool(false);
        deserialize_i8 => "int8", visit_i8(0);
        deserialize_i16 => "int16", visit_i16(0);
        deserialize_i32 => "int32", visit_i32(0);
        deserialize_i64 => "int64", visit_i64(0);
        deserialize_u8 => "uint8", visit_u8(0);
        deserialize_u16 => "uint16", visit_u16(0);
        deserialize_u32 => "uint32", visit_u32(0);
        deserialize_u64 => "uint64", visit_u64(0);
        deserialize_f32 => "float32", visit_f32(0.0);
        deserialize_f64 => "float64", visit_f64(0.0);
        deserialize_char => "string", visit_str("");
        deserialize_string => "string", visit_str("");
        deserialize_bytes => "[]uint8", visit_str("");
        deserialize_byte_buf => "[]uint8", visit_str("");
        deserialize_identifier => "string", visit_str("");
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let base64 = expecting(&visitor) == BASE64_EXPECTING;
        self.record(|| if base64 { "[]uint8" } else { "string" }.to_string());
        visitor.visit_str("")
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match name {
            "Quantity" => {
                self.record(|| "resource.Quantity".to_string());
                visitor.visit_newtype_struct("0".into_deserializer())
            }
            "Time" | "MicroTime" => {
                self.record(|| format!("v1.{name}"));
                visitor.visit_newtype_struct(GO_ZERO_TIME.into_deserializer())
            }
            _ => {
                self.record(|| gotypes::struct_type(name));
                visitor.visit_newtype_struct(Probe { probe: self.probe })
            }
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let (inner, record) = self.nested();
        let result = visitor.visit_seq(ProbeSeq {
            probe: &inner,
            done: false,
        });
        if record {
            let elem = probed_type(inner);
            self.record(|| format!("[]{elem}"));
        }
        result
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let (inner, record) = self.nested();
        let result = visitor.visit_map(ProbeMap {
            probe: &inner,
            state: 0,
        });
        if record {
            let elem = probed_type(inner);
            self.record(|| format!("map[string]{elem}"));
        }
        result
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.record(|| gotypes::struct_type(name));
        visitor.visit_map(Empty)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(DeError(format!("cannot decode {name}")))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 }
}

/// The offset `encoding/base64.StdEncoding.DecodeString` reports for malformed input
/// (`illegal base64 data at input byte N`), if any.
pub(crate) fn base64_error(s: &str) -> Option<usize> {
    let src = s.as_bytes();
    let valid = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let newline = |c: u8| c == b'\n' || c == b'\r';
    let mut si = 0;
    loop {
        // One quantum of four characters.
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                return if j == 0 { None } else { Some(si - j) };
            }
            let c = src[si];
            si += 1;
            if valid(c) {
                j += 1;
                continue;
            }
            if newline(c) {
                continue;
            }
            if c != b'=' {
                return Some(si - 1);
            }
            // Padding.
            match j {
                0 | 1 => return Some(si - 1),
                2 => {
                    while si < src.len() && newline(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return Some(src.len());
                    }
                    if src[si] != b'=' {
                        return Some(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && newline(src[si]) {
                si += 1;
            }
            return (si < src.len()).then_some(si);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_errors_match_go_offsets() {
        assert_eq!(base64_error("aGVsbG8="), None);
        assert_eq!(base64_error("aGVs\nbG8="), None);
        assert_eq!(base64_error(""), None);
        assert_eq!(base64_error("aGV*"), Some(3));
        assert_eq!(base64_error("aGVsbG8"), Some(4));
        assert_eq!(base64_error("a="), Some(1));
        assert_eq!(base64_error("aGVsbG8=x"), Some(8));
    }

    fn strict(value: Value) -> Outcome<types::Pod> {
        decode::<types::Pod>(&value, FieldValidation::Strict, &[])
    }

    #[test]
    fn unknown_fields_are_listed_in_sorted_key_order() {
        let v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "zzz": 1},
            "spec": {"containers": [{"name": "a", "imagePullPolcy": "x"}], "foo": null}});
        match strict(v) {
            Outcome::Strict(errs) => assert_eq!(
                errs,
                [
                    "unknown field \"metadata.zzz\"",
                    "unknown field \"spec.containers[0].imagePullPolcy\"",
                    "unknown field \"spec.foo\""
                ]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn type_errors_name_go_types() {
        let v = json!({"apiVersion": "v1", "kind": "Pod",
            "spec": {"containers": [{"name": "a", "imagePullPolicy": 3}], "foo": 1}});
        match strict(v) {
            Outcome::Malformed(m) => assert_eq!(
                m,
                "json: cannot unmarshal number into Go struct field \
                 Container.spec.containers.imagePullPolicy of type v1.PullPolicy"
            ),
            other => panic!("{other:?}"),
        }
        let v = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": {"a": 1}}});
        match strict(v) {
            Outcome::Malformed(m) => assert_eq!(
                m,
                "json: cannot unmarshal object into Go struct field PodSpec.spec.containers \
                 of type []v1.Container"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn warn_and_ignore_let_unknown_fields_through() {
        let v = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"foo": 1}});
        match decode::<types::Pod>(&v, FieldValidation::Warn, &[]) {
            Outcome::Ok(_, w) => assert_eq!(w, ["unknown field \"spec.foo\""]),
            other => panic!("{other:?}"),
        }
        match decode::<types::Pod>(&v, FieldValidation::Ignore, &[]) {
            Outcome::Ok(_, w) => assert!(w.is_empty()),
            other => panic!("{other:?}"),
        }
    }
}
