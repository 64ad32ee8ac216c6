"""What the operator can do on a cluster, resolved exactly like the operator resolves it at start-up
(deploy/operator/cmd/main.go, reference/dynamo-operator.md §1.2, §1.7).

Detection is API-group presence via discovery; the operator configuration
`orchestrators.{grove,lws,kaiScheduler}.enabled` overrides it: unset = auto-detect, false = off
whatever is installed, true = on (the operator exits when the API is missing).
`orchestrators.volcanoScheduler.enabled` (1.4+) has no auto-detect: it is off unless set true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd import gates, versions
from kubectl_dynamo.dgd.compat import COMPONENTS, CompatFacts, ComponentVersions

GROUP_GROVE = "grove.io"
GROUP_LWS = "leaderworkerset.x-k8s.io"
GROUP_VOLCANO = "scheduling.volcano.sh"
GROUP_KAI = "scheduling.run.ai"
GROUP_DISAGGREGATED_SET = "disaggregatedset.x-k8s.io"

# --assume words: installed APIs, plus volcano-scheduler (orchestrators.volcanoScheduler.enabled=true,
# which needs the Volcano API) and disaggregatedset (the DisaggregatedSet API, shipped with LWS).
# grove, kai, lws and volcano take a version (grove@v0.1.0-alpha.13); kubernetes only with one.
ASSUME_WORDS = ("grove", "kai", "lws", "volcano", "volcano-scheduler", "disaggregatedset", "kubernetes", "none")
VERSIONED_WORDS = ("grove", "kai", "lws", "volcano", "kubernetes")


@dataclass
class Detected:
    """API groups served by the cluster (what the operator's discovery sees)."""

    grove: bool = False
    lws: bool = False
    volcano: bool = False
    kai: bool = False
    disaggregated_set: bool = False  # disaggregatedset.x-k8s.io (served by LWS >= 0.9)


@dataclass
class OrchestratorConfig:
    """`orchestrators.*.enabled` from the operator ConfigMap; None = unset (auto-detect)."""

    grove: bool | None = None
    lws: bool | None = None
    kai_scheduler: bool | None = None
    volcano_scheduler: bool | None = None  # 1.4+: Volcano on Grove; None/false = off (no auto-detect)


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
    disaggregated_set: bool = False  # the DisaggregatedSet pathway's API is usable (1.5+)
    volcano_scheduler: bool = False  # Grove cliques get schedulerName volcano (1.4+)
    component_versions: ComponentVersions = field(default_factory=ComponentVersions)
    compat: CompatFacts | None = None  # cluster facts for the version-compatibility rules (live only)

    @property
    def mirrored_version(self) -> str:
        version = self.operator_version
        return version if version is not None and versions.is_semver(version) else versions.NEWEST_KNOWN

    @property
    def rules(self) -> gates.RuleSet:
        """The rule set of the operator version mirrored."""
        return gates.RuleSet(self.mirrored_version)

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
            "disaggregatedSet": self.disaggregated_set,
            "volcanoScheduler": self.volcano_scheduler,
            "mirroredLine": versions.line_of(self.mirrored_version),
            "componentVersions": self.component_versions.to_dict(),
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
    rules = gates.RuleSet(version if versions.is_semver(version) else versions.NEWEST_KNOWN)
    has_overrides = rules.has(gates.CONFIG_OVERRIDES)
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
                   rules.has(gates.GROVE_SUPPORT))
    needs_volcano = rules.has(gates.LWS_NEEDS_VOLCANO)
    lws_available = detected.lws and (detected.volcano or not needs_volcano)
    what = f"API groups {GROUP_LWS} + {GROUP_VOLCANO}" if needs_volcano else f"API group {GROUP_LWS}"
    lws = decide("lws", config_used.lws, lws_available, what, True)
    if needs_volcano and detected.lws and not detected.volcano and config_used.lws is not False:
        reasons["lws"] = f"{GROUP_LWS} is served but {GROUP_VOLCANO} is not: the operator needs both for LWS"
    kai = decide("kaiScheduler", config_used.kai_scheduler, detected.kai, f"API group {GROUP_KAI}",
                 rules.has(gates.KAI_SUPPORT))
    volcano_scheduler = False
    if rules.has(gates.VOLCANO_ON_GROVE):
        if config_used.volcano_scheduler is True:
            volcano_scheduler = detected.volcano
            reasons["volcanoScheduler"] = "orchestrators.volcanoScheduler.enabled=true"
            if not detected.volcano:
                problems.append(f"orchestrators.volcanoScheduler.enabled=true but API group {GROUP_VOLCANO} is not served: "
                                "the operator exits at start-up")
            if kai and rules.has(gates.KAI_VOLCANO_EXCLUSIVE):
                # startup validation (#8225); the Helm chart refuses it too
                problems.append("KAI-Scheduler and the Volcano scheduler are both enabled: \"KAI-Scheduler and Volcano "
                                "scheduler integrations are mutually exclusive\"; the operator refuses to start")
        else:
            reasons["volcanoScheduler"] = "orchestrators.volcanoScheduler.enabled unset or false (no auto-detect): off"
    disaggregated_set = False
    if rules.has(gates.DISAGGREGATED_SET):
        disaggregated_set = detected.disaggregated_set and detected.lws
        reasons["disaggregatedSet"] = (f"API group {GROUP_DISAGGREGATED_SET} " + ("served" if detected.disaggregated_set else "not served")
                                       + ("" if detected.lws or not detected.disaggregated_set else f", {GROUP_LWS} not served"))
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
        disaggregated_set=disaggregated_set,
        volcano_scheduler=volcano_scheduler,
    )


