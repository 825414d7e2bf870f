//! `kubectl set image` (`staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go`): new images
//! for named containers (`*` for all) of a pod template; `image updated` for each object that
//! changed, nothing for one that already had them.

use k8s_openapi::api::core::v1::PodSpec;

use super::label::resources_and_pairs;
use super::output;
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::api::Object;

/// The pod spec of an object with a pod template (or a pod).
fn pod_spec_mut(obj: &mut Object) -> Option<&mut PodSpec> {
    match obj {
        Object::Pod(p) => p.spec.as_mut(),
        Object::StatefulSet(s) => s.spec.as_mut()?.template.spec.as_mut(),
        Object::Deployment(d) => d.spec.as_mut()?.template.spec.as_mut(),
        Object::ReplicaSet(r) => r.spec.as_mut()?.template.as_mut()?.spec.as_mut(),
        Object::DaemonSet(d) => d.spec.as_mut()?.template.spec.as_mut(),
        Object::Job(j) => j.spec.as_mut()?.template.spec.as_mut(),
        Object::CronJob(c) => c
            .spec
            .as_mut()?
            .job_template
            .spec
            .as_mut()?
            .template
            .spec
            .as_mut(),
        _ => None,
    }
}

/// Runs `kubectl set image`.
pub(crate) fn image(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["local", "filename", "kustomize", "recursive"])?;
    let (resources, pairs) = resources_and_pairs(&cx.p.args, "image")?;
    if resources.is_empty() {
        return Err(client_err(resource::MUST_PROVIDE));
    }
    let mut images: Vec<(String, String)> = Vec::new();
    for p in &pairs {
        match p.split_once('=') {
            Some((c, i)) if !c.is_empty() => images.push((c.to_string(), i.to_string())),
            _ => return Err(client_err(format!("invalid image format: {p}"))),
        }
    }
    if images.is_empty() {
        return Err(client_err("at least one image update is required"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let scope = Scope::from_flags(cx);
    let all = cx.p.bool("all");
    let targets = resource::targets(
        &resources,
        Rules {
            allow_empty_selector: all,
            has_selector: scope.has_selector(),
            select_all: all,
        },
    )?;
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    for obj in found.into_iter().flat_map(|f| f.objects) {
        let mut next = (*obj).clone();
        let Some(spec) = pod_spec_mut(&mut next) else {
            errors.push(super::errors::KubectlError::Client(format!(
                "error: {} the object is not a pod or does not have a pod template: {}",
                resource::kind_name(obj.kind(), obj.name()),
                obj.kind().info().kind
            )));
            continue;
        };
        for (name, image) in &images {
            let mut found_one = false;
            for c in spec
                .init_containers
                .iter_mut()
                .flatten()
                .chain(spec.containers.iter_mut())
            {
                if c.name == *name || name == "*" {
                    found_one = true;
                    c.image = Some(image.clone());
                }
            }
            if !found_one {
                return Err(client_err(format!(
                    "unable to find container named {}",
                    crate::api::field::go_quote(name)
                )));
            }
        }
        if next == *obj {
            continue;
        }
        let stored = match dry {
            DryRun::Client => std::sync::Arc::new(next),
            DryRun::Server => cx.write(|api| api.update_dry_run(next))?,
            DryRun::None => match cx.write(|api| api.update(next)) {
                Ok(o) => o,
                Err(e) => {
                    errors.push(super::errors::KubectlError::Client(format!(
                        "failed to patch image update to pod template: {}",
                        e.message
                    )));
                    continue;
                }
            },
        };
        let text =
            output::print_result(&format, &stored, &format!("image updated{}", dry.suffix()))?;
        cx.out.push_str(&text);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}
