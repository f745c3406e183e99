#!/usr/bin/env bash
# Lay out packaging/build/StoryStudio.AppDir from the frozen app, and check it
# runs: AppRun --version and AppRun --smoke.
#
#   packaging/linux/build-appdir.sh [DIST_DIR]    (default: packaging/dist/studio)
#
# Making the AppImage from it needs appimagetool, which the release workflow
# downloads (see .github/workflows/release.yml):
#   ARCH=x86_64 appimagetool packaging/build/StoryStudio.AppDir \
#       packaging/dist/Story_Studio-<version>-x86_64.AppImage
# Like every AppImage, it uses the host's display, font, D-Bus and GL libraries
# (the same ones the deb declares as Depends).
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_ID=org.storystudio.StoryStudio
dist=${1:-packaging/dist/studio}
appdir=packaging/build/StoryStudio.AppDir
[ -x "$dist/studio" ] || { echo "build-appdir: no frozen app in $dist (run packaging/build.sh)" >&2; exit 1; }

rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/bin" "$appdir/usr/share/applications" \
    "$appdir/usr/share/metainfo" "$appdir/usr/share/icons/hicolor/scalable/apps"
cp -a "$dist" "$appdir/usr/lib/story-studio"
ln -s ../lib/story-studio/studio "$appdir/usr/bin/studio"

cat > "$appdir/AppRun" <<'APPRUN'
#!/bin/sh
# The AppImage's entry point: run the bundled studio with the arguments given.
here=$(dirname "$(readlink -f "$0")")
exec "$here/usr/lib/story-studio/studio" "$@"
APPRUN
chmod 755 "$appdir/AppRun"

install -m 644 "assets/$APP_ID.desktop" "$appdir/$APP_ID.desktop"
install -m 644 "assets/$APP_ID.desktop" "$appdir/usr/share/applications/$APP_ID.desktop"
# appimagetool looks for <id>.appdata.xml and checks it with appstreamcli
install -m 644 "assets/$APP_ID.metainfo.xml" "$appdir/usr/share/metainfo/$APP_ID.appdata.xml"
install -m 644 "assets/icons/hicolor/256x256/apps/$APP_ID.png" "$appdir/$APP_ID.png"
ln -s "$APP_ID.png" "$appdir/.DirIcon"
install -m 644 "assets/$APP_ID.svg" "$appdir/usr/share/icons/hicolor/scalable/apps/"
install -D -m 644 "assets/$APP_ID.mime.xml" "$appdir/usr/share/mime/packages/$APP_ID.xml"
for png in assets/icons/hicolor/*/apps/$APP_ID.png; do
    size=$(basename "$(dirname "$(dirname "$png")")")
    install -D -m 644 "$png" "$appdir/usr/share/icons/hicolor/$size/apps/$APP_ID.png"
done

if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$appdir/$APP_ID.desktop"
fi
"$appdir/AppRun" --version
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$appdir/AppRun" --smoke
echo "build-appdir: $appdir ($(du -sh "$appdir" | cut -f1))"
