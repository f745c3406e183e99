#!/usr/bin/env bash
# Install everything the tests need into .venv, then lint, type-check and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

# System tools some tests use (EPUB validation, PDF rendering, OCR, an X server); needs
# root and apt.
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    need=()
    command -v epubcheck >/dev/null || need+=(epubcheck)
    command -v pdftoppm >/dev/null || need+=(poppler-utils)
    command -v Xvfb >/dev/null || need+=(xvfb)
    # the export tests read every script back: OCR with each language's data, a CJK font
    for pkg in fonts-noto-cjk tesseract-ocr tesseract-ocr-jpn tesseract-ocr-chi-sim \
        tesseract-ocr-ara tesseract-ocr-heb tesseract-ocr-hin tesseract-ocr-tha \
        tesseract-ocr-ell tesseract-ocr-rus; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    # what Qt's X11 plugin needs, as README lists for a pip install (the start-up check's test)
    for lib in libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
        libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libegl1 libgl1 \
        libfontconfig1 libdbus-1-3; do
        dpkg -s "$lib" >/dev/null 2>&1 || need+=("$lib")
    done
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
fi

# Steady, the OpenAPI mock server for the contract tests.
if command -v npm >/dev/null && [ ! -x node_modules/.bin/steady ]; then
    npm install --no-audit --no-fund --silent >/dev/null
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

# A real local model server (llama-cpp-python with Gemma 3 270M) for tests/real.
# Its first install compiles llama.cpp (about 10 minutes); the wheel is cached after.
if [ -n "${CI:-}" ] || [ -n "${STUDIO_REAL_SERVER:-}" ]; then
    bash scripts/real-server.sh >/dev/null
fi

.venv/bin/ruff check studio tests benchmarks
.venv/bin/ruff format --check studio tests benchmarks
.venv/bin/mypy studio
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest "$@"
