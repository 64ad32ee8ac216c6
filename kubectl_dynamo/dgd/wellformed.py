"""Is a DGD document fit to be read? Checked before the model reads it, as the API server would check
it: every field the plugin reads has the CRD's type (through the one typed accessor in fields.py),
the API version is one the plugin knows, and names are what apimachinery accepts.

`read()` is how commands read a DGD from a file: a document with a field of the wrong type, or of an
unknown version, is not read into a Graph at all (its findings are the answer), so no rule ever
sees a half-read service. Names and label values are findings of a rule (`rule_names`) on a graph
that was read: they do not stop the other checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kubectl_dynamo import limits
from kubectl_dynamo.contracts.explanation import PATHWAY_FAILED, Explanation, TraceStep
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.fields import (
    INTEGER,
    LIST,
    MAPPING,
    MAPPINGS,
    STRING,
    STRING_MAP,
    STRINGS,
    Reader,
    quote,
)
from kubectl_dynamo.dgd.findings import ERROR, Finding
from kubectl_dynamo.dgd.model import ANN_KAI_QUEUE, API_VERSIONS, KIND, V1BETA1, Graph, mapping, read_graph

UNKNOWN_API_VERSION = "UNKNOWN_API_VERSION"
TOO_LARGE = "TOO_LARGE"
BAD_NAME = "BAD_NAME"
BAD_LABEL = "BAD_LABEL"

# apimachinery's validation (k8s.io/apimachinery/pkg/util/validation), ASCII only: fullmatch, so a
# trailing newline is no match
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
LABEL_MESSAGE = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')")


def is_dns1123_label(value: str) -> bool:
    return len(value) <= limits.DNS1123_LABEL_MAX and _DNS1123_LABEL.fullmatch(value) is not None


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= limits.DNS1123_SUBDOMAIN_MAX and _DNS1123_SUBDOMAIN.fullmatch(value) is not None


def is_qualified_name(value: str) -> bool:
    """A label or annotation key: [prefix/]name, prefix a DNS subdomain, name at most 63."""
    prefix, _, name = value.rpartition("/")
    if "/" in value and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= limits.DNS1123_LABEL_MAX and _QUALIFIED_NAME.fullmatch(name) is not None


def is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= limits.DNS1123_LABEL_MAX and _QUALIFIED_NAME.fullmatch(value) is not None)


def is_dgd_kind(doc: Any) -> bool:
    """Any document of kind DynamoGraphDeployment, whatever its apiVersion says: an unknown version
    is a finding of `check`, never a silent read as v1alpha1."""
    return isinstance(doc, dict) and doc.get("kind") == KIND


def display_name(doc: dict) -> str:
    """metadata.name when it is a string (for report headings), else empty."""
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else ""


# --- types ---------------------------------------------------------------------------------------


def check(doc: dict) -> list[Finding]:
    """Findings that keep the document from being read: an unknown API version, or any field the
    plugin reads with the wrong type."""
    api_version = doc.get("apiVersion")
    if api_version not in API_VERSIONS:
        return [Finding(ERROR, UNKNOWN_API_VERSION,
                        f"apiVersion {quote(str(api_version))} is not a DynamoGraphDeployment version the plugin reads",
                        None, f"use one of {', '.join(API_VERSIONS)}")]
    r = Reader()
    meta = r.get(doc, "metadata", "", MAPPING) or {}
    r.get(meta, "name", "metadata", STRING)
    r.get(meta, "namespace", "metadata", STRING)
    r.get(meta, "annotations", "metadata", STRING_MAP)
    r.get(meta, "labels", "metadata", STRING_MAP)
    spec = r.get(doc, "spec", "", MAPPING) or {}
    r.get(spec, "backendFramework", "spec", STRING)
    if api_version == V1BETA1:
        _env(r, r.get(spec, "env", "spec", MAPPINGS), "spec.env", None)
        components = spec.get("components")
        r.check(components, "spec.components", LIST)
        for i, comp in enumerate(components if isinstance(components, list) else []):
            _component(r, comp, i)
    else:
        _env(r, r.get(spec, "envs", "spec", MAPPINGS), "spec.envs", None)
        services = r.get(spec, "services", "spec", MAPPING) or {}
        for name, svc in services.items():
            _service(r, svc, f"spec.services.{name}", str(name))
    return r.findings or list(_size_findings(doc))


def _size_findings(doc: dict) -> Iterator[Finding]:
    """A DGD no Kubernetes cluster can run (and whose plan would list billions of objects)."""
    spec = mapping(doc, "spec")
    if doc.get("apiVersion") == V1BETA1:
        entries = [(f"spec.components[{i}]", c) for i, c in enumerate(spec.get("components") or []) if isinstance(c, dict)]
    else:
        entries = [(f"spec.services.{k}", v) for k, v in (spec.get("services") or {}).items() if isinstance(v, dict)]
    pods = 0
    for path, svc in entries:
        multinode = svc.get("multinode")
        nodes = multinode.get("nodeCount", 2) if isinstance(multinode, dict) else 1
        nodes = nodes if isinstance(nodes, int) else 1
        replicas = svc.get("replicas", 1)
        replicas = replicas if isinstance(replicas, int) else 1
        if nodes > limits.MAX_CLUSTER_NODES:
            yield Finding(ERROR, TOO_LARGE, f"{path}.multinode.nodeCount {nodes} is more nodes than a Kubernetes cluster "
                          f"supports ({limits.MAX_CLUSTER_NODES})", svc.get("name") or path.rsplit(".", 1)[-1], None)
            return
        pods += max(replicas, 0) * max(nodes, 1)
    if pods > limits.MAX_CLUSTER_PODS:
        yield Finding(ERROR, TOO_LARGE, f"replicas × nodeCount over all services is {pods} pods, more than a Kubernetes "
                      f"cluster supports ({limits.MAX_CLUSTER_PODS})", None, "lower replicas or nodeCount")


def _entry(r: Reader, entry: Any, path: str, name: str | None, strings: tuple[str, ...]) -> dict | None:
    """A service or component: a mapping (null too is wrong: `worker:` with nothing after it),
    its string fields, replicas and multinode.nodeCount."""
    if entry is None:
        r.bad(path, MAPPING, None, name)
        return None
    entry = r.check(entry, path, MAPPING, name)
    for key in strings:
        r.get(entry, key, path, STRING, name)
    r.get(entry, "replicas", path, INTEGER, name)
    r.get(r.get(entry, "multinode", path, MAPPING, name), "nodeCount", f"{path}.multinode", INTEGER, name)
    return entry


def _service(r: Reader, svc: Any, path: str, name: str) -> None:
    svc = _entry(r, svc, path, name, ("componentType", "subComponentType"))
    if svc is None:
        return
    _resources(r, r.get(svc, "resources", path, MAPPING, name), f"{path}.resources", name)
    r.get(svc, "annotations", path, STRING_MAP, name)
    _env(r, r.get(svc, "envs", path, MAPPINGS, name), f"{path}.envs", name)
    pod = r.get(svc, "extraPodSpec", path, MAPPING, name)
    _pod(r, pod, f"{path}.extraPodSpec", name)
    _container(r, r.get(pod, "mainContainer", f"{path}.extraPodSpec", MAPPING, name), f"{path}.extraPodSpec.mainContainer", name)


def _component(r: Reader, comp: Any, index: int) -> None:
    path = f"spec.components[{index}]"
    name = comp.get("name") if isinstance(comp, dict) and isinstance(comp.get("name"), str) else None
    comp = _entry(r, comp, path, name, ("name", "type"))
    if comp is None:
        return
    template = r.get(comp, "podTemplate", path, MAPPING, name)
    r.get(r.get(template, "metadata", f"{path}.podTemplate", MAPPING, name), "annotations",
          f"{path}.podTemplate.metadata", STRING_MAP, name)
    pod = r.get(template, "spec", f"{path}.podTemplate", MAPPING, name)
    _pod(r, pod, f"{path}.podTemplate.spec", name)
    for i, c in enumerate(r.get(pod, "containers", f"{path}.podTemplate.spec", MAPPINGS, name) or []):
        cpath = f"{path}.podTemplate.spec.containers[{i}]"
        r.get(c, "name", cpath, STRING, name)
        _container(r, c, cpath, name)
        _resources(r, r.get(c, "resources", cpath, MAPPING, name), f"{cpath}.resources", name)


def _resources(r: Reader, resources: Any, path: str, service: str | None) -> None:
    # gpu values themselves are judged by rule_schema (BAD_GPU, with the CRD's string form)
    for key in ("limits", "requests"):
        r.get(resources, key, path, MAPPING, service)


def _pod(r: Reader, pod: Any, path: str, service: str | None) -> None:
    r.get(pod, "schedulerName", path, STRING, service)
    for i, vol in enumerate(r.get(pod, "volumes", path, MAPPINGS, service) or []):
        vpath = f"{path}.volumes[{i}]"
        r.get(vol, "name", vpath, STRING, service)
        cm = r.get(vol, "configMap", vpath, MAPPING, service)
        r.get(cm, "name", f"{vpath}.configMap", STRING, service)
        for j, item in enumerate(r.get(cm, "items", f"{vpath}.configMap", MAPPINGS, service) or []):
            for key in ("key", "path"):
                r.get(item, key, f"{vpath}.configMap.items[{j}]", STRING, service)


def _container(r: Reader, c: Any, path: str, service: str | None) -> None:
    if c is None:
        return
    r.get(c, "image", path, STRING, service)
    r.get(c, "command", path, STRINGS, service)
    r.get(c, "args", path, STRINGS, service)
    _env(r, r.get(c, "env", path, MAPPINGS, service), f"{path}.env", service)
    for i, m in enumerate(r.get(c, "volumeMounts", path, MAPPINGS, service) or []):
        for key in ("name", "mountPath", "subPath"):
            r.get(m, key, f"{path}.volumeMounts[{i}]", STRING, service)


def _env(r: Reader, env: list | None, path: str, service: str | None) -> None:
    for i, e in enumerate(env or []):
        r.get(e, "name", f"{path}[{i}]", STRING, service)


def read(doc: dict, source: str = "-") -> tuple[Graph | None, list[Finding]]:
    """(the Graph, []) for a well-formed DGD; (None, its findings) for one that is not."""
    findings = check(doc)
    if findings:
        return None, findings
    return read_graph(doc, source), []


def unread_explanation(doc: dict, source: str, caps: Capabilities, findings: list[Finding]) -> Explanation:
    """What explain and apply show for a DGD that could not be read: no plan, only why."""
    meta = doc.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) and isinstance(meta.get("namespace"), str) else None
    step = TraceStep("read the manifest", f"not read: {len(findings)} field(s) the operator would refuse")
    return Explanation(name=display_name(doc), namespace=ns, capabilities=caps, pathway=PATHWAY_FAILED,
                       trace=[step], services=[], findings=findings, source=source)


def configmap_problem(doc: dict) -> str | None:
    """Why a ConfigMap (TRT-LLM engine settings are read from them) is unusable, or None."""
    r = Reader()
    r.get(r.get(doc, "metadata", "", MAPPING), "name", "metadata", STRING)
    r.get(doc, "data", "", STRING_MAP)
    return r.findings[0].message if r.findings else None


# --- names and values (a rule) -------------------------------------------------------------------


def rule_names(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    """Names and label values as the API server validates them (and the KAI queue name, which
    becomes a label value and a Queue's name)."""
    if graph.name and not is_dns1123_label(graph.name):
        yield Finding(ERROR, BAD_NAME, f"metadata.name {quote(graph.name)} is not valid: {LABEL_MESSAGE}", None,
                      "it becomes part of pod, service and DNS names: at most 63 characters")
    if graph.namespace is not None and not is_dns1123_label(graph.namespace):
        yield Finding(ERROR, BAD_NAME, f"metadata.namespace {quote(graph.namespace)} is not valid: {LABEL_MESSAGE}", None, None)
    for key, value in graph.labels.items():
        if not is_qualified_name(key):
            yield Finding(ERROR, BAD_LABEL, f"metadata.labels key {quote(key)} is not a valid label key", None,
                          "a name of at most 63 alphanumeric characters, '-', '_' or '.', with an optional DNS prefix and '/'")
        elif not is_label_value(value):
            yield Finding(ERROR, BAD_LABEL, f"metadata.labels.{key} value {quote(value)} is not a valid label value", None,
                          "at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric")
    scopes: list[tuple[str | None, str, dict[str, str]]] = [(None, "metadata.annotations", graph.annotations)]
    scopes += [(s.name, f"{s.path} annotations", s.annotations) for s in graph.services]
    for service, where, ann in scopes:
        for key in ann:
            if not is_qualified_name(key):
                yield Finding(ERROR, BAD_LABEL, f"{where} key {quote(key)} is not a valid annotation key", service, None)
    queue = graph.annotations.get(ANN_KAI_QUEUE)
    if queue is not None and queue.strip() and not (is_dns1123_label(queue.strip())):
        yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_KAI_QUEUE} {quote(queue)} is not a valid queue name: {LABEL_MESSAGE}",
                      None, "name an existing KAI queue (kubectl get queues.scheduling.run.ai)")
