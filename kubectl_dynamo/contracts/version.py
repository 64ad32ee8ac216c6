"""The result of version, in kubectl's shape: `{clientVersion, serverVersion, operatorVersion}`
(the last two only without --client). `operator_error` is for stderr, never part of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ServerVersions:
    """The cluster part of `version`: the server's /version as it answers it, and the Dynamo
    operator (version, namespace, deployment, image, available) or None when there is none."""

    server: dict[str, Any]
    operator: dict[str, Any] | None = None
    operator_error: str | None = None  # why the operator could not be looked for (stderr, not data)


@dataclass
class VersionResult:
    client: dict[str, str]
    server: ServerVersions | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"clientVersion": self.client}
        if self.server is not None:
            data["serverVersion"] = self.server.server
            data["operatorVersion"] = self.server.operator
        return data
