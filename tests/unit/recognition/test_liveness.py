"""The geometry under the liveness check (recognition/liveness.py), on constructed points
and a constructed texture whose true motion is known; and the phrase matcher."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from likeness.recognition import liveness
from likeness.recognition.phrase_check import heard_in_order

# A known homography: a card 1.2 focal lengths away, turned 30° about the vertical and
# 10° about the horizontal (H = K [r1 r2 t]).
FOCAL = 500.0


def card_homography(yaw: float, pitch: float) -> Any:
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    rotation = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]]) @ np.array(
        [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]]
    )
    camera = np.array([[FOCAL, 0, 320], [0, FOCAL, 240], [0, 0, 1]])
    return camera @ np.c_[rotation[:, 0], rotation[:, 1], [0, 0, 1.2 * FOCAL]]


def project(points: Any, matrix: Any) -> Any:
    mapped = (matrix @ np.c_[points, np.ones(len(points))].T).T
    return mapped[:, :2] / mapped[:, 2:]


def test_the_fitted_homography_is_the_true_one() -> None:
    truth = card_homography(np.radians(30), np.radians(10))
    grid = np.array([(x, y) for x in range(-60, 61, 30) for y in range(-80, 81, 40)], float)
    fitted = liveness.fit_homography(grid, project(grid, truth))
    np.testing.assert_allclose(fitted / fitted[2, 2], truth / truth[2, 2], rtol=1e-6, atol=1e-9)


def test_a_plane_leaves_no_residual_and_depth_does() -> None:
    """Points of a face-sized object 1.2 focal lengths away, turned 25°: flat, they fit
    one homography exactly; with a nose 0.4 and cheeks -0.3 eye distances deep (eye
    distance 60 px), they cannot."""
    xs, ys = np.meshgrid(np.linspace(-60, 60, 7), np.linspace(-70, 70, 7))
    flat = np.c_[xs.ravel(), ys.ravel(), np.zeros(xs.size)]
    deep = flat.copy()
    deep[:, 2] = 24 * np.exp(-(flat[:, 0] ** 2) / 400) - 18 * (np.abs(flat[:, 0]) / 60) ** 2

    def seen(points: Any, yaw: float) -> Any:
        c, s = np.cos(yaw), np.sin(yaw)
        x = points[:, 0] * c + points[:, 2] * s
        z = -points[:, 0] * s + points[:, 2] * c + 1.2 * FOCAL
        return np.c_[FOCAL * x / z, FOCAL * points[:, 1] / z]

    front_flat, front_deep = seen(flat, 0.0), seen(deep, 0.0)
    turn = np.radians(25)
    assert liveness.planar_residual(front_flat, seen(flat, turn)) < 1e-6
    assert liveness.planar_residual(front_deep, seen(deep, turn)) > 1.0  # pixels


def test_signed_yaw_is_zero_frontal_and_signed_by_the_nose() -> None:
    eyes = [(120.0, 100.0), (100.0, 100.0), (40.0, 100.0), (60.0, 100.0)]
    assert liveness.signed_yaw([*eyes, (80.0, 140.0)]) == pytest.approx(0.0)
    # eye a's centre is (110, 100), eye b's (50, 100): half the distance is 30 px
    assert liveness.signed_yaw([*eyes, (65.0, 140.0)]) == pytest.approx(0.5)
    assert liveness.signed_yaw([*eyes, (95.0, 140.0)]) == pytest.approx(-0.5)


def texture(seed: int, size: tuple[int, int] = (360, 480)) -> Any:
    """Grey noise, blurred to a few pixels' grain (skin and print have texture, not
    white noise)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(128, 40, size)
    kernel = np.ones(5) / 5
    noise = np.apply_along_axis(lambda r: np.convolve(r, kernel, "same"), 1, noise)
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, "same"), 0, noise)


def warp(image: Any, matrix: Any) -> Any:
    rows, cols = image.shape
    ys, xs = np.mgrid[0:rows, 0:cols].astype(float)
    back = project(np.c_[xs.ravel(), ys.ravel()], np.linalg.inv(matrix))
    return liveness._bilinear(image, back).reshape(rows, cols)


