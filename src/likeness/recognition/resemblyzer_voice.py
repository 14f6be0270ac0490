"""Voices with Resemblyzer (GE2E d-vectors, 256-d) on CPU torch.

The weights (``pretrained.pt``) ship in the ``resemblyzer`` wheel. Torch runs on one
thread (two are twice as slow on these machines; scale with processes instead).
Voice activity detection (webrtcvad) keeps only speech before embedding.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from likeness.errors import MissingExtraError
from likeness.recognition.ports import VoiceSegment
from likeness.recognition.voice_cleanup import subtract_background
from likeness.recognition.voice_turns import HOP_S, change_points

MODEL_ID = "resemblyzer-ge2e@0.1.4"
DIMENSION = 256
RATE = 16_000
FRAME = 480  # 30 ms at 16 kHz, a size webrtcvad accepts
MIN_SEGMENT_S = 1.5
PAUSE_S = 0.6
MIN_RUN_S = 0.3  # shorter runs of "speech" are not speech
EDGE_LEVEL = 10 ** (-15 / 10)  # a piece's edges quieter than this (-15 dB) are not its speech


class ResemblyzerVoiceEncoder:
    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._vad: Any = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    import webrtcvad
                    from resemblyzer import VoiceEncoder
                except ImportError:
                    raise MissingExtraError("voice recognition", "voice") from None
                torch.set_num_threads(1)
                self._model = VoiceEncoder("cpu", verbose=False)
                self._vad = webrtcvad.Vad(2)
            return self._model, self._vad

    def _speech_mask(self, samples: Any) -> Any:
        import numpy as np

        _, vad = self._load()
        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
        frames = len(pcm) // FRAME
        return np.array(
            [
                vad.is_speech(pcm[i * FRAME : (i + 1) * FRAME].tobytes(), RATE)
                for i in range(frames)
            ],
            dtype=bool,
        )

    def speech_seconds(self, samples: Any) -> float:
        return float(self._speech_mask(samples).sum() * FRAME / RATE)

    def embed(self, samples: Any) -> tuple[float, ...]:
        import numpy as np
        from resemblyzer import preprocess_wav

        model, _ = self._load()
        # Resemblyzer's own preparation: volume normalisation and trimming of long
        # silences (its webrtcvad pass), as the model was trained.
        speech = preprocess_wav(samples, source_sr=RATE)
        if len(speech) < RATE // 2:
            speech = self._speech_only(samples)
        vector = model.embed_utterance(speech)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-9)
        return tuple(float(v) for v in vector)

    def _speech_only(self, samples: Any) -> Any:
        import numpy as np

        mask = self._speech_mask(samples)
        keep = np.repeat(mask, FRAME)
        return samples[: len(keep)][keep]

    def segments(self, samples: Any) -> list[VoiceSegment]:
        """Speech regions split at pauses, then at speaker changes, each trimmed to its
        speech and embedded whole, on the audio with its background subtracted
        (``voice_cleanup``, ``voice_turns``)."""
        cleaned = subtract_background(samples)
        mask = _without_blips(self._speech_mask(cleaned))
        found = []
        for first, last in self._regions(mask):
            if (last - first) * FRAME < MIN_SEGMENT_S * RATE:
                continue
            region = cleaned[first * FRAME : last * FRAME]
            cuts = [first, *(first + round(t * RATE / FRAME) for t in self._turns(region)), last]
            for start, end in itertools.pairwise(cuts):
                start, end = _loud_edges(cleaned, start, end)
                if (end - start) * FRAME >= MIN_SEGMENT_S * RATE:
                    piece = cleaned[start * FRAME : end * FRAME]
                    span = (round(start * FRAME / RATE, 2), round(end * FRAME / RATE, 2))
                    found.append(VoiceSegment(*span, self.embed(piece)))
        return found

    def _regions(self, mask: Any) -> list[tuple[int, int]]:
        """Runs of speech frames, joined across pauses shorter than ``PAUSE_S``."""
        regions, start, silent = [], None, 0
        pause_frames = int(PAUSE_S * RATE / FRAME)
        for i, speech in enumerate([*mask, False] + [False] * pause_frames):
            if speech:
                start = i if start is None else start
                silent = 0
            elif start is not None:
                silent += 1
                if silent >= pause_frames:
                    regions.append((start, i - silent + 1))
                    start, silent = None, 0
        return regions

    def _turns(self, region: Any) -> list[float]:
        """Speaker-change times (seconds into the region) from its window d-vectors."""
        from resemblyzer import normalize_volume

        model, _ = self._load()
        if len(region) < 2 * MIN_SEGMENT_S * RATE:
            return []
        loud = normalize_volume(region, -30, increase_only=True)
        _, windows, _ = model.embed_utterance(
            loud, return_partials=True, rate=1 / HOP_S, min_coverage=0.5
        )
        return change_points(windows, HOP_S)


def _without_blips(mask: Any) -> Any:
    """The speech mask without runs shorter than ``MIN_RUN_S`` (a drum hit or a burst of
    noise that the VAD takes for speech would otherwise open or stretch a region)."""
    import numpy as np

    mask = np.array(mask, dtype=bool)
    shortest = round(MIN_RUN_S * RATE / FRAME)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start < shortest:
            mask[start:end] = False
    return mask


def _loud_edges(cleaned: Any, first: int, last: int) -> tuple[int, int]:
    """The frames ``first``-``last`` less their quiet edges: what is left of music,
    noise or babble after the subtraction is far below the speech, and the VAD, made to
    find speech, not to time it, often takes it in."""
    import numpy as np

    if last <= first:
        return first, last
    frames = cleaned[first * FRAME : last * FRAME].reshape(-1, FRAME)
    energy = np.convolve(np.mean(np.square(frames), axis=1), np.ones(3) / 3, mode="same")
    loud = np.flatnonzero(energy >= np.percentile(energy, 75) * EDGE_LEVEL)
    if len(loud) == 0:
        return first, last
    return first + int(loud[0]), first + int(loud[-1]) + 1
