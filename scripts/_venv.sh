# Sourced by scripts/start and scripts/test: make sure .venv exists and is active.
# Uses $PYTHON, else python3.11, else python3 (which must be 3.11 or newer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then
  python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: Python 3.11 or newer is needed (found $("$python" --version))" >&2; exit 1; }
  "$python" -m venv "$root/.venv"
  "$root/.venv/bin/python" -m pip install --quiet --upgrade pip
fi
# shellcheck disable=SC1091
. "$root/.venv/bin/activate"
