//! Job and CronJob validation (`pkg/apis/batch/validation`), with a port of robfig/cron v3's
//! `ParseStandard` for schedules.
//!
//! The simulator's Job strategy does not generate the selector and the
//! `batch.kubernetes.io/controller-uid`/`job-name` labels (upstream's `PrepareForCreate` does,
//! and replaces any user selector), so the selector checks here run only for
//! `manualSelector: true` Jobs, where the user's selector is the one kept.
//!
//! Not ported: `podFailurePolicy` rules, `successPolicy`, `managedBy` format, the many status
//! rules the job controller's writes are held to (only the counters' signs are checked), time
//! zone names beyond their syntax (no tz database).

use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::md;
use crate::api::field::{BadValue, FieldError, Path, go_quote};
use crate::api::names;
use crate::api::selector::LabelSelector as Selector;
use crate::api::validation::ValidationOptions;
use crate::api::validation::meta::{
    self, immutable, json_label_selector, json_str, json_value, name_is_dns_subdomain,
    validate_nonnegative, validate_nonnegative_counts, validate_nonnegative_if_set,
};
use crate::api::validation::pod::validate_pod_template_spec;
use crate::api::validation::util::{s, semantically_equal};

/// `maxParallelismForIndexedJob`.
const MAX_PARALLELISM_INDEXED: i32 = 100_000;

/// `maxFailedIndexesForIndexedJob`.
const MAX_FAILED_INDEXES: i32 = 100_000;

// ----- Job -----

