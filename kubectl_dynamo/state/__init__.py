"""Pure readings of live objects: plain dicts (as the API server returns them) in, dataclasses out.

Everything that interprets what a cluster holds lives here: the DGD's status and children (get,
describe, `apply --wait` progress), pods and their placement, why anything is pending, the
controllers among the Deployments, the GPU inventory of the nodes, discovery, access reviews and
the survey's facts for doctor and explain. Nothing here talks to a cluster (cluster/ does the
reading), imports the kubernetes client, click, cli/ or report/, so every reading is a unit test
(tests/unit/test_boundaries.py holds the arrows).
"""
