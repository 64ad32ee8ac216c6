"""The plugin's typed errors, one module for every layer: cluster/ raises the ClusterError family,
inputs.py InputError, cli/ UsageError; only `cli.main.handle()` at the entry point turns one into
its message lines and exit code (kubectl's CheckErr). The exit code belongs to the type and is never
re-labelled on the way.

Exit codes (SPEC "Exit codes"): 0 ok, 1 findings, 2 usage or unusable input, 3 cluster unusable,
4 `apply --wait` timed out. Ctrl-C is 130 and a closed stdout pipe is 141, as a shell reports a
process killed by SIGINT/SIGPIPE. Findings are not errors: a command that ran and found problems
returns exit code 1 from its `run()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CLUSTER = 3
EXIT_WAIT_TIMEOUT = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

TRACEBACK_VERBOSITY = 6  # kubectl's -v=6 and above may show more than one line


class PipeClosed(Exception):
    """Whoever read stdout went away (`... | head`): not an error worth a message. Raised in place
    of BrokenPipeError so that click's own EPIPE handling (exit 1) does not claim it."""


class DynamoError(Exception):
    """An expected failure; the message is lower-case, without a trailing period, names the flag,
    file or object, and says what to do. The exit code is the class's."""

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """What the entry point prints, without the `error: ` prefix of the first line."""
        return [self.message]


class UsageError(DynamoError):
    """A bad flag, argument or combination of them (exit 2). The entry point adds kubectl's
    "See 'kubectl dynamo X -h' for help and examples." line; `command_path` is filled in by the
    command that was running when it is not given."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, command_path: str | None = None) -> None:
        super().__init__(message)
        self.command_path = command_path

    def lines(self) -> list[str]:
        path = self.command_path or "kubectl dynamo"
        return [self.message, f"See '{path} -h' for help and examples."]


class InputError(DynamoError):
    """Input that cannot be used: unreadable file, not YAML, not a Kubernetes object (exit 2)."""

    exit_code = EXIT_USAGE


class ClusterError(DynamoError):
    """The cluster could not be used: unreachable, TLS, authentication, forbidden, timeout (exit 3)."""

    exit_code = EXIT_CLUSTER


class NotFound(ClusterError):
    """A 404: the server answered, and the object (or API) is not there. Exit 1, as `kubectl get`
    exits for a missing object: the cluster was usable, the answer is "no such thing". Callers that
    expect absence catch it; nothing reads any other error as "not found"."""

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, *, resource: str | None = None, name: str | None = None,
                 namespace: str | None = None) -> None:
        super().__init__(message)
        self.resource, self.name, self.namespace = resource, name, namespace

    @classmethod
    def of(cls, resource: str, name: str, namespace: str | None) -> NotFound:
        """kubectl's wording for a named object: `<plural.group> "<name>" not found in namespace "<ns>"`."""
        where = f' in namespace "{namespace}"' if namespace else ""
        return cls(f'{resource} "{name}" not found{where}', resource=resource, name=name, namespace=namespace)


class Forbidden(ClusterError):
    """A 403: the user may not do this (exit 3 when nothing handles it)."""


class CredentialError(ClusterError):
    """`getting credentials: ...` (exit 3), as kubectl words it."""

    def __init__(self, message: str) -> None:
        super().__init__(f"getting credentials: {message}")


class Conflict(ClusterError):
    """A 409: another field manager owns fields of a server-side apply."""


class Invalid(ClusterError):
    """A 422 from the server: the object failed validation (schema, webhook)."""


class ApplyRefused(DynamoError):
    """The input was refused before anything was written (exit 1, like kubectl); `problems` lists
    every reason, `hint` (if any) says what to do about all of them."""

    exit_code = EXIT_FINDINGS

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"nothing applied: {problems[0]}{more}")
        self.problems = problems
        self.hint = hint

    def lines(self) -> list[str]:
        head = self.message if len(self.problems) == 1 else f"nothing applied: {len(self.problems)} problems"
        body = [] if len(self.problems) == 1 else [f"  {p}" for p in self.problems]
        return [head, *body, *([self.hint] if self.hint else [])]


@dataclass
class Rollback:
    """What undoing a failed run did: refs deleted, and refs that stay changed with why."""

    deleted: list[str] = field(default_factory=list)
    stays: list[str] = field(default_factory=list)


class ApplyFailed(DynamoError):
    """A real write failed after the dry runs passed; what this run created was rolled back.
    Exit 1 when the server refused the object (409, 422), else 3 (the cluster failed)."""

    def __init__(self, problem: str, rollback: Rollback, cause: ClusterError) -> None:
        super().__init__(f"apply failed at {problem}")
        self.exit_code = EXIT_FINDINGS if isinstance(cause, (Conflict, Invalid)) else EXIT_CLUSTER
        self.rollback = rollback

    def lines(self) -> list[str]:
        rb = self.rollback
        deleted = ", ".join(f"deleted {r} (created by this run)" for r in rb.deleted) or "nothing was created before the failure"
        stays = f"stays changed: {', '.join(rb.stays)}" if rb.stays else "nothing stays changed"
        return [self.message, f"  rolled back: {deleted}", f"  {stays}"]


class WaitTimeout(DynamoError):
    """`apply --wait` gave up before the deployment became ready (exit 4)."""

    exit_code = EXIT_WAIT_TIMEOUT
