"""What the operator can do on a cluster, resolved exactly like the operator resolves it at start-up
(deploy/operator/cmd/main.go, reference/dynamo-operator.md §1.2).

Detection is API-group presence via discovery; the operator configuration
`orchestrators.{grove,lws,kaiScheduler}.enabled` overrides it: unset = auto-detect, false = off
whatever is installed, true = on (the operator exits when the API is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd import versions

GROUP_GROVE = "grove.io"
GROUP_LWS = "leaderworkerset.x-k8s.io"
GROUP_VOLCANO = "scheduling.volcano.sh"
GROUP_KAI = "scheduling.run.ai"

ASSUME_WORDS = ("grove", "kai", "lws", "volcano", "none")


@dataclass
class Detected:
    """API groups served by the cluster (what the operator's discovery sees)."""

    grove: bool = False
    lws: bool = False
    volcano: bool = False
    kai: bool = False


@dataclass
class OrchestratorConfig:
    """`orchestrators.*.enabled` from the operator ConfigMap; None = unset (auto-detect)."""

    grove: bool | None = None
    lws: bool | None = None
    kai_scheduler: bool | None = None


@dataclass
class Capabilities:
    source: str  # "cluster" | "assumed"
    grove: bool  # GroveEnabled
    lws: bool  # LWSEnabled (LWS && Volcano in auto mode, operator >= 0.6.1)
    volcano: bool  # Volcano API present
    kai_scheduler: bool  # KaiSchedulerEnabled
    operator_version: str | None
    detected: Detected = field(default_factory=Detected)
    config: OrchestratorConfig = field(default_factory=OrchestratorConfig)
    version_assumed: bool = False  # operator_version is the mirrored default, not read
    version_source: str = "operator"  # operator (image tag) | flag (--operator-version) | mirrored (default)
    queues: set[str] | None = None  # KAI queues that exist; None = unknown (offline)
    restart_needed: list[str] = field(default_factory=list)  # APIs that appeared after operator start
    problems: list[str] = field(default_factory=list)  # e.g. config true but API missing (operator exits)
    reasons: dict[str, str] = field(default_factory=dict)  # one sentence per capability
    # free GPUs on each schedulable node (cluster only), for "do nodeCount nodes fit now?"
    free_gpus_per_node: list[int] | None = None

    @property
    def mirrored_version(self) -> str:
        return self.operator_version or versions.NEWEST_KNOWN

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "grove": self.grove,
            "lws": self.lws,
            "volcano": self.volcano,
            "kaiScheduler": self.kai_scheduler,
            "operatorVersion": self.operator_version,
            "detected": {
                "grove": self.detected.grove,
                "lws": self.detected.lws,
                "volcano": self.detected.volcano,
                "kaiScheduler": self.detected.kai,
            },
            "config": {
                "grove": self.config.grove,
                "lws": self.config.lws,
                "kaiScheduler": self.config.kai_scheduler,
            },
            "restartNeeded": list(self.restart_needed),
        }


def resolve(
    detected: Detected,
    config: OrchestratorConfig | None,
    operator_version: str | None,
    source: str = "cluster",
    version_assumed: bool = False,
) -> Capabilities:
    """Resolve GroveEnabled / LWSEnabled / KaiSchedulerEnabled from API groups and configuration."""
    config = config or OrchestratorConfig()
    version = operator_version or versions.NEWEST_KNOWN
    has_overrides = versions.at_least(version, versions.CONFIG_OVERRIDES)
    # before 1.0 everything was pure auto-detect: the configuration had no orchestrator overrides
    config_used = config if has_overrides else OrchestratorConfig()
    problems: list[str] = []
    reasons: dict[str, str] = {}

    def decide(name: str, configured: bool | None, available: bool, what: str, supported: bool) -> bool:
        if not supported:
            reasons[name] = f"operator {version} predates {name} support"
            return False
        if configured is None:
            reasons[name] = f"{what} {'served' if available else 'not served'}; orchestrators.{name}.enabled unset (auto-detect)"
            return available
        if configured is False:
            reasons[name] = f"orchestrators.{name}.enabled=false forces it off" + (f" although {what} is served" if available else "")
            return False
        if not available:
            problems.append(f"orchestrators.{name}.enabled=true but {what} is not served: the operator exits at start-up")
        reasons[name] = f"orchestrators.{name}.enabled=true"
        return available

    grove = decide("grove", config_used.grove, detected.grove, f"API group {GROUP_GROVE}",
                   versions.at_least(version, versions.GROVE_SUPPORT))
    needs_volcano = versions.at_least(version, versions.LWS_NEEDS_VOLCANO)
    lws_available = detected.lws and (detected.volcano or not needs_volcano)
    what = f"API groups {GROUP_LWS} + {GROUP_VOLCANO}" if needs_volcano else f"API group {GROUP_LWS}"
    lws = decide("lws", config_used.lws, lws_available, what, True)
    if needs_volcano and detected.lws and not detected.volcano and config_used.lws is not False:
        reasons["lws"] = f"{GROUP_LWS} is served but {GROUP_VOLCANO} is not: the operator needs both for LWS"
    kai = decide("kaiScheduler", config_used.kai_scheduler, detected.kai, f"API group {GROUP_KAI}",
                 versions.at_least(version, versions.KAI_SUPPORT))
    return Capabilities(
        source=source,
        grove=grove,
        lws=lws,
        volcano=detected.volcano,
        kai_scheduler=kai,
        operator_version=version,
        detected=detected,
        config=config,
        version_assumed=version_assumed,
        problems=problems,
        reasons=reasons,
    )


def parse_assume(value: str) -> Detected:
    """`--assume grove,kai` -> the named APIs installed (operator configuration on auto-detect).
    Raises ValueError naming the bad word."""
    words = [w.strip().lower() for w in value.split(",") if w.strip()]
    if not words:
        raise ValueError(f"--assume needs a comma-separated subset of {', '.join(ASSUME_WORDS)}")
    bad = [w for w in words if w not in ASSUME_WORDS]
    if bad:
        raise ValueError(f"--assume: unknown capability {bad[0]!r} (allowed: {', '.join(ASSUME_WORDS)})")
    if "none" in words and len(words) > 1:
        raise ValueError("--assume: 'none' cannot be combined with other capabilities")
    return Detected(grove="grove" in words, lws="lws" in words, volcano="volcano" in words, kai="kai" in words)


def assumed(value: str, operator_version: str | None) -> Capabilities:
    caps = resolve(
        parse_assume(value),
        None,
        operator_version or versions.NEWEST_KNOWN,
        source="assumed",
        version_assumed=operator_version is None,
    )
    caps.version_source = "mirrored" if operator_version is None else "flag"
    return caps
