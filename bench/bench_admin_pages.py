"""What the administration pages cost to render against a registry of some size.

Run: .venv/bin/python bench/bench_admin_pages.py [performers] [accounts]

In process (a TestClient, no network), fast encoders: the test world plus ``performers``
imported from a roster (one in 50 enrolled by face, so the retention page has holdings)
and ``accounts`` extra accounts, half of them with a portal login. Each page is fetched
by a signed-in admin, best of three; the baseline is the admin's dashboard (``/portal``:
the status counts and every consent), measured in the same run.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.domain.account import Role
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from likeness.testing.media import RED, Block, face_image
from tests.api_world import PASSWORD, build_world

PAGES = (
    "/portal",  # the baseline
    "/portal/admin",
    "/portal/admin/accounts",
    "/portal/admin/accounts/{account}",
    "/portal/admin/performers",
    "/portal/admin/productions",
    "/portal/admin/webhooks",
    "/portal/admin/retention",
)


def best_of_three(http: TestClient, url: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        answer = http.get(url)
        best = min(best, time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code)
    return best


def main(performers: int, accounts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = load_settings(home=root / "home")
        initialise(settings)
        services = build_services(settings, encoders=fake_encoders())
        world = build_world(services)
        roster = root / "roster.csv"
        rows = [
            ",".join(("legal_name", "professional_name", "union", "member_number", "date_of_birth"))
        ]
        rows += [f"Performer {i},,,,1980-01-01" for i in range(performers)]
        roster.write_text("\n".join(rows) + "\n")
        ids = services.registry.import_performers(roster).performer_ids
        photo = face_image(root / "face.png", [Block(RED)])
        for performer in ids[::50]:
            services.enrolment.enrol(performer, [photo])
        for i in range(accounts):
            made = services.accounts.add_account(f"Account {i}", Role.AUDITOR)
            if i % 2 == 0:
                services.logins.set_password(made.id, f"account-{i}", PASSWORD)
        app = create_app(services, deliver_webhooks=False)
        http = TestClient(app, base_url="https://testserver", follow_redirects=False)
        form = http.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        http.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": csrf.group(1)},
        )
        print(
            f"{performers + 2} performers ({len(ids[::50])} enrolled), "
            f"{accounts + len(world.accounts)} accounts; best of 3, ms per page:"
        )
        baseline = 0.0
        for page in PAGES:
            url = page.format(account=world.accounts["production"])
            took = best_of_three(http, url)
            baseline = baseline or took
            print(f"  {page:<36} {1000 * took:8.1f}  {took / baseline:5.2f}x the dashboard")
        services.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [2000, 500][len(args) :]))
