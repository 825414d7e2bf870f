#!/bin/sh
# Records kubectl describe for the objects of fixture.json (made by gen_fixture.py with
# timestamps relative to now) against ../tables/fake_server.py. Usage, from this directory:
#   python3 gen_fixture.py fixture.json && ./record.sh
set -eu
python3 ../tables/fake_server.py 18093 fixture.json 2>/dev/null &
server=$!
trap 'kill "$server"' EXIT
sleep 1
K() { KUBECONFIG=/dev/null TZ=UTC kubectl --server=http://127.0.0.1:18093 "$@"; }
K describe pod web-0 > pod.txt
K describe sts web > sts.txt
K describe pvc www-web-0 > pvc.txt
K describe pv pvc-9f0c1c7e-2f4e-4a57-9c79-1d0d3c6d0a11 > pv.txt
K describe svc nginx > svc.txt
kubectl version --client | head -n 1 > kubectl-version.txt
