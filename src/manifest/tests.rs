//! Behaviour tests of loading and decoding, with kubectl's and the API server's exact texts.

use super::*;
use crate::api::types::{PodDisruptionBudget, StatefulSet};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

const WEB: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
";

fn only_document(m: &Manifests) -> &Document {
    assert!(m.is_ok(), "{:?}", m.entries);
    let docs: Vec<&Document> = m.documents().collect();
    assert_eq!(docs.len(), 1, "{:?}", m.entries);
    docs[0]
}

fn load_one(text: &str) -> Document {
    only_document(&load_str("web.yaml", text)).clone()
}

fn decode_error(text: &str) -> String {
    decode(&load_one(text)).unwrap_err().to_string()
}

fn sts(text: &str) -> StatefulSet {
    match decode(&load_one(text)) {
        Ok(Object::StatefulSet(s)) => s,
        other => panic!("{other:?}"),
    }
}

/// `WEB` with `line` inserted after the line that starts with `after`.
fn web_with(after: &str, line: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for l in WEB.lines() {
        out.push_str(l);
        out.push('\n');
        if !done && l.trim_start().starts_with(after) {
            out.push_str(line);
            out.push('\n');
            done = true;
        }
    }
    assert!(done, "no line starting with {after}");
    out
}

#[test]
fn a_plain_statefulset_loads_and_decodes() {
    let doc = load_one(WEB);
    assert_eq!(doc.file, "web.yaml");
    assert_eq!(doc.line, 1);
    assert_eq!(doc.kind, Kind::StatefulSet);
    assert_eq!(doc.name(), "web");
    let s = sts(WEB);
    assert_eq!(s.spec.as_ref().and_then(|s| s.replicas), Some(2));
}

#[test]
fn multi_document_yaml_skips_blank_documents_and_records_start_lines() {
    let text = "\
# a leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
---
---

---
# only a comment
---
~
---
apiVersion: v1
kind: Service
metadata:
  name: b
";
    let m = load_str("all.yaml", text);
    let got: Vec<(&str, usize, Kind)> = m.documents().map(|d| (d.name(), d.line, d.kind)).collect();
    assert_eq!(got, [("a", 2, Kind::ConfigMap), ("b", 14, Kind::Service)]);
    assert!(m.is_ok());
}

#[test]
fn stdin_is_named_stdin() {
    let m = load_str("-", "apiVersion: v1\nkind: Foo\n");
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "resource mapping not found for name: \"\" namespace: \"\" from \"STDIN\": no matches \
         for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first"
    );
}

#[test]
fn a_list_is_flattened_and_items_inherit_a_typed_lists_kind() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: one
- apiVersion: v1
  kind: Secret
  metadata:
    name: two
";
    let m = load_str("list.yaml", text);
    let got: Vec<(&str, usize, Option<usize>, Kind)> = m
        .documents()
        .map(|d| (d.name(), d.line, d.list_index, d.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("one", 4, Some(0), Kind::ConfigMap),
            ("two", 8, Some(1), Kind::Secret)
        ]
    );
    let typed = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata:\n    name: c\n";
    let doc = load_one(typed);
    assert_eq!(doc.kind, Kind::ConfigMap);
    assert_eq!(doc.value["apiVersion"], "v1");
}

#[test]
fn nested_and_empty_lists_flatten_like_the_unstructured_decoder() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMapList\n  \
                items:\n  - metadata:\n      name: inner\n";
    let m = load_str("list.yaml", text);
    assert_eq!(only_document(&m).name(), "inner");
    assert_eq!(only_document(&m).kind, Kind::ConfigMap);
    let m = load_str(
        "list.yaml",
        "apiVersion: apps/v1\nkind: StatefulSetList\nitems:\n",
    );
    assert!(m.entries.is_empty());
    let m = load_str(
        "list.yaml",
        "apiVersion: apps/v1\nkind: StatefulSetList\nitems: 3\n",
    );
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "unable to decode \"list.yaml\": json: cannot unmarshal number into Go struct field \
         decodeList.items of type []json.RawMessage"
    );
}

