"""Deterministic voice mixtures for the overlap tests and bench/accuracy/voice_mixtures.py.

Speakers are Debian's espeak-ng voices: formant variants of ONE synthesiser, not human
speakers. A mixture shows that the pipeline finds a voice and its times among other
voices, music and noise; it does not show how well Resemblyzer tells real people apart
(docs/recognition.md says what a deployment must measure instead).

A scene is a list of turns (voice, sentence, start time, level in dB). The speech of all
turns is summed; a background of music (chords with harmonics, a melody, drums, all made
here) and noise (white, pink or babble) is scaled so that

    SNR = 10·log10(speech power / background power)

where the speech power is the mean power of the summed speech over the samples where
any turn is active, and the background power is its mean power over the whole mixture.
The same arguments always give the same samples (fixed seeds; espeak-ng is
deterministic).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RATE = 16_000
SENTENCES = [
    "Every performer deserves consent and fair pay for the use of a digital replica.",
    "The studio asked to scan the background actors on Tuesday morning before lunch.",
    "A union representative will review the contract before anyone signs it.",
    "Please read the contract carefully and ask your agent about every clause.",
    "The clearance scan found three appearances that no consent covers yet.",
    "Nobody may copy a voice for a commercial without a written agreement first.",
    "We recorded the second scene twice because the traffic outside was too loud.",
    "Her estate approved the documentary, but not the advertisement or the game.",
    "The director wanted one more take of the dialogue in the kitchen scene.",
    "Send the signed form back to the casting office before the end of the week.",
    "Our agreement covers the film and its trailer, and nothing else at all.",
    "The rehearsal starts at nine, so please bring your script and a warm coat.",
]
# Sentences 0-5 enrol a voice; 6-11 are what it says in the scenes.
ENROLMENT = (0, 1, 2, 3, 4, 5)
# Voices for babble: never enrolled in any test, never a scene's speaker.
BABBLE_VOICES = ["en-us+m1", "en-gb-x-gbclan+f3", "en-us-nyc+m4", "en+f5", "en-gb-x-gbcwmd+m6"]


@dataclass(frozen=True)
class Turn:
    voice: str  # an espeak-ng voice, e.g. "en-us+f2"
    sentence: int  # index into SENTENCES (or several, spoken as one turn)
    start: float  # seconds into the mixture
    level_db: float = 0.0  # gain relative to the turn's own normalised level


@dataclass(frozen=True)
class Truth:
    """When a voice is actually heard in the mixture (its samples above -40 dB of peak)."""

    voice: str
    start: float
    end: float


@dataclass(frozen=True)
class Mixture:
    samples: Any  # float32, 16 kHz mono, peak at most 0.9
    truths: tuple[Truth, ...]
    snr_db: float | None  # None: no background at all


def espeak(voice: str, text: str) -> Any:
    """One utterance as 16 kHz float32 (decoded by PyAV as the product decodes)."""
    from likeness.recognition.media import load_audio

    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("the voice mixtures need Debian's espeak-ng (scripts/system-deps)")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "utterance.wav"
        subprocess.run([binary, "-v", voice, "-w", str(path), text], check=True)
        return load_audio(path)


def _voiced(samples: Any) -> tuple[int, int]:
    import numpy as np

    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return int(loud[0]), int(loud[-1]) + 1


def _rms(samples: Any) -> float:
    import numpy as np

    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)) + 1e-20))


def music(seconds: float, seed: int = 7) -> Any:
    """Chords with harmonics, a plucked melody, kick, snare and hi-hat at 100 bpm."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.zeros(n)
    beat = 60 / 100
    roots = [220.0, 174.61, 261.63, 196.0]  # A3 F3 C4 G3: a four-chord loop
    for bar_start in np.arange(0, seconds, 4 * beat):
        root = roots[int(bar_start / (4 * beat)) % len(roots)]
        at = slice(int(bar_start * RATE), min(n, int((bar_start + 4 * beat) * RATE)))
        local = t[at] - bar_start
        for ratio in (1.0, 1.26, 1.5):  # a major triad
            for harmonic in range(1, 6):
                out[at] += (
                    0.08 / harmonic * np.sin(2 * np.pi * root * ratio * harmonic * local)
                ) * np.exp(-0.4 * local)
    scale = [440.0, 493.88, 554.37, 587.33, 659.25, 739.99, 830.61, 880.0]
    for note_start in np.arange(0, seconds, beat / 2):
        frequency = scale[int(rng.integers(len(scale)))]
        at = slice(int(note_start * RATE), min(n, int((note_start + beat / 2) * RATE)))
        local = t[at] - note_start
        for harmonic in range(1, 4):
            out[at] += (
                0.12
                / harmonic
                * np.sin(2 * np.pi * frequency * harmonic * local)
                * (np.exp(-6 * local))
            )
    for i, hit in enumerate(np.arange(0, seconds, beat)):
        at = slice(int(hit * RATE), min(n, int((hit + 0.25) * RATE)))
        local = t[at] - hit
        if i % 2 == 0:  # kick: a falling sine
            out[at] += (
                0.6
                * np.sin(2 * np.pi * (50 + 100 * np.exp(-30 * local)) * local)
                * (np.exp(-12 * local))
            )
        else:  # snare: a noise burst
            out[at] += 0.3 * rng.standard_normal(len(local)) * np.exp(-20 * local)
        half = slice(int((hit + beat / 2) * RATE), min(n, int((hit + beat / 2 + 0.05) * RATE)))
        hat = rng.standard_normal(len(out[half]))
        out[half] += 0.1 * np.diff(hat, prepend=0) * np.exp(-80 * (t[half] - t[half][:1]))
    return out.astype(np.float32)


