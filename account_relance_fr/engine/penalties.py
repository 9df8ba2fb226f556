# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment interest, fixed indemnity and total claim of a case.

Rules (see the package README for sources and conventions):

- **B2B** (C. com. L441-10, D441-5): interest from the day after the due date
  to the payment or evaluation date inclusive; default rate = ECB rate on the
  anchor day of each half-year crossed + 10 points; a fixed contractual rate,
  or the ``3x_legal`` clause, is checked per half-year against the floor of
  3 × the legal rate "autres cas" (below it: raised to the floor, or the
  default rate with ``statutory_default``; a warning either way); 40 € per
  late invoice; justified recovery costs beyond the indemnities.
- **B2G** (CCP L2192-13, R2192-31, D2192-35): ECB rate of the first day of the
  half-year in which interest started + 8 points, fixed for the whole delay; 40 €.
- **B2C** (C. civ. 1231-6, 1344-1; CMF L313-2, L313-3): no indemnity; legal rate
  of the creditor's category per half-year, from the day after receipt of the
  mise en demeure; + 5 points once two months have passed since the judgment
  became enforceable.
- Simple interest per segment ``base × rate × days / 365`` (ACT/ACT: / 366 in
  leap years), exact decimals, the invoice total rounded once half-up to the cent.
- Payments and credit notes reduce the base from the day after their date;
  payments are imputed on principal first, or on interest first (C. civ.
  1343-1) as an option.

