"""Shell words for comparing command lines by meaning rather than by quoting style.

Two renderings of a command are the same when a shell would run the same thing: the operator
quotes with Go's strconv.Quote style ("..."), explain with POSIX single quotes, and both are fine as
long as the words and their expansions agree. So:

* ``$(NAME)`` (a valid variable name) is expanded by the kubelet before any shell sees the
  command, whatever the quoting: it becomes the marker ``⟨NAME⟩`` on both sides;
* a ``$`` the shell would expand (unquoted or in double quotes: ``$HOME``, ``$((...))``, ``$(...)``)
  is kept as ``$``; one it would not (in single quotes, or escaped) becomes ``\\$``, so a single-quoted
  ``'$HOME'`` and a double-quoted ``"$HOME"`` differ, as they do when the shell runs them;
* command substitutions and arithmetic (``$(...)``, ``$((...))``) stay one word, spaces included;
* placeholders explain writes for steps it abbreviates (``<install the /ssh-pk key into $HOME/.ssh>``)
  become the single word ``…``, which :func:`match` lets stand for one or more words.
"""

from __future__ import annotations

import re
import shlex

KUBELET_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
PLACEHOLDER = re.compile(r"<[a-z][^<>]*>")
ANY = "…"
SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash")


def _kubelet(s: str) -> str:
    return KUBELET_VAR.sub(lambda m: f"⟨{m.group(1)}⟩", s)


def words(script: str) -> list[str]:
    """The words of a shell script, with the expansion markers described above."""
    s = _kubelet(script)
    out: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch in " \t\n":
            if in_word:
                out.append("".join(cur))
                cur, in_word = [], False
            i += 1
            continue
        in_word = True
        if ch == "'":
            j = s.index("'", i + 1) if "'" in s[i + 1:] else n
            cur.append(s[i + 1:j].replace("$", "\\$"))
            i = j + 1
        elif ch == '"':
            i += 1
            while i < n and s[i] != '"':
                if s[i] == "\\" and i + 1 < n and s[i + 1] in '"\\$`':
                    cur.append("\\$" if s[i + 1] == "$" else s[i + 1])
                    i += 2
                elif s[i] == "$" and s.startswith("$(", i):
                    j = _closing(s, i + 1)
                    cur.append(s[i:j])
                    i = j
                else:
                    cur.append(s[i])
                    i += 1
            i += 1
        elif ch == "\\" and i + 1 < n:
            cur.append("\\$" if s[i + 1] == "$" else s[i + 1])
            i += 2
        elif ch == "$" and s.startswith("$(", i):
            j = _closing(s, i + 1)
            cur.append(s[i:j])
            i = j
        else:
            cur.append(ch)
            i += 1
    if in_word:
        out.append("".join(cur))
    return out


def _closing(s: str, open_at: int) -> int:
    """Index just past the parenthesis matching the one at ``open_at`` (quotes respected)."""
    depth, i, quote = 0, open_at, None
    while i < len(s):
        ch = s[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(s)


def _open_nested(ws: list[str]) -> list[str]:
    """The script of a nested ``bash -c SCRIPT`` (TRT-LLM's ``bash -c 'trtllm-llmapi-launch ...'``)
    opened up too, between ``[`` and ``]`` words, so its quoting style does not matter either."""
    out: list[str] = []
    for i, w in enumerate(ws):
        if i >= 2 and ws[i - 2] in SHELLS and ws[i - 1] == "-c":
            out += ["[", *_open_nested(words(w.replace("\\$", "$"))), "]"]
        else:
            out.append(w)
    return out


def argv_words(argv: list[str]) -> list[str]:
    """A container's command + args as words: a ``sh -c SCRIPT`` wrapper is opened up (its script
    split as the shell would), anything else is taken word for word (the kubelet still expands
    ``$(NAME)``)."""
    if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
        return [argv[0], "-c", *_open_nested(words(argv[2])), *(_kubelet(a) for a in argv[3:])]
    return [_kubelet(a) for a in argv]


def display_words(command: str) -> list[str]:
    """explain's rendering of an effective command (POSIX-quoted, maybe with a trailing
    ``  # comment`` and ``<placeholder>`` steps) as words."""
    command = re.split(r"\s{2}# ", command, maxsplit=1)[0]
    argv = shlex.split(command)
    if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
        script = PLACEHOLDER.sub(ANY, argv[2])
        return [argv[0], "-c", *_open_nested(words(script)), *(_kubelet(a) for a in argv[3:])]
    return [_kubelet(a) for a in argv]


def match(pattern: list[str], actual: list[str]) -> bool:
    """Word lists equal, where ``…`` in ``pattern`` stands for one or more words."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if (i, j) in memo:
            return memo[i, j]
        if i == len(pattern):
            r = j == len(actual)
        elif pattern[i] == ANY:
            r = any(go(i + 1, k) for k in range(j + 1, len(actual) + 1))
        else:
            r = j < len(actual) and pattern[i] == actual[j] and go(i + 1, j + 1)
        memo[i, j] = r
        return r

    return go(0, 0)


def plain(word: str) -> str:
    """A word as the program receives it modulo expansion: markers turned back into text."""
    return re.sub(r"⟨([A-Za-z0-9_]+)⟩", r"$(\1)", word).replace("\\$", "$")
