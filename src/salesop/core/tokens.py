"""Secret tokens in links and keys: only their hash is stored, so a copy of the database
opens nothing."""

import hashlib


def token_hash(raw: str) -> str:
    return hashlib.sha256((raw or "").encode()).hexdigest()
