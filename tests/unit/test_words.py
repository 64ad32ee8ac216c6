"""words.plural: the one way counts are worded (doctor, describe, validate, apply, explain)."""

from __future__ import annotations

import pytest

from kubectl_dynamo.words import plural


@pytest.mark.parametrize("n, word, many, text", [
    (0, "node", None, "0 nodes"), (1, "node", None, "1 node"), (2, "GPU node", None, "2 GPU nodes"),
    (1, "warning", None, "1 warning"), (3, "DynamoGraphDeployment", None, "3 DynamoGraphDeployments"),
    (2, "is", "are", "2 are"),
])
def test_plural(n, word, many, text):
    assert plural(n, word, many) == text