/// `validateJobSpec`: counts, completion mode, replacement policy, the pod template and its
/// restart policy.
fn validate_job_spec_fields(
    spec: &JobSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = vec![];
    errs.extend(validate_nonnegative_if_set(
        spec.parallelism.map(i64::from),
        &path.child("parallelism"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.completions.map(i64::from),
        &path.child("completions"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.active_deadline_seconds,
        &path.child("activeDeadlineSeconds"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.backoff_limit.map(i64::from),
        &path.child("backoffLimit"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.ttl_seconds_after_finished.map(i64::from),
        &path.child("ttlSecondsAfterFinished"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.backoff_limit_per_index.map(i64::from),
        &path.child("backoffLimitPerIndex"),
    ));
    if let Some(max) = spec.max_failed_indexes {
        errs.extend(validate_nonnegative(
            i64::from(max),
            &path.child("maxFailedIndexes"),
        ));
        if spec.backoff_limit_per_index.is_none() {
            errs.push(FieldError::required(
                &path.child("backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            ));
        }
    }
    let mode = spec.completion_mode.as_deref();
    if let Some(m) = mode {
        if m != "NonIndexed" && m != "Indexed" {
            errs.push(FieldError::not_supported(
                &path.child("completionMode"),
                json_str(m),
                &["NonIndexed", "Indexed"],
            ));
        }
        if m == "Indexed" {
            if spec.completions.is_none() {
                errs.push(FieldError::required(
                    &path.child("completions"),
                    "when completion mode is Indexed",
                ));
            }
            if let Some(p) = spec.parallelism
                && p > MAX_PARALLELISM_INDEXED
            {
                errs.push(FieldError::invalid(
                    &path.child("parallelism"),
                    p,
                    format!(
                        "must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"
                    ),
                ));
            }
            if let (Some(c), Some(m)) = (spec.completions, spec.max_failed_indexes)
                && m > c
            {
                errs.push(FieldError::invalid(
                    &path.child("maxFailedIndexes"),
                    m,
                    "must be less than or equal to completions",
                ));
            }
            if let Some(m) = spec.max_failed_indexes
                && m > MAX_FAILED_INDEXES
            {
                errs.push(FieldError::invalid(
                    &path.child("maxFailedIndexes"),
                    m,
                    format!("must be less than or equal to {MAX_FAILED_INDEXES}"),
                ));
            }
        }
    }
    if mode.is_none_or(|m| m == "NonIndexed") {
        if let Some(b) = spec.backoff_limit_per_index {
            errs.push(FieldError::invalid(
                &path.child("backoffLimitPerIndex"),
                b,
                "requires indexed completion mode",
            ));
        }
        if let Some(m) = spec.max_failed_indexes {
            errs.push(FieldError::invalid(
                &path.child("maxFailedIndexes"),
                m,
                "requires indexed completion mode",
            ));
        }
    }
    if let Some(policy) = &spec.pod_replacement_policy {
        let p = path.child("podReplacementPolicy");
        if spec.pod_failure_policy.is_some() {
            if policy != "Failed" {
                errs.push(FieldError::not_supported(&p, json_str(policy), &["Failed"]));
            }
        } else if policy != "Failed" && policy != "TerminatingOrFailed" {
            errs.push(FieldError::not_supported(
                &p,
                json_str(policy),
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let template_path = path.child("template");
    errs.extend(validate_pod_template_spec(
        &spec.template,
        &template_path,
        opts,
    ));
    let restart = spec
        .template
        .spec
        .as_ref()
        .and_then(|sp| sp.restart_policy.as_deref())
        .unwrap_or("");
    let restart_path = template_path.child("spec").child("restartPolicy");
    if restart == "Always" || restart.is_empty() {
        errs.push(FieldError::required(
            &restart_path,
            "valid values: \"OnFailure\", \"Never\"",
        ));
    } else if restart != "OnFailure" && restart != "Never" {
        errs.push(FieldError::not_supported(
            &restart_path,
            json_str(restart),
            &["OnFailure", "Never"],
        ));
    } else if spec.pod_failure_policy.is_some() && restart != "Never" {
        errs.push(FieldError::invalid(
            &restart_path,
            json_str(restart),
            "only \"Never\" is supported when podFailurePolicy is specified",
        ));
    }
    errs
}

/// The template's labels (empty when unset).
fn template_labels(t: &PodTemplateSpec) -> std::collections::BTreeMap<String, String> {
    t.metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}

/// `ValidateJobSpec`: `validateJobSpec`, then (for manual selectors) the selector and its match
/// with the template's labels.
fn validate_job_spec(job: &Job, path: &Path, opts: &ValidationOptions) -> Vec<FieldError> {
    let spec = job.spec.clone().unwrap_or_default();
    let mut errs = validate_job_spec_fields(&spec, path, opts);
    if spec.manual_selector != Some(true) {
        return errs;
    }
    match &spec.selector {
        None => errs.push(FieldError::required(&path.child("selector"), "")),
        Some(sel) => errs.extend(meta::validate_label_selector(sel, &path.child("selector"))),
    }
    let labels = template_labels(&spec.template);
    let matches = match &spec.selector {
        None => Some(false),
        Some(sel) => Selector::from_k8s(sel).ok().map(|s| s.matches(&labels)),
    };
    if matches == Some(false) {
        errs.push(FieldError::invalid(
            &path.child("template").child("metadata").child("labels"),
            BadValue::Go(meta::json_string_map(
                spec.template
                    .metadata
                    .as_ref()
                    .and_then(|m| m.labels.as_ref()),
            )),
            "`selector` does not match template `labels`",
        ));
    }
    errs
}

/// `ValidateJob`: metadata (a DNS subdomain name), the spec, and room in the name for the
/// highest index of an Indexed Job's pod hostnames.
pub(super) fn validate_job(job: &Job, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&job.metadata, true, name_is_dns_subdomain, &md());
    errs.extend(validate_job_spec(job, &Path::new("spec"), opts));
    let spec = job.spec.clone().unwrap_or_default();
    if spec.completion_mode.as_deref() == Some("Indexed")
        && let Some(c) = spec.completions.filter(|c| *c > 0)
    {
        let name = s(&job.metadata.name);
        let hostname = format!("{name}-{}", c - 1);
        if !names::is_dns1123_label(&hostname).is_empty() {
            errs.push(FieldError::invalid(
                &md().child("name"),
                name,
                format!("will not able to create pod with invalid DNS label: {hostname}"),
            ));
        }
    }
    errs
}

/// A serializable value as JSON (the v1 form: internal types would print Go field names).
fn json_of<T: serde::Serialize>(v: &T) -> BadValue {
    BadValue::Go(serde_json::to_value(v).map_or_else(|_| "null".into(), |v| json_value(&v)))
}

/// The job strategy's `ValidateUpdate`: `ValidateJob`, then `ValidateJobUpdate` (metadata
/// update rules, the spec again, and the immutable fields). The template's scheduling
/// directives may change while a Job is suspended and has never started.
pub(super) fn validate_job_update(
    new: &Job,
    old: &Job,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_job(new, opts);
    errs.extend(meta::validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        &md(),
    ));
    let path = Path::new("spec");
    errs.extend(validate_job_spec(new, &path, opts));
    let spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    if spec.completions != old_spec.completions {
        if !indexed {
            errs.push(FieldError::invalid(
                &path.child("completions"),
                spec.completions
                    .map_or(BadValue::Go("null".into()), BadValue::from),
                meta::FIELD_IMMUTABLE_ERROR_MSG,
            ));
        } else if let Some(c) = spec.completions
            && Some(c) != spec.parallelism
        {
            errs.push(FieldError::invalid(
                &path.child("completions"),
                c,
                "can only be modified in tandem with spec.parallelism",
            ));
        }
    }
    let selector_changed = match (&spec.selector, &old_spec.selector) {
        (None, None) => false,
        (Some(a), Some(b)) => !meta::label_selectors_equal(a, b),
        _ => true,
    };
    errs.extend(immutable(
        selector_changed,
        &path.child("selector"),
        BadValue::Go(json_label_selector(spec.selector.as_ref())),
    ));
    let mut old_template = old_spec.template.clone();
    let suspended_unstarted = old_spec.suspend == Some(true)
        && old.status.as_ref().is_none_or(|st| st.start_time.is_none());
    if suspended_unstarted {
        let new_pod = spec.template.spec.clone().unwrap_or_default();
        let old_pod = old_template.spec.get_or_insert_with(Default::default);
        old_pod.affinity = new_pod.affinity.clone();
        old_pod.node_selector = new_pod.node_selector.clone();
        old_pod.tolerations = new_pod.tolerations.clone();
        old_pod.scheduling_gates = new_pod.scheduling_gates.clone();
        let new_meta = spec.template.metadata.clone().unwrap_or_default();
        let old_meta = old_template.metadata.get_or_insert_with(Default::default);
        old_meta.annotations = new_meta.annotations.clone();
        old_meta.labels = new_meta.labels.clone();
    }
    errs.extend(immutable(
        !semantically_equal(&spec.template, &old_template),
        &path.child("template"),
        json_of(&spec.template),
    ));
    errs.extend(immutable(
        spec.completion_mode != old_spec.completion_mode,
        &path.child("completionMode"),
        spec.completion_mode
            .as_deref()
            .map_or(BadValue::Go("null".into()), json_str),
    ));
    errs.extend(immutable(
        !semantically_equal(&spec.pod_failure_policy, &old_spec.pod_failure_policy),
        &path.child("podFailurePolicy"),
        json_of(&spec.pod_failure_policy),
    ));
    errs.extend(immutable(
        spec.backoff_limit_per_index != old_spec.backoff_limit_per_index,
        &path.child("backoffLimitPerIndex"),
        spec.backoff_limit_per_index
            .map_or(BadValue::Go("null".into()), BadValue::from),
    ));
    errs.extend(immutable(
        spec.managed_by != old_spec.managed_by,
        &path.child("managedBy"),
        spec.managed_by
            .as_ref()
            .map_or(BadValue::Go("null".into()), BadValue::from),
    ));
    errs.extend(immutable(
        !semantically_equal(&spec.success_policy, &old_spec.success_policy),
        &path.child("successPolicy"),
        json_of(&spec.success_policy),
    ));
    errs
}

/// `ValidateJobUpdateStatus` (light): metadata update rules and non-negative counters.
pub(super) fn validate_job_status_update(new: &Job, old: &Job) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    let status = new.status.clone().unwrap_or_default();
    let p = Path::new("status");
    errs.extend(validate_nonnegative_counts(
        &[
            (status.active.unwrap_or(0), "active"),
            (status.succeeded.unwrap_or(0), "succeeded"),
            (status.failed.unwrap_or(0), "failed"),
        ],
        &p,
    ));
    errs.extend(validate_nonnegative_if_set(
        status.ready.map(i64::from),
        &p.child("ready"),
    ));
    errs.extend(validate_nonnegative_if_set(
        status.terminating.map(i64::from),
        &p.child("terminating"),
    ));
    errs
}

// ----- CronJob -----

/// One field's bounds (`bounds` in robfig/cron).
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// robfig's `mustParseInt`, with Go's `strconv.Atoi` errors.
fn must_parse_int(expr: &str) -> Result<u64, String> {
    let num: i64 = expr.parse().map_err(|e: std::num::ParseIntError| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {}: {why}",
            go_quote(expr)
        )
    })?;
    u64::try_from(num).map_err(|_| format!("negative number ({num}) not allowed: {expr}"))
}

fn parse_int_or_name(expr: &str, b: &Bounds) -> Result<u64, String> {
    let lower = expr.to_lowercase();
    if let Some((_, v)) = b.names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    must_parse_int(expr)
}

/// robfig's `getRange`.
fn get_range(expr: &str, b: &Bounds) -> Result<(), String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end) = if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (b.min, b.max)
    } else {
        let start = parse_int_or_name(low_and_high[0], b)?;
        let end = match low_and_high.len() {
            1 => start,
            2 => parse_int_or_name(low_and_high[1], b)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            if single {
                end = b.max;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(())
}

/// Go's `time.ParseDuration`, as a validity check with Go's error texts.
fn parse_go_duration(s: &str) -> Result<(), String> {
    let invalid = || format!("time: invalid duration {}", go_quote(s));
    let mut rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    if rest == "0" {
        return Ok(());
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut digits = int_len;
        rest = &rest[int_len..];
        if let Some(frac) = rest.strip_prefix('.') {
            let frac_len = frac.bytes().take_while(u8::is_ascii_digit).count();
            digits += frac_len;
            rest = &frac[frac_len..];
        }
        if digits == 0 {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(s)));
        }
        if !matches!(unit, "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h") {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(s)
            ));
        }
        rest = &rest[unit_len..];
    }
    Ok(())
}

/// robfig/cron v3's `ParseStandard`: five fields or a descriptor; the error text of the first
/// problem.
pub(super) fn parse_cron_standard(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let eq = spec.find('=').unwrap_or(0);
        let Some(space) = spec.find(' ') else {
            let loc = &spec[eq + 1..];
            return Err(format!(
                "provided bad location {loc}: unknown time zone {loc}"
            ));
        };
        spec = spec[space..].trim();
    }
    if spec.starts_with('@') {
        return match spec {
            "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight"
            | "@hourly" => Ok(()),
            _ => match spec.strip_prefix("@every ") {
                Some(d) => parse_go_duration(d)
                    .map_err(|e| format!("failed to parse duration {spec}: {e}")),
                None => Err(format!("unrecognized descriptor: {spec}")),
            },
        };
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    for (field, bounds) in fields.iter().zip([&MINUTES, &HOURS, &DOM, &MONTHS, &DOW]) {
        for expr in field.split(',').filter(|e| !e.is_empty()) {
            get_range(expr, bounds)?;
        }
    }
    Ok(())
}

/// `validateTimeZone` without the tz database: the IANA name syntax and `Local`.
fn validate_time_zone(tz: Option<&str>, path: &Path) -> Vec<FieldError> {
    let Some(tz) = tz else { return vec![] };
    if tz.is_empty() {
        return vec![FieldError::invalid(
            path,
            tz,
            "timeZone must be nil or non-empty string",
        )];
    }
    for part in tz.split('/') {
        let ok_chars = !part.is_empty()
            && part.len() <= 14
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'));
        if part == "." || part == ".." || part.starts_with('-') || !ok_chars {
            return vec![FieldError::invalid(
                path,
                tz,
                format!("unknown time zone {tz}"),
            )];
        }
    }
    if tz.eq_ignore_ascii_case("Local") {
        return vec![FieldError::invalid(
            path,
            tz,
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        )];
    }
    vec![]
}

/// `ValidateJobTemplateSpec`: the job spec, a selector the controller will generate, no manual
/// selector.
fn validate_job_template_spec(
    spec: &JobSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let spec_path = path.child("spec");
    let mut errs = validate_job_spec_fields(spec, &spec_path, opts);
    if let Some(sel) = &spec.selector {
        errs.push(FieldError::invalid(
            &spec_path.child("selector"),
            BadValue::Go(json_label_selector(Some::<&LabelSelector>(sel))),
            "`selector` will be auto-generated",
        ));
    }
    if spec.manual_selector == Some(true) {
        errs.push(FieldError::not_supported(
            &spec_path.child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    errs
}

/// `validateCronJobSpec`.
fn validate_cron_job_spec(
    cj: &CronJob,
    old: Option<&CronJob>,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let spec = cj.spec.clone().unwrap_or_default();
    let old_spec = old.map(|o| o.spec.clone().unwrap_or_default());
    let path = Path::new("spec");
    let mut errs = vec![];
    let schedule_path = path.child("schedule");
    if spec.schedule.is_empty() {
        errs.push(FieldError::required(&schedule_path, ""));
    } else {
        if let Err(msg) = parse_cron_standard(&spec.schedule) {
            errs.push(FieldError::invalid(&schedule_path, &spec.schedule, msg));
        }
        let allow_tz = old_spec.as_ref().is_some_and(|o| o.schedule.contains("TZ"));
        if allow_tz && spec.schedule.contains("TZ") && spec.time_zone.is_some() {
            errs.push(FieldError::invalid(
                &schedule_path,
                &spec.schedule,
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        } else if !allow_tz && spec.schedule.contains("TZ") {
            errs.push(FieldError::invalid(
                &schedule_path,
                &spec.schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
    }
    errs.extend(validate_nonnegative_if_set(
        spec.starting_deadline_seconds,
        &path.child("startingDeadlineSeconds"),
    ));
    if old_spec
        .as_ref()
        .is_none_or(|o| o.time_zone != spec.time_zone)
    {
        errs.extend(validate_time_zone(
            spec.time_zone.as_deref(),
            &path.child("timeZone"),
        ));
    }
    let policy_path = path.child("concurrencyPolicy");
    match s(&spec.concurrency_policy) {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required(&policy_path, "")),
        other => errs.push(FieldError::not_supported(
            &policy_path,
            json_str(other),
            &["Allow", "Forbid", "Replace"],
        )),
    }
    errs.extend(validate_job_template_spec(
        &spec.job_template.spec.clone().unwrap_or_default(),
        &path.child("jobTemplate"),
        opts,
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.successful_jobs_history_limit.map(i64::from),
        &path.child("successfulJobsHistoryLimit"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.failed_jobs_history_limit.map(i64::from),
        &path.child("failedJobsHistoryLimit"),
    ));
    errs
}

/// `ValidateCronJobCreate`: metadata (a DNS subdomain name), the spec, and a name short enough
/// for the 11-character suffix of the Jobs it creates.
pub(super) fn validate_cron_job_create(cj: &CronJob, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&cj.metadata, true, name_is_dns_subdomain, &md());
    errs.extend(validate_cron_job_spec(cj, None, opts));
    let name = s(&cj.metadata.name);
    if name.len() > 52 {
        errs.push(FieldError::invalid(
            &md().child("name"),
            name,
            "must be no more than 52 characters",
        ));
    }
    errs
}

/// `ValidateCronJobUpdate` (no name length check, so old long names stay editable).
pub(super) fn validate_cron_job_update(
    new: &CronJob,
    old: &CronJob,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_cron_job_spec(new, Some(old), opts));
    errs
}

/// The CronJob status strategy: metadata update rules only.
pub(super) fn validate_cron_job_status_update(new: &CronJob, old: &CronJob) -> Vec<FieldError> {
    meta::validate_object_meta_update(&new.metadata, &old.metadata, &md())
}

#[cfg(test)]
mod tests;
