# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Fixtures of the engine tests. Puts the repository root and this folder on
``sys.path`` so the tests run with any pytest invocation and import mode."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from engine_helpers import build_case  # noqa: E402

from account_relance_fr.engine import load_default_rates, parse_case  # noqa: E402


@pytest.fixture(scope="session")
def rates():
    """The shipped rate tables."""
    return load_default_rates()


@pytest.fixture
def case_of():
    """``case_of(invoices=None, **options)`` -> parsed :class:`Case` (see
    :func:`engine_helpers.build_case` for the defaults)."""

    def make(invoices=None, **options):
        return parse_case(build_case(invoices, **options))

    return make
