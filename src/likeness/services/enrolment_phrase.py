"""Voice enrolment with a spoken phrase: the service issues random words, and the
recording must say them (``recognition/phrase_check.py``).

The phrase travels in a token signed with a key derived from the master key (HMAC-SHA-256),
so no state is kept between issuing it and enrolling: the token names the performer,
the words and an expiry, and is refused for another performer, after expiry or when
altered. A token may be used again until it expires (nothing records its use).

What the check does not stop: a recording of the performer edited to say the words, a
voice clone or text-to-speech speaking them, or a person other than the performer
reading them (the voice template is what identifies the speaker; the phrase only shows
that the recording was made after the words were shown).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from likeness.errors import AudioTooLongError, InvalidInputError, LivenessError, NotFoundError
from likeness.recognition.media import load_audio
from likeness.recognition.phrase_check import VOCABULARY, heard_in_order
from likeness.recognition.ports import Samples
from likeness.services.enrolment import Enrolment, EnrolmentService
from likeness.services.events import Recorded
from likeness.services.ports import Clock
from likeness.store.database import Database
from likeness.store.repositories import PerformerRepository

CHECK = "spoken-phrase/v1"
WORDS = 5
LIFETIME = timedelta(minutes=15)
MAX_SECONDS = 30  # decoding takes about a third of real time: bounded before it starts
MAX_WORDS_PER_PHRASE_WORD = 3  # the phrase said twice, and a few words misheard in noise


class Recogniser(Protocol):
    def words(self, samples: Samples) -> list[str]:
        """The vocabulary's words heard in 16 kHz mono samples, in order."""
        ...


@dataclass(frozen=True)
class Phrase:
    """Words to read aloud, and the token to send back with the recording."""

    performer_id: str
    words: tuple[str, ...]
    expires_at: datetime
    token: str

    @property
    def text(self) -> str:
        return " ".join(self.words)


class PhraseEnrolmentService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        key: bytes,
        recogniser: Recogniser,
        enrolment: EnrolmentService,
        chooser: random.Random | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._key = key
        self._recogniser = recogniser
        self._enrolment = enrolment
        # the words must be unpredictable: the system's CSPRNG unless a test fixes them
        self._chooser = chooser or secrets.SystemRandom()

    def issue(self, performer_id: str) -> Phrase:
        """A fresh phrase for the performer to read, valid for ``LIFETIME``."""
        with self._database.read() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
        words = tuple(self._chooser.sample(VOCABULARY, WORDS))  # five different words
        expires = self._clock.now() + LIFETIME
        claims = {"p": performer_id, "w": list(words), "e": expires.isoformat()}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return Phrase(performer_id, words, expires, f"{body}.{self._sign(body)}")

    def enrol(self, performer_id: str, path: Path, token: str) -> Recorded[Enrolment]:
        """Enrol a voice from a recording that says the phrase of ``token``; refuse it
        (``LivenessError``), writing nothing, when the words are not heard."""
        words = self._words(performer_id, token)
        try:  # decoding stops at the limit: a small file can hold hours of silence
            samples = load_audio(path, max_seconds=MAX_SECONDS)
        except AudioTooLongError:
            raise AudioTooLongError(
                path, MAX_SECONDS, hint=f"record the performer reading, clearly: {' '.join(words)}"
            ) from None
        heard = self._recogniser.words(samples)
        if len(heard) > MAX_WORDS_PER_PHRASE_WORD * len(words):
            # else a recording of the whole vocabulary, said a few times over, would hold
            # every phrase in order
            raise LivenessError(
                f"{path}: {len(heard)} words heard for a phrase of {len(words)}; the "
                "recording must say the phrase (once or twice) and little else",
                hint=f"record the performer reading, clearly: {' '.join(words)}",
            )
        matched = heard_in_order(words, heard)
        if matched < len(words) - 1:
            raise LivenessError(
                f"{path}: the recording does not say the phrase it was given "
                f"({matched} of its {len(words)} words heard in order)",
                hint=f"record the performer reading, clearly: {' '.join(words)}",
            )
        sample = self._enrolment.voice_sample(path)
        evidence = {"check": CHECK, "verdict": "spoken", "words_heard": f"{matched}/{len(words)}"}
        return self._enrolment.record(performer_id, [replace(sample, liveness=evidence)])

    def _words(self, performer_id: str, token: str) -> tuple[str, ...]:
        body, _, signature = token.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise LivenessError(
                "the phrase token is not one this service issued (altered or truncated)",
                hint="ask for a new phrase",
            )
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if claims["p"] != performer_id:
            raise LivenessError(
                "the phrase was issued for another performer", hint="ask for a new phrase"
            )
        if datetime.fromisoformat(claims["e"]) <= self._clock.now():
            raise LivenessError("the phrase has expired", hint="ask for a new phrase")
        words = tuple(str(w) for w in claims["w"])
        if not words:
            raise InvalidInputError("the phrase token carries no words")
        return words

    def _sign(self, body: str) -> str:
        return _b64(hmac.digest(self._key, f"likeness-phrase\x1f{body}".encode(), hashlib.sha256))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
