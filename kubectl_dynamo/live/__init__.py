"""Interpretation of live objects for `get` and `describe`: plain dicts (as the API server returns
them) in, dataclasses out. Nothing here talks to a cluster, so every reading is a unit test."""
