"""Kubernetes resource quantities (`8`, `1.5k`, `1e3`, `100m`, `2Gi`) as numbers.

The grammar of apimachinery's resource.Quantity: a signed decimal number, then a binary suffix
(Ki Mi Gi Ti Pi Ei), a decimal suffix (m, k, M, G, T, P, E, or none) or a decimal exponent
(e/E and a signed integer). Read here rather than with kubernetes.utils.parse_quantity because
state/ is pure (the client is imported by cluster/ only, and costs ~0.5 s); a test checks both
agree on every form.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([KMGTPE]i)|([eE][+-]?\d+)|([mkMGTPE]?))")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(value: Any) -> Decimal | None:
    """The quantity's value, or None when `value` is not a quantity (an int or float is taken as is)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.fullmatch(value.strip())
    if m is None:
        return None
    number, binary, exponent, decimal = m.groups()
    try:
        n = Decimal(number)
        if binary:
            return n * (Decimal(1024) ** _BINARY[binary])
        if exponent:
            return n.scaleb(int(exponent[1:]))
        return n.scaleb(_DECIMAL[decimal or ""])
    except InvalidOperation:
        return None


def whole(value: Any) -> int:
    """A count (GPUs, RDMA devices): the quantity's whole part; 0 when absent, negative or not a
    quantity. Extended resources are whole numbers, so nothing real is cut off."""
    q = parse_quantity(value)
    return max(0, int(q)) if q is not None else 0
