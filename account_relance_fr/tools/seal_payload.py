# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the seal of a reminder hashes: canonical JSON and SHA-256."""

import hashlib
import json


def sha256(data):
    return hashlib.sha256(data or b"").hexdigest()


def canonical(payload):
    """Canonical JSON: sorted keys, no spaces, UTF-8; what the seal hashes."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def load_payload(text):
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
