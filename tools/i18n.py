#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Translations of account_relance_fr (standard library + GNU gettext).

    python3 tools/i18n.py export --db DB   regenerate i18n/account_relance_fr.pot
                                           from a database where the addon is
                                           installed, and merge it into fr.po
    python3 tools/i18n.py check            fail unless fr.po translates every
                                           message of the .pot (no fuzzy entry)

``export`` runs Odoo's own exporter (``odoo --i18n-export``) with the Odoo
interpreter and configuration the test command prepared (``.venv-odoo``,
``.odoo/test.conf``); new messages are added to fr.po untranslated, obsolete
ones are dropped.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "account_relance_fr" / "i18n"
POT = I18N / "account_relance_fr.pot"
FR = I18N / "fr.po"
_DATE_LINE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)


def po_entries(text: str) -> list[dict]:
    """The entries of a PO file: ``{msgid, msgstr, fuzzy}`` (header excluded)."""
    entries, current, key = [], None, None
    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current and current.get("msgid"):
                entries.append(current)
            current, key = None, None
            continue
        if current is None:
            current = {"msgid": "", "msgstr": "", "fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            current["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ")):
            key, _sep, value = line.partition(" ")
            current[key] = _unquote(value)
        elif line.startswith('"') and key:
            current[key] += _unquote(line)
    return entries


def _unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def problems() -> list[str]:
    """What fr.po lacks: untranslated, fuzzy or missing messages of the .pot."""
    wanted = {entry["msgid"] for entry in po_entries(POT.read_text())}
    french = {entry["msgid"]: entry for entry in po_entries(FR.read_text())}
    found = []
    for msgid in sorted(wanted):
        entry = french.get(msgid)
        if entry is None:
            found.append(f"missing from fr.po: {msgid[:80]!r}")
        elif entry["fuzzy"]:
            found.append(f"fuzzy in fr.po: {msgid[:80]!r}")
        elif not entry["msgstr"]:
            found.append(f"untranslated in fr.po: {msgid[:80]!r}")
    return found


def export(db: str) -> int:
    python = ROOT / ".venv-odoo" / "bin" / "python"
    conf = ROOT / ".odoo" / "test.conf"
    if not python.exists() or not conf.exists():
        print("run `python3 tools/dev.py test` once first (it prepares Odoo)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "account_relance_fr.pot"
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
                f"--i18n-export={pot}",
                "--modules=account_relance_fr",
                "--stop-after-init",
            ],
            check=True,
        )
        # Keep the files stable between exports: no creation dates.
        POT.write_text(_DATE_LINE.sub("", pot.read_text()).replace("\n\n\n", "\n\n"))
    subprocess.run(
        [
            "msgmerge",
            "--quiet",
            "--no-wrap",
            "--no-fuzzy-matching",
            "--update",
            "--backup=none",
            FR,
            POT,
        ],
        check=True,
    )
    subprocess.run(
        ["msgattrib", "--no-wrap", "--no-obsolete", "-o", FR, FR], check=True
    )
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
    print(f"fr.po: {len(missing)} message(s) of the .pot not translated")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
