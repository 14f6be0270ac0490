"""The Go verifier the interop tests run: tlogcheck.go, built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).with_name("tlogcheck.go")
GOPATH = "/usr/share/gocode"


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not Path(GOPATH, "src/golang.org/x/mod/sumdb/tlog").is_dir():
        pytest.fail(
            "the Go interop tests need Debian's golang-go and golang-golang-x-mod-dev "
            "(scripts/system-deps installs them); deselect with -m 'not interop'"
        )
    out = tmp_path_factory.mktemp("go") / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run([go, "build", "-o", str(out), str(SOURCE)], env=env, check=True)
    return out
