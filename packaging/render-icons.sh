#!/usr/bin/env bash
# Render the application icon from assets/org.storystudio.StoryStudio.svg into
# every size the platforms ask for. Run after editing the SVG; the results are
# committed so that builds need neither rsvg-convert nor Pillow.
#   needs: rsvg-convert (Debian: librsvg2-bin) and a Python with Pillow
set -euo pipefail
cd "$(dirname "$0")/.."

APP_ID=org.storystudio.StoryStudio
SVG=assets/$APP_ID.svg
PYTHON=${PYTHON:-.venv/bin/python}

for size in 16 22 24 32 48 64 128 256 512; do
    dir=assets/icons/hicolor/${size}x${size}/apps
    mkdir -p "$dir"
    rsvg-convert -w "$size" -h "$size" "$SVG" -o "$dir/$APP_ID.png"
done

# The window icon, shipped inside the package.
mkdir -p studio/assets/icons/app
cp "$SVG" studio/assets/icons/app/studio.svg
cp assets/icons/hicolor/256x256/apps/$APP_ID.png studio/assets/icons/app/studio.png

# Windows .ico and macOS .icns, from the largest PNG.
"$PYTHON" - "$APP_ID" <<'PY'
import sys
from PIL import Image

app_id = sys.argv[1]
big = Image.open(f"assets/icons/hicolor/512x512/apps/{app_id}.png").convert("RGBA")
big.save(f"assets/{app_id}.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
big.save(f"assets/{app_id}.icns")
PY
echo "icons rendered from $SVG"
