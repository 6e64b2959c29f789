"""Seeds the pipeline's fuzz corpora from Istio's conformance cases (input and golden YAML).

kube_inject_input: each case's input stream as is. strategic_merge: an input pod, a NUL byte,
its golden pod (a realistic merge). goyaml_emit: every object of the inputs and goldens as JSON.
goyaml_read: each case's input and golden YAML as is.
"""
import json
import pathlib
import sys

import yaml

cases, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for target in ("kube_inject_input", "strategic_merge", "goyaml_emit", "goyaml_read"):
    (corpus / target).mkdir(parents=True, exist_ok=True)


def objects(path):
    try:
        return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    except (OSError, yaml.YAMLError):
        return []


def pod_spec(obj):
    template = obj.get("spec", {}).get("template") if obj.get("kind") != "Pod" else obj
    return template if isinstance(template, dict) else None


for case in sorted(p for p in cases.iterdir() if p.is_dir()):
    source = case / "input.yaml"
    if not source.is_file():
        continue
    (corpus / "kube_inject_input" / case.name).write_bytes(source.read_bytes())
    for name in ("input.yaml", "want.yaml"):
        if (case / name).is_file():
            (corpus / "goyaml_read" / f"{case.name}-{name}").write_bytes((case / name).read_bytes())
    inputs, wants = objects(source), objects(case / "want.yaml")
    for i, obj in enumerate(inputs + wants):
        text = json.dumps(obj, default=str)
        (corpus / "goyaml_emit" / f"{case.name}-{i}").write_text(text)
    for i, (before, after) in enumerate(zip(inputs, wants)):
        before, after = pod_spec(before), pod_spec(after)
        if before and after:
            pair = json.dumps(before, default=str) + "\0" + json.dumps(after, default=str)
            (corpus / "strategic_merge" / f"{case.name}-{i}").write_text(pair)
