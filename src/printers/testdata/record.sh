#!/bin/sh
# Records kubectl's own -o yaml / -o json output: the fixtures of src/printers/tests.rs.
#
# Inputs (committed; cases.json and rejected.json come from gen_cases.py):
#   cases.json       a `kind: List` of objects holding the tricky strings (each as a value, a key,
#                    list items and deep inside), numbers, structures, a StatefulSet and seeded
#                    random cases;
#   rejected.json    the `data` of ConfigMaps that kubectl -o yaml refuses to print;
#   list-items.json  ConfigMaps served by fake_apiserver.py for `kubectl get`.
# Outputs: cases.yaml, cases.out.json, rejected.txt (kubectl's errors), rejected.out.json,
#   list.yaml, list.out.json, list-empty.yaml, list-empty.out.json, kubectl-version.txt.
#
# kubectl runs offline: `annotate --local` reads a file, sets an annotation every case already
# has (x=y, hence --overwrite: objects are printed unchanged) and prints each object with the
# real YAMLPrinter / JSONPrinter. A List input is flattened, so the YAML documents come out
# separated by `---` and the JSON objects concatenated. `kubectl get` needs a server: a tiny
# fake one on 127.0.0.1:18080 answers discovery and lists.
#
# Needs: kubectl, jq, python3. Usage, from this directory:
#   python3 gen_cases.py && KUBECTL=/path/to/kubectl ./record.sh
set -eu
KUBECTL=${KUBECTL:-kubectl}
"$KUBECTL" version --client | head -n 1 > kubectl-version.txt
"$KUBECTL" annotate --local --overwrite -f cases.json x=y -o yaml > cases.yaml
"$KUBECTL" annotate --local --overwrite -f cases.json x=y -o json > cases.out.json
# go-yaml sorts keys with a comparison that is not transitive for some key sets, and Go maps
# iterate in random order: make sure no case depends on luck.
for run in 1 2 3; do
    "$KUBECTL" annotate --local --overwrite -f cases.json x=y -o yaml | cmp -s - cases.yaml ||
        { echo "kubectl printed cases.json differently on run $run" >&2; exit 1; }
done
# `kubectl get` of several objects (or none) prints a List: record it against a fake API server.
python3 fake_apiserver.py 18080 list-items.json &
server=$!
trap 'kill "$server"' EXIT
sleep 1
get() { KUBECONFIG=/dev/null "$KUBECTL" --server=http://127.0.0.1:18080 get configmaps "$@"; }
get -n default -o yaml > list.yaml
get -n default -o json > list.out.json
get -n empty -o yaml > list-empty.yaml
get -n empty -o json > list-empty.out.json
# One ConfigMap per rejected case (its data): kubectl -o yaml fails (record the error),
# -o json prints it.
: > rejected.txt
: > rejected.out.json
n=$(jq length rejected.json)
i=0
tmp=$(mktemp)
trap 'rm -f "$tmp"; kill "$server"' EXIT
while [ "$i" -lt "$n" ]; do
    jq -c --argjson i "$i" '{apiVersion: "v1", kind: "ConfigMap",
        metadata: {name: "r", annotations: {x: "y"}}, data: .[$i]}' rejected.json > "$tmp"
    if "$KUBECTL" annotate --local --overwrite -f "$tmp" x=y -o yaml > /dev/null 2>> rejected.txt
    then echo "case $i: unexpectedly accepted" >> rejected.txt
    fi
    "$KUBECTL" annotate --local --overwrite -f "$tmp" x=y -o json >> rejected.out.json
    i=$((i + 1))
done
