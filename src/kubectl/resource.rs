//! kubectl's resource builder (`k8s.io/cli-runtime/pkg/resource/builder.go`): what the
//! arguments name (`TYPE NAME...`, `TYPE/NAME...`, `TYPE1,TYPE2 NAME`, `all`), type resolution
//! (plural, singular, short name, kind, `type.group`), and the objects they select, with the
//! builder's own errors.

use std::sync::Arc;

use super::errors::KubectlError;
use super::{Cx, Failure, client_err};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ListOptions};

/// The kinds the `all` category expands to, in discovery order (core, apps, batch).
pub(crate) const ALL_CATEGORY: &[Kind] = &[
    Kind::Pod,
    Kind::Service,
    Kind::DaemonSet,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::CronJob,
    Kind::Job,
];

/// `You must provide one or more resources by argument or filename.` and its examples.
pub(crate) const MUST_PROVIDE: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// What the arguments select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Targets {
    /// Objects by name, in argument order.
    Named(Vec<(Kind, String)>),
    /// Every object of these kinds (filtered by selectors), in argument order.
    ByType(Vec<Kind>),
}

/// The API server's deprecation warning for `core/v1` Endpoints (v1.33+, KEP-4974), which
/// kubectl prints once per command on stderr.
pub(crate) const ENDPOINTS_DEPRECATED: &str =
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n";

/// Prints the warnings the API server attaches to requests for deprecated kinds.
pub(crate) fn warn_deprecated(cx: &mut Cx, targets: &Targets) {
    if targets.kinds().contains(&Kind::Endpoints) {
        cx.err.push_str(ENDPOINTS_DEPRECATED);
    }
}

impl Targets {
    /// The kinds involved, in order, without repeats.
    pub(crate) fn kinds(&self) -> Vec<Kind> {
        let mut out: Vec<Kind> = Vec::new();
        let all: Vec<Kind> = match self {
            Targets::Named(v) => v.iter().map(|(k, _)| *k).collect(),
            Targets::ByType(v) => v.clone(),
        };
        for k in all {
            if !out.contains(&k) {
                out.push(k);
            }
        }
        out
    }

    /// True when exactly one object was named (kubectl's `singleItemImplied`).
    pub(crate) fn single_item_implied(&self) -> bool {
        matches!(self, Targets::Named(v) if v.len() == 1)
    }
}

/// Resolves one resource type argument (`sts`, `statefulsets.apps`, `pod`).
pub(crate) fn resolve_type(arg: &str) -> Result<Vec<Kind>, Failure> {
    if arg.eq_ignore_ascii_case("all") {
        return Ok(ALL_CATEGORY.to_vec());
    }
    match Kind::from_resource_arg(arg) {
        Some(k) if !arg.is_empty() => Ok(vec![k]),
        _ => Err(client_err(format!(
            "the server doesn't have a resource type \"{arg}\""
        ))),
    }
}

/// How a command uses the builder.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rules {
    /// `ResourceTypeOrNameArgs(allowEmptySelector=true, ...)`: a bare type lists everything.
    pub(crate) allow_empty_selector: bool,
    /// A label or field selector was given.
    pub(crate) has_selector: bool,
    /// `--all` was given.
    pub(crate) select_all: bool,
}

/// `normalizeMultipleResourcesArgs`: `pods,svc web` becomes `pods/web svc/web`.
fn normalize(args: &[String]) -> Vec<String> {
    if args.len() >= 2 && args[0].contains(',') {
        let mut out = Vec::new();
        for t in args[0].split(',') {
            for name in &args[1..] {
                out.push(format!("{t}/{name}"));
            }
        }
        return out;
    }
    args.to_vec()
}

