//! `kubectl describe` (`k8s.io/kubectl/pkg/describe`): Pod, StatefulSet, Deployment,
//! PersistentVolumeClaim, PersistentVolume, Service and Node, as pure functions of the object,
//! its related objects (events, the set's pods, the claim's users, ...) and `now`.
//!
//! Layout: everything goes through Go's `text/tabwriter` with describe's settings
//! ([`super::tabwriter::TabConfig::DESCRIBE`]); a line without a tab ends the current column
//! block, which is why `Containers:` or `Events:` restart the alignment. Timestamps print in
//! `RFC1123Z` (in UTC), ages with `HumanDuration`, and the events table as `Type Reason Age
//! From Message` with `<age> (x<count> over <first age>)` for repeated events.
//!
//! Pass `events: None` for `--show-events=false` (no `Events:` section at all) and
//! `Some(&[])` for an object without events (`Events:  <none>`).

mod node;
mod pod;
mod storage;
mod workloads;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Toleration};

use super::duration::{translate_micro_timestamp_since, translate_timestamp_since};
use super::table::escape_terminal;
use super::tabwriter::TabWriter;
use crate::engine::time::SimTime;

pub use node::describe_node;
pub use pod::describe_pod;
pub use storage::{describe_persistent_volume, describe_persistent_volume_claim, pods_using_claim};
pub use workloads::{describe_deployment, describe_service, describe_statefulset};

/// describe's `PrefixWriter` over a tabwriter: two spaces per level, terminal escaping.
pub(crate) struct PrefixWriter {
    w: TabWriter,
}

pub(crate) const L0: usize = 0;
pub(crate) const L1: usize = 1;
pub(crate) const L2: usize = 2;
pub(crate) const L3: usize = 3;

impl PrefixWriter {
    pub(crate) fn new() -> Self {
        PrefixWriter {
            w: TabWriter::describe(),
        }
    }

    /// `Write(level, ...)`: the already formatted text, indented.
    pub(crate) fn write(&mut self, level: usize, text: &str) {
        let s = format!("{}{text}", "  ".repeat(level));
        self.w.write(&escape_terminal(&s));
    }

    /// `WriteLine(...)`: the text and a newline, not indented.
    pub(crate) fn write_line(&mut self, text: &str) {
        self.w.write(&escape_terminal(&format!("{text}\n")));
    }

    pub(crate) fn finish(mut self) -> String {
        self.w.finish()
    }
}

/// `printLabelsMultilineWithIndent`.
pub(crate) fn print_labels_multiline_indent(
    w: &mut PrefixWriter,
    initial_indent: &str,
    title: &str,
    labels: Option<&BTreeMap<String, String>>,
) {
    w.write(L0, &format!("{initial_indent}{title}:\t"));
    let labels = match labels {
        Some(l) if !l.is_empty() => l,
        _ => {
            w.write_line("<none>");
            return;
        }
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.write(L0, initial_indent);
            w.write(L0, "\t");
        }
        w.write(L0, &format!("{k}={v}\n"));
    }
}

/// `printLabelsMultiline`.
pub(crate) fn print_labels_multiline(
    w: &mut PrefixWriter,
    title: &str,
    labels: Option<&BTreeMap<String, String>>,
) {
    print_labels_multiline_indent(w, "", title, labels);
}

const MAX_ANNOTATION_LEN: usize = 140;

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}...", &s[..cut])
    } else {
        s.to_string()
    }
}

/// `printAnnotationsMultiline`: skips the last-applied configuration; long or multi-line
/// values go on their own lines, cut at 138 bytes.
pub(crate) fn print_annotations_multiline(
    w: &mut PrefixWriter,
    title: &str,
    annotations: Option<&BTreeMap<String, String>>,
) {
    w.write(L0, &format!("{title}:\t"));
    let keys: Vec<(&String, &String)> = annotations
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.write_line("<none>");
        return;
    }
    let indent = "\t";
    for (i, (k, v)) in keys.iter().enumerate() {
        if i != 0 {
            w.write(L0, indent);
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(L0, &format!("{k}:\n"));
            for s in value.split('\n') {
                w.write(
                    L0,
                    &format!("{indent}  {}\n", shorten(s, MAX_ANNOTATION_LEN - 2)),
                );
            }
        } else {
            w.write(L0, &format!("{k}: {value}\n"));
        }
    }
}