def test_a_textured_plane_moving_in_perspective_measures_flat() -> None:
    """A textured card swung about the vertical and moved, 12 frames: its points are
    followed without drift and fit one homography per frame to a fraction of a pixel."""
    card = texture(3)
    landmarks = np.array([[280, 150], [255, 150], [200, 150], [225, 150], [240, 195]], float)
    frames = []
    for k in range(12):
        angle = np.radians(25) * np.sin(2 * np.pi * k / 12)
        shift = np.array([[1, 0, 8 * np.sin(k)], [0, 1, 4 * np.cos(k)], [0, 0, 1]])
        centre = np.array([[1, 0, 240], [0, 1, 180], [0, 0, 1]])
        matrix = centre @ shift @ _turn(angle) @ np.linalg.inv(centre)
        frames.append(
            liveness.FaceFrame(
                time=k / 8,
                grey=np.nan_to_num(warp(card, matrix), nan=128.0),
                landmarks=tuple(map(tuple, project(landmarks, matrix))),
                box=(180, 110, 120, 120),
            )
        )
    motion = liveness.measure(frames)
    assert motion.points >= liveness.MIN_POINTS
    assert motion.planar_residual < 0.01  # of the 55 px eye distance: under 0.6 px


def _turn(angle: float) -> Any:
    """A card turned about its vertical centre line, 1.2 focal lengths away."""
    c, s = np.cos(angle), np.sin(angle)
    distance = 1.2 * FOCAL
    return np.array([[FOCAL * c, 0, 0], [0, FOCAL, 0], [-s, 0, distance]]) / distance


def test_words_heard_in_order() -> None:
    phrase = ["river", "tiger", "lemon", "wagon", "honey"]
    assert heard_in_order(phrase, phrase) == 5
    assert heard_in_order(phrase, ["river", "lemon", "tiger", "wagon", "honey"]) == 4
    assert heard_in_order(phrase, ["honey", "wagon", "lemon", "tiger", "river"]) == 1
    assert heard_in_order(phrase, ["apple", "river", "tiger", "zebra", "lemon", "honey"]) == 4
    assert heard_in_order(phrase, []) == 0


class _Shape:
    """The part of a dlib ``full_object_detection`` that ``landmark_points`` reads."""

    def __init__(self, points: list[tuple[int, int]]) -> None:
        self._points = points

    def part(self, i: int) -> Any:
        x, y = self._points[i]
        return type("Point", (), {"x": x, "y": y})()


def test_a_4k_frame_keeps_a_small_crop_whose_landmarks_are_on_the_same_texture() -> None:
    """A 3840×2160 frame with a 900 px face: the kept grey crop is the face box and half a
    box around it, averaged 6×6 (a face of 150 px), and a landmark's grey level there is
    the average of the source block around it."""
    from likeness.recognition.ports import Box, Detection, FaceQuality

    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (2160, 3840, 3), dtype=np.uint8)
    marks = [(1900, 900), (1840, 900), (1600, 900), (1660, 900), (1750, 1100)]
    detection = Detection(
        box=Box(1300, 600, 900, 900),
        quality=FaceQuality(size=900, sharpness=50.0, yaw=0.0),
        landmarks=_Shape(marks),
    )
    frame = liveness.face_frame(0.5, image, detection)
    assert frame.grey.shape == (300, 300)  # 1800 px around the box, over 6
    assert frame.grey.nbytes == 90_000  # the full grey frame: 8,294,400
    assert frame.box == (75, 75, 150, 150)
    grey = image.astype(np.float32).mean(axis=2)
    for (sx, sy), (x, y) in zip(marks, frame.landmarks, strict=True):
        col, row = round(x), round(y)
        x0, y0 = 1300 - 450 + 6 * col, 600 - 450 + 6 * row  # the source block it averages
        assert x0 <= sx < x0 + 6 and y0 <= sy < y0 + 6
        assert frame.grey[row, col] == round(float(grey[y0 : y0 + 6, x0 : x0 + 6].mean()))
    assert liveness.signed_yaw(frame.landmarks) == pytest.approx(liveness.signed_yaw(marks))
