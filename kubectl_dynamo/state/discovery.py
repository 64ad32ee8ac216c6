"""What the API server serves, from its discovery documents: groups with their versions
(preferred first) and the REST resource of each (apiVersion, kind).

Aggregated discovery (Kubernetes >= 1.26 beta, GA in 1.30) lists every group, version and
resource in one document; older servers answer with the plain APIGroupList, which names groups
and versions only (`complete` is then False and resources are looked up per version).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version



@dataclass
class Discovery:
    """Served groups, their versions, and resources by (apiVersion, kind)."""

    groups: dict[str, list[str]] = field(default_factory=dict)  # group -> served versions, preferred first
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)  # (apiVersion, kind)
    complete: bool = True  # False when only group names were listed (non-aggregated fallback)

    def has_group(self, group: str) -> bool:
        return group in self.groups

    def resource_for(self, api_version: str, kind: str) -> Resource | None:
        return self.resources.get((api_version, kind))

    def served_version(self, group: str, kind: str, prefer: str) -> str | None:
        """The version of `group` to read `kind` in: `prefer` when it serves the kind (or when
        discovery listed no resources, so it cannot tell), else the first served version that
        does, the server's preferred first; None when the group is not served or no version of it
        serves the kind: then there is nothing to read."""
        if not self.has_group(group):
            return None
        if not self.complete or (f"{group}/{prefer}", kind) in self.resources:
            return prefer
        return next((v for v in self.groups[group] if (f"{group}/{v}", kind) in self.resources), None)


def parse_discovery(core: dict, groups: dict) -> Discovery:
    disc = Discovery()
    for doc in (core, groups):
        if doc.get("kind") == "APIGroupDiscoveryList":
            for item in doc.get("items") or []:
                group = (item.get("metadata") or {}).get("name", "")
                versions = [v.get("version") for v in item.get("versions") or []]
                disc.groups[group] = versions
                for v in item.get("versions") or []:
                    api_version = f"{group}/{v['version']}" if group else v["version"]
                    for r in v.get("resources") or []:
                        rk = r.get("responseKind") or {}
                        res = Resource(group, v["version"], rk.get("kind", ""), r.get("resource", ""),
                                       r.get("scope") == "Namespaced")
                        disc.resources[(api_version, res.kind)] = res
        elif doc.get("kind") == "APIGroupList":
            disc.complete = False
            for g in doc.get("groups") or []:
                versions = [v.get("version") for v in g.get("versions") or []]
                pref = (g.get("preferredVersion") or {}).get("version")
                if pref in versions:
                    versions.remove(pref)
                    versions.insert(0, pref)
                disc.groups[g.get("name", "")] = versions
        elif doc.get("kind") == "APIVersions":
            disc.complete = False
            disc.groups[""] = list(doc.get("versions") or [])
    return disc
