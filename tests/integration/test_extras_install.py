"""The voice install a user can follow: in a fresh virtual environment with the core
package only, a voice command fails with a hint naming one command, and that command
installs everything voice recognition needs, after which the same command works.

Tests send no packet off loopback, so the fresh environment installs from a local
wheelhouse (``scripts/wheelhouse``, run by ``scripts/test``) with ``--no-index``: the
same packages pip would take from the registry, the same two steps
(``likeness extras install voice`` passes options after ``--`` to pip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[2]
HINT = "install them with: likeness extras install voice"


def wheelhouse() -> Path:
    folder = Path(os.environ.get("LIKENESS_WHEELHOUSE", ROOT / ".cache" / "wheelhouse"))
    if not any(folder.glob("torch-*.whl")) or not any(folder.glob("[Rr]esemblyzer-*")):
        pytest.fail(f"no wheelhouse at {folder}: run scripts/wheelhouse (scripts/test does)")
    return folder


def run(*command: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, env=env, check=False
    )


def test_the_voice_hint_names_one_command_that_installs_voice_in_a_fresh_environment(
    tmp_path: Path,
) -> None:
    offline = ["--no-index", "--find-links", str(wheelhouse())]
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.fail("this test needs Debian's espeak-ng (scripts/system-deps installs it)")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True)
    python, likeness = fresh / "bin" / "python", fresh / "bin" / "likeness"
    env = {
        "PATH": f"{fresh / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PIP_CONFIG_FILE": os.devnull,  # this machine's index settings play no part
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "LIKENESS_HOME": str(tmp_path / "home"),
    }
    core = run(python, "-m", "pip", "install", "--quiet", *offline, ROOT, env=env)
    assert core.returncode == 0, core.stderr

    assert run(likeness, "init", env=env).returncode == 0
    speech = tmp_path / "speech.wav"
    sentence = "Every performer deserves consent and fair pay for a digital replica."
    subprocess.run([espeak, "-v", "en-us+f2", "-w", str(speech), sentence], check=True)

    before = run(likeness, "identify", speech, "--json", env=env)
    assert before.returncode == 3, before.stdout + before.stderr
    assert "voice recognition needs the optional 'voice' dependencies" in before.stderr
    assert HINT in before.stderr
    listed = run(likeness, "extras", "list", env=env)
    assert "voice" in listed.stdout and "missing resemblyzer" in listed.stdout

    install = run(likeness, "extras", "install", "voice", "--", "--quiet", *offline, env=env)
    assert install.returncode == 0, install.stdout + install.stderr
    assert "--no-deps resemblyzer==0.1.4" in install.stdout  # the second step, shown
    assert "voice recognition (Resemblyzer, PocketSphinx): installed" in install.stdout

    after = run(likeness, "identify", speech, "--json", env=env)
    assert after.returncode == 0, after.stderr
    assert '"voices"' in after.stdout and '"unknown"' in after.stdout
