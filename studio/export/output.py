"""Where an export lands, and how it gets there without touching anything the user made.

The rule: an export never deletes or changes a file Story Studio did not write.

- A single file (PDF, EPUB, share archive) carries a seal: the SHA-256 of its
  own bytes (with the seal's digits read as zeros) in its metadata (the PDF's
  document info, the zip comment). An existing file is replaced only when its
  seal still matches, that is, Story Studio wrote it and nobody changed it since.
- An export folder (web pages, PNG pages) carries `.storystudio-export.json`,
  listing every file the export wrote with its size and SHA-256. Only those
  files are ever replaced or removed, and only while they still match; files
  the user added inside the folder stay where they are.
- Any other target (a file or folder the studio did not write, a listed file
  the user changed, a link, something in the way) is left exactly as it is,
  and the export is written beside it under the first free name (`book-2.pdf`,
  `web-2`, ...). The result's path is the one used and a warning says why.
  An existing empty folder is used as it is.

Output is built under a temporary `.part` name and moved into place only when
complete, so a cancelled or failed export leaves nothing; leftovers of a killed
export are removed by the next export to the same place. A running export holds
a lock on its `.part` (where the platform has `flock`), so a second export never
removes the first one's work in progress. Everything is created with the modes
the user's umask gives (files 0666 & ~umask, folders 0777 & ~umask).
"""

from __future__ import annotations

import errno
import hashlib
import json
import mmap
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from studio.core.archive import ARCHIVE_SUFFIX
from studio.core.atomic import atomic_write, create_temp, fsync_file
from studio.export.common import ExportError, Job

try:
    import fcntl
except ImportError:  # Windows: open files cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

MARKER = ".storystudio-export.json"
MARKER_APP = "Story Studio"
MARKER_VERSION = 1
MAX_MARKER_BYTES = 16 * 1024 * 1024
SEAL_LABEL = b"StoryStudio-export-sha256:"
SEAL_ZEROS = b"0" * 64
SEAL_PLACEHOLDER = SEAL_LABEL + SEAL_ZEROS
"""What a writer puts in its file's metadata; `seal()` fills in the digest."""
MAX_CANDIDATES = 999
STALE_SECONDS = 2.0
"""A `.part` younger than this may be one a running export has just created."""
UNLOCKED_STALE_SECONDS = 3600.0
"""Without `flock` a `.part` counts as abandoned only after an hour."""
CHUNK = 1024 * 1024
_RANDOM = r"[A-Za-z0-9_]{8}"
_INSIDE_LEFTOVER = re.compile(rf"\.storystudio-export(?:\.json)?\.{_RANDOM}\.part")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- Single files --------------------------------------------------------------------


def file_target(out: Path, default_name: str) -> Path:
    """`out` itself, or `out/default_name` when `out` is an existing folder."""
    target = out / default_name if out.is_dir() else out
    if not target.parent.is_dir():
        raise ExportError(f"The folder {target.parent} does not exist; choose another place.")
    return target


def write_file(job: Job, target: Path, write: Callable[[Path], None]) -> Path:
    """Run `write(tmp)` on a temporary file beside `target`, seal it and move it into place.

    Returns the path used: `target`, or the first free name beside it when
    `target` holds something Story Studio did not write (a warning says so).
    The writer must put SEAL_PLACEHOLDER in the file, once.
    """
    folder = target.parent
    remove_leftovers(folder, target.name)
    tmp, lock = _temp_file(folder, target.name)
    try:
        write(tmp)
        seal(tmp)
        fsync_file(tmp)
        dest, why = _place_file(tmp, target)
    finally:
        _release(lock)
        tmp.unlink(missing_ok=True)
    if why:
        job.warn(
            f"{target} {why}, so it was left exactly as it was; this export was saved as {dest} instead."
        )
    return dest


def _place_file(tmp: Path, target: Path) -> tuple[Path, str]:
    why = ""
    for candidate in candidates(target):
        state = _file_state(candidate)
        if state == "free" and _link_new(tmp, candidate):
            return candidate, why
        if state == "ours":
            os.replace(tmp, candidate)
            return candidate, why
        why = why or (state if state not in ("free", "ours") else "appeared while exporting")
    raise ExportError(f"There are too many exports named like {target.name} in {target.parent}.")


