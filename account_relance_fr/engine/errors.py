# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Exceptions of the late-payment engine.

Every message is bilingual, French first, then English, separated by `` / ``.
Every exception carries the input ``field`` it is about (a path such as
``invoices[2].payments[0].amount``), so the command line can print one line
``error: <field>: <message>``.
"""

__all__ = ["EngineError", "MissingRateError", "RateTableError"]


class EngineError(ValueError):
    """Bad input or missing data: the case cannot be computed.

    :param field: input field the error is about (``"invoices[0].due_date"``).
    :param message_fr: French text.
    :param message_en: English text.
    """

    def __init__(self, field: str, message_fr: str, message_en: str) -> None:
        self.field = field
        self.message_fr = message_fr
        self.message_en = message_en
        self.message = f"{message_fr} / {message_en}"
        super().__init__(self.message)


class MissingRateError(EngineError):
    """A rate needed by the computation is absent from the rate provider.

    ``half`` is the :class:`~.halfyear.HalfYear` concerned, ``label`` its text
    (``"2027-S1"``) and ``kind`` either ``"ecb"`` or ``"legal"``.
    """

    def __init__(self, half, kind: str = "ecb", category: str | None = None) -> None:
        self.half = half
        self.label = str(half)
        self.kind = kind
        self.category = category
        if kind == "ecb":
            message_fr = f"Taux BCE manquant pour le semestre {self.label}"
            message_en = f"Missing ECB rate for half-year {self.label}"
        else:
            fr_cat, en_cat = {
                "individual": ("particuliers", "individual creditor"),
                "other": ("autres cas", "other cases"),
            }.get(category or "other", ("autres cas", "other cases"))
            message_fr = (
                f"Taux d'intérêt légal ({fr_cat}) manquant pour le semestre "
                f"{self.label}"
            )
            message_en = (
                f"Missing legal interest rate ({en_cat}) for half-year {self.label}"
            )
        super().__init__("rates", message_fr, message_en)


class RateTableError(EngineError):
    """A row of a rate table (data file or Odoo records) is malformed."""