#[test]
fn list_items_are_validated_and_mapped() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- metadata: {}\n- kind: Pod\n";
    let m = load_str("list.yaml", text);
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error validating \"list.yaml\": error validating data: [apiVersion not set, kind not \
         set]; if you choose to ignore these errors, turn validation off with --validate=false"
    );
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Widget\n";
    let m = load_str("list.yaml", text);
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "unable to recognize no matches for kind \"Widget\" in version \"v1\""
    );
}

#[test]
fn json_streams_hold_several_objects_with_their_lines() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": \
                {\"name\": \"a\"}\n}\n{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \
                \"metadata\": {\"name\": \"b\"}}\n";
    let m = load_str("objs.json", text);
    let got: Vec<(&str, usize, Kind)> = m.documents().map(|d| (d.name(), d.line, d.kind)).collect();
    assert_eq!(got, [("a", 1, Kind::ConfigMap), ("b", 6, Kind::Namespace)]);
}

#[test]
fn json_syntax_errors_end_the_stream() {
    let m = load_str(
        "bad.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}\n{\"a\" 1}\n",
    );
    assert_eq!(m.documents().count(), 1);
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error parsing bad.json: json: offset 48: invalid character '1' after object key"
    );
}

#[test]
fn yaml_parse_errors_count_lines_from_the_document_start() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\n\
                kind: ConfigMap\nmetadata:\n  name: b\n labels: x\n";
    let m = load_str("web.yaml", text);
    assert_eq!(m.documents().count(), 1);
    let e = m.errors().next().unwrap();
    // A parser error: go-yaml names the line before the problem (line 5 of the document).
    assert_eq!(
        e.to_string(),
        "error parsing web.yaml: error converting YAML to JSON: yaml: line 4: did not find \
         expected key"
    );
    assert_eq!(e.line(), Some(6));
    // A scanner error: go-yaml names the problem's own line.
    let m = load_str("web.yaml", &text.replace("\n labels: x", "\n    labels: x"));
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error parsing web.yaml: error converting YAML to JSON: yaml: line 5: mapping values \
         are not allowed in this context"
    );
}

#[test]
fn a_bad_document_separator_is_a_parse_error() {
    let m = load_str("web.yaml", "a: 1\n--- oops\n");
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error parsing web.yaml: invalid Yaml document separator: oops"
    );
}

#[test]
fn missing_api_version_and_kind_stop_the_file() {
    let text = "metadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\n";
    let m = load_str("f.yaml", text);
    assert_eq!(m.entries.len(), 1);
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error validating \"f.yaml\": error validating data: [apiVersion not set, kind not set]; \
         if you choose to ignore these errors, turn validation off with --validate=false"
    );
    let m = load_str("f.yaml", "apiVersion: v1\nmetadata: {}\n");
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "error validating \"f.yaml\": error validating data: kind not set; if you choose to \
         ignore these errors, turn validation off with --validate=false"
    );
    let m = load_str("f.yaml", "- a\n- b\n");
    assert!(
        m.errors()
            .next()
            .unwrap()
            .to_string()
            .contains("invalid object to validate")
    );
}

#[test]
fn an_unknown_kind_is_a_mapping_error_and_the_file_goes_on() {
    let text = "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n---\n\
                apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: \
                demo\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n---\n"
        .to_string()
        + WEB;
    let m = load_str("f.yaml", &text);
    let errors: Vec<String> = m.errors().map(ToString::to_string).collect();
    assert_eq!(
        errors[..2],
        [
            "resource mapping not found for name: \"x\" namespace: \"\" from \"f.yaml\": no \
             matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first",
            "resource mapping not found for name: \"w\" namespace: \"demo\" from \"f.yaml\": \
             no matches for kind \"Widget\" in version \"example.com/v1\"\nensure CRDs are \
             installed first",
        ]
    );
    assert!(matches!(
        m.errors().nth(2),
        Some(ManifestError::NoKindMatch {
            served_upstream: true,
            ..
        })
    ));
    assert_eq!(m.documents().count(), 1);
}

