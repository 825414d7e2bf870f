//! `kubectl describe node`.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::{
    L0, L1, PrefixWriter, describe_events, print_annotations_multiline, print_labels_multiline,
};
use crate::api::quantity::Quantity;
use crate::engine::time::SimTime;
use crate::printers::columns::{node_roles, quantity};
use crate::printers::duration::{rfc1123z, translate_timestamp_since};

fn parse(q: Option<&K8sQuantity>) -> Option<Quantity> {
    q.and_then(|q| Quantity::parse(&q.0).ok())
}

/// The sum of the containers' requests (or limits) of `resource`, in milli-units for CPU and
/// units otherwise, and the text of that sum as `Quantity.String()` prints it.
fn pod_total(pod: &Pod, resource: &str, limits: bool) -> (i64, String) {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut total: i64 = 0;
    let mut binary = false;
    for c in &spec.containers {
        let r = c.resources.clone().unwrap_or_default();
        let list = if limits { r.limits } else { r.requests };
        if let Some(q) = parse(list.as_ref().and_then(|l| l.get(resource))) {
            binary |= q.format() == crate::api::quantity::Format::BinarySI;
            total += if resource == "cpu" {
                q.milli_value()
            } else {
                q.value()
            };
        }
    }
    (total, format_total(resource, total, binary))
}

fn format_total(resource: &str, total: i64, binary: bool) -> String {
    if total == 0 {
        return "0".to_string();
    }
    let text = if resource == "cpu" {
        if total % 1000 == 0 {
            (total / 1000).to_string()
        } else {
            format!("{total}m")
        }
    } else if binary {
        format!("{total}")
    } else {
        total.to_string()
    };
    match Quantity::parse(&text) {
        Ok(q) if binary => {
            let mut v = total;
            let mut suffix = "";
            for s in ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] {
                if v % 1024 == 0 {
                    v /= 1024;
                    suffix = s;
                } else {
                    break;
                }
            }
            let _ = q;
            format!("{v}{suffix}")
        }
        Ok(q) => q.canonical(),
        Err(_) => text,
    }
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let p = (part as f64 / whole as f64 * 100.0) as i64;
    p
}

