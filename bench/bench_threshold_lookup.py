"""What reading the calibration in force costs each identification.

Run: .venv/bin/python bench/bench_threshold_lookup.py [--calls 3000]

The gallery reads the active calibration of the model with the templates at every
match (services/gallery.py), so that an activation in one server process is seen by
the others at their next answer. Measured on SQLite with the fake encoders (one
template; the search itself costs next to nothing, so the read is as visible as it can
be): ``GalleryService.match`` as it is, against the same gallery with the read replaced
by the settings' default (the baseline, same run, alternated).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.bootstrap import build_services, initialise
from likeness.domain.calibration import ThresholdInForce
from likeness.domain.consent import Modality
from likeness.services.inputs import PerformerInput
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from likeness.testing.media import RED, Block, face_image

EMBEDDING = (0.9, 0.3, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = load_settings(home=Path(scratch) / "home")
        initialise(settings)
        services = build_services(settings, encoders=fake_encoders())
        try:
            performer = services.registry.add_performer(
                PerformerInput(legal_name="A", date_of_birth=date(1970, 1, 1))
            ).value.id
            services.enrolment.enrol(performer, [face_image(Path(scratch) / "a.png", [Block(RED)])])
            gallery = services.gallery
            fixed = ThresholdInForce(Modality.FACE, "fake-face@1", 0.5, None)
            timings: dict[str, list[float]] = {"read": [], "baseline": []}
            for _ in range(3):
                for label in ("read", "baseline"):
                    if label == "baseline":
                        gallery._in_force = lambda connection, modality, model: fixed  # type: ignore[method-assign]
                    else:
                        gallery.__dict__.pop("_in_force", None)
                    gallery.match(Modality.FACE, "fake-face@1", EMBEDDING, frozenset())
                    start = time.perf_counter()
                    for _ in range(args.calls):
                        gallery.match(Modality.FACE, "fake-face@1", EMBEDDING, frozenset())
                    timings[label].append((time.perf_counter() - start) / args.calls)
        finally:
            services.close()
    read, base = min(timings["read"]), min(timings["baseline"])
    print(
        f"match with the calibration read {read * 1e6:.0f} us, baseline {base * 1e6:.0f} us "
        f"(same run, best of 3 x {args.calls}): +{(read - base) * 1e6:.0f} us, {read / base:.2f}x"
    )


if __name__ == "__main__":
    main()
