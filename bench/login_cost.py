"""A failed login's time by kind of user name (#22 item 5): ``python bench/login_cost.py [--repeat N]``.

Times ``accounts.authenticate`` on a fresh SQLite database for an unknown name, an existing user with a
wrong password, a deactivated user and a user imported without a login (median and min-max in ms). They
should be alike: each is one scrypt check (tests/coding/test_login_cost.py counts the checks; this is
the figure, which a test must not assert).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from casecoder.coding import accounts  # noqa: E402
from casecoder.models import Base  # noqa: E402
from casecoder.models.engine import make_engine  # noqa: E402

CASES = {"unknown user name": "nobody", "existing user, wrong password": "eva",
         "deactivated user": "gone", "imported without login": "imported"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            accounts.create_user(session, "eva", "a long password")
            accounts.create_user(session, "gone", "a long password").active = False
            session.add(accounts.user_without_login("imported"))
            session.commit()
            accounts.authenticate(session, "warm-up", "x")
            print(f"{'failed login':32} {'median ms':>10} {'min-max ms':>14}")
            for label, name in CASES.items():
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    accounts.authenticate(session, name, "wrong password")
                    times.append((time.perf_counter() - start) * 1000)
                print(f"{label:32} {statistics.median(times):10.1f} {min(times):6.1f}-{max(times):<7.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
