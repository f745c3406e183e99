"""Hostile book files and archives: fuzzed for a fixed budget (longer by hand).

The loader may only answer with a Book or BookFileError; the importer with a bundle
inside the library or ArchiveRejected. Nothing is ever written outside the library,
a refused archive leaves nothing behind, and no picture bigger than the pixel limit
is ever decoded.

`RELIABILITY_FUZZ_EXAMPLES` sets the examples per property (default 150);
scripts/fuzz_long.py runs them with many more.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from studio.cli import check_bundle
from studio.core import imaging
from studio.core.archive import ArchiveRejected, import_archive
from studio.core.book import (
    Book,
    GenerationSettings,
    Illustration,
    ImageStatus,
    ImageVersion,
    Page,
    PlanStatus,
)
from studio.core.library import BookFileError, Bundle, Library, parse_book
from tests.fakes.server import oversized_png

# a failing archive is large; its repr must not hide the failure behind a warning
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("RELIABILITY_FUZZ_RANDOM") is None,
)


def _png(seed: int = 0, size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed * 40 % 256, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _sample_book(pages: int = 2) -> Book:
    def version(n: int) -> ImageVersion:
        return ImageVersion(original=f"p{n}.png", display=f"p{n}-d.png", thumbnail=f"p{n}-t.png")

    return Book(
        title="The Fox and the Lantern",
        settings=GenerationSettings(premise="a fox finds a lantern", pages=pages),
        plan_status=PlanStatus.DONE,
        pages=[
            Page(
                number=n,
                text=f"Page {n} text.",
                scene=f"Scene {n}.",
                image=Illustration(status=ImageStatus.DONE, current=version(n)),
            )
            for n in range(1, pages + 1)
        ],
    )


SAMPLE = json.loads(_sample_book().model_dump_json())
SAMPLE_IMAGES = {f"p{n}{s}.png": _png(n) for n in (1, 2) for s in ("", "-d", "-t")}


# --- No big picture is ever decoded ----------------------------------------------------


@pytest.fixture(autouse=True)
def _no_big_decode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail if any picture over the pixel limit has its pixels loaded."""
    real_load = ImageFile.ImageFile.load

    def guarded(self: ImageFile.ImageFile) -> Any:
        w, h = self.size
        assert w * h <= imaging.MAX_PIXELS, f"decoded a {w}x{h} picture"
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", guarded)
    yield


# --- JSON values and mutations ----------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["../../etc/passwd", "/abs.png", "..", ".hidden", "a\\b.png", "", "x" * 300]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


ALL_PATHS = [p for p in _paths(SAMPLE) if p]


@st.composite
def mutated_book(draw: st.DrawFn) -> bytes:
    data = json.loads(json.dumps(SAMPLE))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(json_value)
            elif action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=8))] = draw(json_value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the path
    text = json.dumps(data, allow_nan=True)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=6)) + text[cut:]
    return text.encode("utf-8", "surrogatepass")


def _load_contract(raw: bytes, tmp: Path) -> Book | None:
    """parse_book and Bundle.load answer with a Book or BookFileError, nothing else."""
    try:
        book = parse_book(raw, Path("book.json"))
    except BookFileError:
        book = None
    bundle = Bundle(tmp / "x.storybook")
    bundle.images_dir.mkdir(parents=True, exist_ok=True)
    bundle.book_file.write_bytes(raw)
    try:
        loaded = bundle.load()
    except BookFileError:
        assert book is None
        return None
    assert book is not None
    report = check_bundle(bundle.path)  # must not raise either
    assert isinstance(report["valid"], bool)
    return loaded


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_fuzz_loader_with_random_bytes(
    raw: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _load_contract(raw, tmp_path_factory.mktemp("b"))


@FUZZ
@given(raw=mutated_book())
def test_fuzz_loader_with_mutated_books(
    raw: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _load_contract(raw, tmp_path_factory.mktemp("m"))


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"\xff\xfe{}",
        b'{"schema_version": 1e999}',
        b'{"schema_version": 99999999999999999999999999}',
        json.dumps(SAMPLE | {"schema_version": 2}).encode(),
        json.dumps(SAMPLE | {"title": "x" * 5_000_000}).encode(),
        b" " * (33 * 1024 * 1024),
    ],
    ids=[
        "deep-list",
        "deep-object",
        "bom-garbage",
        "inf-version",
        "huge-int",
        "newer",
        "long-title",
        "too-big",
    ],
)
def test_loader_edge_cases(raw: bytes, tmp_path: Path) -> None:
    started = time.monotonic()
    _load_contract(raw, tmp_path)
    assert time.monotonic() - started < 10


