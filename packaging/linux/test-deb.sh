#!/usr/bin/env bash
# Install the .deb into a fresh, minimal Debian 12 and run it there.
#
#   sudo packaging/linux/test-deb.sh [path/to/story-studio_<version>_amd64.deb]
#
# debootstraps bookworm (minbase) into a temporary folder, lets apt install the
# package with its declared Depends and nothing else (no Recommends), then runs
# `studio --version` and `studio --smoke` (offscreen) inside it, checks with
# ldd that every library of the bundle resolves, removes the package, and
# deletes the root. The downloaded packages are kept in
# packaging/cache/bookworm-minbase.tar.gz, so reruns do not fetch them again.
#
# needs: root, debootstrap. DEBIAN_MIRROR overrides the mirror (default: the
# Debian mirror apt uses on this machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(id -u)" = 0 ] || { echo "test-deb: run as root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "test-deb: apt-get install debootstrap" >&2; exit 1; }

deb=${1:-$(ls packaging/dist/story-studio_*_amd64.deb 2>/dev/null | sort -V | tail -1)}
[ -f "$deb" ] || { echo "test-deb: no .deb (run packaging/linux/build-deb.sh)" >&2; exit 1; }
deb=$(realpath "$deb")

suite=bookworm
mirror=${DEBIAN_MIRROR:-$(grep -rhoE '(URIs:|^deb)\s+https?://[^ ]+/debian/?(\s|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | awk 'NR == 1 {print $2}' || true)}
[ -n "$mirror" ] || { echo "test-deb: no Debian mirror in apt's sources; set DEBIAN_MIRROR" >&2; exit 1; }
cache=$(realpath -m packaging/cache)
tarball=$cache/$suite-minbase.tar.gz

root=$(mktemp -d /tmp/studio-deb-test.XXXXXX)
chmod 755 "$root"  # apt downloads as the _apt user
mounts=()
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" || true
    done
    if grep -q " $root/" /proc/mounts; then
        echo "test-deb: something is still mounted under $root; not deleting it" >&2
        return
    fi
    rm -rf --one-file-system "$root"
}
trap cleanup EXIT

stamp() { printf '%s %5ss  %s\n' "test-deb:" "$(($(date +%s) - started))" "$*"; }
started=$(date +%s)

if [ ! -f "$tarball" ]; then
    mkdir -p "$cache"
    stamp "downloading $suite (minbase) from $mirror into $tarball"
    work=$(mktemp -d /tmp/studio-debootstrap.XXXXXX)
    debootstrap --variant=minbase --arch=amd64 --make-tarball="$tarball.part" \
        "$suite" "$work" "$mirror" >/dev/null
    rm -rf --one-file-system "$work"
    mv "$tarball.part" "$tarball"
fi
stamp "unpacking $suite into $root"
debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" \
    "$suite" "$root" "$mirror" >/dev/null
stamp "root ready ($(du -sh "$root" | cut -f1))"

for fs in proc sys dev dev/pts; do
    case $fs in
        proc) mount -t proc proc "$root/proc" ;;
        sys) mount -t sysfs sysfs "$root/sys" ;;
        dev) mount --bind /dev "$root/dev" ;;
        dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
    esac
    mounts+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
cp packaging/linux/bundle-libs.sh "$root/tmp/"

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >/dev/null
stamp "installed $(basename "$deb") with its Depends ($(in_root dpkg-query -f '.\n' -W | wc -l) packages in the root)"

for f in /usr/share/applications/org.storystudio.StoryStudio.desktop \
    /usr/share/metainfo/org.storystudio.StoryStudio.metainfo.xml \
    /usr/share/icons/hicolor/256x256/apps/org.storystudio.StoryStudio.png \
    /usr/share/icons/hicolor/scalable/apps/org.storystudio.StoryStudio.svg; do
    [ -f "$root$f" ] || { echo "test-deb: $f was not installed" >&2; exit 1; }
done

in_root bash /tmp/bundle-libs.sh missing /opt/story-studio ||
    { echo "test-deb: libraries above are not found: a Depends is missing" >&2; exit 1; }
stamp "every library of the bundle resolves (ldd)"

in_root studio --version
in_root mkdir -p -m 700 /tmp/runtime-root
in_root env QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-root studio --smoke
stamp "studio --version and studio --smoke passed"

in_root apt-get remove -y -qq story-studio >/dev/null
[ ! -e "$root/opt/story-studio/studio" ] && [ ! -e "$root/usr/bin/studio" ] ||
    { echo "test-deb: removing the package left files behind" >&2; exit 1; }
stamp "removed cleanly"
