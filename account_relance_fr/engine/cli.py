# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Command line: ``python3 -m account_relance_fr.engine < case.json``.

Reads one case as JSON on standard input, prints the result as JSON on standard
output and exits 0. On bad input it prints exactly one line
``error: <field>: <message>`` on standard error and exits 2 (1 for an internal
error, which is a bug); it never prints a traceback. ``--compact`` prints the
JSON on one line.
"""

import json
import sys
from decimal import Decimal

from .errors import EngineError
from .parsing import parse_case
from .penalties import compute_case

__all__ = ["main", "run"]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
USAGE = "python3 -m account_relance_fr.engine [--compact] < case.json"


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error_line(field: str, message: str) -> str:
    return f"error: {_one_line(field)}: {_one_line(message)}\n"


def _load(data: bytes):
    """JSON document of ``data`` (numbers with a fraction become ``Decimal``)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EngineError(
            "input", "Entrée non UTF-8", "Input is not valid UTF-8"
        ) from None
    document = _parse_json(text)
    _check_unicode(document)
    return document


def _check_unicode(document) -> None:
    """Refuse strings holding a lone surrogate (``"\\ud800"`` is valid JSON but
    no valid text): they could not be written back as UTF-8."""
    try:
        json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise EngineError(
            "input",
            "Caractère Unicode invalide (substitut isolé)",
            "Invalid Unicode character (lone surrogate)",
        ) from None
    except (ValueError, RecursionError):
        raise EngineError(
            "input",
            "JSON invalide ou trop imbriqué",
            "Invalid or too deeply nested JSON",
        ) from None


def _parse_json(text: str):
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except _DuplicateKey as error:
        name = json.dumps(error.key, ensure_ascii=True)[:60]
        raise EngineError(name, "Champ en double", "Duplicate field") from None
    except json.JSONDecodeError as error:
        where = f"ligne {error.lineno} colonne {error.colno}"
        raise EngineError(
            "input",
            f"JSON invalide ({where})",
            f"Invalid JSON (line {error.lineno} column {error.colno})",
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise EngineError(
            "input",
            "JSON invalide ou trop imbriqué",
            "Invalid or too deeply nested JSON",
        ) from None


def run(data: bytes, compact: bool = False) -> tuple[int, str, str]:
    """Run the command on ``data``; return ``(exit code, stdout, stderr)``."""
    try:
        case = parse_case(_load(data))
        result = compute_case(case)
        indent = None if compact else 2
        output = json.dumps(result.to_dict(), ensure_ascii=False, indent=indent)
        return EXIT_OK, output + "\n", ""
    except EngineError as error:
        return EXIT_BAD_INPUT, "", _error_line(error.field, error.message)
    except Exception as error:  # noqa: BLE001 - the command never shows a traceback
        return (
            EXIT_INTERNAL,
            "",
            _error_line(
                "internal",
                f"Erreur interne / Internal error ({type(error).__name__})",
            ),
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python3 -m account_relance_fr.engine``."""
    args = sys.argv[1:] if argv is None else argv
    if any(arg not in ("--compact",) for arg in args):
        sys.stderr.buffer.write(
            _error_line("arguments", f"usage: {USAGE}").encode("utf-8")
        )
        sys.stderr.flush()
        return EXIT_BAD_INPUT
    try:
        data = sys.stdin.buffer.read()
    except (OSError, ValueError):
        data = b""
    code, out, err = run(data, compact="--compact" in args)
    if out:
        sys.stdout.buffer.write(out.encode("utf-8"))
        sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(err.encode("utf-8", "backslashreplace"))
        sys.stderr.flush()
    return code
