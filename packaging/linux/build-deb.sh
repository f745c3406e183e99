#!/usr/bin/env bash
# Package the frozen app as packaging/dist/story-studio_<version>_amd64.deb.
#
#   packaging/linux/build-deb.sh [DIST_DIR]     (default: packaging/dist/studio)
#
# Installs the app under /opt/story-studio, the `studio` command in /usr/bin,
# the desktop entry, the AppStream metainfo and the hicolor icons. The system
# libraries the bundle links (see bundle-libs.sh) are declared as Depends.
# needs: dpkg-deb, objdump (binutils); desktop-file-validate (desktop-file-utils)
# and appstreamcli (appstream) check the metadata unless SKIP_VALIDATE=1.
# DEB_COMPRESS=zstd (default: seconds; dpkg >= 1.21.18, Debian 12, Ubuntu 21.10)
# or xz (minutes, 25% smaller, any dpkg; used for releases).
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_ID=org.storystudio.StoryStudio
PACKAGE=story-studio
dist=${1:-packaging/dist/studio}
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' studio/__init__.py)
[ -x "$dist/studio" ] || { echo "build-deb: no frozen app in $dist (run packaging/build.sh)" >&2; exit 1; }

# Direct system dependencies of the bundle, checked with `bundle-libs.sh needed`.
# Package names that exist in Debian 12 and in Ubuntu 22.04 and later.
DEPENDS=(
    libdbus-1-3 libegl1 libfontconfig1 libfreetype6 libgcc-s1 libgl1 libglib2.0-0
    libwayland-client0 libwayland-cursor0 libwayland-egl1
    libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0
    libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0
    libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
    libxkbcommon0 libxkbcommon-x11-0
)

glibc=$(packaging/linux/bundle-libs.sh glibc "$dist")
glibcxx=$(packaging/linux/bundle-libs.sh glibcxx "$dist")
case "$glibcxx" in  # GLIBCXX symbol version -> the GCC release that introduced it
    3.4.2[0-5]) gcc= ;;
    3.4.26|3.4.27) gcc=9 ;;
    3.4.28) gcc=10 ;;
    3.4.29) gcc=11 ;;
    3.4.30) gcc=12 ;;
    3.4.31|3.4.32) gcc=13 ;;
    *) gcc=14 ;;
esac
depends="libc6 (>= $glibc), libstdc++6${gcc:+ (>= $gcc)}"
for d in "${DEPENDS[@]}"; do depends+=", $d"; done

stage=packaging/build/deb/${PACKAGE}_${version}_amd64
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/doc/$PACKAGE" \
    "$stage/usr/share/icons/hicolor/scalable/apps"
cp -a "$dist" "$stage/opt/$PACKAGE"
ln -s "/opt/$PACKAGE/studio" "$stage/usr/bin/studio"
install -m 644 "assets/$APP_ID.desktop" "$stage/usr/share/applications/"
install -m 644 "assets/$APP_ID.metainfo.xml" "$stage/usr/share/metainfo/"
install -D -m 644 "assets/$APP_ID.mime.xml" "$stage/usr/share/mime/packages/$APP_ID.xml"
install -m 644 "assets/$APP_ID.svg" "$stage/usr/share/icons/hicolor/scalable/apps/"
for png in assets/icons/hicolor/*/apps/$APP_ID.png; do
    size=$(basename "$(dirname "$(dirname "$png")")")
    install -D -m 644 "$png" "$stage/usr/share/icons/hicolor/$size/apps/$APP_ID.png"
done
cat > "$stage/usr/share/doc/$PACKAGE/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Story Studio

Files: *
Copyright: The Story Studio authors
License: MIT

Files: opt/$PACKAGE/_internal/studio/assets/fonts/*
Copyright: Bitstream, Inc. and the DejaVu fonts team
License: Bitstream-Vera
 See opt/$PACKAGE/_internal/studio/assets/fonts/LICENSE-DejaVu.txt

Files: opt/$PACKAGE/_internal/PySide6/*
Copyright: The Qt Company Ltd.
License: LGPL-3
 The Qt libraries are used under the LGPL 3; see /usr/share/common-licenses/LGPL-3.
COPYRIGHT
chmod -R u+rwX,go+rX,go-w "$stage"

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $version
Architecture: amd64
Maintainer: Story Studio authors <story-studio@users.noreply.github.com>
Installed-Size: $installed_size
Depends: $depends
Recommends: fonts-dejavu-core, xdg-utils
Suggests: gnome-keyring
Section: graphics
Priority: optional
Description: write and illustrate picture books
 Story Studio turns a premise into an illustrated picture book: the story
 streams in page by page and each page's picture drops into place as it is
 drawn. It works with any OpenAI-compatible service, including local servers,
 and has a built-in offline engine that needs no key and no network. Books
 export as PDF, EPUB, a web page or PNG pages.
CONTROL
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
    xargs -0 md5sum > DEBIAN/md5sums)

if [ "${SKIP_VALIDATE:-0}" != 1 ]; then
    desktop-file-validate "$stage/usr/share/applications/$APP_ID.desktop"
    appstreamcli validate --no-net --explain "$stage/usr/share/metainfo/$APP_ID.metainfo.xml"
    grep -q "<release version=\"$version\"" "$stage/usr/share/metainfo/$APP_ID.metainfo.xml" ||
        echo "build-deb: warning: the metainfo has no <release> for $version" >&2
fi

out=packaging/dist/${PACKAGE}_${version}_amd64.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-zstd}" --build "$stage" "$out" >/dev/null
echo "build-deb: $out ($(du -h "$out" | cut -f1), installs $((installed_size / 1024)) MiB)"
echo "build-deb: Depends: $depends"
