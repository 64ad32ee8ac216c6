"""The plugin's typed errors, shared by every layer (cluster/ raises ClusterError, cli/ maps them
to exit codes in cli/errors.handle()).

Exit codes (SPEC "Exit codes"): 0 ok, 1 findings, 2 usage or unusable input, 3 cluster unusable,
4 `apply --wait` timed out. Ctrl-C is 130 and a closed stdout pipe is 141, as a shell reports a
process killed by SIGINT/SIGPIPE.
"""

from __future__ import annotations

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
    """An expected failure with its exit code; the message is lower-case, without a trailing period,
    names the flag, file or object, and says what to do."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def lines(self) -> list[str]:
        """What the entry point prints, without the `error: ` prefix of the first line."""
        return [self.message]


class UsageError(DynamoError):
    """A bad flag, argument or combination of them (exit 2). The entry point adds kubectl's
    "See 'kubectl dynamo X -h' for help and examples." line; `command_path` is filled in by the
    command that was running when it is not given."""

    exit_code = 2

    def __init__(self, message: str, *, command_path: str | None = None) -> None:
        super().__init__(message)
        self.command_path = command_path

    def lines(self) -> list[str]:
        path = self.command_path or "kubectl dynamo"
        return [self.message, f"See '{path} -h' for help and examples."]


class InputError(DynamoError):
    """Input that cannot be used: unreadable file, not YAML, not a Kubernetes object (exit 2)."""

    exit_code = 2


class ClusterError(DynamoError):
    """The cluster could not be used: unreachable, TLS, authentication, forbidden, timeout (exit 3)."""

    exit_code = 3


class WaitTimeout(DynamoError):
    """`apply --wait` gave up before the deployment became ready (exit 4)."""

    exit_code = 4
