//! `kubectl scale` (`staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go`): sets
//! `spec.replicas` through the scale subresource, with `--current-replicas` as a
//! precondition.

use super::output;
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::apiserver::strategy::has_scale_subresource;
use crate::apiserver::{ApiError, StatusReason};

/// Runs `kubectl scale`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["kustomize", "filename", "resource-version"])?;
    if !cx.p.is_set("replicas") {
        // kubectl reports this through klog, with a timestamp and a process id.
        return Err(client_err("required flag(s) \"replicas\" not set"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let replicas = cx.p.int("replicas");
    if replicas < 0 {
        return Err(client_err(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    let current = cx.p.int("current-replicas");
    let scope = Scope::from_flags(cx);
    let all = cx.p.bool("all");
    if cx.p.args.is_empty() {
        return Err(client_err(resource::MUST_PROVIDE));
    }
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: all,
            has_selector: scope.has_selector(),
            select_all: all,
        },
    )?;
    let (found, errors) = resource::find(cx, &targets, &scope);
    let objects: Vec<_> = found.into_iter().flat_map(|f| f.objects).collect();
    if objects.is_empty() {
        let why = match errors.as_slice() {
            [] => String::new(),
            [one] => format!(" {}", error_text(one)),
            many => format!(
                " [{}]",
                many.iter().map(error_text).collect::<Vec<_>>().join(", ")
            ),
        };
        return Err(client_err(format!("no objects passed to scale{why}")));
    }
    let replicas = i32::try_from(replicas).map_err(|_| {
        client_err(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        )
    })?;
    for obj in objects {
        let key = obj.key();
        if !has_scale_subresource(key.kind) {
            return Err(ApiError::status(
                StatusReason::NotFound,
                "the server could not find the requested resource",
            )
            .into());
        }
        let scale = cx.sim().api().get_scale(&key)?;
        if current >= 0 && i64::from(scale.spec_replicas) != current {
            return Err(client_err(format!(
                "Expected replicas to be {current}, was {}",
                scale.spec_replicas
            )));
        }
        match dry {
            DryRun::Client => {}
            DryRun::Server => {
                let mut o = (*obj).clone();
                set_replicas(&mut o, replicas);
                cx.write(|api| api.update_dry_run(o))?;
            }
            DryRun::None => {
                cx.write(|api| api.update_scale(&key, replicas))?;
            }
        }
        let text = output::print_result(&format, &obj, &format!("scaled{}", dry.suffix()))?;
        cx.out.push_str(&text);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

fn error_text(e: &super::errors::KubectlError) -> String {
    match e {
        super::errors::KubectlError::Status { error, .. } => error.message.clone(),
        super::errors::KubectlError::Client(m) => m.clone(),
    }
}

fn set_replicas(o: &mut crate::api::Object, replicas: i32) {
    use crate::api::Object;
    match o {
        Object::StatefulSet(s) => {
            s.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        Object::Deployment(d) => {
            d.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        Object::ReplicaSet(r) => {
            r.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
        }
        _ => {}
    }
}