/// Parses the arguments as the builder does (`ResourceTypeOrNameArgs`).
pub(crate) fn targets(args: &[String], rules: Rules) -> Result<Targets, Failure> {
    let args = normalize(args);
    let slashed = args.iter().filter(|a| a.contains('/')).count();
    if slashed > 0 {
        if slashed != args.len() {
            return Err(client_err(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
            ));
        }
        let mut named = Vec::new();
        for a in &args {
            let (t, n) = a.split_once('/').unwrap_or((a, ""));
            if t.is_empty() || n.is_empty() {
                return Err(client_err(
                    "arguments in resource/name form must have a single resource and name",
                ));
            }
            let kinds = resolve_type(t)?;
            if kinds.len() != 1 {
                return Err(client_err("you must specify only one resource"));
            }
            named.push((kinds[0], n.to_string()));
        }
        if rules.has_selector {
            return Err(client_err(
                "name cannot be provided when a selector is specified",
            ));
        }
        return Ok(Targets::Named(named));
    }
    let Some(first) = args.first() else {
        return Err(client_err(MUST_PROVIDE));
    };
    let mut kinds: Vec<Kind> = Vec::new();
    for t in first.split(',') {
        for k in resolve_type(t)? {
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    let names = &args[1..];
    if !names.is_empty() {
        if kinds.len() != 1 {
            return Err(client_err("you must specify only one resource"));
        }
        if rules.has_selector || rules.select_all {
            return Err(client_err(
                "name cannot be provided when a selector is specified",
            ));
        }
        return Ok(Targets::Named(
            names.iter().map(|n| (kinds[0], n.clone())).collect(),
        ));
    }
    if !rules.allow_empty_selector && !rules.has_selector && !rules.select_all {
        return Err(client_err(
            "resource(s) were provided, but no name was specified",
        ));
    }
    Ok(Targets::ByType(kinds))
}

/// Where and how to list.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// The namespace (for namespaced kinds).
    pub(crate) namespace: String,
    /// `-A`.
    pub(crate) all_namespaces: bool,
    /// `-l`.
    pub(crate) label_selector: String,
    /// `--field-selector`.
    pub(crate) field_selector: String,
}

impl Scope {
    /// The scope from the usual flags of `cx`'s command (those it has).
    pub(crate) fn from_flags(cx: &Cx) -> Scope {
        let has = |name: &str| cx.p.command.flags.iter().any(|f| f.name == name);
        Scope {
            namespace: cx.namespace(),
            all_namespaces: has("all-namespaces") && cx.p.bool("all-namespaces"),
            label_selector: if has("selector") {
                cx.p.string("selector")
            } else {
                String::new()
            },
            field_selector: if has("field-selector") {
                cx.p.string("field-selector")
            } else {
                String::new()
            },
        }
    }

    /// True when a label or field selector was given.
    pub(crate) fn has_selector(&self) -> bool {
        !self.label_selector.is_empty() || !self.field_selector.is_empty()
    }

    /// The key of `name` of `kind` in this scope.
    pub(crate) fn key(&self, kind: Kind, name: &str) -> ObjectKey {
        if kind.is_namespaced() {
            ObjectKey::new(kind, self.namespace.clone(), name)
        } else {
            ObjectKey::cluster(kind, name)
        }
    }
}

/// One group of results: the objects found for one request (a name, or a list of a kind).
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// The kind requested.
    pub(crate) kind: Kind,
    /// The objects (one for a name).
    pub(crate) objects: Vec<Arc<Object>>,
}

/// Visits the targets as the builder's `ContinueOnError` result does: every request in
/// order, with the errors of those that failed (NotFound for a missing name).
pub(crate) fn find(cx: &Cx, targets: &Targets, scope: &Scope) -> (Vec<Found>, Vec<KubectlError>) {
    find_with(cx, targets, scope, true)
}

/// [`find`]; `namespace_lookup` is false for commands that do not fetch the objects first
/// (delete), whose NotFound names the object even in a missing namespace.
pub(crate) fn find_with(
    cx: &Cx,
    targets: &Targets,
    scope: &Scope,
    namespace_lookup: bool,
) -> (Vec<Found>, Vec<KubectlError>) {
    let api = cx.sim().api();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    match targets {
        Targets::Named(names) => {
            for (kind, name) in names {
                match api.get(&scope.key(*kind, name)) {
                    Ok(o) => found.push(Found {
                        kind: *kind,
                        objects: vec![o],
                    }),
                    Err(e) if namespace_lookup => {
                        errors.push(status(namespace_or(cx, *kind, scope, e)))
                    }
                    Err(e) => errors.push(status(e)),
                }
            }
        }
        Targets::ByType(kinds) => {
            for kind in kinds {
                match list(cx, *kind, scope) {
                    Ok(objects) => found.push(Found {
                        kind: *kind,
                        objects,
                    }),
                    Err(e) => errors.push(status(e)),
                }
            }
        }
    }
    (found, errors)
}

