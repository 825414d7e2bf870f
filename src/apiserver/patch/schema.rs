//! Strategic merge patch metadata: the `patchStrategy` and `patchMergeKey` struct tags of the
//! Go API types (`k8s.io/api/{core,apps,batch,policy}/v1/types.go`,
//! `k8s.io/apimachinery/pkg/apis/meta/v1/types.go`, v1.35) for every path that leads to a
//! tagged list in the kinds the simulator stores.
//!
//! Only tagged fields and the structs leading to them are listed. Any other field behaves as an
//! untagged Go field does: objects merge key by key, lists are replaced whole (`tolerations`,
//! `args`, `command`, `accessModes`, `resizePolicy`, StatefulSet `volumeClaimTemplates`, which
//! are all `+listType=atomic` without a patch strategy). `retainKeys` strategies are left out:
//! they only shape patches kubectl computes; applying a `$retainKeys` directive does not
//! depend on them.

use crate::api::Kind;

use super::PatchError;
use super::gofmt::quote;

/// A field's `patchStrategy` tag, without `retainKeys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Strategy {
    /// No tag: objects merge, lists are replaced.
    None,
    /// `merge`: lists merge, by `patchMergeKey` for lists of objects.
    Merge,
    /// `replace`: the value is replaced whole.
    Replace,
}

/// One tagged (or leading-to-tagged) struct field.
#[derive(Debug)]
pub(super) struct Field {
    /// The JSON name.
    name: &'static str,
    strategy: Strategy,
    /// `patchMergeKey`; empty for lists of scalars.
    merge_key: &'static str,
    /// The field's type; for a list, its element type.
    schema: &'static Schema,
}

/// A Go type, as far as strategic merge patch needs it.
#[derive(Debug)]
pub(super) enum Schema {
    /// A struct; fields not listed carry no patch metadata.
    Struct(&'static [Field]),
    /// `runtime.RawExtension`: free-form JSON whose Go struct has no such fields, so looking a
    /// key up in it fails (ControllerRevision `data`).
    Raw(&'static str),
}

/// What looking a key up in a schema yields (`LookupPatchMetadataForStruct`).
pub(super) struct Lookup {
    pub(super) schema: &'static Schema,
    pub(super) strategy: Strategy,
    pub(super) merge_key: &'static str,
}

impl Schema {
    /// The metadata of field `key`.
    pub(super) fn lookup(&self, key: &str) -> Result<Lookup, PatchError> {
        match self {
            Schema::Struct(fields) => {
                // Exact match first, then a case-insensitive one, as encoding/json resolves
                // field names.
                let field = fields
                    .iter()
                    .find(|f| f.name == key)
                    .or_else(|| fields.iter().find(|f| f.name.eq_ignore_ascii_case(key)));
                Ok(match field {
                    Some(f) => Lookup {
                        schema: f.schema,
                        strategy: f.strategy,
                        merge_key: f.merge_key,
                    },
                    None => Lookup {
                        schema: &UNTAGGED,
                        strategy: Strategy::None,
                        merge_key: "",
                    },
                })
            }
            Schema::Raw(type_name) => Err(PatchError::unknown(format!(
                "unable to find api field in struct {type_name} for the json field {}",
                quote(key)
            ))),
        }
    }
}

const fn field(name: &'static str, schema: &'static Schema) -> Field {
    Field {
        name,
        strategy: Strategy::None,
        merge_key: "",
        schema,
    }
}

const fn merge(name: &'static str, merge_key: &'static str) -> Field {
    merge_of(name, merge_key, &UNTAGGED)
}

const fn merge_of(name: &'static str, merge_key: &'static str, schema: &'static Schema) -> Field {
    Field {
        name,
        strategy: Strategy::Merge,
        merge_key,
        schema,
    }
}

/// A type with no tagged fields below it.
pub(super) static UNTAGGED: Schema = Schema::Struct(&[]);

static RAW_EXTENSION: Schema = Schema::Raw("RawExtension");

/// `metav1.ObjectMeta`.
static OBJECT_META: Schema = Schema::Struct(&[
    // `patchStrategy:"merge"` on a list of strings.
    merge("finalizers", ""),
    merge("ownerReferences", "uid"),
]);

/// `v1.Container`, and `v1.EphemeralContainer` (its `EphemeralContainerCommon` has the same
/// tags). `resizePolicy` is atomic with no strategy.
static CONTAINER: Schema = Schema::Struct(&[
    merge("ports", "containerPort"),
    merge("env", "name"),
    merge("volumeMounts", "mountPath"),
    merge("volumeDevices", "devicePath"),
]);

/// `v1.PodSpec`. `volumes` and `resourceClaims` are `merge,retainKeys`.
static POD_SPEC: Schema = Schema::Struct(&[
    merge("volumes", "name"),
    merge_of("initContainers", "name", &CONTAINER),
    merge_of("containers", "name", &CONTAINER),
    merge_of("ephemeralContainers", "name", &CONTAINER),
    merge("imagePullSecrets", "name"),
    merge("hostAliases", "ip"),
    merge("topologySpreadConstraints", "topologyKey"),
    merge("schedulingGates", "name"),
    merge("resourceClaims", "name"),
]);

/// `v1.PodStatus`. `resourceClaimStatuses` is `merge,retainKeys`.
static POD_STATUS: Schema = Schema::Struct(&[
    merge("conditions", "type"),
    merge("podIPs", "ip"),
    merge("hostIPs", "ip"),
    merge("resourceClaimStatuses", "name"),
]);

/// `v1.PodTemplateSpec`.
static POD_TEMPLATE_SPEC: Schema =
    Schema::Struct(&[field("metadata", &OBJECT_META), field("spec", &POD_SPEC)]);

/// A status whose only tagged field is `conditions` (merge key `type`): StatefulSet,
/// Deployment, ReplicaSet, DaemonSet, Job, Service, PersistentVolumeClaim, Namespace and
/// PodDisruptionBudget statuses.
static CONDITIONS_STATUS: Schema = Schema::Struct(&[merge("conditions", "type")]);

/// A spec whose only tagged fields are under `template`: StatefulSet, Deployment, ReplicaSet,
/// DaemonSet and Job specs.
static TEMPLATED_SPEC: Schema = Schema::Struct(&[field("template", &POD_TEMPLATE_SPEC)]);

/// `batchv1.JobTemplateSpec`.
static JOB_TEMPLATE_SPEC: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &TEMPLATED_SPEC),
]);

