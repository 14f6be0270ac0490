"""Voices with Resemblyzer (GE2E d-vectors, 256-d) on CPU torch.

The weights (``pretrained.pt``) ship in the ``resemblyzer`` wheel. Torch runs on one
thread (two are twice as slow on these machines; scale with processes instead).
Voice activity detection (webrtcvad) keeps only speech before embedding.
"""

from __future__ import annotations

import threading
from typing import Any

from likeness.errors import MissingExtraError
from likeness.recognition.ports import VoiceSegment

MODEL_ID = "resemblyzer-ge2e@0.1.4"
DIMENSION = 256
RATE = 16_000
FRAME = 480  # 30 ms at 16 kHz, a size webrtcvad accepts
MIN_SEGMENT_S = 1.5
PAUSE_S = 0.6


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
        mask = self._speech_mask(samples)
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
        found = []
        for first, last in regions:
            begin, end = first * FRAME / RATE, last * FRAME / RATE
            if end - begin >= MIN_SEGMENT_S:
                piece = samples[first * FRAME : last * FRAME]
                found.append(VoiceSegment(round(begin, 2), round(end, 2), self.embed(piece)))
        return found
