#!/usr/bin/env bash
# Refresh packaging/requirements.lock: every runtime dependency and PyInstaller,
# pinned with their hashes, for Python 3.11 and up on Linux, Windows and macOS
# (one universal resolution, with markers). packaging/build.sh installs from it.
#
#   packaging/lock.sh             # keep the pins, follow what pyproject.toml changed
#   packaging/lock.sh --upgrade   # the newest releases that pyproject.toml allows
#   packaging/lock.sh -P openai   # move only openai (any uv pip compile option works)
set -euo pipefail
cd "$(dirname "$0")/.."

uv=${UV:-}
if [ -z "$uv" ]; then
    uv=$(command -v uv || true)
fi
if [ -z "$uv" ]; then
    [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv
    uv=.venv/bin/uv
fi
"$uv" pip compile pyproject.toml --extra package --universal --python-version 3.11 \
    --generate-hashes --annotation-style line --custom-compile-command packaging/lock.sh \
    --output-file packaging/requirements.lock "$@"
