# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The French typography check of ``tools/i18n.py check``: what it finds in a
msgstr and in a template, and that the addon has none of it."""

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

polib = pytest.importorskip("polib")


def _i18n():
    spec = importlib.util.spec_from_file_location(
        "i18n_tool", ROOT / "tools" / "i18n.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


i18n = _i18n()


@pytest.mark.parametrize(
    "text",
    [
        "Intérêts (100 jours, 2e semestre 2026): 3 600,00 €",
        "%(company)s: saisir le taux",
        "Pourquoi?",
        "Attention!",
        "Taux BCE; taux légal",
        "au plus tard le 11 décembre 2026 .",
        "Durand SARL , Lyon",
        "<span>Objet:</span>",
        ": suite de la phrase",
    ],
)
def test_typography_errors_found(text):
    assert i18n.typography_errors(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Intérêts (100 jours, 2e semestre 2026) : 3 600,00 €",
        "%(company)s\u00a0: saisir le taux",
        "Pourquoi\u202f?",
        " ; C. com. art. L441-10).",
        "Bonjour <t t-out=\"object.contact_id.name or ''\"/>,",
        '<span style="font-size: 9pt;">Objet :</span>',
        "Voir https://www.service-public.fr/particuliers/vosdroits/F783?x=1",
        "de 9:00 à 18:00",
        "{{ object.company_id.name }} : relance",
        "Taux de 12,15 % et 0.5",
        "A&amp;B, n&#176; 3",
    ],
)
def test_typography_correct_text_passes(text):
    assert i18n.typography_errors(text) == [], text


def test_template_punctuation_stuck_to_an_output(tmp_path, monkeypatch):
    addon = tmp_path / "account_relance_fr"
    addon.mkdir()
    (addon / "bad.xml").write_text(
        textwrap.dedent(
            """\
            <odoo><template id="t"><td>
                (<t t-out="seg['days']" /> <span>days</span>, <t t-out="seg['half']" />):
                <t t-out="seg['principal']" />
                <strong><t t-out="kind" />:</strong>
                <span>fine</span>
                :
                <span>fine: too</span>
            </td></template></odoo>
            """
        )
    )
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    found = i18n.template_typography(addon)
    assert len(found) == 2, found
    assert "bad.xml:2" in found[0] and "'):'" in found[0]
    assert "bad.xml:4" in found[1]


def test_the_addon_has_no_typography_error():
    french = polib.pofile(str(i18n.FR))
    assert i18n.typography(french) == []
    assert i18n.template_typography() == []
