"""Did a recording say the phrase it was given? PocketSphinx, offline.

The ``pocketsphinx`` wheel ships CMU's US-English acoustic model and pronouncing
dictionary. Free dictation with its language model is poor on short phrases, so the
decoder is given a grammar: any sequence of words from the phrase vocabulary
(``VOCABULARY``). The words it hears are compared with the phrase, in order; the check
passes when at least ``len(phrase) - 1`` of them were heard in order (one word may be
misheard, as one in five was on synthetic speech: docs/recognition.md).

What this proves: that the recording contains speech matching words chosen at random
after the recording could have been prepared; nothing about who spoke them (a replay
of the performer's voice edited to the phrase, a voice clone or text-to-speech saying
it all pass). The speaker is checked by the voice template, not here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from likeness.errors import MissingExtraError

# Two-syllable everyday words with distinct sounds, all in the shipped dictionary
# ('feather', missed in 3 of 6 readings by espeak voices, was taken out).
VOCABULARY: tuple[str, ...] = (
    "apple",
    "basket",
    "bottle",
    "button",
    "cabbage",
    "camera",
    "candle",
    "dinner",
    "doctor",
    "dragon",
    "engine",
    "forest",
    "garden",
    "guitar",
    "hammer",
    "honey",
    "island",
    "jacket",
    "jungle",
    "kitten",
    "ladder",
    "lemon",
    "magnet",
    "market",
    "mirror",
    "monkey",
    "needle",
    "number",
    "ocean",
    "orange",
    "paper",
    "pencil",
    "pepper",
    "rabbit",
    "river",
    "rocket",
    "saddle",
    "silver",
    "summer",
    "thunder",
    "tiger",
    "tomato",
    "valley",
    "violin",
    "wagon",
    "window",
    "winter",
    "yellow",
    "zebra",
)
RATE = 16_000
DITHER = 0.003  # digital silence (synthetic or gated audio) derails the decoder's noise estimate


class PhraseRecogniser:
    """The words of ``VOCABULARY`` heard in a recording, in order. The model loads once,
    under a lock; the decoder is not thread-safe, so decoding holds the lock too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder: Any = None

    def _load(self) -> Any:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise MissingExtraError("the spoken-phrase check", "voice") from None
        decoder = Decoder(samprate=RATE, lm=None, logfn="/dev/null")
        grammar = (
            "#JSGF V1.0;\ngrammar phrase;\npublic <phrase> = <word>+;\n"
            f"<word> = {' | '.join(VOCABULARY)};\n"
        )
        decoder.add_jsgf_string("phrase", grammar)
        decoder.activate_search("phrase")
        return decoder

    def words(self, samples: Any) -> list[str]:
        """The words heard in mono float32 samples at 16 kHz."""
        import numpy as np

        noise = np.random.default_rng(0).normal(0.0, DITHER, len(samples))
        pcm = (np.clip(samples + noise, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        with self._lock:
            if self._decoder is None:
                self._decoder = self._load()
            decoder = self._decoder
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
        return [] if hypothesis is None else hypothesis.hypstr.split()


def heard_in_order(phrase: Sequence[str], heard: Sequence[str]) -> int:
    """How many words of ``phrase`` were heard, in order (longest common subsequence)."""
    table = [[0] * (len(heard) + 1) for _ in range(len(phrase) + 1)]
    for i, word in enumerate(phrase):
        for j, other in enumerate(heard):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if word == other else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]
