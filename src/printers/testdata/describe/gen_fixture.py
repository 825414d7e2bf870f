#!/usr/bin/env python3
"""Writes fixture.json for record.sh: objects whose timestamps are relative to the recording
time (written as "now" so the Rust tests can compute the same ages)."""
import json, sys, time
now = int(time.time())
def ts(ago): return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - ago))
sts_uid = "9d2f0c7a-0000-4000-8000-000000000001"
pod_uid = "9d2f0c7a-0000-4000-8000-000000000002"
pvc_uid = "9d2f0c7a-0000-4000-8000-000000000003"
labels = {"app": "nginx", "apps.kubernetes.io/pod-index": "0", "controller-revision-hash": "web-5d8b6f7c9d", "statefulset.kubernetes.io/pod-name": "web-0"}
container = {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24", "imagePullPolicy": "IfNotPresent",
             "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}],
             "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"},
                              {"name": "kube-api-access-7xk2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}],
             "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}, {"name": "MODE", "value": "demo"}],
             "readinessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3, "initialDelaySeconds": 0},
             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "namespace": "default", "uid": pod_uid,
       "creationTimestamp": ts(300), "labels": labels,
       "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": sts_uid, "controller": True, "blockOwnerDeletion": True}]},
       "spec": {"containers": [container], "hostname": "web-0", "subdomain": "nginx", "nodeName": "kind-worker",
                "serviceAccountName": "default", "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
                "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}},
                            {"name": "kube-api-access-7xk2p", "projected": {"defaultMode": 420, "sources": [
                                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}]},
       "status": {"phase": "Running", "hostIP": "172.18.0.3", "hostIPs": [{"ip": "172.18.0.3"}], "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
                  "qosClass": "Burstable", "startTime": ts(298),
                  "conditions": [{"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": ts(290)},
                                 {"type": "Initialized", "status": "True", "lastTransitionTime": ts(298)},
                                 {"type": "Ready", "status": "True", "lastTransitionTime": ts(280)},
                                 {"type": "ContainersReady", "status": "True", "lastTransitionTime": ts(280)},
                                 {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(298)}],
                  "containerStatuses": [{"name": "nginx", "ready": True, "restartCount": 1, "started": True,
                                         "image": "registry.k8s.io/nginx-slim:0.24", "imageID": "registry.k8s.io/nginx-slim@sha256:abc",
                                         "containerID": "containerd://0123456789abcdef",
                                         "state": {"running": {"startedAt": ts(282)}},
                                         "lastState": {"terminated": {"exitCode": 137, "reason": "Error", "startedAt": ts(296), "finishedAt": ts(284)}}}]}}
ev = lambda name, kind, uid, typ, reason, msg, comp, count, first, last, fp=None: {
    "apiVersion": "v1", "kind": "Event", "metadata": {"name": name + "." + reason.lower(), "namespace": "default"},
    "involvedObject": dict({"kind": kind, "name": name, "namespace": "default", "uid": uid, "apiVersion": "v1"}, **({"fieldPath": fp} if fp else {})),
    "type": typ, "reason": reason, "message": msg, "source": {"component": comp}, "count": count,
    "firstTimestamp": ts(first), "lastTimestamp": ts(last)}
events = [
    ev("web-0", "Pod", pod_uid, "Normal", "Scheduled", "Successfully assigned default/web-0 to kind-worker", "default-scheduler", 1, 299, 299),
    ev("web-0", "Pod", pod_uid, "Normal", "Pulled", "Container image \"registry.k8s.io/nginx-slim:0.24\" already present on machine", "kubelet", 2, 1800, 600, "spec.containers{nginx}"),
    ev("web-0", "Pod", pod_uid, "Warning", "Unhealthy", "Readiness probe failed: connection refused", "kubelet", 3, 1800, 660),
    ev("web", "StatefulSet", sts_uid, "Normal", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful", "statefulset-controller", 1, 300, 300),
]
sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default", "uid": sts_uid, "creationTimestamp": ts(3600), "generation": 1},
       "spec": {"replicas": 2, "serviceName": "nginx", "selector": {"matchLabels": {"app": "nginx"}}, "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24", "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}], "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "Filesystem"}}]},
       "status": {"replicas": 2, "readyReplicas": 2, "currentReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}
pod1 = json.loads(json.dumps(pod)); pod1["metadata"]["name"] = "web-1"; pod1["metadata"]["uid"] = pod_uid[:-1] + "9"; pod1["status"]["phase"] = "Pending"
pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "www-web-0", "namespace": "default", "uid": pvc_uid, "creationTimestamp": ts(3600),
       "labels": {"app": "nginx"}, "finalizers": ["kubernetes.io/pvc-protection"],
       "annotations": {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes", "volume.beta.kubernetes.io/storage-provisioner": "rancher.io/local-path", "volume.kubernetes.io/selected-node": "kind-worker", "volume.kubernetes.io/storage-provisioner": "rancher.io/local-path"}},
       "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem", "volumeName": "pvc-9f0c1c7e-2f4e-4a57-9c79-1d0d3c6d0a11"},
       "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}}
pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pvc-9f0c1c7e-2f4e-4a57-9c79-1d0d3c6d0a11", "creationTimestamp": ts(3590),
      "annotations": {"local.path.provisioner/selected-node": "kind-worker", "pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}, "finalizers": ["kubernetes.io/pv-protection"]},
      "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "www-web-0", "namespace": "default", "uid": pvc_uid},
               "hostPath": {"path": "/var/local-path-provisioner/pvc-9f0c1c7e_default_www-web-0", "type": "DirectoryOrCreate"},
               "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]}]}]}},
               "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard", "volumeMode": "Filesystem"},
      "status": {"phase": "Bound"}}
svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}, "creationTimestamp": ts(3600)},
       "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80}],
                "selector": {"app": "nginx"}, "sessionAffinity": "None", "type": "ClusterIP", "internalTrafficPolicy": "Cluster"}}
eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "nginx-abcde", "namespace": "default", "labels": {"kubernetes.io/service-name": "nginx"}, "creationTimestamp": ts(3600)},
       "addressType": "IPv4", "ports": [{"name": "web", "port": 80, "protocol": "TCP"}],
       "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}}, {"addresses": ["10.244.2.6"], "conditions": {"ready": True}}]}
json.dump({"now": now, "objects": [pod, pod1, sts, pvc, pv, svc, eps] + events}, open(sys.argv[1], "w"), indent=1)