/// `printTolerationsMultilineWithIndent`.
pub(crate) fn print_tolerations(
    w: &mut PrefixWriter,
    initial_indent: &str,
    title: &str,
    tolerations: Option<&Vec<Toleration>>,
) {
    w.write(L0, &format!("{initial_indent}{title}:\t"));
    let mut tolerations: Vec<&Toleration> = tolerations.into_iter().flatten().collect();
    if tolerations.is_empty() {
        w.write_line("<none>");
        return;
    }
    tolerations.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in tolerations.iter().enumerate() {
        if i != 0 {
            w.write(L0, initial_indent);
            w.write(L0, "\t");
        }
        let key = t.key.as_deref().unwrap_or("");
        let value = t.value.as_deref().unwrap_or("");
        let effect = t.effect.as_deref().unwrap_or("");
        let mut s = key.to_string();
        if !value.is_empty() {
            s.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            s.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            if !key.is_empty() || !effect.is_empty() {
                s.push_str(" op=Exists");
            } else {
                s.push_str("op=Exists");
            }
        }
        if let Some(secs) = t.toleration_seconds {
            s.push_str(&format!(" for {secs}s"));
        }
        s.push('\n');
        w.write(L0, &s);
    }
}

/// `DescribeEvents`: `Events:  <none>`, or the table sorted by last timestamp.
pub(crate) fn describe_events(w: &mut PrefixWriter, events: Option<&[Event]>, now: SimTime) {
    let Some(events) = events else {
        return;
    };
    if events.is_empty() {
        w.write(L0, "Events:\t<none>\n");
        return;
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| {
        let ka = a.last_timestamp.as_ref().map(|t| t.0);
        let kb = b.last_timestamp.as_ref().map(|t| t.0);
        ka.cmp(&kb)
    });
    w.write(L0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(L1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = match &e.event_time {
            Some(t) => translate_micro_timestamp_since(Some(t), now),
            None => translate_timestamp_since(e.first_timestamp.as_ref(), now),
        };
        let count = e.count.unwrap_or(0);
        let interval = if let Some(series) = &e.series {
            format!(
                "{} (x{} over {first})",
                translate_micro_timestamp_since(series.last_observed_time.as_ref(), now),
                series.count.unwrap_or(0)
            )
        } else if count > 1 {
            format!(
                "{} (x{count} over {first})",
                translate_timestamp_since(e.last_timestamp.as_ref(), now)
            )
        } else {
            first
        };
        let mut source = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .unwrap_or_default();
        if source.is_empty() {
            source = e.reporting_component.clone().unwrap_or_default();
        }
        let mut message = e.message.clone().unwrap_or_default().trim().to_string();
        if let Some(fp) = e.involved_object.field_path.as_deref()
            && !fp.is_empty()
        {
            message = format!("{fp}: {message}");
        }
        w.write(
            L1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{message}\n",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or("")
            ),
        );
    }
}

/// Go's `%v` of a `[]string`: `[a b]`.
pub(crate) fn go_string_slice(v: Option<&Vec<String>>) -> String {
    format!("[{}]", v.map(|v| v.join(" ")).unwrap_or_default())
}

/// The events of `events` that are about the object with this kind, namespace, name and uid
/// (what describe's field selector asks the API server for).
pub fn events_for(
    events: &[Event],
    kind: &str,
    namespace: &str,
    name: &str,
    uid: &str,
) -> Vec<Event> {
    events
        .iter()
        .filter(|e| {
            let io = &e.involved_object;
            io.name.as_deref() == Some(name)
                && io.namespace.as_deref().unwrap_or("") == namespace
                && (kind.is_empty() || io.kind.as_deref() == Some(kind))
                && (uid.is_empty() || io.uid.as_deref() == Some(uid))
        })
        .cloned()
        .collect()
}
