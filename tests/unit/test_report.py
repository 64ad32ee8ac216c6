"""report/: tables, colour decision, printer selection, machine printers, findings text."""

from __future__ import annotations

import io

import pytest
import yaml

from kubectl_dynamo.dgd.findings import Finding
from kubectl_dynamo.errors import UsageError
from kubectl_dynamo.report import color, findings_text, printers, table
from kubectl_dynamo.report.output import printer_for


def test_table_is_kubectl_style():
    text = table.render(("name", "gpus"), [("a", 16), ("longer-name", None)])
    assert text == "NAME          GPUS\na             16\nlonger-name   <none>\n"


def test_table_aligns_coloured_cells_and_indents():
    red = color.Palette(True).error("x")
    text = table.render(("A", "B"), [(red, "1"), ("yy", "2")], indent="  ")
    lines = [table._ANSI.sub("", line) for line in text.splitlines()]
    assert "\033[" in text
    assert lines[1].index("1") == lines[2].index("2")
    assert all(line.startswith("  ") and line == line.rstrip() for line in lines)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "mode, env, tty, expected",
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {}, True, False),
    ],
    ids=["a terminal", "a pipe", "NO_COLOR set", "NO_COLOR empty", "a dumb terminal", "always beats NO_COLOR", "never"],
)
def test_colour_decision(mode, env, tty, expected):
    stream = _Tty() if tty else io.StringIO()
    assert color.decide(mode, stream, env) is expected


def test_plain_palette_writes_no_escape_codes():
    p = color.Palette(False)
    assert p.error("e") + p.warn("w") + p.ok("o") + p.severity("info") == "ewoinfo"


def test_unknown_format_lists_allowed_formats_sorted():
    with pytest.raises(UsageError) as e:
        printer_for("xml", io.StringIO(), "never", {"table": lambda r, out, palette: None}, lambda r: r)
    assert str(e.value) == 'unable to match a printer suitable for the output format "xml", allowed formats are: json,table,yaml'


def test_a_commands_own_yaml_renderer_takes_the_place_of_the_generic_one():
    out = io.StringIO()
    printer_for("yaml", out, "never", {"yaml": lambda r, o, p: o.write("---stream\n")}, lambda r: {"a": 1})(None, out)
    assert out.getvalue() == "---stream\n"
    out = io.StringIO()
    printer_for("json", out, "never", {"yaml": lambda r, o, p: o.write("---stream\n")}, lambda r: {"a": 1})(None, out)
    assert out.getvalue() == '{\n  "a": 1\n}\n'


@pytest.mark.parametrize("tty, color_mode, enabled", [(True, "auto", True), (False, "auto", False), (False, "always", True)],
                         ids=["a terminal gets colour", "a pipe gets none", "--color always wins"])
def test_the_palette_is_decided_once_for_the_stream_the_printer_writes_to(tty, color_mode, enabled):
    out = _Tty() if tty else io.StringIO()
    printer_for("table", out, color_mode, {"table": lambda r, o, p: o.write(f"{p.enabled}")})(None, out)
    assert out.getvalue() == str(enabled)


def test_yaml_keeps_key_order_and_blocks_multiline_strings():
    text = printers.dump_yaml({"z": 1, "a": "line1\nline2\n"})
    assert text.startswith("z: 1\n")
    assert "a: |\n  line1\n  line2\n" in text
    assert yaml.safe_load(text) == {"z": 1, "a": "line1\nline2\n"}


def test_json_indent_and_list_wrapper():
    assert printers.dump_json({"a": 1}) == '{\n  "a": 1\n}\n'
    assert printers.one_or_list([1]) == 1
    assert printers.one_or_list([1, 2]) == {"kind": "List", "items": [1, 2]}
    assert printers.as_list([], api_version="v1") == {"apiVersion": "v1", "items": [], "kind": "List",
                                                      "metadata": {"resourceVersion": ""}}
    assert list(printers.as_list([], api_version="v1")) == ["apiVersion", "items", "kind", "metadata"]  # kubectl's order


def test_findings_lines_align_hints_under_messages():
    out = io.StringIO()
    findings_text.render_findings(
        [Finding("error", "TP_MISMATCH", "tp 4 but 8 GPUs", "decode", "set tp 8"), Finding("info", "X", "note")], out
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "  error     TP_MISMATCH   decode: tp 4 but 8 GPUs"
    assert lines[1].index("hint:") == lines[0].index("decode:")
    assert lines[2] == "  info      X             note"


@pytest.mark.parametrize(
    "args, text",
    [((0, 0), "0 errors, 0 warnings"), ((1, 1, 0, 1), "1 error, 1 warning in 1 DynamoGraphDeployment"), ((2, 3, 1, 4), "2 errors, 3 warnings, 1 info in 4 DynamoGraphDeployments")],
)
def test_summary_line(args, text):
    assert findings_text.summary_line(*args) == text


# --- control characters (issue 10): nothing read from input drives the terminal ---------------------


def test_the_guard_escapes_what_the_plugin_did_not_write_itself():
    import io

    from kubectl_dynamo.report.terminal import SafeStream, escape

    assert escape("a\x1b[2Jb\rc\x9b\x7f\u2066") == "a^[[2Jb\\rc\\x9b\\x7f\\u2066"
    plain, coloured = io.StringIO(), io.StringIO()
    SafeStream(plain, lambda: False).write("\x1b[31mred\x1b[0m \x1b]0;t\x07")
    SafeStream(coloured, lambda: True).write("\r\x1b[31mred\x1b[0m \x1b]0;t\x07 x\ry\x1b[K")
    assert plain.getvalue() == "^[[31mred^[[0m ^[]0;t\\x07"
    assert coloured.getvalue() == "\r\x1b[31mred\x1b[0m ^[]0;t\\x07 x\\ry\x1b[K"


def test_json_and_yaml_output_escape_controls_in_their_own_syntax():
    import json

    import yaml

    from kubectl_dynamo.report.printers import dump_json, dump_yaml

    data = {"name": "a\u202eb\x1b[2J\x85\x7f", "plain": "é"}
    assert json.loads(dump_json(data)) == data and yaml.safe_load(dump_yaml(data)) == data
    from kubectl_dynamo.report.terminal import UNSAFE

    assert not UNSAFE.search(dump_json(data)) and not UNSAFE.search(dump_yaml(data).replace("\x85", "\x1f"))
    assert "é" in dump_yaml({"plain": "é"})  # ordinary Unicode stays readable
