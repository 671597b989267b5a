"""Every failed login costs the same work (#22): exactly one scrypt password hash with the parameters of a
real user's hash, whether the user name is unknown, exists, is deactivated or was imported without a
login. Counted, not timed (a time belongs in bench/)."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest

from casecoder.coding import accounts
from tests.factories import PASSWORD


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The real hashlib.scrypt, each call's cost parameters noted (werkzeug calls it by module attribute)."""
    calls: list[dict[str, Any]] = []
    real = hashlib.scrypt

    def counted(password: bytes, **kwargs: Any) -> bytes:
        calls.append({k: kwargs[k] for k in ("n", "r", "p")})
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls


def test_every_failed_login_hashes_once_with_the_same_cost(session, factory, scrypt_calls):
    factory.user("eva")
    factory.user("gone").active = False
    session.add(accounts.user_without_login("imported"))
    session.flush()
    accounts.authenticate(session, "warm-up", "x")  # the dummy hash is made once per process
    scrypt_calls.clear()
    attempts = {"unknown": ("nobody", "wrong password"), "existing, wrong password": ("eva", "wrong password"),
                "deactivated, right password": ("gone", PASSWORD), "imported, no login": ("imported", PASSWORD),
                "imported, empty password": ("imported", ""), "leading space": (" nobody", "x")}
    costs = {}
    for what, (name, password) in attempts.items():
        before = len(scrypt_calls)
        assert accounts.authenticate(session, name, password) is None, what
        costs[what] = scrypt_calls[before:]
    scrypt_calls.clear()
    assert accounts.authenticate(session, "eva", PASSWORD) is not None
    real = list(scrypt_calls)
    assert len(real) == 1
    assert costs == {what: real for what in attempts}  # one hash each, the parameters of a real check


def test_the_dummy_hash_is_made_like_a_real_one(session, factory):
    eva = factory.user("eva")
    method = eva.password_hash.split("$")[0]
    assert accounts._dummy().split("$")[0] == method == "scrypt:32768:8:1"
    assert accounts._dummy() == accounts._dummy()  # made once
