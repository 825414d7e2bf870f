//! ControllerRevisions (spec §4.1, §4.7): what a revision stores (`getPatch`), its name and
//! hash (`history.HashControllerRevision`, `ControllerRevisionName`), equality and ordering,
//! and how a revision is applied back to a set (`ApplyRevision`).
//!
//! The revision data is the JSON upstream writes: `{"spec":{"template":{…,"$patch":"replace"}}}`
//! with sorted keys, the template's `metadata.creationTimestamp: null`, and Go's HTML escaping,
//! so the hash of a template that the simulated API server defaulted like a real one is the
//! real hash (spec U3, M5).

use super::predicates::PodRef;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde_json::{Map, Value, json};

use super::error::SyncError;
use super::identity::{new_controller_ref, set_name, set_namespace};

/// `controller.kubernetes.io/hash`: the hash label of a revision.
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// `getPatch` (U1): the strategic merge patch that restores the set's pod template.
pub fn get_patch(set: &StatefulSet) -> Value {
    let template = set
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    let mut template =
        serde_json::to_value(&template).unwrap_or_else(|_| Value::Object(Map::new()));
    if let Value::Object(t) = &mut template {
        // Go encodes the zero ObjectMeta's creationTimestamp as null, and always encodes the
        // (non-pointer) metadata struct.
        let meta = t
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = meta {
            m.entry("creationTimestamp").or_insert(Value::Null);
        }
        t.insert("$patch".into(), Value::String("replace".into()));
    }
    json!({"spec": {"template": template}})
}

/// The bytes Go's `json.Marshal` writes for `data`: keys sorted, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped.
pub fn data_bytes(data: &Value) -> Vec<u8> {
    let text = serde_json::to_string(data).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.into_bytes()
}

/// 32-bit FNV-1 (`hash/fnv.New32`; not FNV-1a).
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(*b);
    }
    h
}

/// `rand.SafeEncodeString`: each character mapped into the alphabet of generated names, so
/// that hashes never spell words.
pub fn safe_encode_string(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.chars()
        .map(|c| ALPHANUMS[(c as usize) % ALPHANUMS.len()] as char)
        .collect()
}

/// `HashControllerRevision` (U3): FNV-1 over the data bytes, then the decimal collision
/// count, rendered as decimal and safe-encoded.
pub fn hash_controller_revision(data: &Value, probe: Option<i32>) -> String {
    let mut bytes = data_bytes(data);
    if let Some(p) = probe {
        bytes.extend_from_slice(p.to_string().as_bytes());
    }
    safe_encode_string(&fnv32(&bytes).to_string())
}

/// `ControllerRevisionName` (I4): `<prefix truncated to 223 bytes>-<hash>`.
pub fn controller_revision_name(prefix: &str, hash: &str) -> String {
    let mut end = prefix.len().min(223);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}-{}", &prefix[..end], hash)
}

/// The revision's data (`null` when absent).
pub fn revision_data(rev: &ControllerRevision) -> &Value {
    static NULL: Value = Value::Null;
    rev.data.as_ref().map_or(&NULL, |d| &d.0)
}

/// The revision's name.
pub fn revision_name(rev: &ControllerRevision) -> &str {
    rev.metadata.name.as_deref().unwrap_or("")
}

/// `newRevision` + `history.NewControllerRevision` (U2): the candidate revision of the set's
/// current template with number `revision`, labelled with the template labels and the hash,
/// annotated with the set's annotations, owned by the set.
pub fn new_revision(set: &StatefulSet, revision: i64, collision_count: i32) -> ControllerRevision {
    let data = get_patch(set);
    let hash = hash_controller_revision(&data, Some(collision_count));
    let mut labels: BTreeMap<String, String> = set
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    labels.insert(HASH_LABEL.to_string(), hash.clone());
    let annotations = set.metadata.annotations.clone().filter(|a| !a.is_empty());
    ControllerRevision {
        metadata: ObjectMeta {
            name: Some(controller_revision_name(set_name(set), &hash)),
            namespace: Some(set_namespace(set).to_string()),
            labels: Some(labels),
            annotations,
            owner_references: Some(vec![new_controller_ref(set)]),
            ..Default::default()
        },
        data: Some(RawExtension(data)),
        revision,
    }
}

