# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""French spelling of the texts that name someone."""

import re

# "de" before a name that starts with a vowel (or a mute h is not guessed:
# "de Hénaff" stays) is elided: "d'Atelier Dupont", "d'Imprimerie Bernard".
_DE_VOWEL = re.compile(r"\b([dD])e (?=[AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouyàâäéèêëîïôöùûü])")


def elide(text, lang):
    """``text`` with the elisions French writes ("de Atelier" → "d'Atelier")
    when ``lang`` is French; any other text as it is."""
    if not text or not (lang or "").startswith("fr"):
        return text
    return _DE_VOWEL.sub(r"\1'", text)
