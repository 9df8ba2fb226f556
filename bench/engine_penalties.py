# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the late-payment engine: penalties of N invoices on one core.

    python3 bench/engine_penalties.py [--invoices 1000000] [--seed 7]

Builds a realistic mix of cases (B2B default rate, fixed contractual rate,
"3 × legal rate" clause, public buyers, consumers with a mise en demeure and
sometimes a judgment; 1 to 5 invoices per case; partial payments and credit
notes on about a third of the invoices; both imputation modes and day counts)
in chunks, and times only ``compute_case`` (the public API: every figure and
every segment of the result is built). Prints the number of invoices, the
seconds, the invoices per second and a checksum of the total interest, which
is the same for the same ``--invoices`` and ``--seed``. ``--verify`` also checks
a sample against the per-invoice API, ``compute_invoice``. ``--json`` times the
whole JSON path instead: ``parse_case`` of the input dicts, ``compute_case`` and
``to_dict`` of the result (what the command line and the Odoo module run).
"""

import argparse
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from account_relance_fr.engine import (  # noqa: E402
    Case,
    CreditNote,
    Invoice,
    Payment,
    compute_case,
    compute_invoice,
    load_default_rates,
    parse_case,
)

CHUNK = 20_000
FIRST_DAY = date(2016, 1, 1).toordinal()
LAST_DAY = date(2026, 6, 30).toordinal()
REGIMES = (
    ("B2B", None, None, 40),
    ("B2B", "fixed", None, 15),
    ("B2B", None, "3x_legal", 10),
    ("B2G", None, None, 15),
    ("B2C", None, None, 20),
)


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(5_000, 5_000_000)).scaleb(-2)


def _invoice(rng: random.Random, number: int, evaluation: int) -> Invoice:
    # most open invoices are a few months old; a long tail goes back years
    age = 10 + min(int(rng.expovariate(1 / 120)), 1800)
    invoice_day = max(FIRST_DAY, evaluation - age)
    due_day = invoice_day + rng.choice((30, 45, 60, 60, 75))
    amount = _amount(rng)
    payments, credit_notes = [], []
    roll = rng.random()
    if roll < 0.25:
        part = (amount * Decimal(rng.randint(10, 60)) / 100).quantize(Decimal("0.01"))
        payments.append(Payment(_day(rng, due_day - 5, evaluation), part))
        if rng.random() < 0.5:
            payments.append(Payment(_day(rng, due_day, evaluation), amount - part))
    elif roll < 0.32:
        note = (amount / 10).quantize(Decimal("0.01"))
        credit_notes.append(CreditNote(_day(rng, invoice_day, evaluation), note))
    elif roll < 0.6:
        payments.append(Payment(_day(rng, due_day - 10, evaluation + 30), amount))
    return Invoice(
        ref=f"INV{number}",
        invoice_date=date.fromordinal(invoice_day),
        due_date=date.fromordinal(due_day),
        amount_ttc=amount,
        payments=tuple(payments),
        credit_notes=tuple(credit_notes),
    )


def _day(rng: random.Random, first: int, last: int) -> date:
    return date.fromordinal(rng.randint(first, max(first, last)))


def _case(rng: random.Random, first_number: int, size: int) -> Case:
    regime, contract, clause, _ = rng.choices(REGIMES, weights=[r[3] for r in REGIMES])[
        0
    ]
    evaluation = rng.randint(FIRST_DAY + 200, LAST_DAY)
    invoices = tuple(_invoice(rng, first_number + i, evaluation) for i in range(size))
    options = {}
    if contract:
        options["contractual_rate_pct"] = Decimal(rng.choice(("8", "12", "15")))
    if clause:
        options["contractual_rate_clause"] = clause
    if regime == "B2G":
        options["buyer"] = rng.choice(("state", "hospital", "public_company"))
    if regime == "B2C":
        options["mise_en_demeure_received"] = date.fromordinal(evaluation - 150)
        if rng.random() < 0.3:
            options["judgment_enforceable_date"] = date.fromordinal(evaluation - 100)
    return Case(
        customer_type=regime,
        evaluation_date=date.fromordinal(evaluation),
        invoices=invoices,
        payment_imputation=rng.choice(("principal_first",) * 3 + ("interest_first",)),
        day_count=rng.choice(("ACT/365",) * 4 + ("ACT/ACT",)),
        **options,
    )


def _chunk(rng: random.Random, first_number: int, count: int) -> list[Case]:
    cases, made = [], 0
    while made < count:
        size = min(rng.randint(1, 5), count - made)
        cases.append(_case(rng, first_number + made, size))
        made += size
    return cases


def _as_dict(case: Case) -> dict:
    """The JSON-like input of ``case`` (what ``parse_case`` reads)."""

    def text(value):
        return None if value is None else str(value)

    return {
        "customer_type": case.customer_type,
        "creditor": case.creditor,
        "contractual_rate_pct": text(case.contractual_rate_pct),
        "contractual_rate_clause": case.contractual_rate_clause,
        "payment_imputation": case.payment_imputation,
        "day_count": case.day_count,
        "evaluation_date": case.evaluation_date.isoformat(),
        "mise_en_demeure_received": text(case.mise_en_demeure_received),
        "judgment_enforceable_date": text(case.judgment_enforceable_date),
        "buyer": case.buyer,
        "invoices": [
            {
                "ref": invoice.ref,
                "invoice_date": invoice.invoice_date.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "amount_ttc": str(invoice.amount_ttc),
                "payments": [
                    {"date": p.date.isoformat(), "amount": str(p.amount)}
                    for p in invoice.payments
                ],
                "credit_notes": [
                    {"date": n.date.isoformat(), "amount_ttc": str(n.amount_ttc)}
                    for n in invoice.credit_notes
                ],
            }
            for invoice in case.invoices
        ],
    }


def _time_cases(cases: list[Case], rates) -> tuple[float, Decimal]:
    checksum = Decimal(0)
    started = time.perf_counter()
    for case in cases:
        checksum += compute_case(case, rates).interest_total
    return time.perf_counter() - started, checksum


def _time_json(cases: list[Case], rates) -> tuple[float, Decimal]:
    inputs = [_as_dict(case) for case in cases]
    checksum = Decimal(0)
    started = time.perf_counter()
    for data in inputs:
        output = compute_case(parse_case(data), rates).to_dict()
        checksum += Decimal(output["interest_total"])
    return time.perf_counter() - started, checksum


def _verify(cases: list[Case], rates) -> None:
    """The per-invoice API gives the same figures as ``compute_case``."""
    for case in cases[:200]:
        result = compute_case(case, rates)
        for invoice, expected in zip(case.invoices, result.invoices, strict=True):
            single = compute_invoice(invoice, case, rates)
            assert single.interest_total == expected.interest_total, invoice.ref
            assert single.segments == expected.segments, invoice.ref


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rates = load_default_rates()
    rng = random.Random(args.seed)
    done, elapsed, checksum = 0, 0.0, Decimal(0)
    while done < args.invoices:
        cases = _chunk(rng, done, min(CHUNK, args.invoices - done))
        if args.verify and done == 0:
            _verify(cases, rates)
        timer = _time_json if args.json else _time_cases
        seconds, total = timer(cases, rates)
        elapsed += seconds
        checksum += total
        done += sum(len(case.invoices) for case in cases)
    rate = done / elapsed if elapsed else float("inf")
    sys.stdout.write(
        f"path: {'parse_case + compute_case + to_dict' if args.json else 'compute_case'}\n"
        f"invoices: {done}\n"
        f"seconds: {elapsed:.3f}\n"
        f"invoices_per_second: {rate:,.0f}\n"
        f"checksum_interest_total: {checksum}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