@dataclass
class Assumption:
    """What `--assume` says: APIs installed, the configuration it implies, component versions."""

    detected: Detected
    config: OrchestratorConfig
    component_versions: ComponentVersions


def parse_assume(value: str) -> Detected:
    """`--assume grove,kai` -> the named APIs installed. Raises ValueError naming the bad word."""
    return parse_assumption(value).detected


def parse_assumption(value: str) -> Assumption:
    """`--assume grove@v0.1.0-alpha.13,kai@v0.17.0,lws` -> APIs, configuration and versions.
    Raises ValueError naming the bad word."""
    words: list[tuple[str, str | None]] = []
    for raw in value.split(","):
        word, at, version = raw.strip().partition("@")
        word = word.strip().lower()
        if not word and not at:
            continue
        words.append((word, version.strip() if at else None))
    if not words:
        raise ValueError(f"--assume needs a comma-separated subset of {', '.join(ASSUME_WORDS)}")
    bad = [w for w, _ in words if w not in ASSUME_WORDS]
    if bad:
        raise ValueError(f"--assume: unknown capability {bad[0]!r} (allowed: {', '.join(ASSUME_WORDS)})")
    names = {w for w, _ in words}
    if "none" in names and len(words) > 1:
        raise ValueError("--assume: 'none' cannot be combined with other capabilities")
    found: dict[str, str] = {}
    for word, given in words:
        if given is None:
            if word == "kubernetes":
                raise ValueError("--assume: kubernetes needs a version, e.g. kubernetes@1.34.2")
            continue
        if word not in VERSIONED_WORDS:
            raise ValueError(f"--assume: {word!r} takes no version (versions go on {', '.join(VERSIONED_WORDS)})")
        if not versions.is_semver(given):
            raise ValueError(f"--assume: {word}@{given!r} is not a version like v0.17.0 or v0.1.0-alpha.13")
        if found.get(word, given) != given:
            raise ValueError(f"--assume: {word} is given two versions ({found[word]} and {given})")
        found[word] = given
    detected = Detected(grove="grove" in names, lws="lws" in names or "disaggregatedset" in names,
                        volcano="volcano" in names or "volcano-scheduler" in names, kai="kai" in names,
                        disaggregated_set="disaggregatedset" in names)
    config = OrchestratorConfig(volcano_scheduler=True if "volcano-scheduler" in names else None)
    assert set(found) <= set(COMPONENTS)
    return Assumption(detected, config, ComponentVersions(**found))


def assumed(value: str, operator_version: str | None) -> Capabilities:
    assumption = parse_assumption(value)
    caps = resolve(
        assumption.detected,
        assumption.config,
        operator_version or versions.NEWEST_KNOWN,
        source="assumed",
        version_assumed=operator_version is None,
    )
    caps.version_source = "mirrored" if operator_version is None else "flag"
    caps.component_versions = assumption.component_versions
    caps.component_versions.operator = caps.mirrored_version
    return caps
