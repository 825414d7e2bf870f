use serde_json::{Value, json};

use super::*;
use crate::api::validation::core::test_support::{create, distinct, from, update};

/// A Job as defaulted by the simulator (no generated selector).
fn job(edit: impl FnOnce(&mut Value)) -> Job {
    let mut v = json!({
        "metadata": {"name": "migrate", "namespace": "default", "resourceVersion": "1"},
        "spec": {
            "parallelism": 1,
            "completions": 1,
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "suspend": false,
            "manualSelector": false,
            "podReplacementPolicy": "TerminatingOrFailed",
            "template": {
                "metadata": {"labels": {"app": "migrate"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox"}]}
            }
        }
    });
    edit(&mut v);
    from(v)
}

#[test]
fn a_defaulted_job_is_valid() {
    assert!(create(job(|_| {})).is_empty());
}

#[test]
fn job_pods_may_not_restart_always() {
    assert_eq!(
        create(job(
            |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Always")
        )),
        [
            "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
        ]
    );
    assert_eq!(
        create(job(
            |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Sometimes")
        )),
        [
            // The pod-spec rule and the Job rule both fire, as upstream's two checks do.
            "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"OnFailure\", \"Never\""
        ]
    );
}

#[test]
fn job_counts_are_not_negative() {
    let j = job(|v| {
        v["spec"]["parallelism"] = json!(-1);
        v["spec"]["completions"] = json!(-2);
        v["spec"]["backoffLimit"] = json!(-3);
    });
    assert_eq!(
        create(j),
        [
            "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
            "spec.completions: Invalid value: -2: must be greater than or equal to 0",
            "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
        ]
    );
}

#[test]
fn job_completion_mode_must_be_supported() {
    assert_eq!(
        create(job(|v| v["spec"]["completionMode"] = json!("Batched"))),
        [
            "spec.completionMode: Unsupported value: \"Batched\": supported values: \"NonIndexed\", \"Indexed\""
        ]
    );
}

#[test]
fn indexed_job_names_leave_room_for_the_index() {
    let long = "j".repeat(62);
    let j = job(|v| {
        v["metadata"]["name"] = json!(long.clone());
        v["spec"]["completionMode"] = json!("Indexed");
        v["spec"]["completions"] = json!(10);
    });
    assert_eq!(
        create(j),
        [format!(
            "metadata.name: Invalid value: \"{long}\": will not able to create pod with invalid DNS label: {long}-9"
        )]
    );
}

#[test]
fn manual_selectors_must_be_present_and_match_the_template() {
    assert_eq!(
        create(job(|v| v["spec"]["manualSelector"] = json!(true))),
        [
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: {\"app\":\"migrate\"}: `selector` does not match template `labels`",
        ]
    );
    let j = job(|v| {
        v["spec"]["manualSelector"] = json!(true);
        v["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
    });
    assert_eq!(
        create(j),
        [
            "spec.template.metadata.labels: Invalid value: {\"app\":\"migrate\"}: `selector` does not match template `labels`"
        ]
    );
}

#[test]
fn job_replacement_policy_follows_the_failure_policy() {
    assert_eq!(
        create(job(|v| v["spec"]["podReplacementPolicy"] = json!("Never"))),
        [
            "spec.podReplacementPolicy: Unsupported value: \"Never\": supported values: \"Failed\", \"TerminatingOrFailed\""
        ]
    );
}

#[test]
fn job_completions_are_immutable_for_non_indexed_jobs() {
    let old = job(|_| {});
    let new = job(|v| v["spec"]["completions"] = json!(3));
    assert_eq!(
        distinct(update(new, old)),
        ["spec.completions: Invalid value: 3: field is immutable"]
    );
}

#[test]
fn job_templates_are_immutable_unless_suspended_and_unstarted() {
    let old = job(|_| {});
    let new = job(|v| v["spec"]["template"]["spec"]["nodeSelector"] = json!({"disk": "ssd"}));
    assert_eq!(
        distinct(update(new, old)),
        [
            "spec.template: Invalid value: {\"metadata\":{\"labels\":{\"app\":\"migrate\"}},\"spec\":{\"containers\":[{\"image\":\"busybox\",\"imagePullPolicy\":\"Always\",\"name\":\"m\",\"resources\":{},\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\"}],\"dnsPolicy\":\"ClusterFirst\",\"nodeSelector\":{\"disk\":\"ssd\"},\"restartPolicy\":\"Never\",\"schedulerName\":\"default-scheduler\",\"securityContext\":{},\"terminationGracePeriodSeconds\":30}}: field is immutable"
        ]
    );
    let old = job(|v| v["spec"]["suspend"] = json!(true));
    let new = job(|v| {
        v["spec"]["suspend"] = json!(true);
        v["spec"]["template"]["spec"]["nodeSelector"] = json!({"disk": "ssd"});
    });
    assert!(update(new, old).is_empty());
}

#[test]
fn job_status_counters_are_not_negative() {
    let old = job(|_| {});
    let new = job(|v| v["status"] = json!({"active": -1}));
    assert_eq!(
        crate::api::validation::core::test_support::status(new, old),
        ["status.active: Invalid value: -1: must be greater than or equal to 0"]
    );
}

// ----- CronJob -----

fn cron_job(edit: impl FnOnce(&mut Value)) -> CronJob {
    let mut v = json!({
        "metadata": {"name": "backup", "namespace": "default", "resourceVersion": "1"},
        "spec": {
            "schedule": "0 3 * * *",
            "concurrencyPolicy": "Allow",
            "suspend": false,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "b", "image": "busybox"}]
            }}}}
        }
    });
    edit(&mut v);
    from(v)
}

