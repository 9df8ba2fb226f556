# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""``python3 -m account_relance_fr.engine``: output shape and every error path,
run as a real process from the repository root."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from engine_helpers import build_case

ROOT = Path(__file__).resolve().parents[2]
MONEY = re.compile(r"\d+\.\d\d")
TOP_KEYS = {
    "interest_total",
    "indemnity_total",
    "additional_compensation",
    "principal_outstanding",
    "interest_paid",
    "interest_unpaid",
    "total_claim",
    "days_late",
    "segments",
    "per_invoice",
    "warnings",
}
INVOICE_KEYS = {
    "ref",
    "interest_total",
    "interest_exact",
    "interest_paid",
    "interest_unpaid",
    "indemnity_total",
    "principal_outstanding",
    "total_claim",
    "days_late",
    "segments",
    "warnings",
    "unconfirmed_halves",
}
SEGMENT_KEYS = {
    "from",
    "to",
    "days",
    "half",
    "principal",
    "rate_pct",
    "interest_exact",
    "interest_rounded",
}


def run_cli(stdin: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "account_relance_fr.engine", *args],
        input=stdin,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )


def as_bytes(data) -> bytes:
    return json.dumps(data).encode("utf-8")


def test_success_output_shape():
    data = build_case(
        [
            {"payments": [{"date": "2019-02-15", "amount": "4000.00"}]},
            {"ref": "F2", "amount_ttc": "612.15", "due_date": "2019-03-01"},
        ],
        contractual_rate_pct="10",
        justified_recovery_costs_ht="300",
    )
    proc = run_cli(as_bytes(data))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    out = json.loads(proc.stdout)
    assert set(out) == TOP_KEYS
    for key in TOP_KEYS - {"days_late", "segments", "per_invoice", "warnings"}:
        assert MONEY.fullmatch(out[key]), key
    assert out["days_late"] == 59
    assert out["indemnity_total"] == "80.00"
    assert out["additional_compensation"] == "220.00"
    assert [item["ref"] for item in out["per_invoice"]] == ["F1", "F2"]
    for item in out["per_invoice"]:
        assert set(item) == INVOICE_KEYS
    assert len(out["segments"]) == 3
    segment = out["segments"][0]
    assert set(segment) == SEGMENT_KEYS
    assert segment == {
        "from": "2019-02-01",
        "to": "2019-02-15",
        "days": 15,
        "half": "2019-S1",
        "principal": "10000.00",
        "rate_pct": "10.00",
        "interest_exact": segment["interest_exact"],
        "interest_rounded": "41.10",
    }
    assert segment["interest_exact"].startswith("41.095890410958904109589")
    assert out["per_invoice"][1]["interest_total"] == "5.03"  # 612.15 × 10 % × 30/365


def test_compact_output_is_one_line():
    proc = run_cli(as_bytes(build_case()), "--compact")
    assert proc.returncode == 0
    assert proc.stdout.count(b"\n") == 1


ERRORS = [
    ("unknown_key", as_bytes({**build_case(), "colour": "red"}), "colour"),
    ("unknown_value", as_bytes(build_case(customer_type="B2X")), "customer_type"),
    (
        "bad_date",
        as_bytes(build_case(evaluation_date="2019-13-01")),
        "evaluation_date",
    ),
    (
        "bad_amount",
        as_bytes(build_case([{"amount_ttc": "12,50"}])),
        "invoices[0].amount_ttc",
    ),
    (
        "negative_amount",
        as_bytes(build_case([{"amount_ttc": "-12.50"}])),
        "invoices[0].amount_ttc",
    ),
    (
        "due_before_invoice",
        as_bytes(build_case([{"due_date": "2018-12-01"}])),
        "invoices[0].due_date",
    ),
    (
        "payments_above_amount",
        as_bytes(
            build_case([{"payments": [{"date": "2019-02-01", "amount": "10001"}]}])
        ),
        "invoices[0].payments",
    ),
    (
        "payment_before_invoice",
        as_bytes(build_case([{"payments": [{"date": "2018-02-01", "amount": "1"}]}])),
        "invoices[0].payments[0].date",
    ),
    (
        "missing_rate",
        as_bytes(
            build_case(
                [{"invoice_date": "2026-12-01", "due_date": "2026-12-31"}],
                evaluation_date="2027-01-15",
            )
        ),
        "rates",
    ),
    ("malformed_json", b'{"customer_type": "B2B",', "input"),
    ("empty_input", b"", "input"),
    ("not_an_object", b"[1, 2, 3]", "case"),
    ("nan", b'{"customer_type": NaN}', "input"),
    (
        "duplicate_key",
        b'{"customer_type": "B2B", "customer_type": "B2C"}',
        '"customer_type"',
    ),
    ("not_utf8", b'{"customer_type": "\xff"}', "input"),
    ("deep_nesting", b"[" * 100000 + b"]" * 100000, "input"),
]


@pytest.mark.parametrize(("name", "stdin", "field"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_paths_print_one_line_and_exit_2(name, stdin, field):
    proc = run_cli(stdin)
    assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
    assert proc.stdout == b""
    err = proc.stderr.decode("utf-8")
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.startswith(f"error: {field}: "), err
    assert "Traceback" not in err and " / " in err


def test_missing_rate_message_names_the_half_year():
    stdin = ERRORS[8][1]
    err = run_cli(stdin).stderr.decode("utf-8")
    assert err == (
        "error: rates: Taux BCE manquant pour le semestre 2027-S1 / "
        "Missing ECB rate for half-year 2027-S1\n"
    )


def test_unknown_argument():
    proc = run_cli(as_bytes(build_case()), "--verbose")
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("error: arguments: usage:")