/// `kubectl describe node`; `pods` are the node's non-terminated pods, `lease` its lease in
/// `kube-node-lease` (`None` prints the lookup error kubectl prints).
pub fn describe_node(
    node: &Node,
    pods: &[Pod],
    lease: Option<&Lease>,
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &node.metadata;
    let spec = node.spec.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    let name = m.name.clone().unwrap_or_default();
    w.write(L0, &format!("Name:\t{name}\n"));
    let roles = node_roles(node);
    if roles.is_empty() {
        w.write(L0, "Roles:\t<none>\n");
    } else {
        w.write(L0, &format!("Roles:\t{}\n", roles.join(",")));
    }
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            m.creation_timestamp.as_ref().map_or_else(
                || crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
                rfc1123z
            )
        ),
    );
    w.write(L0, "Taints:\t");
    let mut taints = spec.taints.clone().unwrap_or_default();
    if taints.is_empty() {
        w.write_line("<none>");
    } else {
        taints.sort_by(|a, b| {
            (a.effect.clone() + "," + &a.key).cmp(&(b.effect.clone() + "," + &b.key))
        });
        for (i, t) in taints.iter().enumerate() {
            if i != 0 {
                w.write(L0, "");
                w.write(L0, "\t");
            }
            let text = match t.value.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => format!("{}={v}:{}", t.key, t.effect),
                None => format!("{}:{}", t.key, t.effect),
            };
            w.write(L0, &format!("{text}\n"));
        }
    }
    w.write(
        L0,
        &format!("Unschedulable:\t{}\n", spec.unschedulable.unwrap_or(false)),
    );
    match lease {
        Some(l) => {
            let ls = l.spec.clone().unwrap_or_default();
            w.write(L0, "Lease:\n");
            w.write(
                L1,
                &format!(
                    "HolderIdentity:\t{}\n",
                    ls.holder_identity.unwrap_or_else(|| "<unset>".to_string())
                ),
            );
            let micro =
                |t: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime>| match t {
                    Some(t) => rfc1123z(&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(t.0)),
                    None => "<unset>".to_string(),
                };
            w.write(L1, &format!("AcquireTime:\t{}\n", micro(ls.acquire_time)));
            w.write(L1, &format!("RenewTime:\t{}\n", micro(ls.renew_time)));
        }
        None => w.write(
            L0,
            &format!(
                "Lease:\tFailed to get lease: leases.coordination.k8s.io \"{name}\" not found\n"
            ),
        ),
    }
    let t = |x: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| match x {
        Some(t) => rfc1123z(t),
        None => crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
    };
    if let Some(conds) = status.conditions.as_ref().filter(|c| !c.is_empty()) {
        w.write(
            L0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            L1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    t(c.last_heartbeat_time.as_ref()),
                    t(c.last_transition_time.as_ref()),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                ),
            );
        }
    }
    w.write(L0, "Addresses:\n");
    for a in status.addresses.as_deref().unwrap_or(&[]) {
        w.write(L1, &format!("{}:\t{}\n", a.type_, a.address));
    }
    let print_list = |w: &mut PrefixWriter, list: &BTreeMap<String, K8sQuantity>| {
        for (k, v) in list {
            w.write(L0, &format!("  {k}:\t{}\n", quantity(Some(v))));
        }
    };
    if let Some(c) = status.capacity.as_ref().filter(|c| !c.is_empty()) {
        w.write(L0, "Capacity:\n");
        print_list(&mut w, c);
    }
    if let Some(a) = status.allocatable.as_ref().filter(|c| !c.is_empty()) {
        w.write(L0, "Allocatable:\n");
        print_list(&mut w, a);
    }
    let info = status.node_info.clone().unwrap_or_default();
    w.write(L0, "System Info:\n");
    w.write(L0, &format!("  Machine ID:\t{}\n", info.machine_id));
    w.write(L0, &format!("  System UUID:\t{}\n", info.system_uuid));
    w.write(L0, &format!("  Boot ID:\t{}\n", info.boot_id));
    w.write(L0, &format!("  Kernel Version:\t{}\n", info.kernel_version));
    w.write(L0, &format!("  OS Image:\t{}\n", info.os_image));
    w.write(
        L0,
        &format!("  Operating System:\t{}\n", info.operating_system),
    );
    w.write(L0, &format!("  Architecture:\t{}\n", info.architecture));
    w.write(
        L0,
        &format!(
            "  Container Runtime Version:\t{}\n",
            info.container_runtime_version
        ),
    );
    w.write(
        L0,
        &format!("  Kubelet Version:\t{}\n", info.kubelet_version),
    );
    if let Some(c) = spec.pod_cidr.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("PodCIDR:\t{c}\n"));
    }
    if let Some(c) = spec.pod_cidrs.as_ref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("PodCIDRs:\t{}\n", c.join(",")));
    }
    if let Some(p) = spec.provider_id.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("ProviderID:\t{p}\n"));
    }
    let allocatable = status
        .allocatable
        .clone()
        .filter(|a| !a.is_empty())
        .or(status.capacity.clone())
        .unwrap_or_default();
    let alloc_cpu = parse(allocatable.get("cpu")).map_or(0, |q| q.milli_value());
    let alloc_mem = parse(allocatable.get("memory")).map_or(0, |q| q.value());
    let alloc_eph = parse(allocatable.get("ephemeral-storage")).map_or(0, |q| q.value());
    w.write(
        L0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    w.write(
        L1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        L1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let mut totals = [(0i64, false); 6];
    for p in pods {
        let (cr, crs) = pod_total(p, "cpu", false);
        let (cl, cls) = pod_total(p, "cpu", true);
        let (mr, mrs) = pod_total(p, "memory", false);
        let (ml, mls) = pod_total(p, "memory", true);
        let (er, _) = pod_total(p, "ephemeral-storage", false);
        let (el, _) = pod_total(p, "ephemeral-storage", true);
        for (i, v) in [cr, cl, mr, ml, er, el].into_iter().enumerate() {
            totals[i].0 += v;
        }
        totals[2].1 |= mrs.ends_with('i');
        totals[3].1 |= mls.ends_with('i');
        w.write(
            L1,
            &format!(
                "{}\t{}\t\t{crs} ({}%)\t{cls} ({}%)\t{mrs} ({}%)\t{mls} ({}%)\t{}\n",
                p.metadata.namespace.clone().unwrap_or_default(),
                p.metadata.name.clone().unwrap_or_default(),
                percent(cr, alloc_cpu),
                percent(cl, alloc_cpu),
                percent(mr, alloc_mem),
                percent(ml, alloc_mem),
                translate_timestamp_since(p.metadata.creation_timestamp.as_ref(), now)
            ),
        );
    }
    w.write(
        L0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(L1, "Resource\tRequests\tLimits\n");
    w.write(L1, "--------\t--------\t------\n");
    let row = |w: &mut PrefixWriter, name: &str, req: (i64, bool), lim: (i64, bool), whole: i64| {
        w.write(
            L1,
            &format!(
                "{name}\t{} ({}%)\t{} ({}%)\n",
                format_total(name, req.0, req.1),
                percent(req.0, whole),
                format_total(name, lim.0, lim.1),
                percent(lim.0, whole)
            ),
        );
    };
    row(&mut w, "cpu", totals[0], totals[1], alloc_cpu);
    row(&mut w, "memory", totals[2], totals[3], alloc_mem);
    row(&mut w, "ephemeral-storage", totals[4], totals[5], alloc_eph);
    for (k, _) in allocatable
        .iter()
        .filter(|(k, _)| k.starts_with("hugepages-"))
    {
        w.write(L1, &format!("{k}\t0 (0%)\t0 (0%)\n"));
    }
    describe_events(&mut w, events, now);
    w.finish()
}
