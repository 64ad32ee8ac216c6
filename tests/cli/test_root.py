"""The root command: help, lazy registry, global options before/after the subcommand, usage errors."""

from __future__ import annotations

import click
import pytest

from kubectl_dynamo.cli import main as main_mod
from kubectl_dynamo.cli.options import GlobalOptions, Verbosity, parse_duration

from .conftest import DATA, cli


def test_help_lists_commands_in_registry_order_with_examples():
    res = cli("--help")
    assert res.exit_code == 0 and res.stderr == ""
    assert "Usage: kubectl dynamo [OPTIONS] [COMMAND] [ARGS]..." in res.stdout  # click >= 8.5
    listed = [line.split()[0] for line in res.stdout.split("Commands:")[1].splitlines()[1:] if line.startswith("  ") and line.split()]
    assert listed[: len(main_mod.COMMANDS)] == list(main_mod.COMMANDS)
    assert "Global Options:" in res.stdout and "--request-timeout" in res.stdout
    assert "kubectl dynamo explain -f my-llm.yaml --assume grove,kai" in res.stdout


def test_no_arguments_prints_help_and_succeeds():
    res = cli()
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == cli("--help").stdout


def test_short_h_is_help_for_subcommands_too():
    res = cli("validate", "-h")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == cli("validate", "--help").stdout
    assert res.stdout.startswith("Usage: kubectl dynamo validate [OPTIONS]\n")
    assert "Global Options:" in res.stdout and "Examples:" in res.stdout


@pytest.mark.parametrize(
    "args, message, path",
    [
        (["frobnicate"], 'unknown command "frobnicate" for "kubectl dynamo"', "kubectl dynamo"),
        (["validate", "--bogus"], "unknown flag: --bogus", "kubectl dynamo validate"),
        (["--request-timeout", "soon", "version", "--client"],
         "invalid value for '--request-timeout': 'soon' is not a duration (use a number with a unit: 30s, 2m, 1h30m; 0 for none)",
         "kubectl dynamo"),
        (["-v", "high", "version", "--client"],
         "invalid value for '-v' / '--v': log level must be a non-negative integer, not 'high'", "kubectl dynamo"),
        (["--color", "pink", "version", "--client"],
         "invalid value for '--color': 'pink' is not one of 'auto', 'always', 'never'", "kubectl dynamo"),
    ],
    ids=["an unknown command", "an unknown flag", "a bad duration", "a bad log level", "a bad colour mode"],
)
def test_usage_errors_are_one_error_line_plus_see_help(args, message, path):
    res = cli(*args)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == f"error: {message}\nSee '{path} -h' for help and examples.\n"


@pytest.mark.parametrize("position", ["before", "after"], ids=["global flags before the subcommand", "global flags after it"])
def test_global_options_are_accepted_on_either_side_of_the_subcommand(position):
    flags = ["-n", "team-a", "--context", "c1", "--kubeconfig", "/tmp/kc", "--request-timeout", "1m30s", "--v=4"]
    args = [*flags, "init", "x"] if position == "before" else ["init", "x", *flags]
    res = cli(*args)
    assert res.exit_code == 0, res.stderr
    assert res.yaml()["metadata"]["namespace"] == "team-a"


def test_later_global_option_wins():
    res = cli("-n", "first", "init", "x", "-n", "second")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.yaml()["metadata"]["namespace"] == "second"


def test_global_options_reach_the_command_context():
    seen = {}

    @click.command("probe")
    def probe() -> int:
        from kubectl_dynamo.cli.options import get_globals

        seen["g"] = get_globals()
        return 0

    main_mod.cli.add_command(probe)
    try:
        res = cli("--kubeconfig", "/k", "probe", "--context", "ctx", "-n", "ns", "--request-timeout", "2m", "-v=7", "--color", "never")
    finally:
        main_mod.cli.commands.pop("probe")
    assert res.exit_code == 0, res.stderr
    assert seen["g"] == GlobalOptions(kubeconfig="/k", context="ctx", namespace="ns", request_timeout=120.0, verbosity=7, color="never")


def test_defaults_of_the_global_options():
    g = GlobalOptions()
    assert (g.kubeconfig, g.context, g.namespace, g.request_timeout, g.verbosity, g.color) == (None, None, None, 30.0, 0, "auto")


@pytest.mark.parametrize(
    "text, seconds",
    [("30s", 30), ("0", 0), ("45", 45), ("1m30s", 90), ("1.5h", 5400), ("250ms", 0.25), ("2h3m4s", 7384), ("1m0.5s", 60.5)],
)
def test_request_timeout_reads_kubectl_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "10x", "1 m", "-1s", "ten"])
def test_bad_durations_are_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("raw, level", [("6", 6), ("=6", 6), (3, 3)], ids=["-v 6", "-v=6", "an int default"])
def test_verbosity_forms(raw, level):
    assert Verbosity().convert(raw, None, None) == level


@pytest.mark.parametrize("flag", ["-v=6", "--v=6", "-v6", "-v 6"])
def test_traceback_only_from_v6(flag):
    missing = str(DATA / "does-not-exist.yaml")
    quiet = cli("validate", "-f", missing)
    loud = cli("validate", "-f", missing, *flag.split())
    assert quiet.exit_code == loud.exit_code == 2
    assert quiet.stderr == f'error: the path "{missing}" does not exist\n'
    assert loud.stderr.startswith("Traceback (most recent call last):\n") and loud.stderr.endswith(quiet.stderr)


def test_registry_targets_are_commands_with_global_options_and_matching_summaries():
    group = main_mod.cli
    ctx = click.Context(group)
    for name, (_target, summary) in main_mod.COMMANDS.items():
        cmd = group.get_command(ctx, name)
        assert isinstance(cmd, click.Command)
        assert cmd.name == name
        assert cmd.get_short_help_str(limit=200) == summary, name
        names = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
        assert {"--kubeconfig", "--context", "-n", "--request-timeout", "-v", "--color", "-h"} - {"-h"} <= names


def test_color_always_colours_the_error_prefix_and_no_color_is_honoured():
    missing = str(DATA / "nope.yaml")
    assert "\033[" in cli("--color", "always", "validate", "-f", missing).stderr
    assert "\033[" not in cli("validate", "-f", missing, env={"NO_COLOR": "1"}).stderr
    assert "\033[" not in cli("--color", "never", "validate", "-f", missing).stderr
    # --color always beats NO_COLOR (an explicit flag over the environment)
    assert "\033[" in cli("--color", "always", "validate", "-f", missing, env={"NO_COLOR": "1"}).stderr


def test_empty_output_flag_means_the_default():
    res = cli("version", "--client", "-o", "")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == cli("version", "--client").stdout


def test_global_options_map_to_the_cluster_connection_options():
    conn = GlobalOptions(kubeconfig="/k", context="c", namespace="n", request_timeout=5.0).connection_options()
    assert (conn.kubeconfig, conn.context, conn.namespace, conn.request_timeout) == ("/k", "c", "n", 5.0)
