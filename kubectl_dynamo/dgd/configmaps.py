"""The ConfigMaps a DGD needs read before its engine parallelism can be judged: TRT-LLM takes
tensor_parallel_size and pipeline_parallel_size from the file `--extra-engine-args` names, which a
volume mount of the main container maps to a ConfigMap key (SPEC "Reading DGDs").

explain, get -o wide and describe all ask this one function which ConfigMaps to read, so the three
cannot disagree about a name again (issue 12: get and describe took the file path for the name).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.dgd.model import Graph
from kubectl_dynamo.dgd.parallelism import engine_config_ref


@dataclass(frozen=True)
class EngineConfigMap:
    """One ConfigMap key a service's engine settings come from. A frozen dataclass, not a tuple:
    the ConfigMap's name cannot be mistaken for the file path or the key."""

    name: str  # the ConfigMap (metadata.name, in the DGD's namespace)
    key: str  # the data key the engine file is
    service: str  # the service whose --extra-engine-args names it
    path: str  # the file path --extra-engine-args gives


def engine_configmaps(graph: Graph) -> tuple[EngineConfigMap, ...]:
    """Every engine ConfigMap key the DGD's services mount for `--extra-engine-args`, in service
    order; a file that is not mounted from a ConfigMap needs none."""
    out = []
    for svc in graph.services:
        path, name, key = engine_config_ref(svc)
        if path is not None and name is not None and key is not None:
            out.append(EngineConfigMap(name=name, key=key, service=svc.name, path=path))
    return tuple(out)


def configmap_names(graph: Graph) -> list[str]:
    """The names of the ConfigMaps to read for `graph`, sorted, each once."""
    return sorted({cm.name for cm in engine_configmaps(graph)})
