"""`kubectl dynamo version` as text, in kubectl's words:

    Client Version: v0.1.0
    Server Version: v1.32.2
    Dynamo Operator Version: 1.1.0 (dynamo-system/dynamo-platform-dynamo-operator-controller-manager)
"""

from __future__ import annotations

from typing import TextIO

from kubectl_dynamo.contracts.version import VersionResult
from kubectl_dynamo.report.color import PLAIN, Palette


def render_version(result: VersionResult, out: TextIO, palette: Palette = PLAIN) -> None:
    """The client's version and, unless --client, the server's and the operator's (`not found`
    when there is none; `unknown` when it could not be looked for)."""
    out.write(f"Client Version: {result.client['gitVersion']}\n")
    server = result.server
    if server is None:
        return
    out.write(f"Server Version: {server.server.get('gitVersion', 'unknown')}\n")
    op = server.operator
    text = f"{op.get('version') or 'unknown'} ({op['namespace']}/{op['deployment']})" if op else (
        "unknown" if server.operator_error else "not found")
    out.write(f"Dynamo Operator Version: {text}\n")