#[test]
fn unknown_fields_are_all_reported_with_full_paths() {
    let text = web_with("image:", "        imagePullPolcy: Always")
        .replace(
            "  serviceName: nginx\n",
            "  serviceName: nginx\n  foo: bar\n",
        )
        .replace(
            "metadata:\n  name: web\n",
            "metadata:\n  name: web\n  lables: {}\n",
        );
    let err = decode(&load_one(&text)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding \
         error: unknown field \"metadata.lables\", unknown field \"spec.foo\", unknown field \
         \"spec.template.spec.containers[0].imagePullPolcy\""
    );
    assert_eq!(
        err.kubectl_create_message("web.yaml"),
        format!("Error from server (BadRequest): error when creating \"web.yaml\": {err}")
    );
    assert_eq!(err.to_api_error().reason.code(), 400);
}

#[test]
fn unknown_fields_inside_maps_of_lists_use_indices() {
    let text = web_with(
        "image:",
        "        ports:\n        - containerPort: 80\n          nmae: web",
    )
    .replace(
        "    spec:\n",
        "    spec:\n      volumes:\n      - name: v\n        emptyDir: {x: 1}\n",
    );
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding \
         error: unknown field \"spec.template.spec.containers[0].ports[0].nmae\", unknown field \
         \"spec.template.spec.volumes[0].emptyDir.x\""
    );
}

#[test]
fn duplicate_keys_are_dropped_like_kubectl_or_reported_on_request() {
    let text = WEB.replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n");
    let doc = load_one(&text);
    assert_eq!(doc.duplicate_fields, ["spec.replicas"]);
    match decode(&doc) {
        Ok(Object::StatefulSet(s)) => assert_eq!(s.spec.unwrap().replicas, Some(3)),
        other => panic!("{other:?}"),
    }
    let options = DecodeOptions {
        report_duplicates: true,
        ..DecodeOptions::default()
    };
    assert_eq!(
        decode_with(&doc, options).unwrap_err().to_string(),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding \
         error: duplicate field \"spec.replicas\""
    );
}

#[test]
fn wrong_types_are_reported_in_gos_words() {
    let text = WEB.replace("replicas: 2", "replicas: \"2\"");
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32"
    );
    let text = web_with(
        "image:",
        "        env:\n        - name: DEBUG\n          value: yes",
    );
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of \
         type string"
    );
    let text = WEB.replace("replicas: 2", "replicas: 2.5");
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal number 2.5 into Go struct field StatefulSetSpec.spec.replicas of type int32"
    );
    let text = WEB
        .replace("  serviceName: nginx\n", "  serviceName: nginx\n  foo: 1\n")
        .replace("replicas: 2", "replicas: [2]");
    // A type error hides the strict errors, as upstream's decoder does.
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal array into Go struct field StatefulSetSpec.spec.replicas of type int32"
    );
    let text = WEB.replace(
        "    matchLabels:\n      app: nginx\n",
        "    matchLabels: [app]\n",
    );
    assert_eq!(
        decode_error(&text),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal array into Go struct field LabelSelector.spec.selector.matchLabels of type \
         map[string]string"
    );
}

#[test]
fn metadata_type_errors_are_caught_by_kubectl() {
    let text = WEB.replace("  name: web\n", "  name: web\n  labels:\n    version: 1\n");
    let m = load_str("web.yaml", &text);
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "unable to decode \"web.yaml\": json: cannot unmarshal number into Go struct field \
         ObjectMeta.metadata.labels of type string"
    );
}

