//! `kubectl describe pvc` and `kubectl describe pv`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, PersistentVolume, PersistentVolumeClaim, Pod};

use super::{
    L0, L1, L2, PrefixWriter, describe_events, go_string_slice, print_annotations_multiline,
    print_labels_multiline,
};
use crate::engine::time::SimTime;
use crate::printers::columns::{access_modes, quantity};
use crate::printers::duration::{rfc1123z, translate_timestamp_since};

pub(crate) fn print_csi_attributes(w: &mut PrefixWriter, attrs: Option<&BTreeMap<String, String>>) {
    w.write(L2, "VolumeAttributes:\t");
    let attrs = match attrs {
        Some(a) if !a.is_empty() => a,
        _ => {
            w.write_line("<none>");
            return;
        }
    };
    for (i, (k, v)) in attrs.iter().enumerate() {
        if i != 0 {
            w.write(L2, "");
            w.write(L2, "\t");
        }
        let line = format!("{k}={v}");
        if line.len() > 140 {
            w.write(L2, &format!("{}...\n", &line[..140]));
        } else {
            w.write(L2, &format!("{line}\n"));
        }
    }
}

/// The pods that use `pvc`: those mounting it by name, then owner pods (`getPodsForPVC`).
pub fn pods_using_claim(pvc: &PersistentVolumeClaim, pods: &[Pod]) -> Vec<String> {
    let name = pvc.metadata.name.as_deref().unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    for p in pods {
        for v in p
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .into_iter()
            .flatten()
        {
            if v.persistent_volume_claim
                .as_ref()
                .is_some_and(|c| c.claim_name == name)
            {
                out.push(p.metadata.name.clone().unwrap_or_default());
            }
        }
    }
    out.sort();
    out
}

/// `kubectl describe pvc`; `used_by` are the names of the pods using it
/// ([`pods_using_claim`]).
pub fn describe_persistent_volume_claim(
    pvc: &PersistentVolumeClaim,
    used_by: &[String],
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &pvc.metadata;
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!("Namespace:\t{}\n", m.namespace.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!(
            "StorageClass:\t{}\n",
            crate::printers::columns::storage_pvc_class(pvc)
        ),
    );
    if m.deletion_timestamp.is_some() {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                translate_timestamp_since(m.deletion_timestamp.as_ref(), now)
            ),
        );
    } else {
        w.write(
            L0,
            &format!("Status:\t{}\n", status.phase.clone().unwrap_or_default()),
        );
    }
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.write(L0, &format!("Volume:\t{volume}\n"));
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!("Finalizers:\t{}\n", go_string_slice(m.finalizers.as_ref())),
    );
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(status.capacity.as_ref().and_then(|c| c.get("storage"))),
            access_modes(status.access_modes.as_ref()),
        )
    };
    w.write(L0, &format!("Capacity:\t{capacity}\n"));
    w.write(L0, &format!("Access Modes:\t{modes}\n"));
    if let Some(vm) = &spec.volume_mode {
        w.write(L0, &format!("VolumeMode:\t{vm}\n"));
    }
    if let Some(ds) = &spec.data_source {
        w.write(L0, "DataSource:\n");
        if let Some(g) = &ds.api_group {
            w.write(L1, &format!("APIGroup:\t{g}\n"));
        }
        w.write(L1, &format!("Kind:\t{}\n", ds.kind));
        w.write(L1, &format!("Name:\t{}\n", ds.name));
    }
    w.write(L0, "Used By:\t");
    if used_by.is_empty() {
        w.write_line("<none>");
    } else {
        for (i, p) in used_by.iter().enumerate() {
            if i != 0 {
                w.write(L0, "");
                w.write(L0, "\t");
            }
            w.write(L0, &format!("{p}\n"));
        }
    }
    if let Some(conds) = status.conditions.as_ref().filter(|c| !c.is_empty()) {
        w.write(L0, "Conditions:\n");
        w.write(
            L1,
            "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            L1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            let t = |x: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| match x {
                Some(t) => rfc1123z(t),
                None => crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
            };
            w.write(
                L1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    t(c.last_probe_time.as_ref()),
                    t(c.last_transition_time.as_ref()),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                ),
            );
        }
    }
    describe_events(&mut w, events, now);
    w.finish()
}

