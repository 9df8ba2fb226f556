#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Generate the addon's ``README.rst`` and ``static/description/index.html`` from
its ``readme/*.md`` fragments, the way OCA's ``oca-gen-addon-readme`` does (that
generator is not on PyPI).

    python3 tools/readme.py           write both files
    python3 tools/readme.py --check   exit 1 when they are not up to date

Only OCA's fragment names are accepted (``FRAGMENTS``). The fragments are
Markdown (CommonMark): paragraphs, headings, bullet and numbered lists, emphasis,
inline code, links and code blocks; anything else cannot be written as
reStructuredText here and is refused with the fragment and line. The output
depends on the fragments and on a few manifest keys only (``MANIFEST_KEYS``), so
editing the manifest's ``data`` list never needs a regeneration; it carries no
date, so the same input always gives the same bytes.

Needs ``markdown-it-py`` (``requirements/dev.txt``): run by a Python without it,
the command runs itself again with the repository's ``.venv`` when there is one.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import html
import json
import os
import re
import sys
import textwrap
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADDON = ROOT / "account_relance_fr"

try:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode
except ImportError:  # pragma: no cover - depends on the interpreter
    _VENV = ROOT / ".venv"
    _VENV_PYTHON = _VENV / "bin" / "python"
    if _VENV_PYTHON.exists() and Path(sys.prefix).resolve() != _VENV.resolve():
        os.execv(_VENV_PYTHON, [str(_VENV_PYTHON), __file__, *sys.argv[1:]])
    sys.exit(
        "tools/readme.py needs markdown-it-py (requirements/dev.txt): run "
        "`python3 tools/dev.py test` once, or `python3 -m venv .venv && "
        ".venv/bin/pip install -r requirements/dev.txt`."
    )

# OCA's fragments (maintainer-tools gen_addon_readme.py), in the order of the
# generated README: (name, section title); DESCRIPTION opens the page untitled,
# CONTRIBUTORS and CREDITS go under "Credits".
FRAGMENTS = [
    ("DESCRIPTION", None),
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
    ("CONTRIBUTORS", "Contributors"),
    ("CREDITS", "Other credits"),
]
CREDIT_FRAGMENTS = {"CONTRIBUTORS", "CREDITS"}
MANIFEST_KEYS = (
    "name",
    "summary",
    "author",
    "website",
    "license",
    "development_status",
    "maintainers",
)
MATURITY_COLORS = {
    "alpha": "red",
    "beta": "yellow",
    "production/stable": "green",
    "mature": "brightgreen",
}
LICENSE_URLS = {
    "AGPL-3": "https://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "LGPL-3": "https://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "GPL-3": "https://www.gnu.org/licenses/gpl-3.0-standalone.html",
}
STATUS_URL = "https://odoo-community.org/page/development-status"
ALPHA_WARNING = (
    "This addon is an alpha version: its data model and design may change at "
    "any time without warning. Use it for development and testing, not in "
    "production."
)
# Underlines of the README.rst levels: page title (over and under), sections,
# then the headings inside a fragment and the sub-sections of "Credits".
TITLE_CHAR, SECTION_CHAR = "=", "="
SUB_CHARS = "-~^"


class ReadmeError(Exception):
    """A fragment or manifest that cannot be rendered: one clear line."""


# ----------------------------------------------------------------- inputs


def read_addon(addon: Path) -> tuple[dict, dict[str, str]]:
    """The manifest keys used and the fragments, checked against OCA's list."""
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text("utf-8"))
    meta = {key: manifest.get(key) for key in MANIFEST_KEYS}
    if not meta["name"]:
        raise ReadmeError(f"{addon.name}/__manifest__.py has no name")
    known = [name for name, _title in FRAGMENTS]
    fragments = {}
    readme = addon / "readme"
    for path in sorted(readme.iterdir()) if readme.is_dir() else []:
        if path.suffix != ".md" or path.stem not in known:
            raise ReadmeError(
                f"{addon.name}/readme/{path.name} is not an OCA readme fragment "
                f"(expected one of {', '.join(n + '.md' for n in known)})"
            )
        fragments[path.stem] = path.read_text("utf-8")
    if not fragments.get("DESCRIPTION", "").strip():
        raise ReadmeError(f"{addon.name}/readme/DESCRIPTION.md is missing or empty")
    return meta, fragments


def source_digest(meta: dict, fragments: dict[str, str]) -> str:
    payload = json.dumps([meta, fragments], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def authors(meta: dict) -> list[str]:
    return [a.strip() for a in (meta["author"] or "").split(",") if a.strip()]


def github_repo(meta: dict) -> str | None:
    """``owner/name`` when the website is a GitHub repository."""
    match = re.fullmatch(
        r"https://github\.com/([\w.-]+/[\w.-]+?)/?", meta["website"] or ""
    )
    return match.group(1) if match else None


def shields(text: str) -> str:
    """Escape a static shields.io badge segment."""
    return text.replace("-", "--").replace("_", "__").replace(" ", "%20")


def badges(meta: dict) -> list[tuple[str, str, str]]:
    """(image, target, alt) of the badges shown under the title."""
    result = []
    status = meta["development_status"]
    if status:
        color = MATURITY_COLORS.get(status.lower(), "lightgrey")
        image = shields(status).replace("/", "%2F")
        result.append(
            (
                f"https://img.shields.io/badge/maturity-{image}-{color}.png",
                STATUS_URL,
                status,
            )
        )
    lic = meta["license"]
    if lic:
        result.append(
            (
                f"https://img.shields.io/badge/license-{shields(lic)}-blue.png",
                LICENSE_URLS.get(lic, STATUS_URL),
                f"License: {lic}",
            )
        )
    repo = github_repo(meta)
    if repo:
        result.append(
            (
                "https://img.shields.io/badge/github-"
                f"{shields(repo).replace('/', '%2F')}-lightgray.png?logo=github",
                meta["website"],
                repo,
            )
        )
    return result


def parse(name: str, text: str) -> list:
    """Tokens of a fragment, its headings moved under the section's heading."""
    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(text)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = 3 - min(levels) if levels else 0
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1]) + shift
            if level > 2 + len(SUB_CHARS):
                raise ReadmeError(
                    f"readme/{name}.md: line {token.map[0] + 1 if token.map else '?'}:"
                    " headings nested too deep"
                )
            token.tag = f"h{level}"
    return tokens


# ------------------------------------------------------------------- HTML


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def html_fragment(name: str, text: str) -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return md.renderer.render(parse(name, text), md.options, {}).strip()


def render_html(meta: dict, fragments: dict[str, str], digest: str) -> str:
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8" />',
        "<!-- Generated by tools/readme.py from readme/*.md: edit the fragments, "
        "then run python3 tools/readme.py. -->",
        f'<meta name="source-digest" content="{digest}" />',
        f"<title>{esc(meta['name'])}</title>",
        "<style>",
        "body { font-family: sans-serif; line-height: 1.45; margin: 0 auto;"
        " max-width: 60em; padding: 0 1em; color: #222; }",
        "code, pre { background: #f4f4f4; } pre { padding: 0.5em; overflow: auto; }",
        ".summary { font-size: 1.15em; }",
        ".alert { border: 1px solid #d9534f; padding: 0.5em 1em; }",
        "</style>",
        "</head>",
        "<body>",
        '<div class="document">',
        f'<h1 class="title">{esc(meta["name"])}</h1>',
    ]
    if meta["summary"]:
        out.append(f'<p class="summary">{esc(meta["summary"])}</p>')
    out.append(
        "<p>"
        + " ".join(
            f'<a href="{esc(target)}"><img alt="{esc(alt)}" src="{esc(image)}" /></a>'
            for image, target, alt in badges(meta)
        )
        + "</p>"
    )
    out.append(html_fragment("DESCRIPTION", fragments["DESCRIPTION"]))
    if (meta["development_status"] or "").lower() == "alpha":
        out.append(f'<p class="alert"><strong>Important:</strong> {ALPHA_WARNING}')
        out.append(f'<a href="{STATUS_URL}">More about development status</a>.</p>')
    sections = []
    for name, title in FRAGMENTS:
        if title and name in fragments and name not in CREDIT_FRAGMENTS:
            sections.append((title, html_fragment(name, fragments[name])))
    repo = github_repo(meta)
    if repo:
        issues = f"https://github.com/{repo}/issues"
        sections.append(
            (
                "Bug Tracker",
                f'<p>Bugs are tracked on <a href="{issues}">GitHub Issues</a>. '
                "Please check there whether your issue has already been reported "
                "before opening a new one.</p>",
            )
        )
    sections.append(("Credits", html_credits(meta, fragments)))
    out.append('<div class="contents"><p><strong>Table of contents</strong></p><ul>')
    out += [f'<li><a href="#{slug(t)}">{esc(t)}</a></li>' for t, _body in sections]
    out.append("</ul></div>")
    for title, body in sections:
        out.append(f'<div class="section" id="{slug(title)}">')
        out.append(f"<h2>{esc(title)}</h2>")
        out.append(body)
        out.append("</div>")
    out += ["</div>", "</body>", "</html>", ""]
    return "\n".join(out)


def html_credits(meta: dict, fragments: dict[str, str]) -> str:
    esc = html.escape
    out = []
    if authors(meta):
        out.append("<h3>Authors</h3>")
        out.append(
            "<ul>" + "".join(f"<li>{esc(a)}</li>" for a in authors(meta)) + "</ul>"
        )
    for name, title in FRAGMENTS:
        if name in CREDIT_FRAGMENTS and name in fragments:
            out.append(f"<h3>{esc(title)}</h3>")
            out.append(html_fragment(name, fragments[name]))
    out.append("<h3>Maintainers</h3>")
    logins = meta["maintainers"] or []
    if logins:
        links = ", ".join(
            f'<a href="https://github.com/{esc(login)}">{esc(login)}</a>'
            for login in logins
        )
        out.append(
            f"<p>Current maintainer{'s' if len(logins) > 1 else ''}: {links}</p>"
        )
    repo = github_repo(meta)
    if repo:
        out.append(
            f'<p>This addon is part of the <a href="{esc(meta["website"])}">'
            f"{esc(repo)}</a> project on GitHub. You are welcome to contribute.</p>"
        )
    return "\n".join(out)


# ------------------------------------------------------ reStructuredText

BEFORE_MARKUP = set("-:/'\"<([{")
AFTER_MARKUP = set("-.,:;!?\\/'\")]}>")
PARAGRAPH_START = re.compile(r"([-+*:|>]|\d+[.)]|[A-Za-z][.)]|\(|#\.)(\s|$)")


def _punct(char: str, categories: str) -> bool:
    return ord(char) > 127 and unicodedata.category(char) in categories.split()


def ok_before_markup(char: str) -> bool:
    """May inline markup start right after ``char`` (docutils' rules)?"""
    return char.isspace() or char in BEFORE_MARKUP or _punct(char, "Pd Po Ps Pi Pf")


def ok_after_markup(char: str) -> bool:
    return char.isspace() or char in AFTER_MARKUP or _punct(char, "Pd Po Pe Pi Pf")


def rst_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*`|])", r"\\\1", text)
    return re.sub(r"_(?![0-9A-Za-z])", r"\\_", text)


class RstWriter:
    """reStructuredText for the subset of Markdown the fragments may use."""

    def __init__(self, name: str):
        self.name = name

    def fail(self, node, what: str):
        line = node.map[0] + 1 if node.map else "?"
        raise ReadmeError(
            f"readme/{self.name}.md: line {line}: {what} cannot be written to "
            "README.rst (use paragraphs, headings, lists, emphasis, code and links)"
        )

    # Inline content: segments of plain text and of markup, joined with the
    # escaped spaces docutils needs around markup glued to a word.
    def inline(self, node) -> str:
        segments = []
        for child in node.children:
            segments += self.inline_segments(child)
        out = ""
        for index, (is_markup, text) in enumerate(segments):
            if is_markup:
                if out and not ok_before_markup(out[-1]):
                    out += "\\ "
                out += text
                following = segments[index + 1][1] if index + 1 < len(segments) else ""
                if following and not ok_after_markup(following[0]):
                    out += "\\ "
            else:
                out += text
        return out

    def plain(self, node) -> str:
        if node.type in ("text", "code_inline"):
            return node.content
        if node.type in ("softbreak", "hardbreak"):
            return "\n"
        return "".join(self.plain(child) for child in node.children)

    def inline_segments(self, node) -> list[tuple[bool, str]]:
        kind = node.type
        if kind == "text":
            return [(False, rst_escape(node.content))]
        if kind in ("softbreak", "hardbreak"):
            return [(False, "\n")]
        if kind == "code_inline":
            code = node.content.strip()
            if "``" in code or not code:
                self.fail(node, "this inline code")
            return [(True, f"``{code}``")]
        if kind in ("em", "strong"):
            mark = "*" if kind == "em" else "**"
            return [(True, mark + rst_escape(self.plain(node)) + mark)]
        if kind == "link":
            href = node.attrs["href"]
            label = self.plain(node)
            if label == href or label == href.removeprefix("mailto:"):
                return [(True, f"`<{href}>`__")]
            label = re.sub(r"([`<\\])", r"\\\1", label)
            return [(True, f"`{label} <{href}>`__")]
        self.fail(node, kind)
        return []

    def blocks(self, nodes) -> list[str]:
        lines: list[str] = []
        for node in nodes:
            block = self.block(node)
            if lines and block:
                lines.append("")
            lines += block
        return lines

    def block(self, node) -> list[str]:
        kind = node.type
        if kind == "paragraph":
            text = self.inline(node.children[0])
            if PARAGRAPH_START.match(text):
                text = "\\" + text
            if text.endswith("::"):
                text = text[:-1] + "\\:"
            return [line.rstrip() for line in text.split("\n")]
        if kind == "heading":
            title = self.inline(node.children[0]).replace("\n", " ")
            char = SUB_CHARS[int(node.tag[1]) - 3]
            return [title, char * len(title)]
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if kind in ("fence", "code_block"):
            code = node.content.rstrip("\n").split("\n")
            return ["::", "", *(("    " + line).rstrip() for line in code)]
        self.fail(node, kind.replace("_", " "))
        return []

    def list_block(self, node) -> list[str]:
        number = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 0
        items = []
        for item in node.children:
            marker = f"{number}." if number else "-"
            number += 1 if number else 0
            body = self.blocks(item.children) or [""]
            pad = " " * (len(marker) + 1)
            items.append(
                [f"{marker} {body[0]}".rstrip()]
                + [(pad + line) if line else "" for line in body[1:]]
            )
        spaced = any("" in item for item in items)
        lines: list[str] = []
        for item in items:
            if lines and spaced:
                lines.append("")
            lines += item
        return lines


def rst_fragment(name: str, text: str) -> str:
    tree = SyntaxTreeNode(parse(name, text))
    return "\n".join(RstWriter(name).blocks(tree.children))


def rst_heading(title: str, char: str, overline: bool = False) -> list[str]:
    rule = char * len(title)
    return [rule, title, rule] if overline else [title, rule]


def render_rst(meta: dict, fragments: dict[str, str], digest: str) -> str:
    out = rst_heading(meta["name"], TITLE_CHAR, overline=True)
    out += [
        "",
        "..",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "   !! This file is generated by tools/readme.py from          !!",
        "   !! readme/*.md: edit the fragments, then run               !!",
        "   !! python3 tools/readme.py (changes here are overwritten). !!",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        f"   !! source digest: {digest}",
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "",
    ]
    shown = badges(meta)
    for index, (image, target, alt) in enumerate(shown, 1):
        out += [
            f".. |badge{index}| image:: {image}",
            f"    :target: {target}",
            f"    :alt: {alt}",
        ]
    if shown:
        out += ["", " ".join(f"|badge{i}|" for i in range(1, len(shown) + 1)), ""]
    if meta["summary"]:
        out += [rst_escape(meta["summary"]), ""]
    out += [rst_fragment("DESCRIPTION", fragments["DESCRIPTION"]), ""]
    if (meta["development_status"] or "").lower() == "alpha":
        out += [
            ".. IMPORTANT::",
            textwrap.fill(
                ALPHA_WARNING, 79, initial_indent="   ", subsequent_indent="   "
            ),
            f"   `More about development status <{STATUS_URL}>`__",
            "",
        ]
    out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
    for name, title in FRAGMENTS:
        if title and name in fragments and name not in CREDIT_FRAGMENTS:
            out += rst_heading(title, SECTION_CHAR)
            out += ["", rst_fragment(name, fragments[name]), ""]
    repo = github_repo(meta)
    if repo:
        out += rst_heading("Bug Tracker", SECTION_CHAR)
        out += [
            "",
            f"Bugs are tracked on `GitHub Issues <https://github.com/{repo}/issues>`__.",
            "Please check there whether your issue has already been reported before",
            "opening a new one.",
            "",
        ]
    out += rst_heading("Credits", SECTION_CHAR) + [""]
    if authors(meta):
        out += rst_heading("Authors", SUB_CHARS[0]) + [""]
        out += [f"- {rst_escape(a)}" for a in authors(meta)] + [""]
    for name, title in FRAGMENTS:
        if name in CREDIT_FRAGMENTS and name in fragments:
            out += rst_heading(title, SUB_CHARS[0])
            out += ["", rst_fragment(name, fragments[name]), ""]
    out += rst_heading("Maintainers", SUB_CHARS[0]) + [""]
    logins = meta["maintainers"] or []
    if logins:
        plural = "s" if len(logins) > 1 else ""
        links = ", ".join(f"`{x} <https://github.com/{x}>`__" for x in logins)
        out += [f"Current maintainer{plural}: {links}", ""]
    if repo:
        out += [
            f"This addon is part of the `{repo} <{meta['website']}>`__ project on",
            "GitHub. You are welcome to contribute.",
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------- command


def generated(addon: Path) -> dict[Path, str]:
    """Path -> expected content of every generated file."""
    meta, fragments = read_addon(addon)
    digest = source_digest(meta, fragments)
    return {
        addon / "README.rst": render_rst(meta, fragments, digest),
        addon / "static" / "description" / "index.html": render_html(
            meta, fragments, digest
        ),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a generated file is not up to date",
    )
    parser.add_argument(
        "--addon", type=Path, default=DEFAULT_ADDON, help="addon directory"
    )
    args = parser.parse_args(argv)
    addon = args.addon.resolve()
    try:
        files = generated(addon)
    except ReadmeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = []
    for path, content in files.items():
        current = path.read_text("utf-8") if path.is_file() else None
        if current == content:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8"))
    names = ", ".join(p.relative_to(addon.parent).as_posix() for p in stale)
    if args.check and stale:
        print(
            f"error: {names} {'is' if len(stale) == 1 else 'are'} not up to date "
            f"with {addon.name}/readme/*.md "
            "(or the manifest's name, summary, author, website, license, "
            "development_status, maintainers): run `python3 tools/readme.py` "
            "and commit the result.",
            file=sys.stderr,
        )
        return 1
    if not args.check:
        print(f"written: {names}" if stale else "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
