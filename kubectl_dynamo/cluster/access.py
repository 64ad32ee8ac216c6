"""What the current user may do, asked the API server with SelfSubjectAccessReviews (the same
question `kubectl auth can-i` asks), all at once in parallel.

Every authenticated user may create SelfSubjectAccessReviews (ClusterRole system:basic-user), so a
review that is itself refused means an unusual RBAC setup: the answer is then "unknown" (None),
never a crash and never a guess.
"""

from __future__ import annotations

from kubectl_dynamo.cluster.client import Cluster
from kubectl_dynamo.errors import Forbidden, NotFound
from kubectl_dynamo.state.access import NEEDS, AccessNeed, AccessResult, read_review

SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def review_body(need: AccessNeed, namespace: str | None) -> dict:
    attrs = {"verb": need.verb, "group": need.group, "resource": need.resource}
    if need.namespaced and namespace:
        attrs["namespace"] = namespace
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs}}


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
