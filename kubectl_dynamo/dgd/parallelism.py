"""Engine parallelism (TP, PP, DP) read from a service's command line, per backend.

vLLM is read twice: the strict way the operator <= 1.1 reads it (backend_vllm.go getFlagValue:
Args only, whitespace split, first exact `--flag <number>`, else 1) and the normalised way newer
operators read it (normalizeVLLMFlags: Command+Args, `--flag=v`, short aliases, underscores, last
occurrence wins; gates.NORMALISED_VLLM_FLAGS). When they differ the plugin warns (FLAG_SPELLING).
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, field
from typing import Any

from kubectl_dynamo.dgd.fields import ascii_int
from kubectl_dynamo.dgd.model import Service


@dataclass(frozen=True)
class Parallelism:
    tp: int = 1
    pp: int = 1
    dp: int = 1
    dp_given: bool = False  # --data-parallel-size / --dp was on the command line

    @property
    def world(self) -> int:
        """TP x PP: the GPUs one engine instance spans (getWorldSize)."""
        return self.tp * self.pp

    def to_dict(self) -> dict:
        return {"tp": self.tp, "pp": self.pp, "dp": self.dp}


@dataclass
class ParallelismReading:
    """What one backend's parser made of a service."""

    value: Parallelism | None  # None: could not be determined (e.g. TRT-LLM ConfigMap not in input)
    engine_gpus: int | None  # the GPU world the engine expects across a replica
    source: str  # "flags", "configmap <name> key <key>", "defaults", ...
    strict: Parallelism | None = None  # vLLM: operator <= 1.1 reading
    normalised: Parallelism | None = None  # vLLM: newer reading
    spelled: list[str] = field(default_factory=list)  # flag spellings the strict reading misses
    invalid: list[str] = field(default_factory=list)  # non-positive or unparseable values
    note: str | None = None


# --- tokenising -----------------------------------------------------------------------------

_SHELL_OPS = (";", "&&", "||", "|", "&")


def tokens(command: list[str], args: list[str]) -> list[str]:
    """Command+Args split like a shell would, so `sh -c "python3 -m dynamo.vllm --tp 8"` is read
    too. Unbalanced quotes fall back to a whitespace split."""
    out: list[str] = []
    for part in command + args:
        try:
            out.extend(shlex.split(part))
        except ValueError:
            out.extend(part.split())
    return out


def _strip_ops(value: str) -> str:
    changed = True
    while changed:
        changed = False
        for op in _SHELL_OPS:
            if value.endswith(op) and len(value) > len(op):
                value, changed = value[: -len(op)], True
    return value


def _positive(value: str | None) -> int | None:
    if value is None:
        return None
    n = ascii_int(value.strip())  # ASCII digits only (issue 10): "٨" is no 8, "²" no ValueError
    return n if n is not None and n > 0 else None


