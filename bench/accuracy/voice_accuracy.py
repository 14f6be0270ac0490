"""Voice accuracy and speed on synthetic speech (Debian's espeak-ng, 8 voices).

Run: .venv/bin/python bench/accuracy/voice_accuracy.py [--threshold 0.4]

espeak-ng "voices" are formant variants of one synthesiser, so this is NOT a
human-speaker benchmark: it shows the pipeline (PyAV decode -> VAD -> Resemblyzer
d-vector) separates distinct voices and measures its speed. Each voice reads 3
sentences for enrolment and 2 others as probes; a probe is compared with every
enrolled template. Baseline in the same run: PyAV decoding alone.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from likeness.recognition.media import load_audio
from likeness.recognition.resemblyzer_voice import ResemblyzerVoiceEncoder

VOICES = [
    "en-us",
    "en-us+f2",
    "en-gb+m3",
    "en-gb-scotland+m5",
    "en-029+f4",
    "en-us+klatt",
    "en-gb-x-rp+m7",
    "en-us-nyc+f1",
]
SENTENCES = [
    "Every performer deserves consent and fair pay for the use of a digital replica.",
    "The studio asked to scan the background actors on Tuesday morning before lunch.",
    "A union representative will review the contract before anyone signs it.",
    "Please read the contract carefully and ask your agent about every clause.",
    "The clearance scan found three appearances that no consent covers yet.",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=0.40)
    args = parser.parse_args()
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("install espeak-ng (scripts/system-deps)")
    encoder = ResemblyzerVoiceEncoder()
    with tempfile.TemporaryDirectory() as scratch:
        files = {}
        for voice, (i, text) in itertools.product(VOICES, enumerate(SENTENCES)):
            path = Path(scratch) / f"{voice}_{i}.wav"
            subprocess.run([espeak, "-v", voice, "-w", str(path), text], check=True)
            files[voice, i] = path
        start = time.perf_counter()
        audio = {key: load_audio(path) for key, path in files.items()}
        decode = time.perf_counter() - start
        seconds = sum(len(a) for a in audio.values()) / 16000
        encoder.embed(audio[VOICES[0], 0])  # load the model outside the timing
        start = time.perf_counter()
        vectors = {key: np.asarray(encoder.embed(a)) for key, a in audio.items()}
        embed = time.perf_counter() - start
    genuine, impostor, unknown_ok = [], [], 0
    for voice, probe in itertools.product(VOICES, (3, 4)):
        for other in VOICES:
            best = min(
                float(np.linalg.norm(vectors[voice, probe] - vectors[other, i])) for i in (0, 1, 2)
            )
            (genuine if other == voice else impostor).append(best)
    g, im = np.array(genuine), np.array(impostor)
    t = args.threshold
    print(
        f"audio: {len(audio)} utterances, {seconds:.1f} s; decode (PyAV) {seconds / decode:.0f}x "
        f"real time; VAD + embed {seconds / embed:.0f}x real time (1 thread)"
    )
    print(
        f"genuine (probe vs own voice's templates): {len(g)}  distance min {g.min():.3f} "
        f"mean {g.mean():.3f} max {g.max():.3f}"
    )
    print(
        f"impostor (probe vs another voice's templates): {len(im)}  min {im.min():.3f} "
        f"mean {im.mean():.3f}"
    )
    print(
        f"at threshold {t}: genuine-match rate {(g < t).mean():.3f}, false-match rate "
        f"{(im < t).mean():.3f} ({int((im < t).sum())}/{len(im)})"
    )
    closest = min(
        (
            (float(np.linalg.norm(vectors[a, 3] - vectors[b, 0])), a, b)
            for a, b in itertools.permutations(VOICES, 2)
        )
    )
    print(
        f"closest pair of different voices: {closest[1]} / {closest[2]} at {closest[0]:.3f} "
        "(espeak variants of one base voice)"
    )
    unknown_ok = int((im >= t).sum())
    print(f"strangers answered unknown: {unknown_ok}/{len(im)}")


if __name__ == "__main__":
    main()
