#!/usr/bin/env python3
"""Records the real kubectl's stdout, stderr and exit code for the client-side cases of
src/kubectl/tests.rs, against fake_apiserver.py (discovery only, no objects), into
client_cases.json.

The cases are the ones whose output does not depend on cluster state beyond "this object
does not exist" (namespace `empty` holds nothing in the simulator either). Run from this
directory with a kubectl client on PATH:  python3 record.py
"""
import json
import os
import subprocess
import sys
import time

CASES = [
    # parsing (cobra / pflag)
    ["scael", "sts", "web"],
    ["foo"],
    ["get", "pods", "--foo"],
    ["get", "pods", "-z"],
    ["get", "pods", "-n"],
    ["scale", "sts", "web", "--replicas=x"],
    ["delete", "pod", "x", "--force=maybe"],
    ["rollout", "foo"],
    # get
    ["get"],
    ["get", "foo"],
    ["get", "pods", "-n", "empty"],
    ["get", "pods,sts", "-n", "empty"],
    ["get", "all", "-n", "empty"],
    ["get", "pods", "-A"],
    ["get", "pod", "web-0", "-n", "empty"],
    ["get", "pod", "web-0", "web-1", "-n", "empty"],
    ["get", "pod/web-0", "-n", "empty", "--ignore-not-found"],
    ["get", "pods", "web-0/x"],
    ["get", "/web"],
    ["get", "pods,", "web"],
    ["get", "all", "web"],
    ["get", "pods,,sts"],
    ["get", "pods", "-o", "foo"],
    ["get", "pods", "-o", "jsonpath"],
    ["get", "pods", "-o", "custom-columns"],
    ["get", "pods", "-o", "custom-columns=A"],
    ["get", "pods", "-o", "yaml", "--show-labels"],
    ["get", "pods", "--output-watch-events"],
    ["get", "pods", "-o", "json", "-n", "empty"],
    ["get", "pods", "-o", "yaml", "-n", "empty"],
    ["get", "pods", "-o", "name", "-n", "empty"],
    ["get", "pods", "-o", "jsonpath={.items}", "-n", "empty"],
    ["get", "sts", "web", "-o", "name", "-n", "empty"],
    ["get", "pods,sts", "-w"],
    # delete
    ["delete"],
    ["delete", "pods"],
    ["delete", "pod", "web-0", "-n", "empty"],
    ["delete", "pod", "web-0", "--force", "-n", "empty"],
    ["delete", "pod", "x", "--cascade=bad"],
    ["delete", "pods", "--all", "-l", "a=b"],
    ["delete", "pod", "x", "-o", "yaml"],
    ["delete", "pod", "web-0", "--all"],
    ["delete", "pods", "--all", "-n", "empty"],
    ["delete", "pod", "x", "--now", "--grace-period=3"],
    ["delete", "pod", "x", "--force", "--grace-period=3", "-n", "empty"],
    # label, annotate
    ["label"],
    ["label", "pod", "web-0"],
    ["label", "pods", "a=b"],
    ["label", "pod", "web-0", "a=b", "a-"],
    ["label", "pod", "a=b", "web-0"],
    ["label", "pod", "web-0", "a=@@"],
    ["annotate", "pod"],
    ["annotate", "pod", "web-0", "a=b", "a-"],
    ["label", "pod", "web-0", "a=b", "-n", "empty"],
    # patch, scale, set image
    ["patch", "sts", "web"],
    ["patch", "sts", "web", "-p", "{}", "--type=foo"],
    ["patch", "sts", "web", "-p", "{}", "--patch-file=/x"],
    ["patch", "sts", "web", "-p", ": :"],
    ["patch", "sts", "web", "-p", "{}", "-n", "empty"],
    ["scale", "--replicas=2"],
    ["scale", "--replicas=-1", "sts", "web"],
    ["scale", "--replicas=2", "sts"],
    ["scale", "sts", "x", "--replicas=1", "-n", "empty"],
    ["scale", "sts", "web", "--replicas=1", "-o", "foo"],
    ["set", "image"],
    ["set", "image", "sts/x", "a=b", "-n", "empty"],
    # rollout
    ["rollout", "status"],
    ["rollout", "undo"],
    ["rollout", "history"],
    ["rollout", "restart"],
    ["rollout", "status", "sts/x", "-n", "empty"],
    ["rollout", "history", "sts/x", "-n", "empty"],
    ["rollout", "undo", "sts/x", "-n", "empty"],
    ["rollout", "restart", "sts/x", "-n", "empty"],
    ["rollout", "pause", "deploy/x", "-n", "empty"],
    ["rollout", "status", "sts", "-n", "empty"],
    # wait
    ["wait"],
    ["wait", "pod/web-0"],
    ["wait", "--for=delete"],
    ["wait", "--for=condition=Ready", "pods"],
    ["wait", "--for=delete", "pods/x", "-n", "empty"],
    ["wait", "--for=condition=Ready", "pod/x", "-n", "empty"],
    ["wait", "--for=foo", "pod/x"],
    ["wait", "--for=jsonpath={.status.phase}=", "pod/x"],
    # nodes
    ["drain"],
    ["cordon"],
    ["uncordon"],
    ["cordon", "node1"],
    ["drain", "node1"],
    # create, apply
    ["create"],
    ["create", "-f", "sts.yaml", "x"],
    ["apply"],
    ["create", "namespace"],
    ["create", "namespace", "x", "y"],
    ["create", "configmap"],
    ["create", "secret", "generic"],
    ["create", "secret", "generic", "s", "--from-literal=abc"],
    ["create", "configmap", "c", "--from-literal=a=b", "--from-literal=a=c"],
    ["create", "secret", "generic", "s", "--from-literal=a=b", "--from-literal=a=c"],
    ["create", "configmap", "c", "--from-file=/nonexistent"],
    ["create", "namespace", "x", "--dry-run=client"],
    ["create", "namespace", "x", "--dry-run=client", "-o", "name"],
    ["create", "configmap", "c", "--from-literal=a=b", "--dry-run=client", "-o", "yaml"],
    ["create", "secret", "generic", "s", "--from-literal=a=b", "--dry-run=client", "-o", "json"],
    ["create", "namespace", "x", "-o", "foo"],
    ["apply", "-f", "nonexistent.yaml"],
    # describe
    ["describe"],
    ["describe", "foo"],
    ["describe", "pod", "x", "-n", "empty"],
    ["describe", "pods", "-n", "empty"],
    # misc
    ["api-resources", "-o", "foo"],
    ["version", "--client", "-o", "foo"],
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    port = "18089"
    server = subprocess.Popen([sys.executable, os.path.join(here, "fake_apiserver.py"), port])
    time.sleep(1)
    kubeconfig = os.path.join(here, "files", ".kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write("apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n"
                "    server: http://127.0.0.1:%s\ncontexts:\n- name: fake\n  context:\n"
                "    cluster: fake\n    namespace: default\ncurrent-context: fake\n" % port)
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    out = []
    try:
        version = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
        for args in CASES:
            p = subprocess.run(["kubectl"] + args,
                               capture_output=True, text=True, env=env,
                               cwd=os.path.join(here, "files"), stdin=subprocess.DEVNULL)
            out.append({"args": args, "stdout": p.stdout, "stderr": p.stderr,
                        "exit": p.returncode})
    finally:
        server.kill()
        os.remove(kubeconfig)
    with open(os.path.join(here, "client_cases.json"), "w") as f:
        json.dump({"kubectl": version, "cases": out}, f, indent=1)
        f.write("\n")


main()
