#!/usr/bin/env python3
"""A read-only Kubernetes API server over plain HTTP on loopback, for policy-server's
context-aware host calls (`kubernetes/get_resource`, `list_resources_all`, …) in tests and
benchmarks.

    fake-apiserver.py [--kubeconfig FILE] [--istio-base DIR] PORT [OBJECTS...]

OBJECTS are JSON files (or YAML, when PyYAML is installed), each one object, a `List`, or a
YAML stream. `--istio-base` adds Istio's two ConfigMaps in istio-system, `istio-sidecar-injector`
(`config`, `values`) and `istio` (`mesh`), from a directory holding `injector-config.yaml`,
`values.json` and `mesh.yaml` (the conformance data set's base/). `--kubeconfig` writes a
kubeconfig for this server, for policy-server's `KUBECONFIG`.

The server answers what policy-server's Kubernetes client asks on its way to an object:
core-group discovery (`/api`, `/api/v1`, `/apis`), a get by name, a list (with
`fieldSelector=metadata.name=…` and `labelSelector` equality terms), and a watch, which it holds
open with nothing to report (the objects never change) until the client's `timeoutSeconds` or
until it hangs up. Every list carries resourceVersion "1". Any other path is a 404 `Status`,
logged on stderr so a run shows what the client asked that was missing; FAKE_APISERVER_LOG=1
logs every request.
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# The core-group resources served: plural → (kind, namespaced). Only the kinds this policy reads.
RESOURCES = {
    "configmaps": ("ConfigMap", True),
    "namespaces": ("Namespace", False),
    "nodes": ("Node", False),
    "pods": ("Pod", True),
    "services": ("Service", True),
}
RESOURCE_VERSION = "1"
# FAKE_APISERVER_LOG=1 logs every request on stderr (how often the client comes back).
LOG_REQUESTS = os.environ.get("FAKE_APISERVER_LOG") == "1"


def load(paths):
    """Every object of the files, as dicts."""
    objects = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if path.endswith((".yaml", ".yml")):
            try:
                import yaml
            except ImportError:
                sys.exit(f"fake-apiserver: {path} is YAML and PyYAML is not installed")
            docs = [d for d in yaml.safe_load_all(text) if d]
        else:
            docs = [json.loads(text)]
        for doc in docs:
            if doc.get("kind", "").endswith("List") and isinstance(doc.get("items"), list):
                objects.extend(doc["items"])
            else:
                objects.append(doc)
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("resourceVersion", RESOURCE_VERSION)
    return objects


def matches(obj, namespace, field_selector, label_selector):
    meta = obj.get("metadata", {})
    if namespace is not None and meta.get("namespace", "") != namespace:
        return False
    for term in filter(None, field_selector.split(",")):
        key, _, value = term.partition("=")
        if key == "metadata.name" and meta.get("name") != value.lstrip("="):
            return False
        if key == "metadata.namespace" and meta.get("namespace", "") != value.lstrip("="):
            return False
    labels = meta.get("labels") or {}
    for term in filter(None, label_selector.split(",")):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key) != value.lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    objects = []

    def log_message(self, *args):
        pass

    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self, what):
        sys.stderr.write(f"fake-apiserver: 404 {self.command} {self.path}\n")
        self.send_json(404, {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"{what} not found", "reason": "NotFound", "code": 404,
        })

    def do_GET(self):
        if LOG_REQUESTS:
            sys.stderr.write(f"fake-apiserver: GET {self.path}\n")
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = [unquote(p) for p in url.path.strip("/").split("/") if p]
        if parts == ["api"]:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": []})
        if parts == ["apis"]:
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if parts == ["api", "v1"]:
            return self.send_json(200, {
                "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
                "resources": [
                    {"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                     "kind": kind, "verbs": ["get", "list", "watch"]}
                    for plural, (kind, namespaced) in RESOURCES.items()
                ],
            })
        if parts[:2] != ["api", "v1"]:
            return self.not_found(url.path)
        rest = parts[2:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or rest[0] not in RESOURCES:
            return self.not_found(url.path)
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        kind, _ = RESOURCES[plural]
        of_kind = [o for o in self.objects if o.get("kind") == kind]
        if name is not None:
            for obj in of_kind:
                meta = obj.get("metadata", {})
                if meta.get("name") == name and (namespace is None or meta.get("namespace", "") == namespace):
                    return self.send_json(200, obj)
            return self.not_found(f'{plural} "{name}"')
        if query.get("watch", [""])[0] in ("1", "true"):
            return self.watch(float(query.get("timeoutSeconds", ["300"])[0]))
        items = [o for o in of_kind if matches(o, namespace,
                                                query.get("fieldSelector", [""])[0],
                                                query.get("labelSelector", [""])[0])]
        self.send_json(200, {"kind": f"{kind}List", "apiVersion": "v1",
                             "metadata": {"resourceVersion": RESOURCE_VERSION}, "items": items})

    def watch(self, timeout):
        """A watch on objects that never change: an open chunked stream with no events."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        deadline = time.monotonic() + min(timeout, 300)
        try:
            while time.monotonic() < deadline:
                time.sleep(1)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True


def istio_config_maps(base):
    """Istio's injector and mesh ConfigMaps as a default install holds them, from base/."""
    def read(name):
        with open(os.path.join(base, name), encoding="utf-8") as f:
            return f.read()

    def config_map(name, data):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "istio-system",
                             "resourceVersion": RESOURCE_VERSION},
                "data": data}

    return [
        config_map("istio-sidecar-injector",
                   {"config": read("injector-config.yaml"), "values": read("values.json")}),
        config_map("istio", {"mesh": read("mesh.yaml")}),
    ]


KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{{name: fake, cluster: {{server: "http://127.0.0.1:{port}"}}}}]
contexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]
current-context: fake
users: [{{name: fake, user: {{token: fake}}}}]
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubeconfig", help="write a kubeconfig for this server to this file")
    parser.add_argument("--istio-base", help="serve Istio's ConfigMaps built from this directory")
    parser.add_argument("port", type=int)
    parser.add_argument("objects", nargs="*")
    args = parser.parse_args()
    Handler.objects = load(args.objects)
    if args.istio_base:
        Handler.objects += istio_config_maps(args.istio_base)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.kubeconfig:
        with open(args.kubeconfig, "w", encoding="utf-8") as f:
            f.write(KUBECONFIG.format(port=args.port))
    threading.current_thread().name = "fake-apiserver"
    server.serve_forever()


if __name__ == "__main__":
    main()
