#!/usr/bin/env python3
"""A stand-in for the API server with empty storage: enough for the real kubectl to resolve
resource types (discovery), find nothing, and print its client-side texts.

Every GET of a named object answers 404 NotFound in the API server's words, every list is
empty, and writes answer 404 as well. Used by record.sh. Usage: python3 fake_apiserver.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

# (group, version, plural, singular, kind, namespaced, short names, verbs)
RESOURCES = [
    ("", "v1", "namespaces", "namespace", "Namespace", False, ["ns"]),
    ("", "v1", "nodes", "node", "Node", False, ["no"]),
    ("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", False, ["pv"]),
    ("", "v1", "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    ("", "v1", "secrets", "secret", "Secret", True, []),
    ("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ["sa"]),
    ("", "v1", "services", "service", "Service", True, ["svc"]),
    ("", "v1", "endpoints", "endpoints", "Endpoints", True, ["ep"]),
    ("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", True, ["pvc"]),
    ("", "v1", "pods", "pod", "Pod", True, ["po"]),
    ("", "v1", "events", "event", "Event", True, ["ev"]),
    ("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", True, []),
    ("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ["ds"]),
    ("apps", "v1", "deployments", "deployment", "Deployment", True, ["deploy"]),
    ("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ["rs"]),
    ("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ["sts"]),
    ("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ["cj"]),
    ("batch", "v1", "jobs", "job", "Job", True, []),
    ("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", True, ["pdb"]),
    ("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", False, ["sc"]),
    ("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", True, []),
    ("coordination.k8s.io", "v1", "leases", "lease", "Lease", True, []),
]
ALL = {"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "cronjobs", "jobs"}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
GROUPS = ["apps", "batch", "policy", "storage.k8s.io", "discovery.k8s.io", "coordination.k8s.io"]


def resource_list(group, version):
    out = []
    for g, v, plural, singular, kind, namespaced, short in RESOURCES:
        if g != group or v != version:
            continue
        r = {"name": plural, "singularName": singular, "namespaced": namespaced, "kind": kind,
             "verbs": VERBS}
        if short:
            r["shortNames"] = short
        if plural in ALL:
            r["categories"] = ["all"]
        out.append(r)
        if plural in ("statefulsets", "deployments", "replicasets"):
            out.append({"name": plural + "/scale", "singularName": "", "namespaced": True,
                        "group": "autoscaling", "version": "v1", "kind": "Scale",
                        "verbs": ["get", "patch", "update"]})
        if plural == "pods":
            out.append({"name": "pods/eviction", "singularName": "", "namespaced": True,
                        "group": "policy", "version": "v1", "kind": "Eviction",
                        "verbs": ["create"]})
    gv = version if not group else group + "/" + version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def find(plural):
    for r in RESOURCES:
        if r[2] == plural:
            return r
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, obj, code=200):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def not_found(self, group, plural, name):
        gr = plural if not group else plural + "." + group
        self.send({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": '%s "%s" not found' % (gr, name), "reason": "NotFound",
                   "details": {"name": name, "group": group, "kind": plural}, "code": 404}, 404)

    def route(self):
        path = self.path.split("?")[0].rstrip("/")
        parts = [p for p in path.split("/") if p]
        if path == "/api":
            return self.send({"kind": "APIVersions", "versions": ["v1"],
                              "serverAddressByClientCIDRs": [
                                  {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if path == "/apis":
            return self.send({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": g + "/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": g + "/v1", "version": "v1"}}
                for g in GROUPS]})
        if path == "/api/v1":
            return self.send(resource_list("", "v1"))
        if len(parts) == 3 and parts[0] == "apis":
            return self.send(resource_list(parts[1], parts[2]))
        if path == "/version":
            return self.send({"major": "1", "minor": "35", "gitVersion": "v1.35.0"})
        # /api/v1/[namespaces/NS/]PLURAL[/NAME] or /apis/G/V/...
        if parts and parts[0] == "api":
            group, rest = "", parts[2:]
        elif parts and parts[0] == "apis" and len(parts) > 3:
            group, rest = parts[1], parts[3:]
        else:
            return self.send({"kind": "Status", "code": 404, "reason": "NotFound",
                              "status": "Failure", "message": "not found"}, 404)
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if len(rest) == 2 and rest[0] == "namespaces" and self.command == "GET":
            return self.not_found("", "namespaces", rest[1])
        plural = rest[0] if rest else ""
        r = find(plural)
        if r is None:
            return self.send({"kind": "Status", "code": 404, "reason": "NotFound",
                              "status": "Failure", "message": "not found"}, 404)
        if len(rest) >= 2:
            return self.not_found(group, plural, rest[1])
        if self.command == "GET":
            return self.send({"kind": r[4] + "List", "apiVersion": (group + "/" if group else "") + "v1",
                              "metadata": {"resourceVersion": "777"}, "items": []})
        return self.not_found(group, plural, "")

    do_GET = route
    do_DELETE = route
    do_PATCH = route
    do_PUT = route
    do_POST = route


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