def last_flag_value(toks: list[str], names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Normalised reading: `--name v` or `--name=v` for any alias, last occurrence wins.
    Returns (raw value, spelling used)."""
    found: tuple[str | None, str | None] = (None, None)
    for i, tok in enumerate(toks):
        for name in names:
            if tok == name and i + 1 < len(toks):
                found = (_strip_ops(toks[i + 1]), name)
            elif tok.startswith(name + "="):
                found = (_strip_ops(tok[len(name) + 1 :]), name + "=")
    return found


def _underscored(names: tuple[str, ...]) -> tuple[str, ...]:
    return names + tuple("--" + n[2:].replace("-", "_") for n in names if n.startswith("--") and "-" in n[2:])


# --- vLLM --------------------------------------------------------------------------------------

VLLM_TP = "--tensor-parallel-size"
VLLM_PP = "--pipeline-parallel-size"
VLLM_DP = "--data-parallel-size"
_VLLM_ALIASES = {
    VLLM_TP: _underscored((VLLM_TP, "-tp")),
    VLLM_PP: _underscored((VLLM_PP, "-pp")),
    VLLM_DP: _underscored((VLLM_DP, "-dp")),
}


def _go_int(value: str) -> int | None:
    """strconv.ParseInt(value, 10, 64): an optional sign and ASCII decimal digits."""
    sign, digits = (value[0], value[1:]) if value[:1] in ("+", "-") else ("", value)
    n = ascii_int(digits)
    return None if n is None else (-n if sign == "-" else n)


def strict_vllm_flag(args: list[str], flag: str) -> str | None:
    """getFlagValue in operator <= 1.1 (and up to the normalised reader): Args joined and split
    on whitespace; the token after an exact match of the flag, skipping an occurrence whose value
    is not a number and using the next one; None when there is none (the operator then uses 1)."""
    toks = " ".join(args).split()
    for i, tok in enumerate(toks):
        if tok == flag and i + 1 < len(toks) and _go_int(toks[i + 1]) is not None:
            return toks[i + 1]
    return None


def strict_has_flag(args: list[str], flag: str) -> bool:
    """hasFlag: the exact flag token is present, whatever follows it."""
    return flag in " ".join(args).split()


def read_vllm(svc: Service) -> ParallelismReading:
    invalid: list[str] = []

    def strict_int(flag: str) -> int:
        raw = strict_vllm_flag(svc.args, flag)
        if raw is None:
            return 1
        n = _go_int(raw)
        if n is None or n <= 0:
            invalid.append(f"{flag} {raw}")
            return 1
        return n

    strict = Parallelism(
        tp=strict_int(VLLM_TP),
        pp=strict_int(VLLM_PP),
        dp=strict_int(VLLM_DP),
        dp_given=strict_has_flag(svc.args, VLLM_DP),
    )
    toks = tokens(svc.command, svc.args)
    values: dict[str, int] = {}
    spelled: list[str] = []
    dp_given = False
    for flag, aliases in _VLLM_ALIASES.items():
        raw, spelling = last_flag_value(toks, aliases)
        if raw is None:
            values[flag] = 1
            continue
        if flag == VLLM_DP:
            dp_given = True
        n = _positive(raw)
        if n is None:
            if f"{flag} {raw}" not in invalid:
                invalid.append(f"{spelling} {raw}".replace("= ", "="))
            values[flag] = 1
        else:
            values[flag] = n
        if spelling and spelling != flag:
            spelled.append(f"{spelling.rstrip('=')}{'=' if spelling.endswith('=') else ' '}{raw}")
    normalised = Parallelism(tp=values[VLLM_TP], pp=values[VLLM_PP], dp=values[VLLM_DP], dp_given=dp_given)
    if strict != normalised:
        spelled += _why_readings_differ(svc)
    return ParallelismReading(
        value=normalised,
        engine_gpus=normalised.tp * normalised.pp * normalised.dp,
        source="flags",
        strict=strict,
        normalised=normalised,
        spelled=spelled if strict != normalised else [],
        invalid=invalid,
    )


def _why_readings_differ(svc: Service) -> list[str]:
    """Placements the strict reader misses besides alias spellings: flags in Command, and
    repeated flags (strict takes the first, normalised the last)."""
    out: list[str] = []
    cmd, args = tokens(svc.command, []), tokens([], svc.args)
    for flag, aliases in _VLLM_ALIASES.items():
        def hits(toks: list[str], aliases: tuple[str, ...] = aliases) -> int:
            return sum(1 for t in toks for a in aliases if t == a or t.startswith(a + "="))
        if hits(cmd):
            out.append(f"{flag} in command")
        if hits(args) > 1:
            out.append(f"{flag} given {hits(args)} times")
    return out


# --- SGLang ------------------------------------------------------------------------------------

# The profiler's SGLang modifier treats these as aliases; the operator parses none of them.
_SGLANG_TP = ("--tp", "--tp-size", "--tensor-parallel-size")
_SGLANG_PP = ("--pp", "--pp-size", "--pipeline-parallel-size")
_SGLANG_DP = ("--dp", "--dp-size", "--data-parallel-size")


def read_sglang(svc: Service) -> ParallelismReading:
    toks = tokens(svc.command, svc.args)
    invalid: list[str] = []

    def read(names: tuple[str, ...]) -> tuple[int, bool]:
        raw, spelling = last_flag_value(toks, names)
        if raw is None:
            return 1, False
        n = _positive(raw)
        if n is None:
            invalid.append(f"{spelling} {raw}")
            return 1, True
        return n, True

    tp, _ = read(_SGLANG_TP)
    pp, _ = read(_SGLANG_PP)
    dp, dp_given = read(_SGLANG_DP)
    value = Parallelism(tp=tp, pp=pp, dp=dp, dp_given=dp_given)
    # SGLang data parallelism with --enable-dp-attention lives inside the TP group, so the GPU
    # world of one engine is TP x PP either way.
    return ParallelismReading(value=value, engine_gpus=tp * pp, source="flags", invalid=invalid)


# --- TensorRT-LLM ------------------------------------------------------------------------------

_TRTLLM_TP = ("--trtllm.tensor_parallel_size", "--trtllm.tensor-parallel-size", "--tensor-parallel-size", "--tp-size")
_TRTLLM_PP = ("--trtllm.pipeline_parallel_size", "--trtllm.pipeline-parallel-size", "--pipeline-parallel-size", "--pp-size")
_EXTRA_ENGINE_ARGS = ("--extra-engine-args", "--extra_engine_args")


def engine_config_ref(svc: Service) -> tuple[str | None, str | None, str | None]:
    """Follow `--extra-engine-args FILE` through the main container's volume mount to a ConfigMap
    volume. Returns (file path, ConfigMap name, key); parts that cannot be resolved are None."""
    path, _ = last_flag_value(tokens(svc.command, svc.args), _EXTRA_ENGINE_ARGS)
    if not path:
        return None, None, None
    best: dict | None = None
    for mount in svc.volume_mounts:
        mp = str(mount.get("mountPath") or "")
        if not mp:
            continue
        if mount.get("subPath") and path == mp.rstrip("/"):
            best = mount
            break
        prefix = mp.rstrip("/") + "/"
        if path.startswith(prefix) and (best is None or len(mp) > len(str(best.get("mountPath")))):
            best = mount
    if best is None:
        return path, None, None
    volume = next((v for v in svc.volumes if v.get("name") == best.get("name")), None)
    cm = (volume or {}).get("configMap")
    if not isinstance(cm, dict) or not cm.get("name"):
        return path, None, None
    if best.get("subPath") and path == str(best.get("mountPath")).rstrip("/"):
        rel = str(best.get("subPath"))
    else:
        rel = posixpath.relpath(path, str(best.get("mountPath")))
    key = rel
    for item in cm.get("items") or []:  # items remap keys to paths
        if isinstance(item, dict) and item.get("path") == rel:
            key = str(item.get("key"))
    return path, str(cm["name"]), key


def _yaml_int(text: str, key: str) -> Any:
    """Top-level `key: value` from an engine YAML without importing a YAML parser for one line;
    the engine files are flat at the top level for these keys."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            value = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"")
            return value
    return None


def read_trtllm(svc: Service, configmaps: dict[str, dict[str, str]]) -> ParallelismReading:
    toks = tokens(svc.command, svc.args)
    invalid: list[str] = []
    tp_raw, _ = last_flag_value(toks, _TRTLLM_TP)
    pp_raw, _ = last_flag_value(toks, _TRTLLM_PP)
    source = "flags"
    note = None
    if tp_raw is None:
        path, cm_name, key = engine_config_ref(svc)
        if path is None:
            # no engine file and no flags: TRT-LLM defaults to TP=1, PP=1
            tp_raw, pp_raw, source = "1", pp_raw or "1", "defaults (no --extra-engine-args)"
        elif cm_name is None:
            return ParallelismReading(None, None, f"engine file {path}", note=f"--extra-engine-args {path} is not mounted from a ConfigMap")
        elif cm_name not in configmaps:
            return ParallelismReading(None, None, f"configmap {cm_name}", note=f"ConfigMap {cm_name} (key {key}) is not in the input")
        elif key not in configmaps[cm_name]:
            return ParallelismReading(None, None, f"configmap {cm_name}", note=f"ConfigMap {cm_name} has no key {key}")
        else:
            text = configmaps[cm_name][key]
            tp_raw = _yaml_int(text, "tensor_parallel_size") or "1"
            pp_raw = pp_raw or _yaml_int(text, "pipeline_parallel_size") or "1"
            source = f"configmap {cm_name} key {key}"
    tp, pp = _positive(str(tp_raw)), _positive(str(pp_raw or "1"))
    if tp is None:
        invalid.append(f"tensor_parallel_size {tp_raw}")
    if pp is None:
        invalid.append(f"pipeline_parallel_size {pp_raw}")
    value = Parallelism(tp=tp or 1, pp=pp or 1)
    return ParallelismReading(value=value, engine_gpus=value.world, source=source, invalid=invalid, note=note)


def read_parallelism(backend: str | None, svc: Service, configmaps: dict[str, dict[str, str]]) -> ParallelismReading | None:
    if backend == "vllm":
        return read_vllm(svc)
    if backend == "sglang":
        return read_sglang(svc)
    if backend == "trtllm":
        return read_trtllm(svc, configmaps)
    return None
