"""state/quantity: Kubernetes quantities read as the client reads them (kubernetes.utils is the
reference here; state/ itself never imports the client)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kubectl_dynamo.state.quantity import parse_quantity, whole

FORMS = ["8", "0", "1.5k", "1e3", "1E2", "1e-1", "100m", "2Gi", "1.5Gi", "1Ki", "12Mi", "3Ti", "1Pi", "1Ei",
         "+3", "-2", ".5", "5.", "2M", "1G", "1T", "1P", "1E"]


@pytest.mark.parametrize("text", FORMS)
def test_every_form_reads_as_the_kubernetes_client_reads_it(text):
    from kubernetes.utils import parse_quantity as reference

    assert parse_quantity(text) == Decimal(reference(text))


@pytest.mark.parametrize("value", ["", "abc", "1kk", "1.2.3", "Ki", "1e", "8 GPUs", None, True, ["8"]],
                         ids=["empty", "a word", "two suffixes", "two points", "a suffix alone", "an exponent alone",
                              "trailing words", "None", "a bool", "a list"])
def test_what_is_not_a_quantity_is_none(value):
    assert parse_quantity(value) is None


@pytest.mark.parametrize("value, n", [("8", 8), (8, 8), ("1.5k", 1500), ("1e3", 1000), ("100m", 0), ("2Ki", 2048),
                                      ("-1", 0), ("nope", 0), (None, 0)])
def test_whole_counts(value, n):
    assert whole(value) == n


@pytest.mark.parametrize("value, n", [
    (2, 2), ("2", 2), ("-2", -2), ("+2", None), (" 2", None), ("2 ", None), ("٤", None), ("²", None), ("1_000", None),
    (True, None), (2.0, None), (None, None), ("", None),
], ids=["an int", "digits", "a minus sign", "a plus sign", "a leading blank", "a trailing blank", "an arabic-indic digit",
        "a superscript", "an underscore", "a bool", "a float", "None", "empty"])
def test_one_reader_of_whole_numbers(value, n):
    """dgd.model.as_int (was model._as_int, imported across modules) is also what state/ reads status
    counts with (state/common kept a second copy that stripped blanks and refused a sign)."""
    from kubectl_dynamo.dgd.model import as_int

    assert as_int(value) == n
