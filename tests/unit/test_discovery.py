"""state/discovery: which version of a group to read a kind in, one rule for the survey (KAI and
Volcano queues, KAI's Config) and describe (the child kinds)."""

from __future__ import annotations

import pytest

from kubectl_dynamo.state.discovery import Discovery, Resource, parse_discovery


def _disc(served: dict[str, list[str]], kinds: dict[str, list[str]], complete: bool = True) -> Discovery:
    """`served`: group -> versions (preferred first); `kinds`: apiVersion -> kinds it serves."""
    d = Discovery(groups=served, complete=complete)
    for api_version, ks in kinds.items():
        group, _, version = api_version.rpartition("/")
        for k in ks:
            d.resources[(api_version, k)] = Resource(group, version, k, k.lower() + "s", True)
    return d


KAI = "scheduling.run.ai"


@pytest.mark.parametrize("disc, expected", [
    (_disc({KAI: ["v2", "v2alpha2"]}, {f"{KAI}/v2": ["Queue"], f"{KAI}/v2alpha2": ["PodGroup"]}), "v2"),
    (_disc({KAI: ["v2alpha2", "v2"]}, {f"{KAI}/v2alpha2": ["PodGroup"], f"{KAI}/v2": ["Queue"]}), "v2"),
    (_disc({KAI: ["v2alpha2", "v1"]}, {f"{KAI}/v2alpha2": ["PodGroup"], f"{KAI}/v1": ["Queue"]}), "v1"),
    (_disc({KAI: ["v2"]}, {f"{KAI}/v2": ["PodGroup"]}), None),
    (_disc({}, {}), None),
    (_disc({KAI: ["v1"]}, {}, complete=False), "v2"),
], ids=["the preferred version when it serves the kind", "the pinned version even when not the server's preferred",
        "else the first version that serves the kind", "None when no version serves the kind (nothing to read)",
        "None when the group is not served", "the pinned version when discovery listed no resources"])
def test_served_version(disc, expected):
    assert disc.served_version(KAI, "Queue", "v2") == expected


def test_aggregated_discovery_lists_resources_and_the_fallback_only_groups():
    aggregated = {"kind": "APIGroupDiscoveryList", "items": [{"metadata": {"name": KAI}, "versions": [
        {"version": "v2", "resources": [{"resource": "queues", "scope": "Cluster", "responseKind": {"kind": "Queue"}}]}]}]}
    d = parse_discovery({"kind": "APIVersions", "versions": ["v1"]}, aggregated)
    assert (d.complete, d.groups, d.resource_for(f"{KAI}/v2", "Queue")) == (
        False, {"": ["v1"], KAI: ["v2"]}, Resource(KAI, "v2", "Queue", "queues", False))
    fallback = parse_discovery({}, {"kind": "APIGroupList", "groups": [
        {"name": KAI, "versions": [{"version": "v1"}, {"version": "v2"}], "preferredVersion": {"version": "v2"}}]})
    assert (fallback.complete, fallback.groups) == (False, {KAI: ["v2", "v1"]})