def _file_state(path: Path) -> str:
    """'free', 'ours' (sealed and unchanged), or why the file must be left alone."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "free"
    if stat.S_ISLNK(st.st_mode):
        return "is a link"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder"
    if not stat.S_ISREG(st.st_mode):
        return "is not an ordinary file"
    sealed = is_sealed(path)
    if sealed is None:
        return "already exists and was not written by Story Studio"
    return "ours" if sealed else "was changed since Story Studio wrote it"


def _link_new(tmp: Path, dest: Path) -> bool:
    """Give `tmp` the name `dest` only if nothing has that name; False when something does."""
    try:
        os.link(tmp, dest)  # fails rather than replace anything
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # no hard links here (FAT, some network shares)
    if os.path.lexists(dest):
        return False
    try:
        os.rename(tmp, dest)
    except FileExistsError:
        return False
    return True


def seal(path: Path) -> None:
    """Write the digest of `path` into its SEAL_PLACEHOLDER."""
    with path.open("r+b") as handle:
        at = _seal_offset(handle)
        if at is None:
            raise ExportError(f"Could not seal {path.name}: the export has no seal placeholder.")
        digest = _digest(handle, at)
        handle.seek(at)
        handle.write(digest.encode("ascii"))


def is_sealed(path: Path) -> bool | None:
    """True: Story Studio wrote `path` and it is unchanged; False: sealed but changed since;
    None: no seal (not written by Story Studio)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        at = _seal_offset(handle)
        if at is None:
            return None
        handle.seek(at)
        recorded = handle.read(64).decode("ascii", "replace")
        if not _HEX64.fullmatch(recorded):
            return None
        return _digest(handle, at) == recorded


def _seal_offset(handle: BinaryIO) -> int | None:
    """Where the 64 digits of the file's only seal start, or None."""
    fileno = handle.fileno()
    if os.fstat(fileno).st_size < len(SEAL_PLACEHOLDER):
        return None
    with mmap.mmap(fileno, 0, access=mmap.ACCESS_READ) as view:
        first = view.find(SEAL_LABEL)
        if first < 0 or view.find(SEAL_LABEL, first + 1) >= 0:
            return None
        at = first + len(SEAL_LABEL)
        return at if at + 64 <= len(view) else None


def _digest(handle: BinaryIO, at: int) -> str:
    """SHA-256 of the file with the seal's 64 digits read as zeros."""
    digest = hashlib.sha256()
    handle.seek(0)
    pos = 0
    while chunk := handle.read(CHUNK):
        lo, hi = max(at, pos), min(at + 64, pos + len(chunk))
        if lo < hi:
            chunk = chunk[: lo - pos] + SEAL_ZEROS[: hi - lo] + chunk[hi - pos :]
        digest.update(chunk)
        pos += len(chunk)
    return digest.hexdigest()


# --- Folders -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    size: int
    sha256: str

    def json(self) -> dict[str, object]:
        return {"size": self.size, "sha256": self.sha256}


@dataclass
class Marker:
    """What `.storystudio-export.json` says: the export's kind and every file it wrote.

    `files` maps a relative path to the versions of it the studio wrote that may
    be there (more than one only while an update is being swapped in)."""

    kind: str
    files: dict[str, list[Entry]] = field(default_factory=dict)


@dataclass
class Verdict:
    """Whether an export may go into a folder, and what it found there."""

    usable: bool
    exists: bool = False
    why: str = ""
    old: dict[str, list[Entry]] = field(default_factory=dict)
    foreign: list[str] = field(default_factory=list)


def write_folder(job: Job, out: Path, kind: str, write: Callable[[Path], None]) -> Path:
    """Run `write(folder)` on an empty temporary folder and move what it wrote into place.

    `out` may be new, empty, or an earlier export of the same `kind` (then only
    the files it lists are replaced or removed); anything else is left as it is
    and the export goes to the first free name beside it. Returns the path used.
    """
    if not out.parent.is_dir():
        raise ExportError(f"The folder {out.parent} does not exist; choose another place.")
    remove_leftovers(out.parent, out.name)
    first, verdict = _first_usable(out, kind)
    staging, lock = _temp_folder(first if verdict.exists else out.parent, out.name, verdict.exists)
    try:
        write(staging)
        files = inventory(staging)
        dest, verdict, why = _finish_folder(out, kind, staging, files)
    finally:
        _release(lock)
        shutil.rmtree(staging, ignore_errors=True)
    if why:
        job.warn(
            f"{out} {why}, so it was left exactly as it was; this export was saved in {dest} instead."
        )
    if verdict.foreign:
        job.warn(
            f"{dest} also holds {_count(verdict.foreign)} that Story Studio did not write "
            f"({_some(verdict.foreign)}); left as they were."
        )
    return dest


