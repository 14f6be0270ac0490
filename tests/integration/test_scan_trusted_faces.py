"""A scan names the faces it already follows as trusted (issue 17): a weak detection on
one of them skips the CNN's second opinion, which confirmed it when it was first found.
The real dlib models on the astronaut portrait, whose mission patch is a weak HOG window
the CNN rejects (tests/integration/test_false_faces.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.recognition.media import load_rgb
from likeness.recognition.ports import Box

pytestmark = [pytest.mark.model]

ASTRONAUT = Path(__file__).parents[1] / "assets" / "faces" / "astronaut.png"
PATCH = Box(120, 330, 100, 100)  # around the patch's HOG window (about 126-215, 335-425)


def test_a_weak_window_on_a_trusted_face_is_kept_without_the_cnn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoder = DlibFaceEncoder()
    image = load_rgb(ASTRONAUT)
    checked: list[tuple[int, int, int, int]] = []
    confirmer = encoder._confirmer
    real = confirmer.confidence

    def counted(pixels: object, box: tuple[int, int, int, int]) -> float:
        checked.append(box)
        return real(pixels, box)

    monkeypatch.setattr(confirmer, "confidence", counted)  # a spy: the real check runs
    assert len(encoder.detect(image)) == 1  # the default: the patch is sent to the CNN
    assert len(checked) == 1
    checked.clear()
    face, patch = encoder.detect(image, trusted=[PATCH])
    assert face.clear and not patch.clear  # kept, as weak, and named so
    assert PATCH.x <= patch.box.x and patch.box.y >= PATCH.y
    assert checked == []  # no second opinion asked
    elsewhere = Box(300, 300, 100, 100)
    assert len(encoder.detect(image, trusted=[elsewhere])) == 1 and len(checked) == 1
