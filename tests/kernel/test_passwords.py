"""Password hashes (kernel/passwords.py) in the stored format: the hashes Werkzeug wrote before (every user's
so far) still match, ours match in Werkzeug, and nothing that is not a hash matches any password."""
from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from casecoder.kernel.passwords import hash_password, password_matches


def test_a_new_hash_is_scrypt_with_a_salt_and_matches_only_its_password():
    stored = hash_password("Sommerhus æøå 2026")
    method, salt, digest = stored.split("$")
    assert method == "scrypt:32768:8:1" and len(salt) == 16 and len(digest) == 128
    assert password_matches(stored, "Sommerhus æøå 2026")
    assert not password_matches(stored, "Sommerhus æøå 2025")
    assert hash_password("x") != hash_password("x")  # a new salt each time


@pytest.mark.parametrize("method", ["scrypt", "scrypt:16384:8:1", "pbkdf2:sha256:1000", "pbkdf2:sha512:2000"])
def test_hashes_werkzeug_wrote_still_match(method):
    stored = generate_password_hash("hemmeligt-kodeord", method=method)
    assert password_matches(stored, "hemmeligt-kodeord")
    assert not password_matches(stored, "hemmeligt-kodeord ")


def test_our_hashes_match_in_werkzeug():
    assert check_password_hash(hash_password("kodeord-ø"), "kodeord-ø")


@pytest.mark.parametrize("stored", ["", "!", "$", "a$b", "scrypt$$", "scrypt:x:8:1$salt$00", "md5$salt$00",
                                    "pbkdf2:nohash:10$salt$00"])
def test_anything_else_matches_no_password(stored):
    assert not password_matches(stored, "")
    assert not password_matches(stored, "kodeord")
