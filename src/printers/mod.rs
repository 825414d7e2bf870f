//! kubectl's `-o yaml` and `-o json` output, byte for byte.
//!
//! Objects come in as JSON ([`serde_json::Value`], e.g. from `Object::to_json`) and go out as
//! the text kubectl prints for them:
//!
//! - [`to_yaml`] / [`try_to_yaml`] / [`to_yaml_documents`]: kubectl's YAMLPrinter (go-yaml v2's
//!   emitter behind sigs.k8s.io/yaml), see [`yaml`];
//! - [`to_json`] / [`to_json_documents`]: kubectl's JSONPrinter (Go's `json.MarshalIndent` with
//!   four spaces), see [`json`];
//! - [`list`]: the `kind: List` that `kubectl get` prints when it shows several objects (or
//!   none) with `-o yaml` or `-o json`.
//!
//! The fixtures in `src/printers/testdata/` were recorded from the real kubectl
//! (`testdata/record.sh`); the tests compare the printers with them byte for byte.
//!
//! Known differences from kubectl, all outside what Kubernetes objects can hold in practice:
//!
//! - go-yaml's key comparison is not transitive for some key sets (`a1b2` < `a2b` < `a10` <
//!   `a1b2`); kubectl then prints such keys in an order that changes from run to run, this
//!   module in one fixed order. Outside ASCII, its letter and digit classes approximate Go's
//!   `unicode.IsLetter` / `unicode.IsDigit` (combining marks and No digits differ).
//! - For an object with both a character go-yaml refuses and an unreadable key,
//!   [`try_to_yaml`] reports the refused character; kubectl reports whichever its reader meets
//!   first, which differs only for objects of more than a few hundred bytes.
//! - Floats must reach the printers exact: serde_json's default float parsing can be one ulp
//!   off where Go's is exact (its `float_roundtrip` feature fixes that).

pub mod columns;
pub mod custom_columns;
pub mod describe;
pub mod duration;
mod gonum;
pub mod gotemplate;
pub mod json;
pub mod jsonpath;
mod resolve;
pub mod table;
pub mod tabwriter;
pub mod yaml;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_print;

use serde_json::Value;

pub use json::{to_json, to_json_compact, to_json_documents};
pub use yaml::{YamlError, to_yaml, to_yaml_documents, try_to_yaml};

/// The list `kubectl get` prints for several objects (or none) with `-o yaml` / `-o json`:
/// `apiVersion: v1`, the `items`, `kind: List` and `metadata: {resourceVersion: ""}` whatever
/// the server's list said (`printGeneric` in kubectl's `get.go`). The items must carry their
/// `apiVersion` and `kind`, as kubectl fills them in. Print it with [`to_yaml`] or [`to_json`].
pub fn list(items: Vec<Value>) -> Value {
    let mut metadata = serde_json::Map::new();
    metadata.insert("resourceVersion".to_string(), Value::String(String::new()));
    let mut list = serde_json::Map::new();
    list.insert("apiVersion".to_string(), Value::String("v1".to_string()));
    list.insert("items".to_string(), Value::Array(items));
    list.insert("kind".to_string(), Value::String("List".to_string()));
    list.insert("metadata".to_string(), Value::Object(metadata));
    Value::Object(list)
}