/// `EqualRevision` (U4): unequal when both hash labels parse as integers and differ,
/// otherwise equal iff the data is equal.
pub fn equal_revision(a: &ControllerRevision, b: &ControllerRevision) -> bool {
    let hash = |r: &ControllerRevision| {
        r.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(HASH_LABEL))
            .and_then(|h| h.parse::<i32>().ok())
    };
    if let (Some(x), Some(y)) = (hash(a), hash(b))
        && x != y
    {
        return false;
    }
    revision_data(a) == revision_data(b)
}

/// `FindEqualRevisions`: the revisions equal to `needle`, in order.
pub fn find_equal_revisions<'r>(
    revisions: &'r [ControllerRevision],
    needle: &ControllerRevision,
) -> Vec<&'r ControllerRevision> {
    revisions
        .iter()
        .filter(|r| equal_revision(r, needle))
        .collect()
}

/// `SortControllerRevisions` (S10): stable, by revision number, then creationTimestamp, then
/// name.
pub fn sort_controller_revisions(revisions: &mut [ControllerRevision]) {
    revisions.sort_by(|a, b| {
        a.revision.cmp(&b.revision).then_with(|| {
            let ta = a.metadata.creation_timestamp.as_ref().map(|t| t.0);
            let tb = b.metadata.creation_timestamp.as_ref().map(|t| t.0);
            match ta.cmp(&tb) {
                Ordering::Equal => revision_name(a).cmp(revision_name(b)),
                other => other,
            }
        })
    });
}

/// `nextRevision`: one more than the highest number, or 1.
pub fn next_revision(sorted: &[ControllerRevision]) -> i64 {
    sorted.last().map_or(1, |r| r.revision + 1)
}

/// `ApplyRevision` (S15): the set with its pod template replaced by the revision's (the
/// `$patch: replace` directive replaces the template wholesale).
pub fn apply_revision(
    set: &StatefulSet,
    rev: &ControllerRevision,
) -> Result<StatefulSet, SyncError> {
    let bad = |detail: String| SyncError::RevisionData {
        revision: revision_name(rev).to_string(),
        detail,
    };
    let template = revision_data(rev)
        .pointer("/spec/template")
        .ok_or_else(|| bad("no spec.template in data".into()))?;
    let mut template = template.clone();
    if let Value::Object(m) = &mut template {
        m.remove("$patch");
    }
    let template: PodTemplateSpec =
        serde_json::from_value(template).map_err(|e| bad(e.to_string()))?;
    let mut out = set.clone();
    out.spec.get_or_insert_with(Default::default).template = template;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_encoding_maps_digits_like_upstream() {
        assert_eq!(safe_encode_string("0123456789"), "456789bcdf");
    }

    #[test]
    fn fnv1_32_matches_the_reference_vectors() {
        // FNV-1 32-bit test vectors (offset basis for "", "a" → 0x050c5d7e).
        assert_eq!(fnv32(b""), 0x811c_9dc5);
        assert_eq!(fnv32(b"a"), 0x050c_5d7e);
        assert_eq!(fnv32(b"foobar"), 0x31f0_b262);
    }

    #[test]
    fn data_is_escaped_as_go_escapes_it() {
        let v = json!({"b": "<&>", "a": 1});
        assert_eq!(
            String::from_utf8(data_bytes(&v)).unwrap(),
            r#"{"a":1,"b":"\u003c\u0026\u003e"}"#
        );
    }

    #[test]
    fn long_prefixes_are_truncated() {
        let long = "a".repeat(300);
        assert_eq!(controller_revision_name(&long, "x").len(), 225);
    }
}

