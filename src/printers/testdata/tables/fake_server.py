#!/usr/bin/env python3
"""A stand-in API server for recording kubectl's client-side output (tables, watch, describe,
custom-columns). Usage: python3 fake_server.py PORT FIXTURE.json

FIXTURE.json: {"objects": [k8s objects...],
               "tables": {"<resource>": {"columns": [[name, priority], ...],
                                          "rows": [{"cells": [...], "object": {metadata...}}]}},
               "watch": {"<resource>": [{"type": "ADDED", "cells": [...], "object": {...}}]}}
Objects are served as JSON for gets/lists (filtered by labelSelector and by the involvedObject /
spec.nodeName field selectors kubectl describe uses); tables only when kubectl asks for them.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIX = json.load(open(sys.argv[2], encoding="utf-8"))
OBJECTS = FIX.get("objects", [])

CORE = [("pods", "Pod", True, ["po"]), ("events", "Event", True, ["ev"]),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"]),
        ("persistentvolumes", "PersistentVolume", False, ["pv"]), ("nodes", "Node", False, ["no"]),
        ("services", "Service", True, ["svc"]), ("namespaces", "Namespace", False, ["ns"]),
        ("configmaps", "ConfigMap", True, ["cm"]), ("endpoints", "Endpoints", True, ["ep"])]
GROUPS = {
    "apps/v1": [("statefulsets", "StatefulSet", True, ["sts"]), ("deployments", "Deployment", True, ["deploy"]),
                ("replicasets", "ReplicaSet", True, ["rs"]),
                ("controllerrevisions", "ControllerRevision", True, [])],
    "discovery.k8s.io/v1": [("endpointslices", "EndpointSlice", True, [])],
    "storage.k8s.io/v1": [("storageclasses", "StorageClass", False, ["sc"])],
    "coordination.k8s.io/v1": [("leases", "Lease", True, [])],
}
KIND_OF = {r: k for (r, k, _, _) in CORE}
for rs in GROUPS.values():
    for (r, k, _, _) in rs:
        KIND_OF[r] = k


def resource_list(gv, rs):
    return {"kind": "APIResourceList", "groupVersion": gv, "resources": [
        {"name": r, "singularName": k.lower(), "namespaced": ns, "kind": k,
         "verbs": ["get", "list", "watch"], "shortNames": sn} for (r, k, ns, sn) in rs]}


def selector_matches(sel, labels):
    for term in filter(None, sel.split(",")):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            k = k.rstrip("=")
            if labels.get(k) != v:
                return False
        elif labels.get(term) is None:
            return False
    return True


def field_value(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p, "")
    return cur if cur is not None else ""


def field_matches(sel, obj):
    for term in filter(None, sel.split(",")):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if str(field_value(obj, k)) == v:
                return False
        else:
            k, v = term.split("=", 1)
            k = k.rstrip("=")
            if str(field_value(obj, k)) != v:
                return False
    return True


def table(res, spec, rows):
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"},
            "columnDefinitions": [{"name": n, "type": "string", "format": "name" if n == "Name" else "",
                                   "description": "", "priority": p} for (n, p) in spec["columns"]],
            "rows": [{"cells": r["cells"], "object": {"kind": "PartialObjectMetadata",
                                                      "apiVersion": "meta.k8s.io/v1",
                                                      "metadata": r.get("object", {})}} for r in rows]}


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

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/api":
            return self.send({"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            return self.send({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": "v1"}],
                 "preferredVersion": {"groupVersion": gv, "version": "v1"}} for gv in GROUPS]})
        if path == "/api/v1":
            return self.send(resource_list("v1", CORE))
        for gv, rs in GROUPS.items():
            if path == "/apis/" + gv:
                return self.send(resource_list(gv, rs))
        parts = [p for p in path.split("/") if p]
        if len(parts) < 3 or (parts[0] == "apis" and len(parts) < 4):
            return self.send({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "code": 404, "reason": "NotFound", "message": "not found"}, 404)
        if parts[0] == "api":
            parts = parts[2:]
        else:
            parts = parts[3:]
        ns = None
        if parts and parts[0] == "namespaces" and len(parts) >= 3:
            ns = parts[1]
            parts = parts[2:]
        res = parts[0]
        name = parts[1] if len(parts) > 1 else None
        kind = KIND_OF.get(res)
        objs = [o for o in OBJECTS if o.get("kind") == kind and
                (ns is None or o["metadata"].get("namespace") == ns)]
        accept = self.headers.get("Accept", "")
        if "as=Table" in accept and res in FIX.get("tables", {}):
            spec = FIX["tables"][res]
            if q.get("watch", ["false"])[0] == "true":
                body = b""
                for ev in FIX.get("watch", {}).get(res, []):
                    t = table(res, spec, [ev])
                    body += json.dumps({"type": ev["type"], "object": t}).encode() + b"\n"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            return self.send(table(res, spec, spec["rows"]))
        if name:
            for o in objs:
                if o["metadata"]["name"] == name:
                    return self.send(o)
            return self.send({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                              "reason": "NotFound", "message": '%s "%s" not found' % (res, name)}, 404)
        if "labelSelector" in q:
            objs = [o for o in objs if selector_matches(q["labelSelector"][0], o["metadata"].get("labels", {}))]
        if "fieldSelector" in q:
            objs = [o for o in objs if field_matches(q["fieldSelector"][0], o)]
        return self.send({"kind": kind + "List", "apiVersion": "v1",
                          "metadata": {"resourceVersion": "1"}, "items": objs})


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
