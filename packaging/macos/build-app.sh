#!/usr/bin/env bash
# macOS: build "Story Studio.app" (the BUNDLE step of packaging/studio.spec)
# and a compressed disk image, and check both.
#
#   packaging/macos/build-app.sh [--python PATH]
#
# Output: packaging/dist/Story Studio.app and
#         packaging/dist/StoryStudio-<version>-macos-<arch>.dmg
# The app is signed ad hoc. For distribution outside a team, sign with a
# Developer ID and notarize:
#   codesign --force --deep --options runtime --sign "Developer ID Application: ..." "$app"
#   xcrun notarytool submit "$dmg" --keychain-profile ... --wait && xcrun stapler staple "$dmg"
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(uname -s)" = Darwin ] || { echo "build-app: this needs macOS (hdiutil, codesign)" >&2; exit 1; }

APP_ID=org.storystudio.StoryStudio
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' studio/__init__.py)
app="packaging/dist/Story Studio.app"
dmg="packaging/dist/StoryStudio-$version-macos-$(uname -m).dmg"

rm -rf "$app"
packaging/build.sh "$@"          # freezes, and checks the plain folder build
[ -d "$app" ] || { echo "build-app: PyInstaller made no $app" >&2; exit 1; }

plist="$app/Contents/Info.plist"
plutil -lint "$plist"
bundle_id=$(/usr/libexec/PlistBuddy -c "Print :CFBundleIdentifier" "$plist")
bundle_version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$plist")
[ "$bundle_id" = "$APP_ID" ] || { echo "build-app: bundle id is $bundle_id" >&2; exit 1; }
[ "$bundle_version" = "$version" ] || { echo "build-app: bundle version is $bundle_version" >&2; exit 1; }

codesign --force --deep --sign - "$app"
codesign --verify --deep --strict "$app"

"$app/Contents/MacOS/studio" --version
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$app/Contents/MacOS/studio" --smoke

staging=$(mktemp -d)
mount=$(mktemp -d)
trap 'hdiutil detach "$mount" -quiet 2>/dev/null || true; rm -rf "$staging" "$mount"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -quiet -volname "Story Studio" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 "$dmg"
hdiutil verify -quiet "$dmg"

# the app as a person gets it: from the mounted image
hdiutil attach -quiet -nobrowse -readonly -mountpoint "$mount" "$dmg"
"$mount/Story Studio.app/Contents/MacOS/studio" --version
hdiutil detach -quiet "$mount"
echo "build-app: $dmg ($(du -h "$dmg" | cut -f1)); app $(du -sh "$app" | cut -f1)"
