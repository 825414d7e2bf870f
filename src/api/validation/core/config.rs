//! Namespace, ConfigMap, Secret, ServiceAccount, Node (light) and Event (light, the legacy
//! `core/v1` rules) validation (`pkg/apis/core/validation`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, Secret, ServiceAccount, Taint,
};

use super::{
    is_valid_cidr, md, name_is_path_segment, validate_finalizer_name, validate_generic_object_meta,
};
use crate::api::field::{BadValue, FieldError, Path, go_quote};
use crate::api::names;
use crate::api::validation::meta::{
    self, immutable, json_quote, json_str, name_is_dns_label, name_is_dns_subdomain, too_long,
};
use crate::api::validation::util::{is_config_map_key, quantity, s, validate_nonnegative_quantity};

/// `core.MaxSecretSize` (1 MiB), also the ConfigMap limit.
const MAX_SECRET_SIZE: usize = 1024 * 1024;

/// The `Forbidden` detail for changes to an immutable ConfigMap or Secret.
const IMMUTABLE_SET: &str = "field is immutable when `immutable` is set";

// ----- Namespace -----

/// `ValidateNamespace`: metadata (a cluster-scoped DNS label name), then each
/// `spec.finalizers` entry (upstream names the list, not the entry).
pub(super) fn validate_namespace(ns: &Namespace) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&ns.metadata, false, name_is_dns_label, &md());
    let path = Path::new("spec").child("finalizers");
    for f in ns.spec.iter().flat_map(|sp| sp.finalizers.iter().flatten()) {
        errs.extend(validate_finalizer_name(f, &path));
    }
    errs
}

/// The namespace strategy's `ValidateUpdate`: `ValidateNamespace`, then the metadata update
/// rules.
pub(super) fn validate_namespace_update(new: &Namespace, old: &Namespace) -> Vec<FieldError> {
    let mut errs = validate_namespace(new);
    errs.extend(meta::validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        &md(),
    ));
    errs
}

/// `ValidateNamespaceStatusUpdate`: the phase follows `deletionTimestamp`.
pub(super) fn validate_namespace_status_update(
    new: &Namespace,
    old: &Namespace,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    let phase = new
        .status
        .as_ref()
        .and_then(|st| st.phase.as_deref())
        .unwrap_or("");
    let path = Path::new("status").child("Phase");
    if new.metadata.deletion_timestamp.is_none() {
        if phase != "Active" {
            errs.push(FieldError::invalid(
                &path,
                json_str(phase),
                "may only be 'Active' if `deletionTimestamp` is empty",
            ));
        }
    } else if phase != "Terminating" {
        errs.push(FieldError::invalid(
            &path,
            json_str(phase),
            "may only be 'Terminating' if `deletionTimestamp` is not empty",
        ));
    }
    errs
}

// ----- ConfigMap -----

