"""doctor's report as printed: the table, -o wide and -o json of two scenes, compared with golden
files in tests/unit/golden (UPDATE_GOLDEN=1 rewrites them). The checks themselves are pinned one by
one in test_doctor_checks.py; these pin how a whole report reads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kubectl_dynamo.checks.doctor import DoctorInput, report
from kubectl_dynamo.cli.doctor_cmd import DoctorOptions
from kubectl_dynamo.cli.options import GlobalOptions
from tests import golden

from .test_doctor_checks import access, facts
from .test_inventory import node, pod

GOLDEN = Path(__file__).parent / "golden"


def _ready() -> DoctorInput:
    """Grove + KAI with operator 1.1.0, three H100 nodes (one cordoned, one with RDMA and a clique)."""
    nodes = [node("gpu-a", rdma__ib="4", labels={"nvidia.com/gpu.clique": "0f3c.1"}), node("gpu-b"),
             node("gpu-c", cordoned=True)]
    return DoctorInput(facts(nodes=nodes, pods=[pod("gpu-a", 8), pod("gpu-b", 2)]), access())


def _broken() -> DoctorInput:
    """No orchestrator API at all, the default KAI queue missing, permissions partly denied."""
    return DoctorInput(facts(("dynamo",), kai_queues=None, nodes=[node("gpu-a", 4)], pods=None),
                       access("list nodes", "create dynamographdeployments"))


SCENES = {"ready": _ready, "broken": _broken}


@pytest.mark.parametrize("fmt", ["table", "wide", "json"])
@pytest.mark.parametrize("scene", list(SCENES))
def test_golden_doctor_report(scene, fmt):
    result = report(SCENES[scene]())
    # the printer doctor's own complete() resolves, so this is what the command prints
    out = io.StringIO()
    opts = DoctorOptions(False, fmt, GlobalOptions(color="never"), out, io.StringIO())
    opts.complete()
    assert opts.printer is not None
    opts.printer(result, out)
    golden.assert_golden(GOLDEN / f"doctor-{scene}.{'json' if fmt == 'json' else fmt + '.txt'}", out.getvalue())