# --- Archives ---------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../evil.png", "../../evil.png", "/abs/evil.png", "C:/evil.png", "C:evil.png",
    "images/../../evil.png", "images/./x.png", "images\\evil.png", "images/.hidden.png",
    "images/sub/x.png", "images/", "book.json/", "BOOK.JSON", "Book.json", "x.storybook/book.json",
    "__MACOSX/._book.json", ".DS_Store", "images/p1.png\0.txt", "images/\u202eevil.png", "évil.png",
    "images/p1.png", "images/p1-d.png", "images/p2.png", "book.json", "a/b/c/d/e.png",
]  # fmt: skip


@st.composite
def hostile_archive(draw: st.DrawFn) -> bytes:
    out = io.BytesIO()
    prefix = draw(st.sampled_from(["", "", "book.storybook/"]))
    entries: list[tuple[str, bytes, int, bool]] = []
    if draw(st.booleans()):
        book = draw(st.one_of(st.just(json.dumps(SAMPLE).encode()), mutated_book()))
        entries.append((prefix + "book.json", book, zipfile.ZIP_DEFLATED, False))
    if draw(st.booleans()):
        entries += [
            (prefix + f"images/{n}", d, zipfile.ZIP_STORED, False) for n, d in SAMPLE_IMAGES.items()
        ]
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(min_size=1, max_size=20)))
        content = draw(
            st.one_of(
                st.binary(max_size=200),
                st.just(_png()),
                st.just(oversized_png()),
                st.just(b"\0" * 3_000_000),  # compresses ~1000:1
            )
        )
        method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
        entries.append(
            (draw(st.sampled_from(["", prefix])) + name, content, method, draw(st.booleans()))
        )
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate names are part of the attack
        for name, data, method, link in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    raw = bytearray(out.getvalue())
    for _ in range(draw(st.integers(0, 3))):  # damage: headers that lie, bad CRCs
        if raw:
            pos = draw(st.integers(0, len(raw) - 1))
            raw[pos] = draw(st.integers(0, 255))
    if draw(st.integers(0, 9)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return bytes(raw)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in root.rglob("*")
    }


def _import_contract(raw: bytes, root: Path) -> None:
    """Import answers with a bundle in the library or ArchiveRejected; writes only there."""
    outside = root / "outside"
    library = Library(root / "home" / "library")
    outside.mkdir(parents=True)
    (outside / "keep.txt").write_bytes(b"keep")
    library.ensure()
    (library.root / "existing.storybook").mkdir()
    archive = root / "home" / "shared.storybook.zip"
    archive.write_bytes(raw)
    before_outside = _tree(root / "outside")
    before_home = {k: v for k, v in _tree(root / "home").items() if not k.startswith("library/")}
    before_library = _tree(library.root)
    try:
        bundle = import_archive(archive, library)
    except ArchiveRejected:
        assert _tree(library.root) == before_library, "a refused archive left something behind"
    else:
        assert bundle.path.parent == library.root
        assert bundle.load() is not None
        new = set(_tree(library.root)) - set(before_library)
        assert all(n.startswith(bundle.path.name) for n in new), new
        for name in bundle.images_dir.iterdir() if bundle.images_dir.exists() else []:
            imaging.inspect(name.read_bytes())
    assert _tree(root / "outside") == before_outside
    after_home = {k: v for k, v in _tree(root / "home").items() if not k.startswith("library/")}
    assert after_home == before_home
    assert not list(root.parent.glob("evil*")) and not Path("/abs/evil.png").exists()


@FUZZ
@given(raw=hostile_archive())
def test_fuzz_archive_import(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    _import_contract(raw, tmp_path_factory.mktemp("a"))


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_a_picture_bomb_in_an_archive_is_refused_fast_without_decoding(tmp_path: Path) -> None:
    images = dict(SAMPLE_IMAGES)
    images["p1.png"] = oversized_png()  # 20000 x 20000, about 50 KB
    raw = _zip(
        {"book.json": json.dumps(SAMPLE).encode()} | {f"images/{k}": v for k, v in images.items()}
    )
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ArchiveRejected, match="too large"):
        import_archive(_write(tmp_path, raw), Library(tmp_path / "lib"))
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 50 * 1024 * 1024, (elapsed, peak)
    assert not any((tmp_path / "lib").iterdir())


