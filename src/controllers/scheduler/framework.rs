//! The scheduling framework's vocabulary: plugins, status codes, and the fit-error text
//! (`framework.FitError.Error`, the preemption `PostFilter` message, event truncation).

use std::collections::BTreeMap;

/// The plugins of the default profile that can reject a pod, in filter order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Plugin {
    NodeUnschedulable,
    TaintToleration,
    NodeAffinity,
    NodePorts,
    NodeResourcesFit,
    VolumeRestrictions,
    VolumeBinding,
    VolumeZone,
    PodTopologySpread,
    InterPodAffinity,
}

impl Plugin {
    pub const ALL: [Plugin; 10] = [
        Plugin::NodeUnschedulable,
        Plugin::TaintToleration,
        Plugin::NodeAffinity,
        Plugin::NodePorts,
        Plugin::NodeResourcesFit,
        Plugin::VolumeRestrictions,
        Plugin::VolumeBinding,
        Plugin::VolumeZone,
        Plugin::PodTopologySpread,
        Plugin::InterPodAffinity,
    ];

    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of plugins (the pod's `UnschedulablePlugins`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PluginSet(u32);

impl PluginSet {
    pub fn insert(&mut self, p: Plugin) {
        self.0 |= p.bit();
    }
    pub fn contains(self, p: Plugin) -> bool {
        self.0 & p.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Plugin> {
        Plugin::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// `fwk.Code` values that filters return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    /// Preemption might help.
    Unschedulable,
    /// Preemption cannot help.
    UnschedulableAndUnresolvable,
}

/// A rejection by one plugin, with its reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Status {
    pub code: Code,
    pub plugin: Option<Plugin>,
    pub reasons: Vec<String>,
}

impl Status {
    pub fn new(code: Code, plugin: Plugin, reason: impl Into<String>) -> Status {
        Status {
            code,
            plugin: Some(plugin),
            reasons: vec![reason.into()],
        }
    }

    pub fn unresolvable(plugin: Plugin, reason: impl Into<String>) -> Status {
        Status::new(Code::UnschedulableAndUnresolvable, plugin, reason)
    }

    pub fn unschedulable(plugin: Plugin, reason: impl Into<String>) -> Status {
        Status::new(Code::Unschedulable, plugin, reason)
    }

    /// `Status.Message()`: the reasons joined with `, `.
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// `NoNodeAvailableMsg`.
fn no_node_available(n: usize) -> String {
    format!("0/{n} nodes are available:")
}

/// The `<count> <reason>` list, sorted as plain strings (`sortReasonsHistogram`).
fn histogram<'a>(statuses: impl Iterator<Item = &'a Status>) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in statuses {
        for r in &s.reasons {
            *counts.entry(r.as_str()).or_insert(0) += 1;
        }
    }
    let mut out: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    out.sort();
    out
}

/// `FitError.Error()`: `0/N nodes are available: <PreFilterMsg>.` or `... <histogram>.`,
/// then ` <PostFilterMsg>` when preemption said something.
pub(crate) fn fit_error_message(
    num_all_nodes: usize,
    prefilter: Option<&Status>,
    node_statuses: &BTreeMap<String, Status>,
    post_filter: &str,
) -> String {
    let mut msg = no_node_available(num_all_nodes);
    match prefilter {
        Some(s) => {
            msg.push_str(&format!(" {}.", s.message()));
        }
        None => {
            let list = histogram(node_statuses.values());
            if !list.is_empty() {
                msg.push_str(&format!(" {}.", list.join(", ")));
            }
        }
    }
    if !post_filter.is_empty() {
        msg.push(' ');
        msg.push_str(post_filter);
    }
    msg
}

/// The reason given to nodes where preemption is pointless.
pub(crate) const PREEMPTION_NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// The reason given to nodes without lower-priority pods.
pub(crate) const NO_PREEMPTION_VICTIMS: &str = "No preemption victims found for incoming pod";

/// The DefaultPreemption `PostFilter` message when no candidate was found:
/// `preemption: 0/N nodes are available: <histogram>.`, where `dry_run` holds the statuses of
/// the nodes where preemption was tried and every other node counts as not helpful.
pub(crate) fn preemption_message(
    num_all_nodes: usize,
    dry_run: &BTreeMap<String, Status>,
) -> String {
    let absent = num_all_nodes.saturating_sub(dry_run.len());
    let not_helpful = Status {
        code: Code::UnschedulableAndUnresolvable,
        plugin: None,
        reasons: vec![PREEMPTION_NOT_HELPFUL.to_string()],
    };
    let mut all: Vec<&Status> = dry_run.values().collect();
    for _ in 0..absent {
        all.push(&not_helpful);
    }
    let inner = format!(
        "{} {}.",
        no_node_available(num_all_nodes),
        histogram(all.into_iter()).join(", ")
    );
    format!("preemption: {inner}")
}

/// `validation.NoteLengthLimit`: the longest event note the API accepts.
const NOTE_LENGTH_LIMIT: usize = 1024;

/// `truncateMessage`: event notes longer than the limit are cut and end with ` ...`.
pub(crate) fn truncate_message(message: &str) -> String {
    if message.len() <= NOTE_LENGTH_LIMIT {
        return message.to_string();
    }
    let mut end = NOTE_LENGTH_LIMIT - 4;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} ...", &message[..end])
}
