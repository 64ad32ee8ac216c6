"""Every bound the plugin puts on what it reads, named in one place (issue 10: hostile input must
get a clear message, never unbounded time or memory).

Each limit is far above anything a real manifest needs (the figures say how far), so a user only
meets one when the input is broken or built to hurt.
"""

from __future__ import annotations

# --- -f input ------------------------------------------------------------------------------------

# All sources of one command together. The API server refuses requests over 3 MiB and etcd stores
# objects of at most 1.5 MiB; the largest real CRD file in ../shared/crds is 1.5 MB. 16 MiB of YAML
# parses in well under a second with libyaml.
MAX_INPUT_BYTES = 16 * 1024 * 1024

# Nesting of mappings and sequences, counted after alias expansion. Real manifests and the upstream
# CRDs' OpenAPI schemas nest at most 39 deep; PyYAML's constructor recurses once per level, so the
# bound also keeps it clear of Python's recursion limit. (go-yaml, which kubectl uses, stops at
# 10000 with "exceeded max depth".)
MAX_DEPTH = 100

# Alias expansion, as go-yaml (kubectl's YAML reader) bounds it: once a document decodes to more
# than ALIAS_MIN_NODES nodes with more than ALIAS_MIN_ALIASES aliases, the share of nodes that come
# from alias expansion may be at most 99% for documents up to ALIAS_RATIO_LOW nodes, falling
# linearly to 10% at ALIAS_RATIO_HIGH. A billion-laughs document is refused at once with kubectl's
# own words, "document contains excessive aliasing"; ordinary anchors (a shared env list) pass.
ALIAS_MIN_ALIASES = 100
ALIAS_MIN_NODES = 1000
ALIAS_RATIO_LOW = 400_000
ALIAS_RATIO_HIGH = 4_000_000

# An integer literal longer than this is no Kubernetes number (int64 has 19 digits); Python's int()
# refuses more than 4300 digits with a ValueError, so the reader stops well before that.
MAX_INT_DIGITS = 100

# --- answers from the API server ------------------------------------------------------------------

# One response body. Lists are paginated at 500 items, so even a pod page of a large cluster is a few
# MiB; a server (or something in between) that sends more is not answering a Kubernetes request.
MAX_RESPONSE_BYTES = 128 * 1024 * 1024

# --- values checked as the API server checks them ------------------------------------------------

# Kubernetes' documented scalability limits ("Considerations for large clusters"): no cluster runs a
# DGD beyond them, and explain lists objects per replica and packs every pod onto the free GPUs, so
# these bound its work too (replicas and nodeCount are int32: 2^31 replicas would never finish).
MAX_CLUSTER_NODES = 5000
MAX_CLUSTER_PODS = 150_000

INT32_MAX = 2**31 - 1  # replicas, nodeCount and every other int32 field of the CRDs
DNS1123_LABEL_MAX = 63  # metadata.name of objects that become pod/service names, label values
DNS1123_SUBDOMAIN_MAX = 253


def alias_share_allowed(nodes: int) -> float:
    """go-yaml's allowedAliasRatio(decodeCount)."""
    if nodes <= ALIAS_RATIO_LOW:
        return 0.99
    if nodes >= ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (nodes - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW)


def excessive_aliasing(nodes: int, aliases: int) -> bool:
    """True when a document that decodes to `nodes` nodes, `aliases` of them alias references
    (both counted with every alias expanded), is refused."""
    return aliases > ALIAS_MIN_ALIASES and nodes > ALIAS_MIN_NODES and aliases / nodes > alias_share_allowed(nodes)


def human_bytes(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n} bytes"