/// `kubectl describe pv`.
pub fn describe_persistent_volume(
    pv: &PersistentVolume,
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &pv.metadata;
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!("Finalizers:\t{}\n", go_string_slice(m.finalizers.as_ref())),
    );
    w.write(
        L0,
        &format!(
            "StorageClass:\t{}\n",
            crate::printers::columns::storage_pv_class(pv)
        ),
    );
    if m.deletion_timestamp.is_some() {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                translate_timestamp_since(m.deletion_timestamp.as_ref(), now)
            ),
        );
    } else {
        w.write(
            L0,
            &format!("Status:\t{}\n", status.phase.clone().unwrap_or_default()),
        );
    }
    let claim = spec
        .claim_ref
        .as_ref()
        .map(|c| {
            format!(
                "{}/{}",
                c.namespace.clone().unwrap_or_default(),
                c.name.clone().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    w.write(L0, &format!("Claim:\t{claim}\n"));
    w.write(
        L0,
        &format!(
            "Reclaim Policy:\t{}\n",
            spec.persistent_volume_reclaim_policy
                .clone()
                .unwrap_or_default()
        ),
    );
    w.write(
        L0,
        &format!(
            "Access Modes:\t{}\n",
            access_modes(spec.access_modes.as_ref())
        ),
    );
    if let Some(vm) = &spec.volume_mode {
        w.write(L0, &format!("VolumeMode:\t{vm}\n"));
    }
    w.write(
        L0,
        &format!(
            "Capacity:\t{}\n",
            quantity(spec.capacity.as_ref().and_then(|c| c.get("storage")))
        ),
    );
    w.write(L0, "Node Affinity:\t");
    match spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    {
        None => w.write_line("<none>"),
        Some(req) => {
            w.write_line("");
            w.write(L1, "Required Terms:\t");
            if req.node_selector_terms.is_empty() {
                w.write_line("<none>");
            } else {
                w.write_line("");
                for (i, term) in req.node_selector_terms.iter().enumerate() {
                    w.write(L2, &format!("Term {i}:\t"));
                    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
                    if exprs.is_empty() {
                        w.write_line("<none>");
                        continue;
                    }
                    for (j, e) in exprs.iter().enumerate() {
                        if j != 0 {
                            w.write(L2, "\t");
                        }
                        let mut s = format!("{} {}", e.key, e.operator.to_lowercase());
                        if let Some(v) = e.values.as_ref().filter(|v| !v.is_empty()) {
                            s = format!("{s} [{}]", v.join(", "));
                        }
                        w.write(L0, &format!("{s}\n"));
                    }
                }
            }
        }
    }
    w.write(
        L0,
        &format!("Message:\t{}\n", status.message.clone().unwrap_or_default()),
    );
    w.write(L0, "Source:\n");
    if let Some(h) = &spec.host_path {
        w.write(
            L2,
            &format!(
                "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                h.path,
                h.type_.clone().unwrap_or_else(|| "<none>".to_string())
            ),
        );
    } else if let Some(l) = &spec.local {
        w.write(
            L2,
            &format!(
                "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
                l.path
            ),
        );
    } else if let Some(c) = &spec.csi {
        w.write(
            L2,
            &format!(
                "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    VolumeHandle:\t{}\n    ReadOnly:\t{}\n",
                c.driver,
                c.fs_type.clone().unwrap_or_default(),
                c.volume_handle,
                c.read_only.unwrap_or(false)
            ),
        );
        print_csi_attributes(&mut w, c.volume_attributes.as_ref());
    } else if let Some(n) = &spec.nfs {
        w.write(
            L2,
            &format!(
                "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                n.server,
                n.path,
                n.read_only.unwrap_or(false)
            ),
        );
    } else {
        w.write(L1, "<unknown>\n");
    }
    describe_events(&mut w, events, now);
    w.finish()
}