// ----- history: reads and writes (pkg/controller/history, stateful_set_control.go) -----

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, DeleteOptions, PatchType, Subresource};
use crate::sim::Cx;

use super::identity::set_uid;
use super::predicates::{get_pod_revision, revision_history_limit};

/// Attempts of `retry.DefaultBackoff` for revision-number updates.
const REVISION_UPDATE_ATTEMPTS: usize = 4;
/// A bound on name-collision retries (upstream loops until it finds a free name).
const REVISION_CREATE_ATTEMPTS: usize = 1000;

fn as_revision(obj: &Object) -> Option<ControllerRevision> {
    match obj {
        Object::ControllerRevision(r) => Some(r.clone()),
        _ => None,
    }
}

/// `ListControllerRevisions` (S4, S10): the namespace's revisions matching the selector whose
/// controller is absent or this set.
pub fn list_revisions(
    api: &ApiServer,
    set: &StatefulSet,
    selector: &LabelSelector,
) -> Vec<ControllerRevision> {
    api.iter_kind(Kind::ControllerRevision, Some(set_namespace(set)))
        .filter(|o| selector.matches(o.labels()))
        .filter(|o| o.controller_ref().is_none_or(|r| r.uid == set_uid(set)))
        .filter_map(|o| as_revision(o))
        .collect()
}

/// `AdoptControllerRevision`: a strategic merge patch adding the set as controller, with the
/// revision's uid as precondition.
pub(crate) fn adopt_controller_revision(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    rev: &ControllerRevision,
) -> Result<(), SyncError> {
    if rev
        .metadata
        .owner_references
        .iter()
        .flatten()
        .any(|r| r.controller == Some(true))
    {
        return Err(SyncError::RevisionOwned {
            revision: revision_name(rev).to_string(),
        });
    }
    let owner = new_controller_ref(set);
    let patch = json!({"metadata": {
        "ownerReferences": [owner],
        "uid": rev.metadata.uid.clone().unwrap_or_default(),
    }});
    let key = ObjectKey::new(
        Kind::ControllerRevision,
        set_namespace(set),
        revision_name(rev),
    );
    cx.patch(&key, PatchType::Strategic, &patch, Subresource::None)?;
    Ok(())
}

