# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Static checks of the Odoo addon that need no Odoo: manifest, XML, CSV, layout."""

import ast
import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "account_relance_fr"
MANIFEST = ast.literal_eval((ADDON / "__manifest__.py").read_text())
XML_FILES = sorted(ADDON.rglob("*.xml"))
CSV_HEADER = [
    "id",
    "name",
    "model_id:id",
    "group_id:id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
]


def declared_models(abstract=False):
    """``_name`` of every model the addon creates (``abstract``: of its
    AbstractModels only), read from its Python sources."""
    names = set()
    sources = [*(ADDON / "models").rglob("*.py"), *(ADDON / "wizard").rglob("*.py")]
    for path in sources:
        tree = ast.parse(path.read_text())
        for cls in ast.walk(tree):
            if not isinstance(cls, ast.ClassDef):
                continue
            is_abstract = any(
                isinstance(base, ast.Attribute) and base.attr == "AbstractModel"
                for base in cls.bases
            )
            if abstract and not is_abstract:
                continue
            for node in cls.body:
                if (
                    isinstance(node, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "_name"
                        for t in node.targets
                    )
                    and isinstance(node.value, ast.Constant)
                ):
                    names.add(node.value.value)
    return names


def xml_ids_defined():
    ids = set()
    for path in XML_FILES:
        for node in etree.parse(str(path)).iter():
            if isinstance(node.tag, str) and node.get("id"):
                ids.add(node.get("id"))
    return ids


def test_manifest_keys():
    assert MANIFEST["license"] == "AGPL-3"
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", MANIFEST["version"])
    # l10n_fr_account: the French chart (the demo creditor keeps its books with it).
    assert MANIFEST["depends"] == [
        "account",
        "mail",
        "sms",
        "l10n_fr_account",
        "portal",
        "account_payment",
    ]
    # Each Python dependency is pinned in the Odoo venv's requirements.
    pinned = (ROOT / "requirements" / "odoo.txt").read_text()
    for name in MANIFEST.get("external_dependencies", {}).get("python", []):
        assert re.search(rf"^{re.escape(name)}==", pinned, re.M), name
    assert "description" not in MANIFEST
    assert MANIFEST["author"]


@pytest.mark.parametrize("key", ["data", "demo"])
def test_manifest_files_exist(key):
    for rel in MANIFEST.get(key, []):
        assert (ADDON / rel).is_file(), f"{key} file missing: {rel}"


def test_every_data_file_is_loaded():
    listed = set(MANIFEST.get("data", [])) | set(MANIFEST.get("demo", []))
    for folder in ("data", "views", "report", "security", "demo", "wizard"):
        for path in (ADDON / folder).glob("*.xml"):
            rel = path.relative_to(ADDON).as_posix()
            assert rel in listed, f"{rel} is not in the manifest"


def test_security_loaded_before_views():
    data = MANIFEST["data"]
    assert data[0].startswith("security/"), "groups must load first"
    first_view = next((i for i, f in enumerate(data) if f.startswith("views/")), None)
    if first_view is not None:
        assert data.index("security/ir.model.access.csv") < first_view


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.name)
def test_xml_well_formed_odoo18(path):
    tree = etree.parse(str(path))
    assert tree.getroot().tag == "odoo"
    text = path.read_text()
    assert not re.search(r"<tree[\s>]", text), "Odoo 18 uses <list>, not <tree>"
    assert " attrs=" not in text and " states=" not in text, "attrs/states gone in 17+"
    assert "oe_chatter" not in text, "use <chatter/> in Odoo 18"
    assert "t-esc=" not in text and "t-raw=" not in text, "use t-out"


def test_access_csv():
    path = ADDON / "security" / "ir.model.access.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == CSV_HEADER
    models = {"model_" + name.replace(".", "_") for name in declared_models()}
    local_ids = xml_ids_defined()
    seen = set()
    for row in rows[1:]:
        rec = dict(zip(CSV_HEADER, row, strict=True))
        assert rec["id"] not in seen, f"duplicate id {rec['id']}"
        seen.add(rec["id"])
        model_ref = rec["model_id:id"]
        assert model_ref in models, f"{model_ref} is not a model of the addon"
        group = rec["group_id:id"]
        assert "." in group or group in local_ids, f"unknown group {group}"
        for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
            assert rec[perm] in ("0", "1")
    abstract = {
        "model_" + name.replace(".", "_") for name in declared_models(abstract=True)
    }
    for model in models - abstract:
        assert any(r[2] == model for r in rows[1:]), f"no access rule for {model}"


def test_engine_has_no_odoo_import():
    for path in (ADDON / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "odoo" or n.startswith("odoo.") for n in names), path


def test_engine_importable_without_odoo():
    code = (
        "import sys; sys.modules['odoo'] = None; "
        "import account_relance_fr.engine, account_relance_fr; "
        "assert 'account_relance_fr.models' not in sys.modules"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_one_file_per_model():
    for path in (ADDON / "models").glob("*.py"):
        tree = ast.parse(path.read_text())
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        assert len(classes) <= 1, f"{path.name} defines {len(classes)} models"
