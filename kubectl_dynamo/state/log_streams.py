"""Which log streams `kubectl dynamo logs NAME` reads: one per pod and container of the DGD, named
by the service, role and rank that matter in a gang, plus the pods that have nothing to show yet.

Pure: the pods come in as plain dicts (as `describe` finds them, by the operator's DGD label), and
the reasons a pod is not scheduled are the ones `describe` gives (state/pending.py).

Naming. A stream is prefixed `[service/role-rank]`, e.g. `[decode/leader-0]`, `[decode/worker-1]`;
single-node pods have no rank, `[Frontend/main]`. When a service has several instances (replicas
of a multinode service, or several single-node pods), the instance index follows the service:
`[decode[1]/worker-1]`, `[Frontend[0]/main]`. The container is added, `[decode/leader-0/sidecar]`,
only when more than one container of that pod is shown.

Which container, as kubectl picks it: `-c NAME`, else `--all-containers` (init, regular and
ephemeral containers, in that order), else the pod's `kubectl.kubernetes.io/default-container`
annotation, else its first container.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kubectl_dynamo.state.common import as_int, meta, spec, status
from kubectl_dynamo.state.pending import PendingReason
from kubectl_dynamo.state.pods import PodRow, pod_row

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
ROLES = ("leader", "worker", "main")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class LogStream:
    """One container's log (current or previous instance) of one pod."""

    pod: str
    container: str
    service: str | None
    role: str  # leader | worker | main
    rank: int | None
    instance: int | None  # index among the service's instances, when it has more than one
    previous: bool = False
    show_container: bool = False  # more than one container of this pod is shown

    @property
    def prefix(self) -> str:
        """`service/role-rank` (without brackets), see the module docstring."""
        svc = self.service or "-"
        if self.instance is not None:
            svc += f"[{self.instance}]"
        who = self.role if self.rank is None else f"{self.role}-{self.rank}"
        text = f"{svc}/{who}"
        return f"{text}/{self.container}" if self.show_container else text

    @property
    def colour_key(self) -> int:
        """What the colour follows: the rank (the leader is 0), else the instance index."""
        return self.rank if self.rank is not None else (self.instance or 0)

    def file_name(self) -> str:
        """`--out-dir`'s file: `<pod>_<container>[.previous].log`, safe on any file system."""
        pod, container = _UNSAFE.sub("_", self.pod), _UNSAFE.sub("_", self.container)
        return f"{pod}_{container}{'.previous' if self.previous else ''}.log"

    def to_dict(self) -> dict:
        return {"pod": self.pod, "container": self.container, "service": self.service, "role": self.role,
                "rank": self.rank, "instance": self.instance, "previous": self.previous, "prefix": self.prefix}


@dataclass(frozen=True)
class Silent:
    """A pod (or one container of it) that has no log to read now, and why, in describe's words."""

    pod: str
    prefix: str
    reason: str
    message: str

    def line(self) -> str:
        return f"[{self.prefix}] {self.pod}: {self.reason}: {self.message}"


@dataclass
class Selection:
    streams: list[LogStream] = field(default_factory=list)
    silent: list[Silent] = field(default_factory=list)  # named once on stderr
    matched_pods: int = 0  # pods that passed --service/--role/--rank
    missing_container: list[str] = field(default_factory=list)  # pods without the -c container
    containers_seen: list[str] = field(default_factory=list)  # every container name of the matched pods


def _containers(pod: dict, kinds: Iterable[str]) -> list[str]:
    return [str(c.get("name")) for k in kinds for c in spec(pod).get(k) or [] if isinstance(c, dict) and c.get("name")]


def pod_containers(pod: dict) -> list[str]:
    """Every container of the pod in kubectl's --all-containers order: init, regular, ephemeral."""
    return _containers(pod, ("initContainers", "containers", "ephemeralContainers"))