def test_a_zip_bomb_is_refused_fast_with_little_memory(tmp_path: Path) -> None:
    raw = _zip(
        {"book.json": json.dumps(SAMPLE).encode(), "images/p1.png": b"\0" * 200_000_000},
        zipfile.ZIP_DEFLATED,
    )
    assert len(raw) < 1_000_000
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(ArchiveRejected):
        import_archive(_write(tmp_path, raw), Library(tmp_path / "lib"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 2 and peak < 50 * 1024 * 1024


def test_a_picture_bomb_from_a_server_is_never_decoded() -> None:
    with pytest.raises(imaging.ImageRejected):
        imaging.make_renditions(oversized_png())


def _write(tmp: Path, raw: bytes) -> Path:
    path = tmp / "in.storybook.zip"
    path.write_bytes(raw)
    return path


def _cleanup(path: Path) -> None:  # pragma: no cover - helper for the long run
    shutil.rmtree(path, ignore_errors=True)


# --- Books the loader must refuse (or mend) so the rest of the studio can cope ---------


def test_an_unsafe_picture_name_does_not_break_the_library_listing(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    library.ensure()
    hostile = json.loads(json.dumps(SAMPLE))
    hostile["pages"][0]["image"]["current"]["thumbnail"] = "../../outside.png"
    for name, data in (("good", SAMPLE), ("hostile", hostile)):
        bundle = Bundle(library.root / f"{name}.storybook")
        bundle.images_dir.mkdir(parents=True)
        bundle.book_file.write_text(json.dumps(data))
    summaries = {s.bundle.path.name: s for s in library.summaries()}
    assert set(summaries) == {"good.storybook", "hostile.storybook"}
    assert summaries["hostile.storybook"].cover is None or summaries[
        "hostile.storybook"
    ].cover.parent == (library.root / "hostile.storybook" / "images")


@pytest.mark.parametrize("numbers", [[9, 2], [2, 1], [1, 1]])
def test_page_numbers_that_do_not_match_their_order_are_refused_or_mended(
    numbers: list[int],
) -> None:
    data = json.loads(json.dumps(SAMPLE))
    for page, number in zip(data["pages"], numbers, strict=True):
        page["number"] = number
    try:
        book = parse_book(json.dumps(data).encode(), Path("book.json"))
    except BookFileError:
        return
    assert [p.number for p in book.pages] == list(range(1, len(book.pages) + 1))


# --- Found by the fuzzer -------------------------------------------------------------


def _utf8_named_archive(break_at: str) -> bytes:
    """A valid book whose first picture has a non-ASCII name, broken in one header."""
    book = json.loads(json.dumps(SAMPLE))
    book["pages"][0]["image"]["current"]["original"] = "é1.png"
    images = dict(SAMPLE_IMAGES)
    images["é1.png"] = images.pop("p1.png")
    raw = bytearray(
        _zip(
            {"book.json": json.dumps(book).encode()} | {f"images/{k}": v for k, v in images.items()}
        )
    )
    name = "images/é1".encode()
    hits = [i for i in range(len(raw)) if raw[i : i + len(name)] == name]
    raw[hits[0 if break_at == "local" else -1] + 7] = 0x80  # the first byte of "é" turns invalid
    return bytes(raw)


@pytest.mark.parametrize("break_at", ["central", "local"])
def test_a_name_flagged_utf8_that_is_not_is_refused(break_at: str, tmp_path: Path) -> None:
    library = Library(tmp_path / "lib")
    with pytest.raises(ArchiveRejected):
        import_archive(_write(tmp_path, _utf8_named_archive(break_at)), library)
    assert not library.root.exists() or not any(library.root.iterdir())


def test_a_central_directory_asking_for_a_newer_zip_version_is_refused(tmp_path: Path) -> None:
    raw = bytearray(_zip({"book.json": json.dumps(SAMPLE).encode()}))
    central = raw.index(b"PK\x01\x02")
    raw[central + 6 : central + 8] = (64).to_bytes(2, "little")  # "needs zip 6.4 to extract"
    library = Library(tmp_path / "lib")
    with pytest.raises(ArchiveRejected):
        import_archive(_write(tmp_path, bytes(raw)), library)
    assert not library.root.exists() or not any(library.root.iterdir())
