"""The expensive, cacheable part of a scan: decode, detect, track, embed.

Returns face tracks and voice segments with their embeddings and no identities, so the
result can be cached and computed anywhere (a Ray task runs exactly this per file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from likeness.recognition.media import load_audio
from likeness.recognition.ports import FaceEncoder, VoiceEncoder
from likeness.scan.appearances import EMBED_PER_TRACK, Tracker, thumbnail
from likeness.scan.frames import has_audio, prefetched, sample_frames

# Detect on a 960-px copy without upsampling (~40 ms HOG; faces from ~85 px of the
# original 1080p frame), embed at full size. Measured in bench/bench_scan.py.
SCAN_DETECT_SIDE = 960
SCAN_UPSAMPLE = 0


def detect_media(
    path: Path, fps: float, encoder: FaceEncoder, voice: Callable[[], VoiceEncoder]
) -> dict[str, Any]:
    """Face tracks and voice segments with embeddings, no identities: the expensive,
    cacheable part of a scan, and what a Ray task runs for one file."""
    tracker = Tracker(max_gap_s=1.5 / fps)
    duration = 0.0
    for frame in prefetched(sample_frames(path, fps)):
        duration = max(duration, frame.time)
        for found in encoder.detect(frame.image, max_side=SCAN_DETECT_SIDE, upsample=SCAN_UPSAMPLE):
            track = tracker.wants_embedding(frame.time, found.box)
            if len(track.embeddings) < EMBED_PER_TRACK:  # a few per track, not per frame
                track.embeddings.append(encoder.embed(frame.image, found))
                if not track.thumbnail:
                    track.thumbnail = thumbnail(frame.image, found.box)
    items = [
        {
            "modality": "face",
            "start": t.start,
            "end": t.end,
            "frames": [time for time, _ in t.boxes],
            "thumbnail": t.thumbnail,
            "embedding": list(t.mean_embedding()),
        }
        for t in tracker.tracks
    ]
    if has_audio(path):
        samples = load_audio(path)
        duration = max(duration, len(samples) / 16000)
        items += [
            {
                "modality": "voice",
                "start": s.start,
                "end": s.end,
                "frames": [],
                "thumbnail": "",
                "embedding": list(s.embedding),
            }
            for s in voice().segments(samples)
        ]
    return {"duration": round(duration, 3), "items": items}
