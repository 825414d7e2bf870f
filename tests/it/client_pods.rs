//! Client pods of server images: `kubectl run --image=postgres:15 -- psql -h ...` runs psql,
//! `--image=redis -- redis-cli -h ...` runs redis-cli (the images' entrypoints exec any command
//! but the server), and the pod ends with the client's exit code; they used to idle for ever.

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

const REDIS: &str = "apiVersion: v1
kind: Pod
metadata: {name: cache, labels: {app: cache}}
spec:
  containers:
  - name: redis
    image: redis:7.0-alpine
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  selector: {app: cache}
  ports: [{port: 6379}]
";

const REDIS_SCENARIO: &str = r#"$ kubectl apply -f cache.yaml
pod/cache created
service/cache created
$ kubectl wait --for=condition=Ready pod/cache --timeout=120s
pod/cache condition met
$ sleep 5
$ kubectl run -i --rm cli --image=redis:7.0-alpine --restart=Never -- redis-cli -h cache SET greeting hello
OK
pod "cli" deleted from default namespace
$ kubectl run -i --rm cli2 --image=redis:7.0-alpine --restart=Never -- redis-cli -h cache GET greeting
hello
pod "cli2" deleted from default namespace
"#;

/// The same for the redis image: `-- redis-cli -h cache ...` runs redis-cli and ends.
#[test]
fn a_redis_cli_client_pod_of_the_redis_image_runs_and_ends() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cache.yaml"), REDIS).unwrap();
    let file = dir.path().join("client.console");
    std::fs::write(&file, REDIS_SCENARIO).unwrap();
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
