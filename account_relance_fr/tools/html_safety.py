# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A reminder's message is printed by wkhtmltopdf on the server: it must not
make the server fetch an address of the writer's choice."""

import re

import lxml.html

# Attributes that make wkhtmltopdf (or a mail client) load a resource.
_LOADING_ATTRIBUTES = ("src", "srcset", "href", "background", "poster", "data")
# Elements that load what their attribute points to (a link ``<a href>`` is
# only followed when clicked: kept).
_LOADING_TAGS = {
    "img",
    "image",
    "iframe",
    "frame",
    "embed",
    "object",
    "video",
    "audio",
    "source",
    "track",
    "link",
    "script",
    "input",
    "svg",
    "table",
    "td",
    "th",
    "body",
}
_CSS_URL = re.compile(r"url\s*\(|@import|expression\s*\(", re.IGNORECASE)


def _is_embedded(value):
    """Whether ``value`` names a resource inside the document itself (an
    inline ``data:`` image) rather than one to fetch."""
    return value.strip().lower().startswith("data:image/")


def strip_remote_resources(html):
    """``html`` without what would load a resource from elsewhere: elements
    whose ``src`` (and the like) is not an inline image, and styles with
    ``url(...)``. Plain text and links are kept."""
    if not html or not isinstance(html, str):
        return html
    if not re.search(r"<|&", html):
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    changed = False
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in ("script", "iframe", "frame", "embed", "object", "link"):
            element.drop_tree()
            changed = True
            continue
        if tag in _LOADING_TAGS:
            for attribute in _LOADING_ATTRIBUTES:
                value = element.get(attribute)
                if value is not None and not _is_embedded(value):
                    if tag == "img" and attribute == "src":
                        element.drop_tree()
                        changed = True
                        break
                    del element.attrib[attribute]
                    changed = True
        style = element.get("style")
        if style is not None and _CSS_URL.search(style):
            del element.attrib["style"]
            changed = True
    if not changed:
        return html
    return (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
