#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Translations of account_relance_fr.

    python3 tools/i18n.py export --db DB   regenerate i18n/account_relance_fr.pot
                                           from a database where the addon is
                                           installed, and merge it into fr.po
    python3 tools/i18n.py check            fail unless fr.po translates every
                                           message of the .pot, without fuzzy
                                           entries, formatted as export writes it,
                                           with French typography (a space before
                                           ":" ";" "!" "?", none before "." ",")

``export`` runs Odoo's own exporter (``odoo --i18n-export``) with the Odoo
interpreter and configuration the test command prepared (``.venv-odoo``,
``.odoo/test.conf``); new messages are added to fr.po untranslated (to be
translated), obsolete ones are dropped. Both files are written sorted by
msgid and wrapped as polib writes them, which is OCA's po-pretty-format except
one rule: a French word equal to its English word ("Date", "Contact") is kept,
so that a French user reads French everywhere (OCA would empty it).

Needs polib (requirements/dev.txt); run with another interpreter, the command
runs itself again with the repository's ``.venv``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "account_relance_fr" / "i18n"
POT = I18N / "account_relance_fr.pot"
FR = I18N / "fr.po"
_VENV = ROOT / ".venv"

try:
    import polib
except ImportError:  # pragma: no cover - depends on the interpreter
    _PYTHON = _VENV / "bin" / "python"
    if _PYTHON.exists() and Path(sys.prefix).resolve() != _VENV.resolve():
        os.execv(_PYTHON, [str(_PYTHON), __file__, *sys.argv[1:]])
    sys.exit(
        "tools/i18n.py needs polib (requirements/dev.txt): run "
        "`python3 tools/dev.py test` once."
    )

# Dates that change at every export; not kept, so the files change only when
# their messages do.
DATED = ("POT-Creation-Date", "PO-Revision-Date")


def pretty(catalog: polib.POFile) -> str:
    """The catalog as it is committed: entries sorted by msgid, no dates."""
    catalog.sort(key=lambda entry: entry.msgid)
    for key in DATED:
        catalog.metadata.pop(key, None)
    return str(catalog)


# French typography (what a French reader notices first): a space (normal,
# no-break U+00A0 or narrow no-break U+202F) before ":" ";" "!" "?", none
# before "." or ",". Checked on the text of each msgstr, without what is not
# text: HTML tags and entities, QWeb/Jinja expressions, URLs, times (10:15),
# digits after a point or a comma (1.5, 2,5).
_NOT_TEXT = re.compile(
    r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|\{\{.*?\}\}|https?://\S+|\d:\d",
    re.DOTALL,
)
_NO_SPACE_BEFORE_HIGH = re.compile(r"(?:^|(?<=[^\s\u00a0\u202f]))[:;!?]")
_SPACE_BEFORE_LOW = re.compile(r"[ \u00a0\u202f][.,](?!\.\.|\d)")


def typography_errors(text: str) -> list[str]:
    """The French typography errors of ``text`` (a msgstr), each shown in
    its context: ``['…(100 jours, 2026-S2):…']``."""
    # What is not text stands for a word ("Bonjour <t t-out="name"/>," reads
    # "Bonjour ·,"), never for a space.
    plain = _NOT_TEXT.sub("·", text)
    found = []
    for pattern, rule in (
        (_NO_SPACE_BEFORE_HIGH, "no space before"),
        (_SPACE_BEFORE_LOW, "space before"),
    ):
        for match in pattern.finditer(plain):
            start = max(match.start() - 25, 0)
            context = plain[start : match.end() + 10].replace("\n", " ")
            found.append(f"{rule} {match.group().strip()!r}: …{context}…")
    return found


# Punctuation that no translation can reach: text of a template with no
# letter, stuck to what a QWeb directive prints ("<t t-out="half"/>):").
_STUCK_PUNCTUATION = re.compile(r"[)\]»]*[:;!?]")
_LETTER = re.compile(r"[^\W\d_]")