/// kubectl looks the namespace up after a NotFound: a missing namespace is the error then.
pub(crate) fn namespace_or(cx: &Cx, kind: Kind, scope: &Scope, e: ApiError) -> ApiError {
    if e.is_not_found()
        && kind.is_namespaced()
        && cx
            .sim()
            .api()
            .try_get(&ObjectKey::cluster(
                Kind::Namespace,
                scope.namespace.clone(),
            ))
            .is_none()
    {
        return ApiError::not_found(Kind::Namespace, &scope.namespace);
    }
    e
}

/// Lists `kind` in `scope`.
pub(crate) fn list(cx: &Cx, kind: Kind, scope: &Scope) -> Result<Vec<Arc<Object>>, ApiError> {
    let ns = if scope.all_namespaces {
        None
    } else {
        Some(scope.namespace.as_str())
    };
    cx.sim().api().list(
        kind,
        ns,
        &ListOptions {
            label_selector: Some(scope.label_selector.clone()).filter(|s| !s.is_empty()),
            field_selector: Some(scope.field_selector.clone()).filter(|s| !s.is_empty()),
        },
    )
}

/// A server error as kubectl holds it.
pub(crate) fn status(e: ApiError) -> KubectlError {
    KubectlError::Status {
        error: e,
        source: None,
    }
}

/// `statefulset.apps/web`, `pod/web-0`: how the name printer names an object.
pub(crate) fn kind_name(kind: Kind, name: &str) -> String {
    format!("{}/{}", kind.info().group_singular(), name)
}

/// `statefulsets.apps`, `pods`: the resource as errors name it.
pub(crate) fn resource_name(kind: Kind) -> String {
    kind.info().group_resource()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn err(r: Result<Targets, Failure>) -> String {
        match r {
            Err(Failure::Errors(e)) => super::super::errors::check_err(&e),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn argument_forms_resolve_like_the_builder() {
        let get = Rules {
            allow_empty_selector: true,
            ..Rules::default()
        };
        assert_eq!(
            targets(&args("sts web"), get).unwrap(),
            Targets::Named(vec![(Kind::StatefulSet, "web".into())])
        );
        assert_eq!(
            targets(&args("pods,sts web"), get).unwrap(),
            Targets::Named(vec![
                (Kind::Pod, "web".into()),
                (Kind::StatefulSet, "web".into())
            ])
        );
        assert_eq!(
            targets(&args("pod/web-0 statefulsets.apps/web"), get).unwrap(),
            Targets::Named(vec![
                (Kind::Pod, "web-0".into()),
                (Kind::StatefulSet, "web".into())
            ])
        );
        assert_eq!(
            targets(&args("po,svc,po"), get).unwrap(),
            Targets::ByType(vec![Kind::Pod, Kind::Service])
        );
        assert_eq!(
            targets(&args("all"), get).unwrap().kinds().len(),
            ALL_CATEGORY.len()
        );
    }

    #[test]
    fn argument_errors_are_the_builders() {
        let get = Rules {
            allow_empty_selector: true,
            ..Rules::default()
        };
        assert_eq!(
            err(targets(&args("foo"), get)),
            "error: the server doesn't have a resource type \"foo\"\n"
        );
        assert_eq!(
            err(targets(&args("/web"), get)),
            "error: arguments in resource/name form must have a single resource and name\n"
        );
        assert_eq!(
            err(targets(&args("all web"), get)),
            "error: you must specify only one resource\n"
        );
        assert!(err(targets(&args("pods web-0/x"), get)).contains("there is no need"));
        assert_eq!(
            err(targets(&args("pods"), Rules::default())),
            "error: resource(s) were provided, but no name was specified\n"
        );
        assert_eq!(
            err(targets(&args("pods,,sts"), get)),
            "error: the server doesn't have a resource type \"\"\n"
        );
    }
}
