"""What the current user may do, asked the API server with SelfSubjectAccessReviews (the same
question `kubectl auth can-i` asks), all at once in parallel.

Every authenticated user may create SelfSubjectAccessReviews (ClusterRole system:basic-user), so a
review that is itself refused means an unusual RBAC setup: the answer is then "unknown" (None),
never a crash and never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.cluster.client import Cluster, Forbidden, NotFound

SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


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


def review_body(need: AccessNeed, namespace: str | None) -> dict:
    attrs = {"verb": need.verb, "group": need.group, "resource": need.resource}
    if need.namespaced and namespace:
        attrs["namespace"] = namespace
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs}}


def read_review(need: AccessNeed, namespace: str | None, answer: dict | None, error: str = "") -> AccessResult:
    """An AccessResult from a review's response (None when the review could not be made)."""
    resource = f"{need.resource}.{need.group}" if need.group else need.resource
    ns = namespace if need.namespaced else None
    if answer is None:
        return AccessResult(need.verb, resource, ns, None, need.purpose, error)
    status = answer.get("status") or {}
    allowed = bool(status.get("allowed")) and not status.get("denied")
    return AccessResult(need.verb, resource, ns, allowed, need.purpose, status.get("reason") or "")


def review_access(cluster: Cluster, namespace: str | None, needs: tuple[AccessNeed, ...] = NEEDS) -> list[AccessResult]:
    """One review per need, in parallel; a refused review reads as unknown. Other failures
    (unreachable, 401) raise ClusterError."""

    def one(need: AccessNeed) -> AccessResult:
        try:
            answer = cluster.request("POST", SSAR_PATH, body=review_body(need, namespace),
                                     content_type="application/json", what="selfsubjectaccessreviews")
        except (Forbidden, NotFound) as exc:
            return read_review(need, namespace, None, exc.message)
        return read_review(need, namespace, answer)

    return cluster.parallel(*[lambda n=n: one(n) for n in needs])
