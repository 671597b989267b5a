"""Password hashes in the stored format ``method$salt$hexdigest`` (the one Werkzeug writes, so every hash
stored so far keeps working), with the standard library only.

New hashes are scrypt (``scrypt:32768:8:1``, n=2**15, r=8, p=1, 64 bytes, a 16-character salt); a check also
reads ``pbkdf2:<hash>:<iterations>``. Anything else (``"!"``: a user without a login, an empty or broken
field) matches no password. The comparison takes the same time wherever the digests differ.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SALT_CHARS = string.ascii_letters + string.digits
SALT_LENGTH = 16
SCRYPT = (2**15, 8, 1)  # n, r, p: Werkzeug's default, the cost of every hash stored so far


def _digest(method: str, salt: str, password: str) -> str | None:
    """The hex digest of ``password`` by the method field of a stored hash, or None if it is not one."""
    name, *args = method.split(":")
    try:
        if name == "scrypt":
            n, r, p = (int(a) for a in args) if args else SCRYPT
            # hashlib.scrypt is looked up on the module at each call (tests count its calls)
            return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p,
                                  maxmem=132 * n * r * p).hex()
        if name == "pbkdf2":
            hash_name = args[0] if args else "sha256"
            iterations = int(args[1]) if len(args) > 1 else 1_000_000
            return hashlib.pbkdf2_hmac(hash_name, password.encode(), salt.encode(), iterations).hex()
    except (ValueError, TypeError):  # a malformed method field: no password matches it
        return None
    return None


def hash_password(password: str) -> str:
    """A new stored hash of ``password``: ``scrypt:32768:8:1$<salt>$<hex>``."""
    salt = "".join(secrets.choice(SALT_CHARS) for _ in range(SALT_LENGTH))
    n, r, p = SCRYPT
    method = f"scrypt:{n}:{r}:{p}"
    digest = _digest(method, salt, password)
    assert digest is not None
    return f"{method}${salt}${digest}"


def password_matches(stored: str, password: str) -> bool:
    """Does ``password`` match the stored hash? False for anything that is not a hash of ours."""
    if stored.count("$") < 2:
        return False
    method, salt, expected = stored.split("$", 2)
    digest = _digest(method, salt, password)
    return digest is not None and hmac.compare_digest(digest, expected)
