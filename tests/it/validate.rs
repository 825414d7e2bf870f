//! `stsim validate` end to end.

use std::fs;

use crate::support::{assert_text_eq, root, stsim};

/// Every fixture in `tests/fixtures/invalid/` breaks one rule; `<name>.expected` holds the exit
/// code, stdout and stderr a real v1.35 API server and kubectl give for it
/// (`kubectl apply --dry-run=server -f <name>.yaml`).
#[test]
fn every_broken_fixture_is_rejected_with_the_real_text() {
    let dir = root().join("tests/fixtures/invalid");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "the fixture set shrank: {names:?}");
    let mut failures = vec![];
    for name in &names {
        let stem = name.trim_end_matches(".yaml");
        let expected = fs::read_to_string(dir.join(format!("{stem}.expected")))
            .unwrap_or_else(|_| panic!("{stem}.expected is missing"));
        let run = stsim(&dir, &["validate", name], "");
        let actual = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        );
        assert_ne!(run.code, 0, "{name} must be rejected");
        if actual != expected {
            failures.push(format!(
                "{stem}\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The manifests written from the seed documents are all accepted, in the order the lessons
/// apply them (namespaces first).
#[test]
fn every_seed_model_manifest_is_accepted() {
    let models = root().join("models");
    let cases: &[(&str, &[&str])] = &[
        (
            "statefulset-recovery",
            &["manifests/namespace.yaml", "manifests/"],
        ),
        // The lesson applies statefulset-production.yaml over statefulset.yaml: apply's
        // three-way merge turns the password `value` into a `valueFrom`.
        (
            "recovery-yaml-explained",
            &["manifests/namespace.yaml", "manifests/"],
        ),
        ("exercise-04-storage", &["manifests/"]),
        (
            "statefulset-operations",
            &["manifests/namespace.yaml", "manifests/"],
        ),
        ("managing-stateful-apps", &["manifests/"]),
    ];
    for (model, args) in cases {
        let mut argv = vec!["validate"];
        argv.extend_from_slice(args);
        let run = stsim(&models.join(model), &argv, "");
        assert_eq!(run.code, 0, "{model}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stderr, "", "{model}");
        assert!(run.stdout.lines().count() >= 3, "{model}: {}", run.stdout);
        for line in run.stdout.lines() {
            assert!(
                line.ends_with(" created (server dry run)")
                    || line.ends_with(" unchanged (server dry run)")
                    || line.ends_with(" configured (server dry run)"),
                "{model}: {line}"
            );
        }
    }
}

/// The failure paths the seeds warn about that the API server itself refuses.
#[test]
fn seed_failure_paths_refused_at_admission_are_refused() {
    let models = root().join("models");
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "recovery-yaml-explained",
            &[
                "manifests/namespace.yaml",
                "manifests/service.yaml",
                "broken/statefulset-selector-mismatch.yaml",
            ],
            "The StatefulSet \"recovery-demo-db\" is invalid: spec.template.metadata.labels: Invalid value: {\"app\":\"recovery-demo-db\"}: `selector` does not match template `labels`\n",
        ),
        (
            "recovery-yaml-explained",
            &[
                "manifests/namespace.yaml",
                "manifests/statefulset.yaml",
                "broken/statefulset-selector-changed.yaml",
            ],
            "The StatefulSet \"recovery-demo-db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\n",
        ),
        (
            "recovery-yaml-explained",
            &[
                "manifests/namespace.yaml",
                "manifests/statefulset.yaml",
                "broken/statefulset-fast-ssd.yaml",
            ],
            "The StatefulSet \"recovery-demo-db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\n",
        ),
    ];
    for (model, args, stderr) in cases {
        let mut argv = vec!["validate"];
        argv.extend_from_slice(args);
        let run = stsim(&models.join(model), &argv, "");
        assert_eq!(run.code, 1, "{model} {args:?}: {}", run.stderr);
        assert_text_eq(&format!("{model} {args:?} stderr"), stderr, &run.stderr);
    }
    for (model, file) in [
        (
            "recovery-yaml-explained",
            "broken/backup-cronjob-as-shown.yaml",
        ),
        ("recovery-yaml-explained", "broken/volumesnapshot.yaml"),
    ] {
        let run = stsim(&models.join(model), &["validate", file], "");
        assert_eq!(
            run.code, 1,
            "{model} {file} must be refused: {}",
            run.stdout
        );
    }
}

#[test]
fn stdin_and_output_formats() {
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n";
    let run = stsim(&root(), &["validate", "-"], doc);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "configmap/c created (server dry run)\n")
    );
    let run = stsim(&root(), &["validate", "-o", "name", "-"], doc);
    assert_eq!(run.stdout, "configmap/c\n");
    let run = stsim(&root(), &["validate", "-o", "yaml", "-"], doc);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("namespace: default\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("uid: "), "{}", run.stdout);
    let run = stsim(
        &root(),
        &["validate", "-n", "other", "-"],
        doc.replace("name: c", "name: c\n  namespace: x").as_str(),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: the namespace from the provided object \"x\" does not match the namespace \"other\". You must pass '--namespace=x' to perform this operation.\n"
    );
}

#[test]
fn bad_invocations_exit_2_with_one_clear_error() {
    let run = stsim(&root(), &["validate", "no-such-file.yaml"], "");
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: the path \"no-such-file.yaml\" does not exist\n"
    );
    let run = stsim(&root(), &["validate", "--frobnicate", "x"], "");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unexpected argument '--frobnicate'"),
        "{}",
        run.stderr
    );
    let run = stsim(&root(), &["validate"], "");
    assert_eq!(run.code, 2);
    let run = stsim(&root(), &["frobnicate"], "");
    assert_eq!(run.code, 2);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let dir = root().join("models/statefulset-recovery");
    let a = stsim(
        &dir,
        &[
            "validate",
            "-o",
            "json",
            "manifests/namespace.yaml",
            "manifests/",
        ],
        "",
    );
    let b = stsim(
        &dir,
        &[
            "validate",
            "-o",
            "json",
            "manifests/namespace.yaml",
            "manifests/",
        ],
        "",
    );
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.contains("\"uid\""));
}