/// `ValidateConfigMap`: metadata (a DNS subdomain name), keys, no key in both `data` and
/// `binaryData`, at most 1 MiB of values.
pub(super) fn validate_config_map(cm: &ConfigMap) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&cm.metadata, true, name_is_dns_subdomain, &md());
    let empty_bin = BTreeMap::new();
    let binary = cm.binary_data.as_ref().unwrap_or(&empty_bin);
    let mut total = 0usize;
    for (key, value) in cm.data.iter().flatten() {
        let p = Path::new("data").key(key);
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(&p, key, msg));
        }
        if binary.contains_key(key) {
            errs.push(FieldError::invalid(
                &p,
                key,
                "duplicate of key present in binaryData",
            ));
        }
        total += value.len();
    }
    for (key, value) in binary {
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(
                &Path::new("binaryData").key(key),
                key,
                msg,
            ));
        }
        total += value.0.len();
    }
    if total > MAX_SECRET_SIZE {
        // Upstream names the whole object with an empty path.
        errs.push(too_long(&Path::new(""), MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate`: metadata update rules, the frozen contents of an immutable
/// ConfigMap, then `ValidateConfigMap`.
pub(super) fn validate_config_map_update(new: &ConfigMap, old: &ConfigMap) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden(
                &Path::new("immutable"),
                IMMUTABLE_SET,
            ));
        }
        if new.data != old.data {
            errs.push(FieldError::forbidden(&Path::new("data"), IMMUTABLE_SET));
        }
        if new.binary_data != old.binary_data {
            errs.push(FieldError::forbidden(
                &Path::new("binaryData"),
                IMMUTABLE_SET,
            ));
        }
    }
    errs.extend(validate_config_map(new));
    errs
}

// ----- Secret -----

/// A Secret's `data` as the API server validates it: `stringData` merged over `data`, as the
/// conversion to the internal type does.
fn secret_data(secret: &Secret) -> BTreeMap<String, Vec<u8>> {
    let mut data: BTreeMap<String, Vec<u8>> = secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    for (k, v) in secret.string_data.iter().flatten() {
        data.insert(k.clone(), v.as_bytes().to_vec());
    }
    data
}

/// Go's `encoding/json` syntax check (`scanner.go`), with its error texts.
struct GoJsonScanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl GoJsonScanner<'_> {
    const EOF: &'static str = "unexpected end of JSON input";

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn next(&mut self) -> Result<u8, String> {
        let c = self.peek().ok_or_else(|| Self::EOF.to_string())?;
        self.i += 1;
        Ok(c)
    }

    /// `invalid character 'x' <context>`, quoting as Go's `quoteChar` does.
    fn invalid(c: u8, context: &str) -> String {
        let quoted = match c {
            b'\'' => "'\\''".to_string(),
            b'"' => "'\"'".to_string(),
            c => {
                let q = go_quote(&char::from(c).to_string());
                format!("'{}'", &q[1..q.len() - 1])
            }
        };
        format!("invalid character {quoted} {context}")
    }

    fn value(&mut self) -> Result<(), String> {
        self.skip_space();
        match self.next()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            c @ (b'-' | b'0'..=b'9') => self.number(c),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            c => Err(Self::invalid(c, "looking for beginning of value")),
        }
    }

    fn object(&mut self) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.skip_space();
            match self.next()? {
                b'"' => self.string()?,
                c => {
                    return Err(Self::invalid(
                        c,
                        "looking for beginning of object key string",
                    ));
                }
            }
            self.skip_space();
            match self.next()? {
                b':' => {}
                c => return Err(Self::invalid(c, "after object key")),
            }
            self.value()?;
            self.skip_space();
            match self.next()? {
                b',' => {}
                b'}' => return Ok(()),
                c => return Err(Self::invalid(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value()?;
            self.skip_space();
            match self.next()? {
                b',' => {}
                b']' => return Ok(()),
                c => return Err(Self::invalid(c, "after array element")),
            }
        }
    }

    fn string(&mut self) -> Result<(), String> {
        loop {
            match self.next()? {
                b'"' => return Ok(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        for _ in 0..4 {
                            let c = self.next()?;
                            if !c.is_ascii_hexdigit() {
                                return Err(Self::invalid(
                                    c,
                                    "in \\u hexadecimal character escape",
                                ));
                            }
                        }
                    }
                    c => return Err(Self::invalid(c, "in string escape code")),
                },
                c if c < 0x20 => return Err(Self::invalid(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn number(&mut self, first: u8) -> Result<(), String> {
        let lead = if first == b'-' { self.next()? } else { first };
        match lead {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            c => return Err(Self::invalid(c, "in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            match self.next()? {
                c if c.is_ascii_digit() => self.digits(),
                c => return Err(Self::invalid(c, "after decimal point in numeric literal")),
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let mut c = self.next()?;
            if c == b'+' || c == b'-' {
                c = self.next()?;
            }
            if !c.is_ascii_digit() {
                return Err(Self::invalid(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        for expected in word.bytes().skip(1) {
            let c = self.next()?;
            if c != expected {
                return Err(Self::invalid(
                    c,
                    &format!("in literal {word} (expecting '{}')", char::from(expected)),
                ));
            }
        }
        Ok(())
    }
}

/// The error `json.Unmarshal(b, &map[string]interface{}{})` reports, if any: a syntax error
/// with Go's text, or a top-level value that is not an object (or null).
fn go_json_object_error(b: &[u8]) -> Option<String> {
    let mut scan = GoJsonScanner { b, i: 0 };
    scan.skip_space();
    let first = scan.peek();
    if let Err(e) = scan.value() {
        return Some(e);
    }
    scan.skip_space();
    if let Some(c) = scan.peek() {
        return Some(GoJsonScanner::invalid(c, "after top-level value"));
    }
    let kind = match first {
        Some(b'{' | b'n') => return None,
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "bool",
        _ => "number",
    };
    Some(format!(
        "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    ))
}

/// `ValidateSecret`: metadata (a DNS subdomain name), keys, at most 1 MiB of values, then the
/// rules of the well-known types.
pub(super) fn validate_secret(secret: &Secret) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&secret.metadata, true, name_is_dns_subdomain, &md());
    let data_path = Path::new("data");
    let data = secret_data(secret);
    let mut total = 0usize;
    for (key, value) in &data {
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(&data_path.key(key), key, msg));
        }
        total += value.len();
    }
    if total > MAX_SECRET_SIZE {
        errs.push(too_long(&data_path, MAX_SECRET_SIZE));
    }
    let json_key = |key: &str, errs: &mut Vec<FieldError>| match data.get(key) {
        None => errs.push(FieldError::required(&data_path.key(key), "")),
        Some(b) => {
            if let Some(msg) = go_json_object_error(b) {
                errs.push(FieldError::invalid(
                    &data_path.key(key),
                    "<secret contents redacted>",
                    msg,
                ));
            }
        }
    };
    match s(&secret.type_) {
        "kubernetes.io/service-account-token" => {
            let name = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .map_or("", String::as_str);
            if name.is_empty() {
                errs.push(FieldError::required(
                    &md()
                        .child("annotations")
                        .key("kubernetes.io/service-account.name"),
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" => json_key(".dockercfg", &mut errs),
        "kubernetes.io/dockerconfigjson" => json_key(".dockerconfigjson", &mut errs),
        "kubernetes.io/basic-auth"
            if !data.contains_key("username") && !data.contains_key("password") =>
        {
            errs.push(FieldError::required(&data_path.key("username"), ""));
            errs.push(FieldError::required(&data_path.key("password"), ""));
        }
        "kubernetes.io/ssh-auth" if data.get("ssh-privatekey").is_none_or(Vec::is_empty) => {
            errs.push(FieldError::required(&data_path.key("ssh-privatekey"), ""));
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !data.contains_key(key) {
                    errs.push(FieldError::required(&data_path.key(key), ""));
                }
            }
        }
        _ => {}
    }
    errs
}

/// `ValidateSecretUpdate`: metadata update rules, an immutable type, the frozen data of an
/// immutable Secret, then `ValidateSecret`.
pub(super) fn validate_secret_update(new: &Secret, old: &Secret) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(immutable(
        s(&new.type_) != s(&old.type_),
        &Path::new("type"),
        json_str(s(&new.type_)),
    ));
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden(
                &Path::new("immutable"),
                IMMUTABLE_SET,
            ));
        }
        if secret_data(new) != secret_data(old) {
            errs.push(FieldError::forbidden(&Path::new("data"), IMMUTABLE_SET));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

// ----- ServiceAccount -----

/// `ValidateServiceAccount`: metadata only (a DNS subdomain name).
pub(super) fn validate_service_account(sa: &ServiceAccount) -> Vec<FieldError> {
    meta::validate_object_meta(&sa.metadata, true, name_is_dns_subdomain, &md())
}

/// `ValidateServiceAccountUpdate`.
pub(super) fn validate_service_account_update(
    new: &ServiceAccount,
    old: &ServiceAccount,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_service_account(new));
    errs
}

// ----- Node -----

/// The internal `core.Taint` as JSON.
fn json_taint(t: &Taint) -> String {
    format!(
        "{{\"Key\":{},\"Value\":{},\"Effect\":{},\"TimeAdded\":{}}}",
        json_quote(&t.key),
        json_quote(s(&t.value)),
        json_quote(&t.effect),
        meta::json_time(t.time_added.as_ref())
    )
}

/// `validateNodeTaints` (upstream reports them under `metadata.taints`).
fn validate_node_taints(taints: &[Taint], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (i, t) in taints.iter().enumerate() {
        let p = path.index(i);
        errs.extend(
            names::is_qualified_name(&t.key)
                .into_iter()
                .map(|msg| FieldError::invalid(&p.child("key"), &t.key, msg)),
        );
        let value_errs = names::is_label_value(s(&t.value));
        if !value_errs.is_empty() {
            errs.push(FieldError::invalid(
                &p.child("value"),
                s(&t.value),
                value_errs.join(";"),
            ));
        }
        if t.effect.is_empty() {
            errs.push(FieldError::required(&p.child("effect"), ""));
        } else if !matches!(
            t.effect.as_str(),
            "NoSchedule" | "PreferNoSchedule" | "NoExecute"
        ) {
            errs.push(FieldError::not_supported(
                &p.child("effect"),
                json_str(&t.effect),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
        if !seen.insert((t.effect.as_str(), t.key.as_str())) {
            let mut e = FieldError::duplicate(&p, BadValue::Go(json_taint(t)));
            e.detail = "taints must be unique by key and effect pair".into();
            errs.push(e);
        }
    }
    errs
}

/// Resource names whose quantities must be whole numbers (`IsIntegerResourceName`): the
/// standard object counts, and extended resources.
fn is_integer_resource(name: &str) -> bool {
    const INTEGER: [&str; 10] = [
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
        "count/pods",
    ];
    let extended = name.contains('/')
        && !name.contains("kubernetes.io/")
        && !name.starts_with("requests.")
        && !name.starts_with("hugepages-");
    INTEGER.contains(&name) || extended
}

/// `ValidateNodeResources`: capacity and allocatable quantities (upstream paths are
/// `status.capacity.<name>`).
fn validate_node_resources(node: &Node) -> Vec<FieldError> {
    let mut errs = vec![];
    let status = node.status.clone().unwrap_or_default();
    for (field, list) in [
        ("capacity", &status.capacity),
        ("allocatable", &status.allocatable),
    ] {
        for (k, v) in list.iter().flatten() {
            let Some(q) = quantity(v) else { continue };
            let p = Path::new("status").child(field).child(k);
            errs.extend(validate_nonnegative_quantity(&q, &p));
            if is_integer_resource(k) && q.milli_value() % 1000 != 0 {
                // A `resource.Quantity` bad value prints through its String method.
                errs.push(FieldError::invalid(
                    &p,
                    BadValue::Go(q.to_string()),
                    "must be an integer",
                ));
            }
        }
    }
    errs
}

/// `ValidateNode` (light): metadata (a cluster-scoped DNS subdomain name), taints, resources,
/// pod CIDRs.
pub(super) fn validate_node(node: &Node) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&node.metadata, false, name_is_dns_subdomain, &md());
    let spec = node.spec.clone().unwrap_or_default();
    if let Some(taints) = spec.taints.as_ref().filter(|t| !t.is_empty()) {
        errs.extend(validate_node_taints(taints, &md().child("taints")));
    }
    errs.extend(validate_node_resources(node));
    let cidrs = spec.pod_cidrs.clone().unwrap_or_default();
    let cidrs_path = Path::new("spec").child("podCIDRs");
    for (i, c) in cidrs.iter().enumerate() {
        errs.extend(is_valid_cidr(&cidrs_path.index(i), c));
    }
    if cidrs.len() > 1 {
        let v6 = cidrs.iter().filter(|c| c.contains(':')).count();
        if cidrs.len() > 2 || v6 != 1 {
            errs.push(FieldError::invalid(
                &cidrs_path,
                BadValue::string_slice(&cidrs),
                "may specify no more than one CIDR for each IP family",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, c) in cidrs.iter().enumerate() {
            if !seen.insert(c) {
                errs.push(FieldError::duplicate(&cidrs_path.index(i), c));
            }
        }
    }
    errs
}

/// `ValidateNodeUpdate` (light): metadata update rules, resources, unique addresses, pod CIDRs
/// and provider ID set once, taints.
fn validate_node_update_rules(new: &Node, old: &Node) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_node_resources(new));
    let mut seen = BTreeSet::new();
    for (i, a) in new
        .status
        .iter()
        .flat_map(|st| st.addresses.iter().flatten())
        .enumerate()
    {
        if !seen.insert((a.type_.clone(), a.address.clone())) {
            errs.push(FieldError::duplicate(
                &Path::new("status").child("addresses").index(i),
                BadValue::Go(format!(
                    "{{\"Type\":{},\"Address\":{}}}",
                    json_quote(&a.type_),
                    json_quote(&a.address)
                )),
            ));
        }
    }
    let new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    let old_cidrs = old_spec.pod_cidrs.clone().unwrap_or_default();
    let new_cidrs = new_spec.pod_cidrs.clone().unwrap_or_default();
    let cidr_msg = "node updates may not change podCIDR except from \"\" to valid";
    let cidr_path = Path::new("spec").child("podCIDRs");
    if !old_cidrs.is_empty() {
        if old_cidrs.len() != new_cidrs.len() {
            errs.push(FieldError::forbidden(&cidr_path, cidr_msg));
        } else {
            for (o, n) in old_cidrs.iter().zip(&new_cidrs) {
                if o != n {
                    errs.push(FieldError::forbidden(&cidr_path, cidr_msg));
                }
            }
        }
    }
    let old_provider = s(&old_spec.provider_id);
    if !old_provider.is_empty() && old_provider != s(&new_spec.provider_id) {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("providerID"),
            "node updates may not change providerID except from \"\" to valid",
        ));
    }
    if let Some(taints) = new_spec.taints.as_ref().filter(|t| !t.is_empty()) {
        errs.extend(validate_node_taints(taints, &md().child("taints")));
    }
    if s(&new_spec.external_id) != s(&old_spec.external_id) {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("externalID"),
            "may not be updated",
        ));
    }
    errs
}

/// The node strategy's `ValidateUpdate`: `ValidateNode`, then `ValidateNodeUpdate`.
pub(super) fn validate_node_update(new: &Node, old: &Node) -> Vec<FieldError> {
    let mut errs = validate_node(new);
    errs.extend(validate_node_update_rules(new, old));
    errs
}

/// The node status strategy's `ValidateUpdate`: `ValidateNodeUpdate`.
pub(super) fn validate_node_status_update(new: &Node, old: &Node) -> Vec<FieldError> {
    validate_node_update_rules(new, old)
}

// ----- Event -----

/// `legacyValidateEvent` for a `core/v1` request (the only rules `v1` Events get).
fn legacy_validate_event(e: &Event) -> Vec<FieldError> {
    let mut errs = vec![];
    let ns = s(&e.metadata.namespace);
    let involved_ns = s(&e.involved_object.namespace);
    let involved_path = Path::new("involvedObject").child("namespace");
    let mismatch = "does not match event.namespace";
    if e.event_time.is_none() {
        if involved_ns.is_empty() {
            if !ns.is_empty() && ns != "default" {
                errs.push(FieldError::invalid(&involved_path, involved_ns, mismatch));
            }
        } else if ns != involved_ns {
            errs.push(FieldError::invalid(&involved_path, involved_ns, mismatch));
        }
    } else {
        if involved_ns.is_empty() && ns != "default" && ns != "kube-system" {
            errs.push(FieldError::invalid(&involved_path, involved_ns, mismatch));
        }
        // core/v1 calls the reporting controller `source` in these errors.
        let controller = s(&e.reporting_component);
        let controller_path = Path::new("source");
        if controller.is_empty() {
            errs.push(FieldError::required(&controller_path, ""));
        }
        errs.extend(
            names::is_qualified_name(controller)
                .into_iter()
                .map(|msg| FieldError::invalid(&controller_path, controller, msg)),
        );
        for (value, name, limit) in [
            (s(&e.reporting_instance), "reportingInstance", 128),
            (s(&e.action), "action", 128),
            (s(&e.reason), "reason", 128),
        ] {
            if value.is_empty() {
                errs.push(FieldError::required(&Path::new(name), ""));
            }
            if value.len() > limit {
                errs.push(FieldError::invalid(
                    &Path::new(name),
                    "",
                    format!("can have at most {limit} characters"),
                ));
            }
        }
        if s(&e.message).len() > 1024 {
            errs.push(FieldError::invalid(
                &Path::new("message"),
                "",
                "can have at most 1024 characters",
            ));
        }
    }
    for msg in names::is_dns1123_subdomain(ns) {
        errs.push(FieldError::invalid(&Path::new("namespace"), ns, msg));
    }
    errs
}

/// The event strategy's `Validate` (`ValidateEventCreate` for `v1`), then — only when that
/// passes — the generic metadata rules (path-segment names) the registry applies after it.
pub(super) fn validate_event(e: &Event) -> Vec<FieldError> {
    let errs = legacy_validate_event(e);
    if !errs.is_empty() {
        return errs;
    }
    validate_generic_object_meta(&e.metadata, true, name_is_path_segment)
}

/// `ValidateEventUpdate` for `v1`: the legacy rules on the new event (the metadata rules come
/// from the registry's common checks).
pub(super) fn validate_event_update(new: &Event, old: &Event) -> Vec<FieldError> {
    let _ = old;
    legacy_validate_event(new)
}

#[cfg(test)]
mod tests;

// ----- Lease -----

/// `ValidateLease` (`pkg/apis/coordination/validation`): metadata, and the durations and
/// counts that must be positive or non-negative.
pub(super) fn validate_lease(lease: &k8s_openapi::api::coordination::v1::Lease) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&lease.metadata, true, name_is_dns_subdomain, &md());
    let spec = lease.spec.clone().unwrap_or_default();
    let path = Path::new("spec");
    if let Some(d) = spec.lease_duration_seconds
        && d <= 0
    {
        errs.push(FieldError::invalid(
            &path.child("leaseDurationSeconds"),
            i64::from(d),
            "must be greater than 0",
        ));
    }
    if let Some(t) = spec.lease_transitions
        && t < 0
    {
        errs.push(FieldError::invalid(
            &path.child("leaseTransitions"),
            i64::from(t),
            "must be greater than or equal to 0",
        ));
    }
    errs
}

/// `ValidateLeaseUpdate`.
pub(super) fn validate_lease_update(
    new: &k8s_openapi::api::coordination::v1::Lease,
    old: &k8s_openapi::api::coordination::v1::Lease,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_lease(new));
    errs
}
