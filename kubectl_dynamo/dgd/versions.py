"""Operator versions whose behaviour the plugin mirrors.

Each gate is the first operator release (chart version) that behaves the new way; the upstream
pull request is named so a reader can check it. Release numbers are approximate where upstream
history only shows the chart version on main at the time (reference/dynamo-operator.md §0).
"""

from __future__ import annotations

import re

# The operator line whose rules were read from source (upstream commit df888f68, chart 1.1.0).
# Offline explain mirrors this line unless --operator-version says otherwise.
NEWEST_KNOWN = "1.1.0"

GROVE_SUPPORT = (0, 4, 0)  # #2012/#2190: Grove auto-detected at operator start
KAI_SUPPORT = (0, 5, 0)  # #2748: KAI-Scheduler injection, default queue "dynamo"
VLLM_DATA_PARALLEL = (0, 6, 0)  # #3595: --data-parallel-hybrid-lb launch
LWS_NEEDS_VOLCANO = (0, 6, 1)  # #3956: LWSEnabled = lws && volcano
CONFIG_OVERRIDES = (1, 0, 0)  # #6464: orchestrators.*.enabled in OperatorConfiguration
ORIGIN_VERSION_STAMP = (1, 0, 0)  # webhook stamps nvidia.com/dynamo-operator-origin-version
VLLM_MP_ORIGIN = (1, 0, 0)  # #6191: mp launch for DGDs whose origin version is >= 1.0.0
GANG_MIN_AVAILABLE_FIX = (1, 1, 0)  # #7905: worker clique minAvailable = nodeCount-1 (#7811)
WAIT_FOR_LEADER_INIT = (1, 1, 0)  # #7954: wait-for-leader-mp init container + ConfigMap
NORMALISED_VLLM_FLAGS = (1, 2, 0)  # newer main: --flag=v, -tp, underscores, last wins
WORKLOAD_PROVIDER = (1, 2, 0)  # newer main: durable nvidia.com/workload-provider stamped at create

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse(version: str | None) -> tuple[int, int, int, bool] | None:
    """Parse a semver-ish string into (major, minor, patch, is_prerelease); None if not semver."""
    if not version:
        return None
    m = _SEMVER.match(version.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4) is not None


def at_least(version: str | None, gate: tuple[int, int, int]) -> bool:
    """True when `version` is >= gate. Pre-releases sort below their release (1.0.0-dev < 1.0.0),
    as in the operator's semver comparison. An unknown version counts as the newest known line."""
    parsed = parse(version) or parse(NEWEST_KNOWN)
    assert parsed is not None
    core, pre = parsed[:3], parsed[3]
    if core != gate:
        return core > gate
    return not pre


def is_semver(version: str) -> bool:
    return parse(version) is not None
