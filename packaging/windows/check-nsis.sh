#!/usr/bin/env bash
# Compile packaging/windows/studio.nsi against a stub of the frozen folder, to
# check the installer script anywhere makensis runs (Debian: apt-get install nsis).
#
#   packaging/windows/check-nsis.sh [OUT.exe]
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v makensis >/dev/null || { echo "check-nsis: makensis not found (apt-get install nsis)" >&2; exit 1; }
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' studio/__init__.py)
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
out=$(realpath -m "${1:-$stub/StoryStudio-$version-setup.exe}")

mkdir -p "$stub/studio/_internal/studio/assets"
printf 'MZ stub\n' > "$stub/studio/studio.exe"
printf 'MZ stub\n' > "$stub/studio/studio-cli.exe"
printf 'stub\n' > "$stub/studio/_internal/base_library.zip"
cp -r studio/assets/fonts "$stub/studio/_internal/studio/assets/"

makensis -V2 -WX -DVERSION="$version" -DDIST="$stub/studio" -DOUTFILE="$out" \
    packaging/windows/studio.nsi
[ -s "$out" ] || { echo "check-nsis: no installer was written" >&2; exit 1; }
echo "check-nsis: compiled $(basename "$out") ($(du -h "$out" | cut -f1)) from a stub payload"