Speed: the rates of each half-year are computed once per rate provider and set
of options (:class:`_Schedule`, cached while the provider lives); the per-invoice
loop works on date ordinals, plain tuples and ``Decimal`` in a local context.
"""

import weakref
from dataclasses import dataclass
from datetime import date
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from .due_dates import B2G_PAYMENT_DAYS, add_months, check_payment_term
from .errors import EngineError
from .halfyear import HalfYear, half_bounds
from .law import (
    B2B_MARGIN,
    B2G_MARGIN,
    BASIS_CONTRACT,
    BASIS_FLOOR,
    BASIS_LEGAL,
    BASIS_PUBLIC,
    BASIS_STATUTORY,
    FLOOR_FACTOR,
    JUDGMENT_MARGIN,
    b2b_default_rate,
    b2b_floor_rate,
    b2g_rate,
)
from .model import (
    ACT_ACT,
    B2B,
    B2C,
    B2G,
    CLAUSE_3X_LEGAL,
    FIXED_INDEMNITY,
    INTEREST_FIRST,
    RAISE_TO_FLOOR,
    Case,
    Invoice,
)
from .rates import CATEGORY_INDIVIDUAL, CATEGORY_OTHER, RateProvider
from .rates import load_default_rates as _default_rates
from .results import CaseResult, InvoiceResult, Segment, rate_text

__all__ = [
    "B2B_MARGIN",
    "B2G_MARGIN",
    "FIXED_INDEMNITY",
    "FLOOR_FACTOR",
    "JUDGMENT_MARGIN",
    "RateInForce",
    "b2b_default_rate",
    "b2b_floor_rate",
    "b2g_rate",
    "compute_case",
    "compute_invoice",
    "judgment_surcharge_start",
    "rate_in_force",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
ZERO_CENTS = Decimal("0.00")
YEAR_365 = Decimal(36500)  # 365 days × 100 (rates are in percent)
YEAR_366 = Decimal(36600)
# Interest-first imputation extinguishes accrued interest by steps of 10^-20 €
# (rounded down): the base keeps at most 20 decimals, so every later product
# base × rate × days stays exact (the rest of the interest is paid next time).
IMPUTATION_QUANTUM = Decimal("1e-20")
# 50 significant digits: every product of an amount (≤ 10^12, 2 decimals), a
# rate (≤ 6 decimals) and a number of days is exact, and quotients are exact
# far below the cent, so rounding the total once gives the exact cent.
CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_SCHEDULES: "weakref.WeakKeyDictionary[RateProvider, dict]" = (
    weakref.WeakKeyDictionary()
)


def _fr_en(fr: str, en: str) -> str:
    return f"{fr} / {en}"


def _half_index(day_ordinal: int) -> int:
    day = date.fromordinal(day_ordinal)
    return day.year * 2 + (day.month > 6)


# ---------------------------------------------------------------- rates


class _Schedule:
    """Annual rate of each half-year index for one set of options, asked once
    from the provider. For B2G the rate of index ``i`` is the one fixed for a
    delay whose interest started in half-year ``i``.

    ``notes`` maps a half-year index to the warnings its rate brings
    (contract below the floor, floor above the default rate, unconfirmed rate).
    """

    __slots__ = (
        "bases",
        "category",
        "clause",
        "contract",
        "notes",
        "policy",
        "provider",
        "rates",
        "regime",
        "unconfirmed",
    )

    def __init__(self, provider: RateProvider, key: tuple) -> None:
        self.provider = provider
        self.regime, self.contract, self.clause, self.policy, individual = key
        self.category = CATEGORY_INDIVIDUAL if individual else CATEGORY_OTHER
        self.rates: dict[int, Decimal] = {}
        self.notes: dict[int, list[str]] = {}
        # What the rate of each half-year is: BASIS_* below.
        self.bases: dict[int, str] = {}
        # Half-year indexes whose rate rests on an unconfirmed ("U") table row.
        self.unconfirmed: set[int] = set()

    @staticmethod
    def key(case: Case) -> tuple:
        """The options of ``case`` that decide its rates."""
        regime = case.customer_type
        return (
            regime,
            case.contractual_rate_pct if regime == B2B else None,
            case.contractual_rate_clause if regime == B2B else None,
            case.below_floor_policy,
            regime == B2C and case.creditor == "individual",
        )

    @classmethod
    def get(cls, provider: RateProvider, case: Case) -> "_Schedule":
        """Shared schedule of ``provider`` for the options of ``case``."""
        key = cls.key(case)
        try:
            by_key = _SCHEDULES.setdefault(provider, {})
        except TypeError:  # provider without weak references: no sharing
            return cls(provider, key)
        schedule = by_key.get(key)
        if schedule is None:
            schedule = by_key[key] = cls(provider, key)
        return schedule

    def rate(self, index: int) -> Decimal:
        """Annual rate (percent) of half-year ``index``."""
        rate = self.rates.get(index)
        if rate is not None:
            return rate
        half = half_bounds(index)[3]
        if self.regime == B2B:
            rate, kinds, basis = self._b2b_rate(half)
        elif self.regime == B2G:
            rate, kinds, basis = b2g_rate(self._ecb(half)), ("ecb",), BASIS_PUBLIC
        else:
            rate = self._legal(half, self.category)
            kinds, basis = ("legal",), BASIS_LEGAL
        if rate < 0:
            raise EngineError(
                "rates",
                f"Taux négatif pour le semestre {half}",
                f"Negative rate for half-year {half}",
            )
        confidence = getattr(self.provider, "confidence", None)
        if confidence and any(confidence(half, kind) == "U" for kind in kinds):
            self.unconfirmed.add(index)
            self._note(
                index,
                _fr_en(
                    f"Taux non confirmé utilisé pour le semestre {half} (à vérifier)",
                    f"Unconfirmed rate used for half-year {half} (to be checked)",
                ),
            )
        self.rates[index] = rate
        self.bases[index] = basis
        return rate

    def _note(self, index: int, text: str) -> None:
        notes = self.notes.setdefault(index, [])
        if text not in notes:
            notes.append(text)

    def _ecb(self, half: HalfYear) -> Decimal:
        return _checked(self.provider.ecb_rate(half), half)

    def _legal(self, half: HalfYear, category: str) -> Decimal:
        return _checked(self.provider.legal_rate(half, category), half)

    def _floor(self, half: HalfYear) -> Decimal:
        return b2b_floor_rate(self._legal(half, CATEGORY_OTHER))

    def _b2b_rate(self, half: HalfYear) -> tuple[Decimal, tuple[str, ...], str]:
        if self.clause == CLAUSE_3X_LEGAL:
            return self._floor(half), ("legal",), BASIS_FLOOR
        if self.contract is not None:
            return self._b2b_contract_rate(half)
        default = b2b_default_rate(self._ecb(half))
        self._note_paradox(half, default)
        return default, ("ecb",), BASIS_STATUTORY

    def _b2b_contract_rate(
        self, half: HalfYear
    ) -> tuple[Decimal, tuple[str, ...], str]:
        floor = self._floor(half)
        if self.contract >= floor:
            return self.contract, ("legal",), BASIS_CONTRACT
        contract, floor_text = rate_text(self.contract), rate_text(floor)
        fr = (
            f"Taux contractuel {contract} % inférieur au plancher {floor_text} % "
            f"(3 × taux légal) en {half}"
        )
        en = (
            f"Contractual rate {contract}% below the floor {floor_text}% "
            f"(3 × legal rate) in {half}"
        )
        if self.policy == RAISE_TO_FLOOR:
            self._note(
                half.index,
                _fr_en(f"{fr} : relevé au plancher", f"{en}: raised to the floor"),
            )
            return floor, ("legal",), BASIS_FLOOR
        default = b2b_default_rate(self._ecb(half))
        default_text = rate_text(default)
        self._note(
            half.index,
            _fr_en(
                f"{fr} : taux légal par défaut {default_text} % appliqué",
                f"{en}: statutory default rate {default_text}% applied",
            ),
        )
        return default, ("legal", "ecb"), BASIS_STATUTORY

    def _note_paradox(self, half: HalfYear, default: Decimal) -> None:
        """Floor above the default rate (2024): say so, keep the default rate."""
        try:
            floor = self._floor(half)
        except EngineError:
            return
        if floor > default:
            floor_text, default_text = rate_text(floor), rate_text(default)
            self._note(
                half.index,
                _fr_en(
                    f"En {half}, le plancher de 3 × taux légal ({floor_text} %) "
                    f"dépasse le taux par défaut BCE + 10 ({default_text} %) ; "
                    "le taux par défaut s'applique tel quel",
                    f"In {half}, the floor of 3 × legal rate ({floor_text}%) "
                    f"exceeds the default rate ECB + 10 ({default_text}%); "
                    "the default rate applies unchanged",
                ),
            )


# ----------------------------------------------------------- invoices


class _Runner:
    """Computation of the invoices of one case (shared rates and options)."""

    __slots__ = (
        "act_act",
        "buyer",
        "case",
        "eval_ord",
        "interest_first",
        "mdm_ord",
        "regime",
        "schedule",
        "surcharge_ord",
        "term_days",
    )

    def __init__(self, case: Case, provider: RateProvider) -> None:
        self.case = case
        self.regime = case.customer_type
        self.schedule = _Schedule.get(provider, case)
        self.eval_ord = case.evaluation_date.toordinal()
        self.interest_first = case.payment_imputation == INTEREST_FIRST
        self.act_act = case.day_count == ACT_ACT
        self.buyer = case.buyer or "state"
        # longest term never worth a closer look (B2B: 60 days; B2G: by buyer)
        self.term_days = B2G_PAYMENT_DAYS[self.buyer] if self.regime == B2G else 60
        self.mdm_ord = None
        self.surcharge_ord = None
        if self.regime == B2C:
            if case.mise_en_demeure_received is not None:
                self.mdm_ord = case.mise_en_demeure_received.toordinal()
            if case.judgment_enforceable_date is not None:
                self.surcharge_ord = judgment_surcharge_start(
                    case.judgment_enforceable_date
                ).toordinal()

    def run(self) -> CaseResult:
        """Results of every invoice, then the case totals."""
        results = tuple(self.invoice(invoice) for invoice in self.case.invoices)
        rate_notes = {text for texts in self.schedule.notes.values() for text in texts}
        return _aggregate(self.case, results, _option_warnings(self.case), rate_notes)

    def invoice(self, invoice: Invoice) -> InvoiceResult:
        """Result of one invoice (the hot path)."""
        due_ord = invoice.due_date.toordinal()
        eval_ord = self.eval_ord
        warnings = []
        start = (
            due_ord + 1 if self.regime != B2C else self._b2c_start(due_ord, warnings)
        )
        state = _Accrual(self, invoice.amount_ttc, start)
        late_payment = False
        paid_off = None
        for day, is_payment, amount in _events(invoice):
            if day > eval_ord:
                warnings.append(_after_evaluation_warning(day, is_payment))
                continue
            if start is not None and day >= state.cursor:
                state.accrue_to(day)
            if is_payment:
                if day > due_ord and amount > 0:
                    late_payment = True
                if self.interest_first:
                    amount = state.pay_interest(amount)
            state.principal -= amount
            if paid_off is None and state.principal <= 0:
                paid_off = day
        if start is not None and state.cursor <= eval_ord:
            state.accrue_to(eval_ord)
        return self._result(invoice, due_ord, state, late_payment, paid_off, warnings)

    def _b2c_start(self, due_ord: int, warnings: list) -> int | None:
        """First interest day of a consumer debt: day after the mise en demeure
        (and never before the day after the due date); ``None`` without one."""
        if self.mdm_ord is None:
            return None
        if self.mdm_ord < due_ord:
            warnings.append(
                _fr_en(
                    "Mise en demeure reçue avant l'échéance : intérêts à compter "
                    "du lendemain de l'échéance",
                    "Formal notice received before the due date: interest from "
                    "the day after the due date",
                )
            )
            return due_ord + 1
        return self.mdm_ord + 1

    def _result(self, invoice, due_ord, state, late_payment, paid_off, warnings):
        eval_ord = self.eval_ord
        exact = state.interest_exact()
        if state.raw:
            interest = exact.quantize(CENT, rounding=ROUND_HALF_UP)
            paid = state.interest_paid.quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            interest = paid = ZERO_CENTS
        principal = state.principal.quantize(CENT, rounding=ROUND_HALF_UP)
        overdue = eval_ord > due_ord
        if not overdue:
            days_late = 0
        elif paid_off is not None:
            days_late = max(0, paid_off - due_ord)
        else:
            days_late = eval_ord - due_ord
        indemnity = ZERO_CENTS
        if overdue and self.regime != B2C and (late_payment or principal > 0):
            indemnity = self.case.fixed_indemnity
        unpaid = interest - paid
        if self.regime != B2C and due_ord - invoice.invoice_date.toordinal() > (
            self.term_days
        ):
            warnings.extend(self._term_warnings(invoice))
        unconfirmed = ()
        if state.raw and self.schedule.notes:
            used = state.used_halves()
            warnings[:0] = _rate_notes(self.schedule.notes, used)
            unconfirmed = tuple(
                half_bounds(index)[3].label
                for index in used
                if index in self.schedule.unconfirmed
            )
        claim = (principal if eval_ord >= due_ord else ZERO_CENTS) + unpaid + indemnity
        return InvoiceResult(  # positional: ref, days_late, principal, exact, ...
            invoice.ref,
            days_late,
            principal,
            exact,
            interest,
            paid,
            unpaid,
            indemnity,
            claim,
            state.segments(),
            tuple(warnings),
            unconfirmed,
        )

    def _term_warnings(self, invoice: Invoice) -> list[str]:
        findings = check_payment_term(
            invoice.invoice_date,
            invoice.due_date,
            customer_type=self.regime,
            buyer=self.buyer,
        )
        return [finding.message for finding in findings]


class _Accrual:
    """Running state of one invoice: base, cursor (next interest day), exact
    interest numerators per day-count basis and the raw segments so far."""

    __slots__ = (
        "b2g_rate",
        "cursor",
        "interest_paid",
        "num_365",
        "num_366",
        "principal",
        "raw",
        "runner",
        "start",
    )

    def __init__(self, runner: _Runner, principal: Decimal, start: int | None):
        self.runner = runner
        self.principal = principal
        self.start = start
        self.cursor = start
        self.num_365 = ZERO
        self.num_366 = ZERO
        self.interest_paid = ZERO
        self.raw = []
        self.b2g_rate = None

    def accrue_to(self, last: int) -> None:
        """Accrue interest on the current base from ``cursor`` to ``last``
        inclusive: one segment per half-year, split at the judgment surcharge."""
        first = self.cursor
        self.cursor = last + 1
        principal = self.principal
        if principal <= 0 or first > last:
            return
        runner = self.runner
        schedule = runner.schedule
        rates = schedule.rates
        surcharge = runner.surcharge_ord
        act_act = runner.act_act
        raw = self.raw
        fixed = self._b2g(schedule) if runner.regime == B2G else None
        index = _half_index(first)
        while first <= last:
            half_end, year_days = half_bounds(index)[1:3]
            end = half_end if half_end < last else last
            if fixed is not None:
                rate = fixed
            else:
                rate = rates.get(index)
                if rate is None:
                    rate = schedule.rate(index)
            if surcharge is not None:
                if first < surcharge <= end:
                    end = surcharge - 1
                elif first >= surcharge:
                    rate = rate + JUDGMENT_MARGIN
            days = end - first + 1
            numerator = principal * rate * days
            if act_act and year_days == 366:
                self.num_366 += numerator
            else:
                self.num_365 += numerator
                year_days = 365
            raw.append((first, end, days, index, principal, rate, numerator, year_days))
            first = end + 1
            if first > half_end:
                index += 1

    def _b2g(self, schedule: _Schedule) -> Decimal:
        """B2G rate: fixed by the half-year of the first interest day."""
        if self.b2g_rate is None:
            self.b2g_rate = schedule.rate(_half_index(self.start))
        return self.b2g_rate

    def interest_exact(self) -> Decimal:
        """Exact interest accrued so far (one division per day-count basis)."""
        total = self.num_365 / YEAR_365 if self.num_365 else ZERO
        if self.num_366:
            total += self.num_366 / YEAR_366
        return total

    def pay_interest(self, amount: Decimal) -> Decimal:
        """Impute ``amount`` on accrued unpaid interest first (to 10^-20 €,
        rounded down); return the rest, which goes to principal."""
        owed = (self.interest_exact() - self.interest_paid).quantize(
            IMPUTATION_QUANTUM, rounding=ROUND_DOWN
        )
        if owed <= 0:
            return amount
        part = owed if owed < amount else amount
        self.interest_paid += part
        return amount - part

    def segments(self) -> tuple[Segment, ...]:
        """The raw segments as :class:`Segment` values."""
        fromordinal = date.fromordinal
        return tuple(
            [
                Segment(
                    fromordinal(first),
                    fromordinal(last),
                    days,
                    half_bounds(index)[3],
                    principal,
                    rate,
                    numerator / (YEAR_366 if year_days == 366 else YEAR_365),
                    year_days,
                )
                for (
                    first,
                    last,
                    days,
                    index,
                    principal,
                    rate,
                    numerator,
                    year_days,
                ) in self.raw
            ]
        )

    def used_halves(self) -> list[int]:
        """Half-year indexes whose rate this invoice used."""
        if self.b2g_rate is not None:
            return [_half_index(self.start)]
        return sorted({item[3] for item in self.raw})


def _events(invoice: Invoice) -> list[tuple[int, bool, Decimal]]:
    """Payments and credit notes as ``(ordinal, is_payment, amount)`` by date,
    credit notes first on the same day (the order changes no figure)."""
    payments, notes = invoice.payments, invoice.credit_notes
    if not notes:
        if not payments:
            return []
        if len(payments) == 1:
            payment = payments[0]
            return [(payment.date.toordinal(), True, payment.amount)]
    events = [(note.date.toordinal(), False, note.amount_ttc) for note in notes]
    events.extend((pay.date.toordinal(), True, pay.amount) for pay in payments)
    events.sort()
    return events


def _after_evaluation_warning(day: int, is_payment: bool) -> str:
    when = date.fromordinal(day).isoformat()
    if is_payment:
        return _fr_en(
            f"Paiement du {when} postérieur à la date d'évaluation : ignoré",
            f"Payment of {when} after the evaluation date: ignored",
        )
    return _fr_en(
        f"Avoir du {when} postérieur à la date d'évaluation : ignoré",
        f"Credit note of {when} after the evaluation date: ignored",
    )


def _rate_notes(notes: dict[int, list[str]], halves) -> list[str]:
    result = []
    for index in halves:
        result.extend(notes.get(index, ()))
    return result


def judgment_surcharge_start(enforceable: date) -> date:
    """First day of the + 5 points surcharge (CMF L313-3).

    The two-month period runs from the day the judgment became enforceable and
    expires at the end of the day bearing the same number two months later (or
    the last day of that month; CPC 641 and 642); the surcharge applies from the
    next day: enforceable 15 March → surcharge from 16 May.
    """
    return date.fromordinal(add_months(enforceable, 2).toordinal() + 1)


# --------------------------------------------------------------- case


def _option_warnings(case: Case) -> list[str]:
    """Case-level warnings about options that do not apply to the regime."""
    warnings = []
    regime = case.customer_type
    has_contract = (
        case.contractual_rate_pct is not None
        or case.contractual_rate_clause is not None
    )
    if regime != B2B and has_contract:
        warnings.append(
            _fr_en(
                f"Taux ou clause contractuels ignorés en {regime} (régime légal)",
                f"Contractual rate or clause ignored for {regime} (statutory regime)",
            )
        )
    if regime != B2C and case.judgment_enforceable_date is not None:
        warnings.append(
            _fr_en(
                "Majoration de 5 points après jugement (CMF L313-3) réservée à "
                "l'intérêt légal (B2C) : date de jugement ignorée",
                "The 5-point post-judgment surcharge (CMF L313-3) applies to "
                "legal interest only (B2C): judgment date ignored",
            )
        )
    if regime == B2C:
        warnings.extend(_b2c_warnings(case))
    return warnings


def _b2c_warnings(case: Case) -> list[str]:
    warnings = []
    if case.mise_en_demeure_received is None and case.invoices:
        warnings.append(
            _fr_en(
                "Aucune mise en demeure reçue : pas d'intérêts légaux "
                "(C. civ. 1231-6, 1344-1)",
                "No formal notice received: no legal interest "
                "(Civil Code 1231-6, 1344-1)",
            )
        )
    costs = case.justified_recovery_costs_ht
    if costs is not None and costs > 0:
        warnings.append(
            _fr_en(
                "Frais de recouvrement non dus par un consommateur sans titre "
                "exécutoire (CPCE L111-8) : ignorés",
                "Recovery costs are not owed by a consumer without an enforceable "
                "title (CPCE L111-8): ignored",
            )
        )
    return warnings


def _aggregate(case: Case, results, warnings, rate_notes) -> CaseResult:
    """Case totals from the invoice results; invoice-specific warnings are
    prefixed with the invoice reference, rate warnings are listed once."""
    interest = indemnity = principal = paid = unpaid = claim = ZERO_CENTS
    days_late = 0
    all_warnings = list(warnings)
    for result in results:
        interest += result.interest_total
        indemnity += result.indemnity
        principal += result.principal_outstanding
        paid += result.interest_paid
        unpaid += result.interest_unpaid
        claim += result.total_claim
        if result.days_late > days_late:
            days_late = result.days_late
        for text in result.warnings:
            all_warnings.append(text if text in rate_notes else f"{result.ref}: {text}")
    additional = ZERO_CENTS
    costs = case.justified_recovery_costs_ht
    if case.customer_type != B2C and costs is not None and costs > indemnity:
        additional = costs - indemnity
    return CaseResult(
        interest_total=interest,
        indemnity_total=indemnity,
        additional_compensation=additional,
        principal_outstanding=principal,
        interest_paid=paid,
        interest_unpaid=unpaid,
        total_claim=claim + additional,
        days_late=days_late,
        invoices=results,
        warnings=tuple(dict.fromkeys(all_warnings)),
    )


# ---------------------------------------------------------------- API


def _checked(rate, half: HalfYear) -> Decimal:
    """A provider's answer, which must be a finite ``Decimal``."""
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise EngineError(
            "rates",
            f"Taux non décimal fourni pour le semestre {half}",
            f"Non-decimal rate given for half-year {half}",
        )
    return rate