def _first_usable(out: Path, kind: str) -> tuple[Path, Verdict]:
    for candidate in candidates_for_folder(out):
        verdict = assess_folder(candidate, kind)
        if verdict.usable:
            return candidate, verdict
    raise ExportError(f"There are too many exports named like {out.name} in {out.parent}.")


def _finish_folder(
    out: Path, kind: str, staging: Path, files: dict[str, Entry]
) -> tuple[Path, Verdict, str]:
    why = ""
    for candidate in candidates_for_folder(out):
        verdict = assess_folder(candidate, kind, files)
        if verdict.usable and not verdict.exists:
            _write_marker(staging, kind, {p: [e] for p, e in files.items()})
            if _move_tree(staging, candidate):
                return candidate, verdict, why
            verdict = assess_folder(candidate, kind, files)
        if verdict.usable and verdict.exists:
            _swap_in(staging, candidate, kind, files, verdict.old)
            return candidate, verdict, why
        why = why or verdict.why
    raise ExportError(f"There are too many exports named like {out.name} in {out.parent}.")


def assess_folder(folder: Path, kind: str, new: dict[str, Entry] | None = None) -> Verdict:
    """May an export of `kind` (writing the files `new`, when known) go into `folder`?"""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return Verdict(usable=True)
    if stat.S_ISLNK(st.st_mode) and not folder.is_dir():
        return Verdict(False, True, "is a link")
    if not folder.is_dir():
        return Verdict(False, True, "is a file, not a folder")
    remove_leftovers_inside(folder)
    names = [n for n in os.listdir(folder) if not _INSIDE_LEFTOVER.fullmatch(n)]
    if not names:
        return _writable(folder, Verdict(usable=True, exists=True))
    if MARKER not in names:
        return Verdict(False, True, "already holds files that Story Studio did not write")
    marker = read_marker(folder)
    if marker is None:
        return Verdict(False, True, f"holds a {MARKER} that Story Studio cannot read")
    if marker.kind != kind:
        theirs, ours = _KINDS.get(marker.kind, marker.kind), _KINDS.get(kind, kind)
        return Verdict(False, True, f"holds a Story Studio {theirs}, not a {ours}")
    problems = [f"{p} {w}" for p, vs in marker.files.items() if (w := _changed(folder, p, vs))]
    for path in new or {}:
        if path not in marker.files and (w := _in_the_way(folder, path)):
            problems.append(f"{path} {w}")
    if problems:
        return Verdict(False, True, f"holds files Story Studio must not touch ({_some(problems)})")
    foreign = _foreign(folder, marker.files)
    return _writable(folder, Verdict(True, True, old=marker.files, foreign=foreign))


_KINDS = {"html": "web export", "png": "PNG page export"}


def _writable(folder: Path, verdict: Verdict) -> Verdict:
    if os.access(folder, os.W_OK | os.X_OK):
        return verdict
    return Verdict(False, True, "cannot be written (it is read-only or not yours)")


def _changed(folder: Path, rel: str, versions: list[Entry]) -> str:
    """Why the listed file `rel` is no longer what the studio wrote, or '' when it is (or is gone)."""
    if why := _bad_parents(folder, rel):
        return why
    try:
        st = os.lstat(folder / rel)
    except FileNotFoundError:
        return ""
    if stat.S_ISLNK(st.st_mode):
        return "is now a link"
    if not stat.S_ISREG(st.st_mode):
        return "is no longer a file"
    if st.st_size not in {v.size for v in versions}:
        return "was changed"
    return "" if file_entry(folder / rel).sha256 in {v.sha256 for v in versions} else "was changed"


def _in_the_way(folder: Path, rel: str) -> str:
    """Why the new file `rel` cannot be written in `folder`, or ''."""
    if why := _bad_parents(folder, rel):
        return why
    return "is not Story Studio's" if os.path.lexists(folder / rel) else ""


