#!/usr/bin/env bash
# Build the frozen app into packaging/dist/studio and check it: --version, then --smoke.
#
#   packaging/build.sh                  # a clean venv in packaging/build/venv
#   packaging/build.sh --python PATH    # use an interpreter that already has the project
#   packaging/build.sh --no-smoke       # build and check --version only
#
# Works on Linux, macOS and Windows (Git Bash). PYTHON picks the interpreter
# that creates the venv (default: python3, or python on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."

build_python=""
smoke=1
while [ $# -gt 0 ]; do
    case "$1" in
        --python) build_python=$2; shift 2 ;;
        --no-smoke) smoke=0; shift ;;
        *) echo "usage: $0 [--python PATH] [--no-smoke]" >&2; exit 2 ;;
    esac
done

case "$(uname -s)" in
    MINGW*|MSYS*|CYGWIN*) windows=1; exe=.exe; bindir=Scripts; default_python=python ;;
    *) windows=0; exe=; bindir=bin; default_python=python3 ;;
esac

started=$(date +%s)
if [ -z "$build_python" ]; then
    venv=packaging/build/venv
    [ -x "$venv/$bindir/python$exe" ] || "${PYTHON:-$default_python}" -m venv "$venv"
    build_python=$venv/$bindir/python$exe
    "$build_python" -m pip install -q --upgrade pip
    # the pinned, hash-checked dependencies first; then the app itself, which adds none
    "$build_python" -m pip install -q --require-hashes -r packaging/requirements.lock
    "$build_python" -m pip install -q --no-deps .
fi
"$build_python" -m PyInstaller --version >/dev/null 2>&1 ||
    { echo "build: $build_python has no PyInstaller (pip install -r packaging/requirements.lock)" >&2; exit 1; }

rm -rf packaging/dist/studio
"$build_python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath packaging/dist --workpath packaging/build/pyinstaller packaging/studio.spec
built=$(date +%s)

if [ "$windows" = 1 ]; then
    app=packaging/dist/studio/studio-cli.exe   # the console twin of studio.exe
else
    app=packaging/dist/studio/studio
fi
"$app" --version
if [ "$smoke" = 1 ]; then
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$app" --smoke
fi
size=$(du -sh packaging/dist/studio | cut -f1)
echo "build: packaging/dist/studio is $size; frozen in $((built - started)) s, checked in $(($(date +%s) - built)) s"
