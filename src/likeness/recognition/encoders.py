"""The face and voice encoders of a deployment, each made on first use and shared.

Built by the composition root from the settings; enrolment, identification and the
local scan detector all use the same instances. Picklable (the factories travel, the
loaded models do not), so a Ray worker can make its own from the same configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from likeness.errors import InvalidInputError
from likeness.recognition.ports import FaceEncoder, VoiceEncoder


class Encoders:
    def __init__(
        self,
        face: Callable[[], FaceEncoder],
        voice: Callable[[], VoiceEncoder] | None = None,
    ) -> None:
        self._make_face = face
        self._make_voice = voice
        self._face: FaceEncoder | None = None
        self._voice: VoiceEncoder | None = None
        self._lock = threading.Lock()

    def face(self) -> FaceEncoder:
        with self._lock:
            if self._face is None:
                self._face = self._make_face()
            return self._face

    def voice(self) -> VoiceEncoder:
        with self._lock:
            if self._voice is None:
                if self._make_voice is None:
                    raise InvalidInputError("voice recognition is not configured")
                self._voice = self._make_voice()
            return self._voice

    def fingerprint(self) -> str:
        """The models and the face detector, as a cache key names them."""
        face = self.face()
        voice = "none" if self._make_voice is None else self.voice().model_id
        return f"face={face.model_id}/{face.detector_id};voice={voice}"

    def __getstate__(self) -> dict[str, Any]:
        return {"face": self._make_face, "voice": self._make_voice}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._make_face, self._make_voice = state["face"], state["voice"]
        self._face, self._voice = None, None
        self._lock = threading.Lock()
