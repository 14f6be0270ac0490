"""Spectral subtraction before a scan embeds voices, so music and noise under speech
move the d-vectors less.

The background's magnitude spectrum is estimated per frequency as a low percentile over
the whole recording (speech is sparse in time and frequency; a music bed or steady noise
is not), then subtracted with over-subtraction and a spectral floor (Boll, "Suppression
of acoustic noise in speech using spectral subtraction", IEEE TASSP 27(2), 1979;
Berouti, Schwartz and Makhoul, ICASSP 1979). On clean recordings with pauses the
estimate is near zero and the audio is left as it was. Enrolment templates are made
from clean speech without this step; only scans use it. Parameters measured on the
mixtures of bench/accuracy/voice_mixtures.py (bench/RESULTS.md).
"""

from __future__ import annotations

from typing import Any

FFT = 512  # 32 ms at 16 kHz
HOP = FFT // 4
PERCENTILE = 20  # the background estimate, per frequency, over all frames
OVER = 2.5  # over-subtraction: music is louder than its floor in most frames
FLOOR = 0.05  # keep 5% of each magnitude (less "musical noise" than zeroing)


def subtract_background(samples: Any) -> Any:
    """The audio with its estimated stationary background removed (same length)."""
    import numpy as np

    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) < FFT:
        return samples
    window = np.hanning(FFT)
    padded = np.concatenate([np.zeros(FFT), samples, np.zeros(FFT)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, FFT)[::HOP] * window
    spectrum = np.fft.rfft(frames, axis=1)
    magnitude = np.abs(spectrum)
    background = np.percentile(magnitude, PERCENTILE, axis=0)
    cleaned = np.maximum(magnitude - OVER * background, FLOOR * magnitude)
    pieces = np.fft.irfft(cleaned * np.exp(1j * np.angle(spectrum)), FFT, axis=1) * window
    out = np.zeros(len(padded))
    weight = np.zeros(len(padded))
    for i, piece in enumerate(pieces):  # overlap-add, normalised by the summed windows
        out[i * HOP : i * HOP + FFT] += piece
        weight[i * HOP : i * HOP + FFT] += window**2
    out = out / np.maximum(weight, 1e-8)
    return out[FFT : FFT + len(samples)].astype(np.float32)
