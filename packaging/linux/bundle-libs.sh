#!/usr/bin/env bash
# What the frozen bundle needs from the system, found with ldd and objdump.
#
#   bundle-libs.sh missing  DIR   list "not found" libraries (exit 1 if any)
#   bundle-libs.sh needed   DIR   the system libraries the bundle links directly,
#                                 with the Debian package of each (when installed)
#   bundle-libs.sh glibc    DIR   the newest GLIBC_ symbol version the bundle uses
#   bundle-libs.sh glibcxx  DIR   the newest GLIBCXX_ symbol version the bundle uses
#
# DIR is the folder holding the `studio` executable and `_internal`. ldd runs
# with LD_LIBRARY_PATH=DIR/_internal, as the PyInstaller bootloader does.
#
# Every Qt plugin in the bundle is one the app uses (studio.spec removes the
# rest: eglfs, linuxfb, vnc, the GTK theme...), so no missing library is
# excused: a "not found" anywhere means a Depends is missing from the deb.
set -euo pipefail

mode=${1:?usage: bundle-libs.sh missing|needed|glibc|glibcxx DIR}
dir=$(cd "${2:?usage: bundle-libs.sh MODE DIR}" && pwd)
internal=$dir/_internal

elf_files() {
    find "$dir" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
        while IFS= read -r -d '' f; do
            [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && printf '%s\n' "$f"
        done
}

bundled() {  # is this soname shipped in the bundle?
    [ -e "$internal/$1" ] || [ -n "$(find "$internal" -name "$1" -print -quit)" ]
}

case "$mode" in
    missing)
        status=0
        while IFS= read -r f; do
            out=$(LD_LIBRARY_PATH=$internal ldd "$f" 2>/dev/null || true)
            if grep -q 'not found' <<<"$out"; then
                grep 'not found' <<<"$out" | sed "s|^\s*|${f#"$dir"/}: |"
                status=1
            fi
        done < <(elf_files)
        exit $status
        ;;
    needed)
        while IFS= read -r f; do
            objdump -p "$f" 2>/dev/null | awk '$1 == "NEEDED" {print $2}'
        done < <(elf_files) | sort -u | while IFS= read -r soname; do
            bundled "$soname" && continue
            path=$(ldconfig -p | awk -v n="$soname" '$1 == n && !p {print $NF; p = 1}')
            package=""
            if [ -n "$path" ] && command -v dpkg >/dev/null; then
                # usr-merged systems: dpkg knows one of the two spellings
                package=$( (dpkg -S "$path" || dpkg -S "$(readlink -f "$path")") 2>/dev/null |
                          awk -F: 'NR == 1 {print $1}')
            fi
            printf '%-28s %s\n' "$soname" "${package:-?}"
        done
        ;;
    glibc|glibcxx)
        prefix=$([ "$mode" = glibc ] && echo GLIBC_ || echo GLIBCXX_)
        while IFS= read -r f; do
            objdump -T "$f" 2>/dev/null | grep -oE "\\b${prefix}[0-9]+(\\.[0-9]+)+" || true
        done < <(elf_files) | sed "s/^$prefix//" | sort -uV | tail -1
        ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
