//! Random bytes and random YAML into the manifest loader and decoder: never a panic, always a
//! document or a typed error.

use proptest::prelude::*;
use stsim::manifest;

fn yamlish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("apiVersion".to_string()),
        Just("kind".to_string()),
        Just("metadata".to_string()),
        Just("name".to_string()),
        Just("spec".to_string()),
        Just("replicas".to_string()),
        Just("containers".to_string()),
        Just("selector".to_string()),
        Just("template".to_string()),
        "[a-z]{1,8}",
    ];
    let scalar = prop_oneof![
        Just("v1".to_string()),
        Just("apps/v1".to_string()),
        Just("StatefulSet".to_string()),
        Just("Pod".to_string()),
        Just("ConfigMap".to_string()),
        Just("-1".to_string()),
        Just("3".to_string()),
        Just("1Gi".to_string()),
        Just("null".to_string()),
        Just("yes".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        Just("\"quoted\"".to_string()),
        "[ -~]{0,12}",
    ];
    let line = (0usize..4, key, scalar, any::<bool>()).prop_map(|(indent, k, v, list)| {
        format!(
            "{}{}{}: {}",
            "  ".repeat(indent),
            if list { "- " } else { "" },
            k,
            v
        )
    });
    prop::collection::vec(prop_oneof![line, Just("---".to_string())], 0..30)
        .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let m = manifest::load_bytes("fuzz.yaml", &bytes);
        for doc in m.documents() {
            let _ = manifest::decode(doc);
        }
    }

    #[test]
    fn random_yaml_never_panics(text in yamlish()) {
        let m = manifest::load_str("fuzz.yaml", &text);
        for doc in m.documents() {
            let _ = manifest::decode(doc);
        }
    }
}