/// `batchv1.CronJobSpec`.
static CRON_JOB_SPEC: Schema = Schema::Struct(&[field("jobTemplate", &JOB_TEMPLATE_SPEC)]);

/// `v1.NodeSpec`: `podCIDRs` is a merged list of strings.
static NODE_SPEC: Schema = Schema::Struct(&[merge("podCIDRs", "")]);

/// `v1.NodeStatus`.
static NODE_STATUS: Schema =
    Schema::Struct(&[merge("conditions", "type"), merge("addresses", "type")]);

/// `v1.ServiceSpec`.
static SERVICE_SPEC: Schema = Schema::Struct(&[merge("ports", "port")]);

static POD: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &POD_SPEC),
    field("status", &POD_STATUS),
]);

static TEMPLATED_WORKLOAD: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &TEMPLATED_SPEC),
    field("status", &CONDITIONS_STATUS),
]);

static CRON_JOB: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &CRON_JOB_SPEC),
]);

static NODE: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &NODE_SPEC),
    field("status", &NODE_STATUS),
]);

static SERVICE: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("spec", &SERVICE_SPEC),
    field("status", &CONDITIONS_STATUS),
]);

static WITH_CONDITIONS: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("status", &CONDITIONS_STATUS),
]);

static SERVICE_ACCOUNT: Schema =
    Schema::Struct(&[field("metadata", &OBJECT_META), merge("secrets", "name")]);

static CONTROLLER_REVISION: Schema = Schema::Struct(&[
    field("metadata", &OBJECT_META),
    field("data", &RAW_EXTENSION),
]);

/// Kinds whose only tagged fields are in `metadata`.
static METADATA_ONLY: Schema = Schema::Struct(&[field("metadata", &OBJECT_META)]);

/// The schema of a whole object of `kind`.
pub(super) fn root(kind: Kind) -> &'static Schema {
    match kind {
        Kind::Pod => &POD,
        Kind::StatefulSet | Kind::Deployment | Kind::ReplicaSet | Kind::DaemonSet | Kind::Job => {
            &TEMPLATED_WORKLOAD
        }
        Kind::CronJob => &CRON_JOB,
        Kind::Node => &NODE,
        Kind::Service => &SERVICE,
        Kind::PersistentVolumeClaim | Kind::Namespace | Kind::PodDisruptionBudget => {
            &WITH_CONDITIONS
        }
        Kind::ServiceAccount => &SERVICE_ACCOUNT,
        Kind::ControllerRevision => &CONTROLLER_REVISION,
        Kind::PersistentVolume
        | Kind::StorageClass
        | Kind::ConfigMap
        | Kind::Secret
        | Kind::Endpoints
        | Kind::EndpointSlice
        | Kind::Event
        | Kind::Lease => &METADATA_ONLY,
    }
}
