"""Background subtraction before voices are embedded (recognition/voice_cleanup.py)."""

from __future__ import annotations

import numpy as np

from likeness.recognition.voice_cleanup import subtract_background

RATE = 16_000


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def bursts(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic bursts of 0.3 s every 0.8 s (sparse, as speech is), and where they are."""
    t = np.arange(int(seconds * RATE)) / RATE
    on = (t % 0.8) < 0.3
    tone = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 8))
    return (0.3 * tone * on).astype(np.float32), on


def test_steady_noise_is_removed_and_the_bursts_kept() -> None:
    signal, on = bursts(6)
    hiss = np.random.default_rng(5).normal(0, 0.03, len(signal)).astype(np.float32)
    cleaned = subtract_background(signal + hiss)
    assert len(cleaned) == len(signal)
    quiet = ~on
    quiet[: RATE // 10] = quiet[-RATE // 10 :] = False  # the edges of the STFT
    assert rms(cleaned[quiet]) < rms(hiss[quiet]) / 3  # the noise alone: down > 9.5 dB
    kept = rms(cleaned[on]) / rms(signal[on])
    assert 0.7 < kept < 1.3  # the bursts: within 3 dB


def test_clean_audio_with_pauses_is_left_almost_as_it_was() -> None:
    signal, _ = bursts(4)
    cleaned = subtract_background(signal)
    assert rms(cleaned - signal) < 0.05 * rms(signal)