def _bad_parents(folder: Path, rel: str) -> str:
    """Every folder on the way to `rel` must be a real folder (or not exist yet), not a link."""
    current = folder
    for part in PurePosixPath(rel).parts[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return ""
        if stat.S_ISLNK(st.st_mode):
            return f"lies behind a link ({current.name})"
        if not stat.S_ISDIR(st.st_mode):
            return f"lies behind a file ({current.name})"
    return ""


def _foreign(folder: Path, listed: dict[str, list[Entry]]) -> list[str]:
    found: list[str] = []
    for root, dirs, names in os.walk(folder):
        base = PurePosixPath(Path(root).relative_to(folder).as_posix())
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        found.extend(str(base / d) if str(base) != "." else d for d in sorted(links))
        dirs[:] = sorted(d for d in dirs if d not in links and not _INSIDE_LEFTOVER.fullmatch(d))
        for name in sorted(names):
            rel = str(base / name) if str(base) != "." else name
            if rel != MARKER and rel not in listed and not _INSIDE_LEFTOVER.fullmatch(name):
                found.append(rel)
    return found


def inventory(folder: Path) -> dict[str, Entry]:
    """Every file under `folder` (relative POSIX path -> size and SHA-256)."""
    files: dict[str, Entry] = {}
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            files[path.relative_to(folder).as_posix()] = file_entry(path)
    return files


def file_entry(path: Path) -> Entry:
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Entry(size, digest.hexdigest())


def _swap_in(
    staging: Path, folder: Path, kind: str, new: dict[str, Entry], old: dict[str, list[Entry]]
) -> None:
    """Move the new files into `folder` over the listed old ones; remove listed files now unused.

    The marker lists old and new versions while the files move, so a crash at
    any moment leaves only files the marker vouches for."""
    during = {p: [*old.get(p, []), *([new[p]] if p in new else [])] for p in {*old, *new}}
    _write_marker(folder, kind, during)
    for rel in sorted(new):
        _make_parents(folder, rel)
        _move_file(staging / rel, folder / rel)
    gone = sorted(set(old) - set(new))
    for rel in gone:
        if not _changed(folder, rel, old[rel]):
            (folder / rel).unlink(missing_ok=True)
    kept = {a for p in new for a in _ancestors(p)}
    for parent in sorted({a for p in gone for a in _ancestors(p)} - kept, reverse=True):
        try:
            os.rmdir(folder / parent)  # only when empty: a user's file keeps it
        except OSError:
            pass
    _write_marker(folder, kind, {p: [e] for p, e in new.items()})


def _ancestors(rel: str) -> list[str]:
    return [str(a) for a in PurePosixPath(rel).parents if str(a) != "."]


def _make_parents(folder: Path, rel: str) -> None:
    current = folder
    for part in PurePosixPath(rel).parts[:-1]:
        current = current / part
        try:
            os.mkdir(current, 0o777)
        except FileExistsError:
            if current.is_symlink() or not current.is_dir():
                raise ExportError(
                    f"{current} is in the way of the export; nothing was changed in it."
                ) from None


def _move_file(src: Path, dest: Path) -> None:
    try:
        os.replace(src, dest)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        tmp, lock = _temp_file(dest.parent, dest.name)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        finally:
            _release(lock)
            tmp.unlink(missing_ok=True)


def _move_tree(src: Path, dest: Path) -> bool:
    """Give the folder `src` the name `dest`; False when something took that name meanwhile."""
    if os.path.lexists(dest):
        return False
    try:
        os.rename(src, dest)
        return True
    except OSError as err:
        if err.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            return False
        if err.errno != errno.EXDEV:
            raise
    tmp, lock = _temp_folder(dest.parent, dest.name, False)
    try:
        shutil.copytree(src, tmp, symlinks=True, copy_function=shutil.copyfile, dirs_exist_ok=True)
        if os.path.lexists(dest):
            return False
        os.rename(tmp, dest)
        return True
    finally:
        _release(lock)
        shutil.rmtree(tmp, ignore_errors=True)


# --- The marker ----------------------------------------------------------------------


def read_marker(folder: Path) -> Marker | None:
    """The folder's marker, or None when it is missing, a link, damaged or not ours."""
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY | _NOFOLLOW | _BINARY)
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_MARKER_BYTES + 1)
        data = json.loads(raw) if len(raw) <= MAX_MARKER_BYTES else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("app") != MARKER_APP:
        return None
    if data.get("version") != MARKER_VERSION or not isinstance(data.get("kind"), str):
        return None
    marker = Marker(data["kind"])
    for key in ("files", "previous"):
        listed = data.get(key, {})
        if not isinstance(listed, dict):
            return None
        for rel, value in listed.items():
            entries = _entries(value)
            if entries is None or not _safe_relative(rel):
                return None
            marker.files.setdefault(rel, []).extend(entries)
    return marker


