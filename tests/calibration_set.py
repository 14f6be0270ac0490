"""A labelled calibration folder built from the packaged photos (tests/assets/SOURCES.md),
and each file's dlib vector computed with dlib directly (not through the encoder under
test): Obama (3 photos), the woman in sample1/sample3 (2), Biden (1), and every other
face of the group photos cropped as a one-photo person (impostor pairs only). Used by
tests/integration/test_calibration_faces.py and bench/accuracy/calibration.py."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

FACES = Path(__file__).parent / "assets" / "faces"
GROUPS = (*(f"sample{i}.jpg" for i in range(1, 7)), "friends_t1.jpg")
WOMAN_IN_SAMPLE1_X = 1455  # her box's left edge in sample1.jpg (full size)
MAX_SIDE = 1280  # the encoder detects on copies at most this size: keep every file below


class Dlib:
    """dlib's own HOG detector, 5-point landmarks and ResNet, used directly."""

    def __init__(self) -> None:
        import dlib
        import face_recognition_models as weights

        self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(weights.pose_predictor_five_point_model_location())
        self.resnet = dlib.face_recognition_model_v1(weights.face_recognition_model_location())

    def boxes(self, image: Any) -> list[Any]:
        return list(self.detector(image, 1))

    def vector(self, image: Any, box: Any) -> np.ndarray:
        shape = self.landmarks(image, box)
        return np.array(self.resnet.compute_face_descriptor(image, shape))


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        picture = ImageOps.exif_transpose(image).convert("RGB")
        scale = min(1.0, MAX_SIDE / max(picture.size))
        if scale < 1.0:
            picture = picture.resize((int(picture.width * scale), int(picture.height * scale)))
        return np.asarray(picture)


def _save_crop(image: np.ndarray, box: Any, out: Path, margin: float = 0.5) -> Path:
    from PIL import Image

    w, h = box.width(), box.height()
    top, left = max(0, int(box.top() - margin * h)), max(0, int(box.left() - margin * w))
    bottom, right = int(box.bottom() + margin * h), int(box.right() + margin * w)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image[top:bottom, left:right]).save(out)
    return out


def build_folder(root: Path, dlib: Dlib) -> dict[str, list[np.ndarray]]:
    """The labelled folder, and each file's vector computed here (person -> vectors).
    A crop is kept only when dlib finds exactly one face in it (a calibration photo
    must show one person)."""
    vectors: dict[str, list[np.ndarray]] = {}

    def keep(label: str, image: np.ndarray, box: Any, name: str) -> np.ndarray | None:
        path = _save_crop(image, box, root / label / f"{name}.png")
        crop = np.asarray(_rgb(path))
        found = dlib.boxes(crop)
        if len(found) != 1:
            path.unlink()
            return None
        vector = dlib.vector(crop, found[0])
        vectors.setdefault(label, []).append(vector)
        return vector

    for name, label in (("obama", "obama"), ("obama2", "obama"), ("obama3", "obama")):
        image = _rgb(FACES / f"{name}.jpg")
        [box] = dlib.boxes(image)
        assert keep(label, image, box, name) is not None
    image = _rgb(FACES / "biden.jpg")
    [box] = dlib.boxes(image)
    assert keep("biden", image, box, "biden") is not None

    scale1 = MAX_SIDE / 1920
    woman: np.ndarray | None = None
    sample3: list[tuple[Any, np.ndarray]] = []
    for photo in GROUPS:
        image = _rgb(FACES / photo)
        for i, box in enumerate(dlib.boxes(image)):
            if photo == "sample1.jpg" and abs(box.left() - WOMAN_IN_SAMPLE1_X * scale1) < 20:
                woman = keep("woman", image, box, "sample1")
                assert woman is not None
            elif photo == "sample3.jpg":
                sample3.append((box, dlib.vector(image, box)))
            else:
                keep(f"{Path(photo).stem}-{i}", image, box, "face")
    assert woman is not None
    # her second photo: the sample3 face nearest her sample1 face (0.42 in the probe)
    image = _rgb(FACES / "sample3.jpg")
    nearest = min(range(len(sample3)), key=lambda k: np.linalg.norm(sample3[k][1] - woman))
    for k, (box, _) in enumerate(sample3):
        keep("woman" if k == nearest else f"sample3-{k}", image, box, "sample3")
    assert len(vectors["woman"]) == 2 and len(vectors["obama"]) == 3
    return vectors


def distances(vectors: dict[str, list[np.ndarray]]) -> tuple[list[float], list[float]]:
    labelled = [(label, v) for label, vs in vectors.items() for v in vs]
    genuine: list[float] = []
    impostor: list[float] = []
    for (a, u), (b, v) in itertools.combinations(labelled, 2):
        (genuine if a == b else impostor).append(float(np.linalg.norm(u - v)))
    return sorted(genuine), sorted(impostor)
