"""What a quality verdict costs against enrolling the same photo (the baseline).

Run: .venv/bin/python bench/bench_enrolment_check.py

The real dlib models on the packaged photos (tests/assets/faces), in process, after one
warm-up that loads the models. For each photo, best of three: ``EnrolmentService.check``
(the gates only: detection, landmarks, sharpness; nothing kept), ``enrol`` (the gates
again, the 128-d descriptor, sealing two vault files, the log entry) and the portal's
``POST /portal/enrolment/check`` (the upload held in memory, the check, the verdict
partial rendered) through a TestClient.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.domain.consent import Modality
from likeness.settings import load_settings
from tests.api_world import build_world
from tests.integration.test_portal import log_in

FACES = Path(__file__).resolve().parents[1] / "tests" / "assets" / "faces"
PHOTOS = ("obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.png")


def best_of_three(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(home=Path(folder) / "home")
        initialise(settings)
        services = build_services(settings)
        world = build_world(services)
        app = create_app(services, deliver_webhooks=False)  # production: Secure cookies
        http = TestClient(app, base_url="https://testserver", follow_redirects=False)
        token = log_in(http, "performer")
        enrolment = services.enrolment
        enrolment.check(FACES / PHOTOS[0], Modality.FACE)  # loads the models
        enrolment.enrol(world.performer_other, [FACES / PHOTOS[0]], Modality.FACE)

        def portal(path: Path) -> None:
            answer = http.post(
                "/portal/enrolment/check",
                headers={"HX-Request": "true", "X-CSRF-Token": token},
                data={"kind": "face"},
                files=[("files", (path.name, path.read_bytes(), "image/jpeg"))],
            )
            assert "accepted" in answer.text, answer.text

        print(f"{'photo':<14}{'enrol (ms)':>12}{'check (ms)':>12}{'ratio':>8}{'portal (ms)':>13}")
        for name in PHOTOS:
            path = FACES / name
            verdict = enrolment.check(path, Modality.FACE)
            assert verdict.accepted, verdict
            enrol = best_of_three(
                lambda p=path: enrolment.enrol(world.performer, [p], Modality.FACE)
            )
            check = best_of_three(lambda p=path: enrolment.check(p, Modality.FACE))
            over_http = best_of_three(lambda p=path: portal(p))
            print(
                f"{name:<14}{enrol * 1000:>12.0f}{check * 1000:>12.0f}"
                f"{check / enrol:>8.2f}{over_http * 1000:>13.0f}"
            )
        services.close()


if __name__ == "__main__":
    main()
