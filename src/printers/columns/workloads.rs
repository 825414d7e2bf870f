//! Rows of the workload kinds: StatefulSet, Deployment, ReplicaSet, DaemonSet, Job, CronJob,
//! ControllerRevision, PodDisruptionBudget.

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use super::duration_between;
use super::{
    age, container_cells, format_label_selector, format_labels_opt, int_or_string, print_bool_ptr,
};
use crate::api::selector::LabelSelector;
use crate::engine::time::SimTime;
use crate::printers::duration::{human_duration, since_ms};

fn name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

pub(super) fn statefulset(o: &StatefulSet, now: SimTime) -> Vec<String> {
    let desired = o.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let ready = o
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let containers = o
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    vec![
        name(&o.metadata),
        format!("{ready}/{desired}"),
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
    ]
}

pub(super) fn deployment(o: &Deployment, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let containers = spec
        .and_then(|s| s.template.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    let selector = match spec.map(|s| LabelSelector::from_k8s(&s.selector)) {
        Some(Ok(s)) => s.to_string(),
        Some(Err(_)) => "<invalid>".to_string(),
        None => String::new(),
    };
    vec![
        name(&o.metadata),
        format!("{ready}/{desired}"),
        updated.to_string(),
        available.to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        selector,
    ]
}

pub(super) fn replicaset(o: &ReplicaSet, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let containers = spec
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    vec![
        name(&o.metadata),
        spec.and_then(|s| s.replicas).unwrap_or(0).to_string(),
        status.map_or(0, |s| s.replicas).to_string(),
        status
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0)
            .to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.map(|s| &s.selector)),
    ]
}

pub(super) fn daemonset(o: &DaemonSet, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let pod_spec = spec.and_then(|s| s.template.spec.as_ref());
    let containers = pod_spec.map(|s| s.containers.as_slice()).unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    vec![
        name(&o.metadata),
        status.map_or(0, |s| s.desired_number_scheduled).to_string(),
        status.map_or(0, |s| s.current_number_scheduled).to_string(),
        status.map_or(0, |s| s.number_ready).to_string(),
        status
            .and_then(|s| s.updated_number_scheduled)
            .unwrap_or(0)
            .to_string(),
        status
            .and_then(|s| s.number_available)
            .unwrap_or(0)
            .to_string(),
        format_labels_opt(pod_spec.and_then(|s| s.node_selector.as_ref())),
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.map(|s| &s.selector)),
    ]
}

fn job_condition(o: &Job, kind: &str) -> bool {
    o.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == kind))
        .is_some_and(|c| c.status == "True")
}

pub(super) fn job(o: &Job, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
    let completions = match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let parallelism = spec.and_then(|s| s.parallelism).unwrap_or(0);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = status.and_then(|s| s.start_time.as_ref());
    let completion = status.and_then(|s| s.completion_time.as_ref());
    let duration = match (start, completion) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(since_ms(s, now)),
        (Some(s), Some(c)) => human_duration(duration_between(s, c)),
    };
    let state = if job_condition(o, "Complete") {
        "Complete"
    } else if job_condition(o, "Failed") {
        "Failed"
    } else if o.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if job_condition(o, "Suspended") {
        "Suspended"
    } else if job_condition(o, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let containers = spec
        .and_then(|s| s.template.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    vec![
        name(&o.metadata),
        state.to_string(),
        completions,
        duration,
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.and_then(|s| s.selector.as_ref())),
    ]
}

pub(super) fn cronjob(o: &CronJob, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let last = match status.and_then(|s| s.last_schedule_time.as_ref()) {
        Some(t) => age(Some(t), now),
        None => "<none>".to_string(),
    };
    let job_spec = spec.and_then(|s| s.job_template.spec.as_ref());
    let containers = job_spec
        .and_then(|s| s.template.spec.as_ref())
        .map(|s| s.containers.as_slice())
        .unwrap_or(&[]);
    let (names, images) = container_cells(containers);
    vec![
        name(&o.metadata),
        spec.map(|s| s.schedule.clone()).unwrap_or_default(),
        spec.and_then(|s| s.time_zone.clone())
            .unwrap_or_else(|| "<none>".to_string()),
        print_bool_ptr(spec.and_then(|s| s.suspend)),
        status
            .and_then(|s| s.active.as_ref())
            .map_or(0, Vec::len)
            .to_string(),
        last,
        age(o.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(job_spec.and_then(|s| s.selector.as_ref())),
    ]
}

pub(super) fn controller_revision(o: &ControllerRevision, now: SimTime) -> Vec<String> {
    let controller = o
        .metadata
        .owner_references
        .as_ref()
        .and_then(|refs| refs.iter().find(|r| r.controller == Some(true)));
    let controller_name = match controller {
        None => "<none>".to_string(),
        Some(r) => {
            let group = match r.api_version.split_once('/') {
                Some((g, _)) => g,
                None => "",
            };
            let group_kind = if group.is_empty() {
                r.kind.clone()
            } else {
                format!("{}.{group}", r.kind)
            };
            if group_kind.is_empty() {
                r.name.clone()
            } else {
                format!("{}/{}", group_kind.to_lowercase(), r.name)
            }
        }
    };
    vec![
        name(&o.metadata),
        controller_name,
        o.revision.to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub(super) fn pdb(o: &PodDisruptionBudget, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let min = spec
        .and_then(|s| s.min_available.as_ref())
        .map_or_else(|| "N/A".to_string(), int_or_string);
    let max = spec
        .and_then(|s| s.max_unavailable.as_ref())
        .map_or_else(|| "N/A".to_string(), int_or_string);
    vec![
        name(&o.metadata),
        min,
        max,
        o.status
            .as_ref()
            .map_or(0, |s| s.disruptions_allowed)
            .to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}
