#!/usr/bin/env python3
"""A tiny stand-in for the API server, enough for `kubectl get configmaps -o yaml|json`.

Serves discovery for the core group and lists the ConfigMaps in the JSON file given as second
argument (namespace `default`; every other namespace is empty). Usage:
`python3 fake_apiserver.py PORT ITEMS.json`.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

ITEMS = json.load(open(sys.argv[2], encoding="utf-8"))


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
        path = self.path.split("?")[0]
        if path == "/api":
            return self.send({"kind": "APIVersions", "versions": ["v1"],
                              "serverAddressByClientCIDRs": [
                                  {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if path == "/apis":
            return self.send({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if path == "/api/v1":
            return self.send({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "configmaps", "singularName": "configmap", "namespaced": True,
                 "kind": "ConfigMap", "verbs": ["get", "list"], "shortNames": ["cm"]}]})
        parts = path.split("/")
        if len(parts) == 6 and parts[1:3] == ["api", "v1"] and parts[5] == "configmaps":
            items = ITEMS if parts[4] == "default" else []
            return self.send({"kind": "ConfigMapList", "apiVersion": "v1",
                              "metadata": {"resourceVersion": "777"}, "items": items})
        self.send({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                   "reason": "NotFound", "message": "not found"}, 404)


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