def _entries(value: object) -> list[Entry] | None:
    values = value if isinstance(value, list) else [value]
    entries: list[Entry] = []
    for v in values:
        if not isinstance(v, dict):
            return None
        size, digest = v.get("size"), v.get("sha256")
        if not isinstance(size, int) or size < 0 or not isinstance(digest, str):
            return None
        if not _HEX64.fullmatch(digest):
            return None
        entries.append(Entry(size, digest))
    return entries


def _safe_relative(rel: object) -> bool:
    if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel or ":" in rel:
        return False
    parts = rel.split("/")
    return rel != MARKER and all(p not in ("", ".", "..") for p in parts)


def _write_marker(folder: Path, kind: str, files: dict[str, list[Entry]]) -> None:
    current = {p: vs[-1].json() for p, vs in sorted(files.items())}
    earlier = {p: [v.json() for v in vs[:-1]] for p, vs in sorted(files.items()) if len(vs) > 1}
    data: dict[str, object] = {
        "app": MARKER_APP,
        "version": MARKER_VERSION,
        "kind": kind,
        "note": "Story Studio wrote the files listed here; it replaces or removes only these, "
        "and only while they are unchanged.",
        "files": current,
    }
    if earlier:
        data["previous"] = earlier
    text = json.dumps(data, indent=1) + "\n"
    atomic_write(folder / MARKER, text.encode(), mode=0o666, suffix=".part", hold_lock=True)


# --- Names, temporary files and leftovers ----------------------------------------------


def candidates(target: Path) -> list[Path]:
    """`target`, then `name-2`, `name-3`... beside it (before the extension of a file)."""
    name = target.name
    if name.endswith(ARCHIVE_SUFFIX) and len(name) > len(ARCHIVE_SUFFIX):
        stem, suffix = name[: -len(ARCHIVE_SUFFIX)], ARCHIVE_SUFFIX
    else:
        stem, suffix = (target.stem, target.suffix) if target.stem else (name, "")
    return [target] + [
        target.with_name(f"{stem}-{n}{suffix}") for n in range(2, MAX_CANDIDATES + 1)
    ]


def candidates_for_folder(target: Path) -> list[Path]:
    return [target] + [target.with_name(f"{target.name}-{n}") for n in range(2, MAX_CANDIDATES + 1)]


def _temp_file(folder: Path, name: str) -> tuple[Path, int | None]:
    """A new empty `.name.XXXXXXXX.part` in `folder` (mode 0666 & ~umask), locked while in use."""
    path, fd = create_temp(folder / name, suffix=".part", mode=0o666)
    return path, _hold(fd)


def _temp_folder(folder: Path, name: str, inside: bool) -> tuple[Path, int | None]:
    """A new empty folder (mode 0777 & ~umask), locked while in use: `.name.XXXXXXXX.part`
    beside a new target, `.storystudio-export.XXXXXXXX.part` inside an existing one."""
    stem = "storystudio-export" if inside else name.lstrip(".")
    while True:
        path = folder / f".{stem}.{secrets.token_hex(4)}.part"
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        if fcntl is None:
            return path, None
        return path, _hold(os.open(path, os.O_RDONLY))


def _hold(fd: int) -> int | None:
    if fcntl is None:
        os.close(fd)
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def remove_leftovers(folder: Path, name: str) -> int:
    """Remove `.name.XXXXXXXX.part` files and folders a killed export left in `folder`."""
    pattern = re.compile(rf"\.{re.escape(name.lstrip('.'))}\.{_RANDOM}\.(?:part|tmp)")
    return _remove_matching(folder, pattern)


def remove_leftovers_inside(folder: Path) -> int:
    """Remove the staging folders and marker drafts a killed export left inside `folder`."""
    return _remove_matching(folder, _INSIDE_LEFTOVER)


def _remove_matching(folder: Path, pattern: re.Pattern[str]) -> int:
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if pattern.fullmatch(name) and _remove_if_abandoned(folder / name):
            removed += 1
    return removed


def _remove_if_abandoned(path: Path) -> bool:
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            return False
        age = time.time() - st.st_mtime
        if age < (STALE_SECONDS if fcntl is not None else UNLOCKED_STALE_SECONDS):
            return False
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW) if fcntl is not None else None
    except OSError:
        return False
    try:
        if fd is not None and fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a running export holds it
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        return True
    finally:
        _release(fd)


def _count(items: list[str]) -> str:
    return "1 file" if len(items) == 1 else f"{len(items)} files"


def _some(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