/// `CreateControllerRevision` (U5): creates the revision under the name its hash and the
/// collision count give; on a name clash with different data, bumps `collision_count` and
/// tries again; on a clash with equal data, returns the existing object.
pub(crate) fn create_controller_revision(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    revision: &ControllerRevision,
    collision_count: &mut i32,
) -> Result<ControllerRevision, SyncError> {
    let mut clone = revision.clone();
    for _ in 0..REVISION_CREATE_ATTEMPTS {
        let hash = hash_controller_revision(revision_data(revision), Some(*collision_count));
        let name = controller_revision_name(set_name(set), &hash);
        clone.metadata.name = Some(name.clone());
        clone.metadata.namespace = Some(set_namespace(set).to_string());
        match cx.create(Object::ControllerRevision(clone.clone())) {
            Ok(created) => return Ok(as_revision(&created).unwrap_or(clone)),
            Err(e) if e.is_already_exists() => {
                let key = ObjectKey::new(Kind::ControllerRevision, set_namespace(set), &name);
                let existing = cx.read().get(&key)?;
                if let Some(existing) = as_revision(&existing)
                    && revision_data(&existing) == revision_data(&clone)
                {
                    return Ok(existing);
                }
                *collision_count = collision_count.saturating_add(1);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(SyncError::RevisionData {
        revision: revision_name(&clone).to_string(),
        detail: "no free name after repeated hash collisions".into(),
    })
}

/// `UpdateControllerRevision`: sets the revision number (the rollback of U5), retrying on
/// conflict with the cached copy.
pub(crate) fn update_controller_revision(
    cx: &mut Cx<'_>,
    revision: &ControllerRevision,
    new_revision: i64,
) -> Result<ControllerRevision, SyncError> {
    let mut clone = revision.clone();
    let key = ObjectKey::new(
        Kind::ControllerRevision,
        revision.metadata.namespace.as_deref().unwrap_or(""),
        revision_name(revision),
    );
    let mut last = Ok(clone.clone());
    for _ in 0..REVISION_UPDATE_ATTEMPTS {
        if clone.revision == new_revision {
            return Ok(clone);
        }
        clone.revision = new_revision;
        match cx.update(Object::ControllerRevision(clone.clone())) {
            Ok(updated) => return Ok(as_revision(&updated).unwrap_or(clone)),
            Err(e) => {
                let conflict = e.is_conflict();
                if let Some(fresh) = cx.read().try_get(&key).and_then(|o| as_revision(o)) {
                    clone = fresh;
                }
                last = Err(SyncError::Api(e));
                if !conflict {
                    break;
                }
            }
        }
    }
    last
}

/// The current and update revisions of a sync, and the collision count to report.
#[derive(Clone, Debug)]
pub struct SetRevisions {
    /// The revision named by `status.currentRevision` (or the update revision).
    pub current: ControllerRevision,
    /// The revision of the set's template.
    pub update: ControllerRevision,
    /// `collisionCount` after any name collisions.
    pub collision_count: i32,
}

/// `getStatefulSetRevisions` (S11, U5, U6): the update revision is the latest revision when
/// it equals the template, an older equal revision renumbered as newest (rollback), or a new
/// revision; the current revision is the one `status.currentRevision` names, falling back to
/// the update revision. `revisions` must be sorted. On error, returns the collision count
/// reached.
pub(crate) fn get_statefulset_revisions(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    revisions: &[ControllerRevision],
) -> Result<SetRevisions, SyncError> {
    let mut collision_count = set
        .status
        .as_ref()
        .and_then(|s| s.collision_count)
        .unwrap_or(0);
    let candidate = new_revision(set, next_revision(revisions), collision_count);
    let equal = find_equal_revisions(revisions, &candidate);
    let update = match (equal.last(), revisions.last()) {
        (Some(eq), Some(latest)) if equal_revision(latest, eq) => latest.clone(),
        (Some(eq), _) => update_controller_revision(cx, eq, candidate.revision)?,
        (None, _) => create_controller_revision(cx, set, &candidate, &mut collision_count)?,
    };
    let current_name = set
        .status
        .as_ref()
        .and_then(|s| s.current_revision.as_deref())
        .unwrap_or("");
    let current = revisions
        .iter()
        .find(|r| revision_name(r) == current_name)
        .cloned()
        .unwrap_or_else(|| update.clone());
    Ok(SetRevisions {
        current,
        update,
        collision_count,
    })
}

/// `truncateHistory` (U22, S14): deletes the oldest non-live revisions beyond
/// `revisionHistoryLimit`. Live: the current and update revisions and every revision a
/// claimed pod is labelled with. `revisions` is the sorted list the sync started with.
pub(crate) fn truncate_history(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    pods: &[PodRef],
    revisions: &[ControllerRevision],
    current: Option<&ControllerRevision>,
    update: Option<&ControllerRevision>,
) -> Result<(), SyncError> {
    let mut live: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    live.extend(current.map(revision_name));
    live.extend(update.map(revision_name));
    live.extend(pods.iter().map(|p| get_pod_revision(p)));
    let history: Vec<&ControllerRevision> = revisions
        .iter()
        .filter(|r| !live.contains(revision_name(r)))
        .collect();
    let limit = revision_history_limit(set);
    if limit < 0 || history.len() <= limit as usize {
        return Ok(());
    }
    for rev in &history[..history.len() - limit as usize] {
        let key = ObjectKey::new(
            Kind::ControllerRevision,
            rev.metadata
                .namespace
                .as_deref()
                .unwrap_or(set_namespace(set)),
            revision_name(rev),
        );
        cx.delete(&key, &DeleteOptions::default())?;
    }
    Ok(())
}