#[test]
fn quantities_accept_numbers_and_reject_bad_text() {
    let text = web_with(
        "image:",
        "        resources:\n          requests:\n            cpu: 0.5\n            memory: \
         1e3\n          limits:\n            cpu: 1",
    );
    let s = sts(&text);
    let c = &s.spec.unwrap().template.spec.unwrap().containers[0];
    let r = c.resources.as_ref().unwrap();
    let requests = r.requests.as_ref().unwrap();
    assert_eq!(requests["cpu"], Quantity("0.5".into()));
    assert_eq!(requests["memory"], Quantity("1000".into()));
    assert_eq!(r.limits.as_ref().unwrap()["cpu"], Quantity("1".into()));

    let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: www\nspec:\n  \
               resources:\n    requests:\n      storage: 1\n";
    match decode(&load_one(pvc)) {
        Ok(Object::PersistentVolumeClaim(p)) => assert_eq!(
            p.spec.unwrap().resources.unwrap().requests.unwrap()["storage"],
            Quantity("1".into())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decode_error(&pvc.replace("storage: 1", "storage: 1GB")),
        "PersistentVolumeClaim in version \"v1\" cannot be handled as a PersistentVolumeClaim: \
         quantities must match the regular expression \
         '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    );
}

#[test]
fn int_or_string_takes_both_and_rejects_fractions() {
    let strategy = |v: &str| {
        web_with(
            "serviceName:",
            &format!("  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: {v}"),
        )
    };
    let max = |s: StatefulSet| {
        s.spec
            .unwrap()
            .update_strategy
            .unwrap()
            .rolling_update
            .unwrap()
            .max_unavailable
    };
    assert_eq!(max(sts(&strategy("2"))), Some(IntOrString::Int(2)));
    assert_eq!(
        max(sts(&strategy("50%"))),
        Some(IntOrString::String("50%".into()))
    );
    assert_eq!(
        decode_error(&strategy("1.5")),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot \
         unmarshal number 1.5 into Go struct field \
         RollingUpdateStatefulSetStrategy.spec.updateStrategy.rollingUpdate.maxUnavailable of \
         type int32"
    );
}

#[test]
fn go_zero_values_replace_nulls_and_missing_required_fields() {
    // No selector, no template, a null container: decoding succeeds and leaves the zero
    // values for validation to report as `Required value`.
    let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n  labels: null\n\
                spec:\n  replicas: null\n  serviceName: nginx\n";
    let s = sts(text);
    let spec = s.spec.unwrap();
    assert_eq!(spec.selector, Default::default());
    assert_eq!(spec.template, Default::default());
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - null\n\
               \x20 - name: ~\n";
    match decode(&load_one(pod)) {
        Ok(Object::Pod(p)) => {
            let containers = p.spec.unwrap().containers;
            assert_eq!(containers.len(), 2);
            assert_eq!(containers[1].name, "");
        }
        other => panic!("{other:?}"),
    }
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: p\nstatus:\n  \
               currentHealthy: 1\n  desiredHealthy: 1\n  disruptionsAllowed: 0\n  \
               expectedPods: 1\n  conditions:\n  - type: DisruptionAllowed\n    status: \
               \"False\"\n    reason: x\n    message: done\n";
    let doc = load_one(pdb);
    let pdb: PodDisruptionBudget = match decode(&doc) {
        Ok(Object::PodDisruptionBudget(p)) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(pdb.status.unwrap().conditions.unwrap().len(), 1);
}

#[test]
fn warn_mode_lets_unknown_fields_through_as_warnings() {
    let text = WEB.replace(
        "  serviceName: nginx\n",
        "  serviceName: nginx\n  foo: bar\n",
    );
    let options = DecodeOptions {
        field_validation: FieldValidation::Warn,
        ..DecodeOptions::default()
    };
    let decoded = decode_with(&load_one(&text), options).unwrap();
    assert_eq!(decoded.warnings, ["unknown field \"spec.foo\""]);
}

#[test]
fn secrets_need_valid_base64() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: \
                  cGFzcw==\n";
    assert!(decode(&load_one(secret)).is_ok());
    assert_eq!(
        decode_error(&secret.replace("cGFzcw==", "cGF*cw==")),
        "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input \
         byte 3"
    );
}

#[test]
fn an_empty_kind_is_missing_to_the_unstructured_decoder() {
    let m = load_str(
        "f.yaml",
        "apiVersion: v1\nkind: \"\"\nmetadata: {name: a}\n",
    );
    assert_eq!(
        m.errors().next().unwrap().to_string(),
        "unable to decode \"f.yaml\": Object 'Kind' is missing in \
         '{\"apiVersion\":\"v1\",\"kind\":\"\",\"metadata\":{\"name\":\"a\"}}'"
    );
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stsim-manifest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    dir
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

#[test]
fn directories_are_read_in_name_order_and_recursively_on_request() {
    let dir = scratch_dir("walk");
    std::fs::write(dir.join("b.yaml"), config_map("b")).unwrap();
    std::fs::write(
        dir.join("a.json"),
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("c.yml"), config_map("c")).unwrap();
    std::fs::write(dir.join("d.txt"), config_map("d")).unwrap();
    std::fs::write(dir.join("sub/e.yaml"), config_map("e")).unwrap();
    let shown = dir.to_string_lossy().into_owned();

    let names = |m: &Manifests| -> Vec<(String, String)> {
        m.documents()
            .map(|d| (d.name().to_string(), d.file.clone()))
            .collect()
    };
    let flat = load_path(&dir, false).unwrap();
    assert_eq!(
        names(&flat),
        [
            ("a".to_string(), format!("{shown}/a.json")),
            ("b".to_string(), format!("{shown}/b.yaml")),
            ("c".to_string(), format!("{shown}/c.yml")),
        ]
    );
    let deep = load_path(&dir, true).unwrap();
    assert_eq!(
        names(&deep).last().unwrap(),
        &("e".to_string(), format!("{shown}/sub/e.yaml"))
    );
    // A file named explicitly is read whatever its extension.
    let txt = load_path(&dir.join("d.txt"), false).unwrap();
    assert_eq!(only_document(&txt).name(), "d");
    assert_eq!(
        load_path(&dir.join("nope.yaml"), false)
            .unwrap_err()
            .to_string(),
        format!("the path \"{shown}/nope.yaml\" does not exist")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn go_join_cleans_paths_like_filepath_join() {
    assert_eq!(go_join("./dir/", "a.yaml"), "dir/a.yaml");
    assert_eq!(go_join(".", "a.yaml"), "a.yaml");
    assert_eq!(go_join("/tmp//x/../y", "a.yaml"), "/tmp/y/a.yaml");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const KEYS: &[&str] = &[
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "labels",
        "spec",
        "replicas",
        "selector",
        "matchLabels",
        "template",
        "containers",
        "image",
        "env",
        "value",
        "ports",
        "containerPort",
        "resources",
        "limits",
        "requests",
        "cpu",
        "storage",
        "items",
        "updateStrategy",
        "rollingUpdate",
        "maxUnavailable",
        "data",
        "status",
        "conditions",
        "volumeClaimTemplates",
        "foo",
        "<<",
        "yes",
        "1",
        "",
    ];

    const SCALARS: &[&str] = &[
        "1",
        "0",
        "-1",
        "2.5",
        "1e400",
        ".inf",
        ".nan",
        "0644",
        "0x1F",
        "1_000",
        "yes",
        "no",
        "on",
        "~",
        "null",
        "true",
        "\"x\"",
        "'y'",
        "\"\"",
        "web",
        "1Gi",
        "0.5",
        "50%",
        "\"\\q\"",
        "!!str 3",
        "!foo bar",
        "&a 1",
        "*a",
        "*b",
        "[]",
        "{}",
        "[1, [2]]",
        "{a: 1}",
        "|\n  text",
        ">-\n  folded",
        "apps/v1",
        "v1",
        "StatefulSet",
        "Pod",
        "List",
        "ConfigMap",
        "Secret",
        "cGFzcw==",
        "2001-12-14",
        "@",
        "`",
        "- x",
        ": y",
        "\t",
    ];

    #[derive(Clone, Debug)]
    enum Tree {
        Scalar(&'static str),
        Map(Vec<(&'static str, Tree)>),
        Seq(Vec<Tree>),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = prop::sample::select(SCALARS).prop_map(Tree::Scalar);
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec((prop::sample::select(KEYS), inner.clone()), 0..6)
                    .prop_map(Tree::Map),
                prop::collection::vec(inner, 0..4).prop_map(Tree::Seq),
            ]
        })
    }

    fn render(t: &Tree, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match t {
            Tree::Scalar(s) => {
                out.push(' ');
                out.push_str(s);
                out.push('\n');
            }
            Tree::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
            Tree::Seq(items) if items.is_empty() => out.push_str(" []\n"),
            Tree::Map(entries) => {
                out.push('\n');
                for (k, v) in entries {
                    out.push_str(&format!("{pad}{k}:"));
                    render(v, indent + 2, out);
                }
            }
            Tree::Seq(items) => {
                out.push('\n');
                for v in items {
                    out.push_str(&format!("{pad}-"));
                    render(v, indent + 2, out);
                }
            }
        }
    }

    const KINDS: &[(&str, &str)] = &[
        ("apps/v1", "StatefulSet"),
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "PersistentVolumeClaim"),
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
        ("policy/v1", "PodDisruptionBudget"),
        ("v1", "List"),
        ("v1", "Widget"),
    ];

    /// A document: a known kind header (usually) and a random body.
    fn document() -> impl Strategy<Value = String> {
        (prop::sample::select(KINDS), tree(), any::<bool>()).prop_map(|((v, k), body, head)| {
            let mut out = String::new();
            if head {
                out.push_str(&format!("apiVersion: {v}\nkind: {k}\n"));
            }
            if let Tree::Map(entries) = &body {
                for (key, value) in entries {
                    out.push_str(&format!("{key}:"));
                    render(value, 2, &mut out);
                }
            } else {
                out.push_str("spec:");
                render(&body, 2, &mut out);
            }
            out
        })
    }

    /// Several documents, with separators, and random edits to break them a little.
    fn stream() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(document(), 1..4),
            prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 0..3),
        )
            .prop_map(|(docs, edits)| {
                let mut text = docs.join("---\n");
                for (at, c) in edits {
                    let mut i = at.index(text.len() + 1);
                    while !text.is_char_boundary(i) {
                        i -= 1;
                    }
                    text.insert(i, c);
                }
                text
            })
    }

    fn exercise(m: &Manifests) {
        for doc in m.documents() {
            let _ = decode(doc);
            let warn = DecodeOptions {
                field_validation: FieldValidation::Warn,
                report_duplicates: true,
            };
            let _ = decode_with(doc, warn);
        }
        for e in m.errors() {
            let _ = e.to_string();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            exercise(&load_bytes("f.yaml", &bytes));
        }

        #[test]
        fn random_json_ish_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let mut text = b"{".to_vec();
            text.extend(bytes);
            exercise(&load_bytes("f.json", &text));
        }

        #[test]
        fn random_yaml_never_panics(text in stream()) {
            exercise(&load_str("f.yaml", &text));
        }

        #[test]
        fn random_yaml_as_json_never_panics(text in stream()) {
            // The same trees through the JSON path, via their converted values.
            for doc in load_str("f.yaml", &text).documents() {
                let json = doc.value.to_string();
                exercise(&load_str("f.json", &json));
                let _ = decode_value(doc.kind, &doc.value, FieldValidation::Strict);
            }
        }
    }
}

#[test]
fn adversarial_inputs_come_back_as_errors() {
    let deep_yaml = "a: ".to_string() + &"[".repeat(5000);
    assert!(!load_str("f.yaml", &deep_yaml).is_ok());
    let deep_json = "{\"a\":".to_string() + &"[".repeat(5000) + &"]".repeat(5000) + "}";
    assert!(!load_str("f.json", &deep_json).is_ok());
    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        laughs.push_str(&format!(
            "b{i}: &b{i} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            p = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            }
        ));
    }
    assert_eq!(
        load_str("f.yaml", &laughs)
            .errors()
            .next()
            .unwrap()
            .to_string(),
        "error parsing f.yaml: error converting YAML to JSON: yaml: document contains \
         excessive aliasing"
    );
    let nul = load_bytes("f.yaml", b"a: \x00\n");
    assert_eq!(
        nul.errors().next().unwrap().to_string(),
        "error parsing f.yaml: error converting YAML to JSON: yaml: control characters are not \
         allowed"
    );
}