def _provider(rates: RateProvider | None) -> RateProvider:
    """The provider to use: the shipped tables, a :class:`RateProvider`, or any
    object with ``ecb_rate`` and ``legal_rate`` (``confidence`` optional)."""
    if rates is None:
        return _default_rates()
    if not (
        callable(getattr(rates, "ecb_rate", None))
        and callable(getattr(rates, "legal_rate", None))
    ):
        raise EngineError(
            "rates", "Fournisseur de taux attendu", "Expected a rate provider"
        )
    return rates


def compute_case(case: Case, rates: RateProvider | None = None) -> CaseResult:
    """Interest, indemnities and total claim of ``case`` at its evaluation date.

    :param case: a :class:`~.model.Case` (valid by construction).
    :param rates: rate provider; the shipped tables when ``None``.
    :raises EngineError: not a case, or :class:`MissingRateError` naming the
        half-year whose rate is needed but absent.
    """
    if not isinstance(case, Case):
        raise EngineError("case", "Objet Case attendu", "Expected a Case object")
    provider = _provider(rates)
    with localcontext(CONTEXT):
        return _Runner(case, provider).run()


def compute_invoice(
    invoice: Invoice, case: Case, rates: RateProvider | None = None
) -> InvoiceResult:
    """Result of one ``invoice`` under the options of ``case`` (the invoices of
    ``case`` are not used). Case-level warnings are not included; the figures
    are the ones :func:`compute_case` gives for the same invoice."""
    if not isinstance(case, Case) or not isinstance(invoice, Invoice):
        raise EngineError(
            "case", "Objets Case et Invoice attendus", "Expected Case and Invoice"
        )
    provider = _provider(rates)
    with localcontext(CONTEXT):
        return _Runner(case, provider).invoice(invoice)