fn schedule_errors(schedule: &str) -> Vec<String> {
    create(cron_job(|v| v["spec"]["schedule"] = json!(schedule)))
}

#[test]
fn a_defaulted_cron_job_is_valid() {
    assert!(create(cron_job(|_| {})).is_empty());
    for ok in [
        "*/15 9-17 * jan,jul MON-FRI",
        "@hourly",
        "@every 1h30m",
        "0 0 1 */2 ?",
    ] {
        assert!(schedule_errors(ok).is_empty(), "{ok}");
    }
}

#[test]
fn cron_schedule_is_required() {
    assert_eq!(schedule_errors(""), ["spec.schedule: Required value"]);
}

#[test]
fn cron_schedule_needs_five_fields() {
    assert_eq!(
        schedule_errors("* * *"),
        ["spec.schedule: Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]"]
    );
}

#[test]
fn cron_schedule_fields_are_in_range() {
    assert_eq!(
        schedule_errors("61 * * * *"),
        ["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"]
    );
    assert_eq!(
        schedule_errors("* * 0 * *"),
        [
            "spec.schedule: Invalid value: \"* * 0 * *\": beginning of range (0) below minimum (1): 0"
        ]
    );
    assert_eq!(
        schedule_errors("5-1 * * * *"),
        [
            "spec.schedule: Invalid value: \"5-1 * * * *\": beginning of range (5) beyond end of range (1): 5-1"
        ]
    );
    assert_eq!(
        schedule_errors("*/0 * * * *"),
        [
            "spec.schedule: Invalid value: \"*/0 * * * *\": step of range should be a positive number: */0"
        ]
    );
}

#[test]
fn cron_schedule_numbers_must_parse() {
    assert_eq!(
        schedule_errors("x * * * *"),
        [
            "spec.schedule: Invalid value: \"x * * * *\": failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
        ]
    );
    assert_eq!(
        schedule_errors("1-2-3 * * * *"),
        ["spec.schedule: Invalid value: \"1-2-3 * * * *\": too many hyphens: 1-2-3"]
    );
}

#[test]
fn cron_descriptors_are_known() {
    assert_eq!(
        schedule_errors("@often"),
        ["spec.schedule: Invalid value: \"@often\": unrecognized descriptor: @often"]
    );
    assert_eq!(
        schedule_errors("@every 1x"),
        [
            "spec.schedule: Invalid value: \"@every 1x\": failed to parse duration @every 1x: time: unknown unit \"x\" in duration \"1x\""
        ]
    );
}

#[test]
fn cron_schedules_may_not_name_a_time_zone() {
    assert_eq!(
        schedule_errors("CRON_TZ=UTC 0 3 * * *"),
        [
            "spec.schedule: Invalid value: \"CRON_TZ=UTC 0 3 * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
        ]
    );
    assert_eq!(
        create(cron_job(|v| v["spec"]["timeZone"] = json!("Local"))),
        [
            "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        ]
    );
}

#[test]
fn cron_concurrency_policy_must_be_supported() {
    assert_eq!(
        create(cron_job(
            |v| v["spec"]["concurrencyPolicy"] = json!("Sometimes")
        )),
        [
            "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""
        ]
    );
}

#[test]
fn cron_job_templates_get_generated_selectors() {
    let cj = cron_job(|v| {
        v["spec"]["jobTemplate"]["spec"]["selector"] = json!({"matchLabels": {"a": "b"}});
        v["spec"]["jobTemplate"]["spec"]["manualSelector"] = json!(true);
    });
    assert_eq!(
        create(cj),
        [
            "spec.jobTemplate.spec.selector: Invalid value: {\"matchLabels\":{\"a\":\"b\"}}: `selector` will be auto-generated",
            "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\"",
        ]
    );
}

#[test]
fn cron_job_template_pods_may_not_restart_always() {
    let cj = cron_job(|v| {
        v["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = json!("Always");
    });
    assert_eq!(
        create(cj),
        [
            "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
        ]
    );
}

#[test]
fn cron_job_names_leave_room_for_the_job_suffix_on_create_only() {
    let long = "b".repeat(53);
    let cj = cron_job(|v| v["metadata"]["name"] = json!(long.clone()));
    assert_eq!(
        create(cj.clone()),
        [format!(
            "metadata.name: Invalid value: \"{long}\": must be no more than 52 characters"
        )]
    );
    assert!(update(cj.clone(), cj).is_empty());
}