def template_typography(root: Path = ROOT / "account_relance_fr") -> list[str]:
    """Where a template of the addon prints ":" ";" "!" "?" right after a
    QWeb output in every language, so that French lacks its space: such
    punctuation belongs in a translated text (a Python message, or a term
    of the template)."""
    from lxml import etree

    found = []
    for path in sorted(root.rglob("*.xml")):
        for element in etree.parse(str(path)).iter():
            if not isinstance(element.tag, str):
                continue
            for text in (element.text, element.tail):
                if text and _STUCK_PUNCTUATION.match(text) and not _LETTER.search(text):
                    found.append(
                        f"typography in {path.relative_to(ROOT)}:{element.sourceline}:"
                        f" {text.strip()!r} printed right after a QWeb output (no"
                        " space before it in French): put it in a translated text"
                    )
    return found


def typography(catalog: polib.POFile) -> list[str]:
    """French typography errors of the translations of ``catalog``."""
    found = []
    for entry in catalog:
        if entry.obsolete or not entry.msgstr:
            continue
        label = re.sub(r"\s+", " ", entry.msgid)[:60]
        found += [
            f"typography in fr.po ({label!r}): {error}"
            for error in typography_errors(entry.msgstr)
        ]
    return found


def problems() -> list[str]:
    """What fr.po lacks: untranslated, fuzzy or missing messages of the .pot,
    and a formatting other than :func:`pretty`'s."""
    template = polib.pofile(str(POT))
    french = polib.pofile(str(FR))
    by_msgid = {entry.msgid: entry for entry in french if not entry.obsolete}
    found = []
    for wanted in template:
        entry = by_msgid.get(wanted.msgid)
        label = re.sub(r"\s+", " ", wanted.msgid)[:80]
        if entry is None:
            found.append(f"missing from fr.po: {label!r}")
        elif "fuzzy" in entry.flags:
            found.append(f"fuzzy in fr.po: {label!r}")
        elif not entry.msgstr:
            found.append(f"untranslated in fr.po: {label!r}")
    found += typography(french) + template_typography()
    for path, catalog in ((POT, template), (FR, french)):
        if path.read_text(encoding="utf-8") != pretty(catalog):
            found.append(f"{path.name} is not formatted as tools/i18n.py writes it")
    return found


def merge(template: polib.POFile, french: polib.POFile) -> polib.POFile:
    """fr.po for ``template``: the known translations kept, new messages
    untranslated, obsolete ones dropped (exact msgid matches only)."""
    known = {
        entry.msgid: entry
        for entry in french
        if not entry.obsolete and entry.msgstr and "fuzzy" not in entry.flags
    }
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = dict(french.metadata) or dict(template.metadata)
    merged.header = french.header or template.header
    for wanted in template:
        entry = polib.POEntry(
            msgid=wanted.msgid,
            msgstr=known[wanted.msgid].msgstr if wanted.msgid in known else "",
            occurrences=wanted.occurrences,
            comment=wanted.comment,
            tcomment=wanted.tcomment,
            flags=[flag for flag in wanted.flags if flag != "fuzzy"],
        )
        merged.append(entry)
    return merged


def export(db: str) -> int:
    python = ROOT / ".venv-odoo" / "bin" / "python"
    conf = ROOT / ".odoo" / "test.conf"
    if not python.exists() or not conf.exists():
        print("run `python3 tools/dev.py test` once first (it prepares Odoo)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        exported = Path(tmp) / "account_relance_fr.pot"
        subprocess.run(
            [
                python,
                "-m",
                "odoo",
                "-c",
                conf,
                "-d",
                db,
                "--log-level=warn",
                f"--i18n-export={exported}",
                "--modules=account_relance_fr",
                "--stop-after-init",
            ],
            check=True,
        )
        template = polib.pofile(str(exported), wrapwidth=78)
    french = merge(template, polib.pofile(str(FR)))
    POT.write_text(pretty(template), encoding="utf-8")
    FR.write_text(pretty(french), encoding="utf-8")
    missing = problems()
    print(f"{POT.name} written; fr.po merged; {len(missing)} message(s) to translate")
    for line in missing:
        print("  " + line)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("export").add_argument("--db", required=True)
    sub.add_parser("check")
    args = parser.parse_args(argv)
    if args.command == "export":
        return export(args.db)
    missing = problems()
    for line in missing:
        print(line)
    print(f"fr.po: {len(missing)} problem(s)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
