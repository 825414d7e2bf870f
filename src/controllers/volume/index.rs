//! Informer-style indexes over the watch stream. Each index remembers how far into the API
//! server's watch log it has read and catches up at the start of a reconcile, so it costs
//! O(new events) per reconcile and never lists a whole kind. This is what client-go's shared
//! informers with indexers give upstream controllers (`PodPVCIndex`, the PV controller's
//! access-mode index); the objects themselves are always read fresh from the API server.
//!
//! An index may lag: events younger than the lag are left for a later catch-up, which models
//! an informer that has not yet delivered them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::util::{as_pod, claim_ref, pod_claim_names, volume_class};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};

/// How far into the watch log an index has read.
#[derive(Debug, Default)]
struct Cursor {
    next: usize,
}

impl Cursor {
    /// Hands every unread event at least `lag` old at `now` to `f`, in order.
    fn advance(
        &mut self,
        api: &ApiServer,
        now: SimTime,
        lag: SimDuration,
        mut f: impl FnMut(&WatchEvent),
    ) {
        let events = api.watch_events();
        while let Some(e) = events.get(self.next) {
            if e.at.as_ms().saturating_add(lag.as_ms()) > now.as_ms() {
                break;
            }
            f(e);
            self.next += 1;
        }
    }
}

/// Pods by the claims they use (`PodPVCIndex`): for each claim `namespace/name`, the pods that
/// reference it, as last seen.
#[derive(Debug, Default)]
pub(crate) struct PodsByClaim {
    cursor: Cursor,
    pods: BTreeMap<ObjectKey, (Arc<Object>, Vec<ObjectKey>)>,
    by_claim: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
}

impl PodsByClaim {
    /// Reads the watch events at least `lag` old.
    pub(crate) fn catch_up(&mut self, api: &ApiServer, now: SimTime, lag: SimDuration) {
        let Self {
            cursor,
            pods,
            by_claim,
        } = self;
        cursor.advance(api, now, lag, |e| {
            if e.object.kind() != Kind::Pod {
                return;
            }
            let key = e.object.key();
            if let Some((_, old_claims)) = pods.remove(&key) {
                for c in old_claims {
                    if let Some(set) = by_claim.get_mut(&c) {
                        set.remove(&key);
                        if set.is_empty() {
                            by_claim.remove(&c);
                        }
                    }
                }
            }
            if e.event_type == WatchEventType::Deleted {
                return;
            }
            let Some(pod) = as_pod(&e.object) else {
                return;
            };
            let claims: Vec<ObjectKey> = pod_claim_names(pod)
                .into_iter()
                .map(|n| ObjectKey::new(Kind::PersistentVolumeClaim, &key.namespace, n))
                .collect();
            if claims.is_empty() {
                return;
            }
            for c in &claims {
                by_claim.entry(c.clone()).or_default().insert(key.clone());
            }
            pods.insert(key, (e.object.clone(), claims));
        });
    }

    /// The pods (as the index last saw them) that reference `claim`, in key order.
    pub(crate) fn pods_for<'a>(
        &'a self,
        claim: &ObjectKey,
    ) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        self.by_claim
            .get(claim)
            .into_iter()
            .flatten()
            .filter_map(|k| self.pods.get(k).map(|(o, _)| o))
    }
}

fn remove_from<K: Ord>(map: &mut BTreeMap<K, BTreeSet<String>>, k: &K, name: &str) {
    if let Some(set) = map.get_mut(k) {
        set.remove(name);
        if set.is_empty() {
            map.remove(k);
        }
    }
}

/// Where a volume sits in [`VolumeIndex`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// `spec.claimRef` names this claim.
    Claimed(ObjectKey),
    /// No claimRef; the volume's class.
    Unclaimed(String),
}

/// Volumes by the claim their claimRef names, and unclaimed volumes by class: the candidates
/// `FindMatchingVolume` can return for a claim.
#[derive(Debug, Default)]
pub(crate) struct VolumeIndex {
    cursor: Cursor,
    slots: BTreeMap<String, Slot>,
    by_claim: BTreeMap<ObjectKey, BTreeSet<String>>,
    unclaimed: BTreeMap<String, BTreeSet<String>>,
}

impl VolumeIndex {
    /// Reads every watch event so far.
    pub(crate) fn catch_up(&mut self, api: &ApiServer, now: SimTime) {
        let Self {
            cursor,
            slots,
            by_claim,
            unclaimed,
        } = self;
        cursor.advance(api, now, SimDuration::ZERO, |e| {
            if e.object.kind() != Kind::PersistentVolume {
                return;
            }
            let name = e.object.name().to_string();
            match slots.remove(&name) {
                Some(Slot::Claimed(c)) => remove_from(by_claim, &c, &name),
                Some(Slot::Unclaimed(class)) => remove_from(unclaimed, &class, &name),
                None => {}
            }
            if e.event_type == WatchEventType::Deleted {
                return;
            }
            let slot = match claim_ref(&e.object) {
                Some(r) => Slot::Claimed(ObjectKey::new(
                    Kind::PersistentVolumeClaim,
                    r.namespace.as_deref().unwrap_or(""),
                    r.name.as_deref().unwrap_or(""),
                )),
                None => Slot::Unclaimed(volume_class(&e.object)),
            };
            match &slot {
                Slot::Claimed(c) => {
                    by_claim.entry(c.clone()).or_default().insert(name.clone());
                }
                Slot::Unclaimed(class) => {
                    unclaimed
                        .entry(class.clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
            slots.insert(name, slot);
        });
    }

    /// Names of the volumes whose claimRef names `claim` (any uid).
    pub(crate) fn claimed_by(&self, claim: &ObjectKey) -> impl Iterator<Item = &String> + '_ {
        self.by_claim.get(claim).into_iter().flatten()
    }

    /// Names of the volumes of `class` without a claimRef.
    pub(crate) fn unclaimed_of(&self, class: &str) -> impl Iterator<Item = &String> + '_ {
        self.unclaimed.get(class).into_iter().flatten()
    }
}