def noise(kind: str, seconds: float, seed: int = 11) -> Any:
    """White, pink (1/f power) or babble (five unenrolled voices at once, time-reversed so
    that no word is intelligible and no voice is one of a scene's speakers)."""
    import numpy as np

    n = int(seconds * RATE)
    rng = np.random.default_rng(seed)
    if kind == "white":
        return rng.standard_normal(n).astype(np.float32)
    if kind == "pink":
        spectrum = np.fft.rfft(rng.standard_normal(n))
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
        return np.fft.irfft(spectrum, n).astype(np.float32)
    if kind == "babble":
        out = np.zeros(n, dtype=np.float32)
        for talk in _babblers():
            out += np.roll(np.resize(talk, n), int(rng.integers(n)))
        return out
    raise ValueError(f"unknown noise kind {kind!r}: white, pink or babble")


@functools.cache
def _babblers() -> tuple[Any, ...]:
    """Each babble voice reading four sentences backwards, at unit RMS."""
    import numpy as np

    talks = []
    for i, voice in enumerate(BABBLE_VOICES):
        talk = np.concatenate(
            [espeak(voice, SENTENCES[(i + k) % len(SENTENCES)])[::-1] for k in range(4)]
        )
        talks.append(talk / _rms(talk))
    return tuple(talks)


def mix(
    turns: list[Turn],
    *,
    snr_db: float | None,
    noise_kind: str = "pink",
    music_share: float = 0.5,
    tail_s: float = 1.0,
    cache: dict[tuple[str, int], Any] | None = None,
) -> Mixture:
    """The scene's speech over music and noise at ``snr_db`` (``music_share`` of the
    background power is music, the rest noise)."""
    import numpy as np

    cache = {} if cache is None else cache
    spoken = []
    for turn in turns:
        key = (turn.voice, turn.sentence)
        if key not in cache:
            cache[key] = espeak(turn.voice, SENTENCES[turn.sentence])
        utterance = cache[key]
        first, last = _voiced(utterance)
        utterance = utterance[first:last] / _rms(utterance[first:last]) * 0.1
        spoken.append((turn, utterance * 10 ** (turn.level_db / 20)))
    total = max(int(t.start * RATE) + len(u) for t, u in spoken) + int(tail_s * RATE)
    speech = np.zeros(total)
    active = np.zeros(total, dtype=bool)
    truths = []
    for turn, utterance in spoken:
        at = int(turn.start * RATE)
        speech[at : at + len(utterance)] += utterance
        active[at : at + len(utterance)] = True
        truths.append(Truth(turn.voice, turn.start, round(turn.start + len(utterance) / RATE, 3)))
    out = speech
    if snr_db is not None:
        seconds = total / RATE + 0.01  # a few samples more than needed, cut below
        bed = music(seconds)[:total]
        bed = bed / _rms(bed) * np.sqrt(music_share)
        hiss = noise(noise_kind, seconds)[:total]
        background = bed + hiss / _rms(hiss) * np.sqrt(1 - music_share)
        wanted = _rms(speech[active]) / 10 ** (snr_db / 20)
        out = speech + background / _rms(background) * wanted
    out = out / np.abs(out).max() * 0.9
    return Mixture(out.astype(np.float32), tuple(truths), snr_db)


def save_wav(samples: Any, path: Path) -> Path:
    """16-bit PCM WAV, as a scan reads it."""
    import wave

    import numpy as np

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def enrolment_speech(voice: str, sentences: tuple[int, ...] = ENROLMENT) -> Any:
    """Clean enrolment audio for a voice: sentences the scenes do not use for it."""
    import numpy as np

    pause = np.zeros(int(0.5 * RATE), dtype=np.float32)
    parts = []
    for index in sentences:
        parts += [espeak(voice, SENTENCES[index]), pause]
    return np.concatenate(parts)


# The scene of the tests and the benchmark: three enrolled voices and two strangers
# taking turns at equal levels (about 28 s); three turns start 0.5 s before the previous
# one ends (a common overlap at a change of speaker). Where voices overlap, a scan cuts
# where the first one stops, so the second one's start is reported late by up to the
# overlap: the UNDER scene measures a longer one.
ENROLLED = ("en-us+f2", "en-gb-scotland+m5", "en-029+f4")
STRANGERS = ("en-gb-x-rp+m7", "en-us+klatt")
SCENE = [
    Turn(ENROLLED[0], 6, 0.5),
    Turn(ENROLLED[1], 7, 4.27),  # 0.5 s over the end of the first turn
    Turn(STRANGERS[0], 8, 8.5),
    Turn(ENROLLED[2], 9, 11.2),  # 0.5 s over the stranger
    Turn(ENROLLED[0], 10, 16.0),
    Turn(STRANGERS[1], 11, 19.45),  # 0.5 s over the enrolled voice
    Turn(ENROLLED[1], 8, 24.5),
]
# An enrolled voice 6 dB under another for its first 2 s: found only where it dominates.
UNDER = [
    Turn(ENROLLED[2], 8, 0.5),
    Turn(ENROLLED[1], 11, 2.0, level_db=-6.0),
    Turn(STRANGERS[0], 9, 8.0),
]
