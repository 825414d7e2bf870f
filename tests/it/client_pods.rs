//! Client pods of server images: `kubectl run --image=postgres:15 -- psql -h ...` runs psql
//! (the image's entrypoint execs any command but the server) and ends with psql's exit code;
//! it used to start a second server and never end.

use stsim::scenario::run::{RunConfig, run_file};

const DB: &str = "apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: postgres
        image: postgres:15
        env: [{name: POSTGRES_PASSWORD, value: pw}]
";

const SCENARIO: &str = r#"$ kubectl apply -f db.yaml
service/db created
statefulset.apps/db created
$ kubectl rollout status statefulset/db --timeout=300s
...
partitioned roll out complete: 1 new pods have been updated...
$ sleep 20
$ kubectl run -it --rm psql --image=postgres:15 --restart=Never --env=PGPASSWORD=pw -- psql -h db-0.db -U postgres -c "SELECT 1 AS one;"
 one 
-----
   1
(1 row)

pod "psql" deleted from default namespace
$ kubectl run -it --rm bad --image=postgres:15 --restart=Never --env=PGPASSWORD=nope -- psql -h db-0.db -U postgres -c "SELECT 1;"
psql: error: connection to server at "db-0.db" (10.244.[..]), port 5432 failed: FATAL:  password authentication failed for user "postgres"
pod "bad" deleted from default namespace
pod default/bad terminated (Error)
"#;

#[test]
fn a_psql_client_pod_of_the_postgres_image_runs_psql_and_ends() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("db.yaml"), DB).unwrap();
    let file = dir.path().join("client.console");
    std::fs::write(&file, SCENARIO).unwrap();
    let r = run_file(&file, &RunConfig::default(), false).unwrap();
    assert_eq!(r.error, None, "{}", r.output);
    assert!(
        r.mismatches.is_empty(),
        "{}",
        r.mismatches
            .iter()
            .map(|m| m.diff.clone())
            .collect::<String>()
    );
}