def default_container(pod: dict) -> str | None:
    names = _containers(pod, ("containers",))
    wanted = (meta(pod).get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    if wanted and wanted in names:
        return wanted
    return names[0] if names else None


def _container_status(pod: dict, name: str) -> dict:
    st = status(pod)
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in st.get(key) or []:
            if isinstance(cs, dict) and cs.get("name") == name:
                return cs
    return {}


def restarts(pod: dict, container: str) -> int:
    return as_int(_container_status(pod, container).get("restartCount")) or 0


def _not_started(pod: dict, container: str) -> str | None:
    """The waiting reason of a container that has never run (nothing to log yet), else None."""
    cs = _container_status(pod, container)
    if not cs:
        return "ContainerCreating" if spec(pod).get("nodeName") else None
    state = cs.get("state") or {}
    if "waiting" in state and not cs.get("lastState") and not restarts(pod, container):
        return str((state.get("waiting") or {}).get("reason") or "ContainerCreating")
    return None


def _matches(row: PodRow, service: str | None, role: str | None, rank: int | None) -> bool:
    if service is not None and (row.service or "") != service and (row.service or "").lower() != service.lower():
        return False
    if role is not None and row.role != role:
        return False
    return rank is None or row.rank == rank


def _instances(rows: list[PodRow]) -> dict[str, int | None]:
    """Pod name -> instance index within its service, None when the service has one instance."""
    by_service: dict[str, list[PodRow]] = {}
    for row in rows:
        by_service.setdefault(row.service or "", []).append(row)
    out: dict[str, int | None] = {}
    for svc_rows in by_service.values():
        keys = sorted({_instance_key(r) for r in svc_rows}, key=_natural)
        for r in svc_rows:
            out[r.name] = keys.index(_instance_key(r)) if len(keys) > 1 else None
    return out


def _instance_key(row: PodRow) -> str:
    return row.group if row.role != "main" and row.group else row.name


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def select_streams(pods: Iterable[dict], *, service: str | None = None, role: str | None = None,
                   rank: int | None = None, container: str | None = None, all_containers: bool = False,
                   previous: bool = False, pending: Iterable[PendingReason] = ()) -> Selection:
    """The streams to read, in describe's pod order (service, instance, leader then workers by rank),
    and the pods that are silent: not scheduled or gated (with the reason describe gives, from
    ``pending``), containers that have not started, and with ``previous`` the containers that never
    restarted."""
    pods = [p for p in pods if isinstance(p, dict)]
    by_name = {str(meta(p).get("name", "")): p for p in pods}
    rows = [pod_row(p) for p in pods]
    order = {"leader": 0, "worker": 1, "main": 2}
    instances = _instances(rows)
    rows.sort(key=lambda r: (r.service or "", instances.get(r.name) or 0, order[r.role],
                             r.rank if r.rank is not None else 1 << 30, r.name))
    why: dict[str, tuple[str, str]] = {}
    for reason in pending:
        for obj in reason.objects:
            if obj.startswith("Pod/"):
                why.setdefault(obj[4:], (reason.reason, reason.message))
    sel = Selection()
    seen: set[str] = set()
    for row in rows:
        if not _matches(row, service, role, rank):
            continue
        sel.matched_pods += 1
        pod = by_name[row.name]
        seen.update(pod_containers(pod))
        names = pod_containers(pod) if all_containers else [container] if container else [default_container(pod)]
        if container and container not in pod_containers(pod):
            sel.missing_container.append(row.name)
            continue
        names = [n for n in names if n]
        base = LogStream(row.name, names[0] if names else "", row.service, row.role, row.rank,
                         instances.get(row.name), previous)
        label = base.prefix
        if not spec(pod).get("nodeName"):
            why_text, message = why.get(row.name) or (
                ("SchedulingGated", "held by scheduling gates " + ", ".join(row.gates)) if row.gates
                else ("Pending", "not scheduled to a node yet"))
            sel.silent.append(Silent(row.name, label, why_text, message))
            continue
        chosen = []
        for name in names:
            waiting = _not_started(pod, name)
            if waiting and not previous:
                sel.silent.append(Silent(row.name, label, waiting, f"container {name} is waiting to start"))
            elif previous and not restarts(pod, name):
                sel.silent.append(Silent(row.name, label, "NoPreviousInstance",
                                         f"container {name} has not restarted: there is no previous log"))
            else:
                chosen.append(name)
        sel.streams += [replace(base, container=n, show_container=len(names) > 1) for n in chosen]
    sel.containers_seen = sorted(seen)
    return sel


def out_dir_streams(pods: Iterable[dict], selection: Selection) -> list[LogStream]:
    """`--out-dir`'s files: every selected stream, plus the previous instance of each selected
    container that has restarted (so a crash is kept before the group is recreated)."""
    by_name = {str(meta(p).get("name", "")): p for p in pods if isinstance(p, dict)}
    out: list[LogStream] = []
    for s in selection.streams:
        out.append(s)
        if not s.previous and restarts(by_name.get(s.pod) or {}, s.container):
            out.append(replace(s, previous=True))
    return out