@dataclass(frozen=True, slots=True)
class RateInForce:
    """The annual late-payment rate of one half-year for a set of options.

    ``rate_pct``: percent; ``basis``: ``"statutory"`` (ECB + 10), ``"fixed"``
    (contractual rate), ``"3x_legal"`` (3 × legal rate: the clause, or a
    contract raised to the floor), ``"public"`` (ECB + 8), ``"legal"`` (legal
    interest rate, consumers); ``notes``: the warnings that rate brings.
    """

    half: HalfYear
    rate_pct: Decimal
    basis: str
    notes: tuple[str, ...] = ()


def rate_in_force(
    case: Case, half: HalfYear, rates: RateProvider | None = None
) -> RateInForce:
    """The rate a delay bears in ``half`` under the options of ``case`` (its
    invoices and dates are not used), as :func:`compute_case` applies it: what
    invoices and letters print as the applicable rate. For public buyers, the
    rate of a delay that started in ``half``.

    :raises MissingRateError: naming the half-year when its rates are absent.
    """
    if not isinstance(case, Case) or not isinstance(half, HalfYear):
        raise EngineError(
            "case", "Objets Case et HalfYear attendus", "Expected Case and HalfYear"
        )
    schedule = _Schedule(_provider(rates), _Schedule.key(case))
    with localcontext(CONTEXT):
        rate = schedule.rate(half.index)
    return RateInForce(
        half,
        rate,
        schedule.bases[half.index],
        tuple(schedule.notes.get(half.index, ())),
    )
