"""Operator versions and release lines: parsing, comparison, and which line a version belongs to.

The behaviour changes themselves, each gated at the release that introduced it, are the table in
dgd/gates.py; this module only knows how versions compare.
"""

from __future__ import annotations

import re

# The release lines whose rules the plugin mirrors (reference/compatibility.md §0: 1.0 ... 1.6).
LINES = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6")
NEWEST_LINE = LINES[-1]
# The newest release of the newest mirrored line (ai-dynamo 1.6.1, October 2026). Offline explain,
# validate and init mirror it unless --operator-version says otherwise.
NEWEST_KNOWN = "1.6.1"

_SEMVER = re.compile(r"^[vV]?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse(version: str | None) -> tuple[int, int, int, bool] | None:
    """Parse a semver-ish string into (major, minor, patch, is_prerelease); None if not semver."""
    if not version:
        return None
    m = _SEMVER.match(version.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4) is not None


def at_least(version: str | None, gate: tuple[int, int, int]) -> bool:
    """True when `version` is >= gate. Pre-releases sort below their release (1.0.0-dev < 1.0.0),
    as in the operator's semver comparison. An unknown version counts as the newest known line."""
    parsed = parse(version) or parse(NEWEST_KNOWN)
    assert parsed is not None
    core, pre = parsed[:3], parsed[3]
    if core != gate:
        return core > gate
    return not pre


def is_semver(version: str) -> bool:
    return parse(version) is not None


def core(version: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a version string; raises ValueError when it is not one."""
    parsed = parse(version)
    if parsed is None:
        raise ValueError(f"{version!r} is not a version")
    return parsed[:3]


def line_of(version: str | None) -> str:
    """The release line ("1.5") of a version; an unknown version is the newest mirrored line."""
    parsed = parse(version) or parse(NEWEST_KNOWN)
    assert parsed is not None
    return f"{parsed[0]}.{parsed[1]}"


def newer_than_mirrored(version: str | None) -> bool:
    """True when `version` belongs to a line after the newest the plugin mirrors (1.7.0, 2.0.0).
    Its rules are the newest line's; explain and doctor say so instead of falling back silently."""
    parsed = parse(version)
    if parsed is None:
        return False
    newest = core(NEWEST_LINE + ".0")
    return (parsed[0], parsed[1]) > (newest[0], newest[1])


def older_than_mirrored(version: str | None) -> bool:
    """True for operators before the oldest mirrored line (0.x): their rules are gated back as far
    as the reference knows, with less certainty."""
    parsed = parse(version)
    return parsed is not None and (parsed[0], parsed[1]) < core(LINES[0] + ".0")[:2]


# runtimeversion.Normalize: what an image tag (or runtimeVersionOverride) must look like to give
# newer operators the component's runtime version
_RUNTIME_VERSION = re.compile(r"^[vV]?[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?(?:\+[0-9A-Za-z][0-9A-Za-z.-]*)?$")


def image_tag(image: str) -> str:
    """The tag of an image reference ("" when it has none; a digest is not a tag)."""
    ref = image.strip().split("@", 1)[0]
    slash, colon = ref.rfind("/"), ref.rfind(":")
    return ref[colon + 1:] if colon > slash else ""


def image_runtime_version(image: str | None) -> str | None:
    """The runtime version an operator reads from the image tag (runtimeversion.ParseImageVersion),
    None when the tag is missing or not a version."""
    tag = image_tag(image or "")
    return tag if _RUNTIME_VERSION.match(tag) else None
