"""What a user may do, as SelfSubjectAccessReviews answer it (cluster/access.py asks): the needs of
the plugin's commands, and one AccessResult per review; a review that could not be made reads as
unknown (None), never as a guess.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccessNeed:
    """One permission a command needs: `verb` on `resource` (plural) of `group`, in the command's
    namespace when `namespaced`, else cluster-wide."""

    verb: str
    resource: str
    group: str
    namespaced: bool
    purpose: str


# What the plugin's commands need, in the order doctor lists them.
NEEDS: tuple[AccessNeed, ...] = (
    AccessNeed("list", "dynamographdeployments", "nvidia.com", True, "get"),
    AccessNeed("get", "dynamographdeployments", "nvidia.com", True, "explain/describe NAME"),
    AccessNeed("create", "dynamographdeployments", "nvidia.com", True, "apply"),
    AccessNeed("patch", "dynamographdeployments", "nvidia.com", True, "apply"),
    AccessNeed("list", "nodes", "", False, "GPU inventory"),
    AccessNeed("list", "pods", "", False, "GPUs in use, all namespaces"),
    AccessNeed("get", "queues", "scheduling.run.ai", False, "KAI queue check"),
    AccessNeed("list", "deployments", "apps", False, "operator and orchestrators, all namespaces"),
)


@dataclass
class AccessResult:
    """One SelfSubjectAccessReview: may the user do `verb` on `resource`?"""

    verb: str
    resource: str  # plural.group (core: plural)
    namespace: str | None
    allowed: bool | None  # None: the review itself was not possible
    purpose: str
    reason: str = ""  # the authorizer's reason, or why the review failed

    @property
    def label(self) -> str:
        return f"{self.verb} {self.resource}" + (f" in {self.namespace}" if self.namespace else "")

    def to_dict(self) -> dict:
        return {"verb": self.verb, "resource": self.resource, "namespace": self.namespace,
                "allowed": self.allowed, "purpose": self.purpose}


def read_review(need: AccessNeed, namespace: str | None, answer: dict | None, error: str = "") -> AccessResult:
    """An AccessResult from a review's response (None when the review could not be made)."""
    resource = f"{need.resource}.{need.group}" if need.group else need.resource
    ns = namespace if need.namespaced else None
    if answer is None:
        return AccessResult(need.verb, resource, ns, None, need.purpose, error)
    status = answer.get("status") or {}
    allowed = bool(status.get("allowed")) and not status.get("denied")
    return AccessResult(need.verb, resource, ns, allowed, need.purpose, status.get("reason") or "")
