"""Untrusted text reaches the terminal as text, never as control sequences.

`terminal_text` is fuzzed: nothing it returns is an ESC, a C0 or C1 control (but
newline and tab) or a bidi override or isolate, printable text in any script
comes back unchanged, and complete sequences go without taking a visible
character along. Then the real `studio` command runs in a child process on a
book whose title, page text, review notes and server error carry OSC 52, a
clear-screen CSI, an 8-bit CSI, a carriage return and a right-to-left override,
and every line it prints must show the words and none of the controls.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from studio.core.book import Character, PagePlan, PlanStatus, StoryPlan, StyleGuide
from studio.core.events import ImageFailed, Notice, PlanFailed, StoryWaiting, TitleReady
from studio.core.library import Bundle
from studio.core.redact import TerminalTextFilter, install_redaction, install_terminal_text
from studio.core.terminal import REMOVED, terminal_text
from studio.progress import ProgressPrinter
from tests.fakes.server import HOSTILE_MESSAGE, FakeOpenAIThread, Fault
from tests.reliability.helpers import CANARY, REPO, Run, studio_env

OSC52 = "\x1b]52;c;SGVsbG8=\x07"  # write "Hello" to the clipboard
CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
C1_CSI = "\x9b31m"  # the 8-bit CSI: red text
CR = "\r"  # back to the start of the line
RLO = "\u202e"  # right-to-left override
HOSTILE = (OSC52, CLEAR, C1_CSI, CR, RLO)

TITLE = f"{OSC52}Hello{CLEAR} Moon{C1_CSI} Book{CR}{RLO}kooB"
PAGE_TEXT = f"Pip{CLEAR} found{OSC52} a key{CR}Fake line{RLO} 鍵 مفتاح 🔑"
NOTE = f"Fix{OSC52} the{C1_CSI} sky{CR}{RLO}yks"
ARG_NOTE = f"Brighter{CLEAR} colours{CR}{RLO} please"

FORBIDDEN = REMOVED - {"\n", "\t"}


def assert_clean(text: str, where: str) -> None:
    """No ESC, C0 (but newline and tab), C1, DEL or bidi override/isolate in `text`."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN})
    assert not bad, f"{where} carries control characters {bad}: {text!r}"


# --- terminal_text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"{OSC52}Hello", "Hello"),
        ("\x1b]0;window title\x1b\\Text", "Text"),  # OSC ended by ST
        ("\x9d8;;http://evil\x9cLink", "Link"),  # 8-bit OSC and ST
        (f"Clear{CLEAR}ed", "Cleared"),
        (f"Red{C1_CSI}!", "Red!"),
        ("\x1b[38;2;255;0;0mcolour\x1b[0m", "colour"),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("\x1b_apc\x1b\\ \x1b^pm\x1b\\ \x1bXsos\x1b\\.", "  ."),
        ("\x1bcreset \x1b7saved \x1b(Bcharset", "reset saved charset"),
        (f"Title{CR}Other", "TitleOther"),
        ("back\bspace\x00nul\x7fdel\x07bell", "backspacenuldelbell"),
        (f"{RLO}evil\u202c \u2066iso\u2069 \u202aemb\u202c", "evil iso emb"),
        ("broken \x1b]52;c;SGVsbG8", "broken 52;c;SGVsbG8"),  # no terminator: text stays
        ("lone escape\x1b", "lone escape"),
        ("surrogate \ud800", "surrogate \ufffd"),
        (
            "日本語の絵本 · مرحبا بالعالم · 🦊🌙 · Ünïcödé",
            "日本語の絵本 · مرحبا بالعالم · 🦊🌙 · Ünïcödé",
        ),
        ("two\nlines\twith tab", "two\nlines\twith tab"),
    ],
)
def test_sequences_and_controls_go_text_stays(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


def test_one_line_and_objects() -> None:
    assert terminal_text("a\n\nb\tc", one_line=True) == "a b c"
    assert terminal_text(Path("/tmp/x\x1b[2J.storybook")) == "/tmp/x.storybook"
    assert terminal_text(ValueError(f"bad {OSC52}thing")) == "bad thing"


def _printable_or_break(char: str) -> bool:
    return char.isprintable() or char in "\n\t"


printable = st.text(st.characters(exclude_categories=("Cs",)).filter(str.isprintable))
parameters = st.text(st.sampled_from("0123456789;:<=>?"), max_size=8)
intermediates = st.text(st.sampled_from(" !\"#$%&'()*+,-./"), max_size=2)
finals = st.sampled_from([chr(c) for c in range(0x40, 0x7F)])
payload = st.text(st.characters(min_codepoint=0x20).filter(str.isprintable), max_size=20)
terminators = st.sampled_from(["\x07", "\x1b\\", "\x9c"])
csi = st.tuples(st.sampled_from(["\x1b[", "\x9b"]), parameters, intermediates, finals)
strings = st.tuples(
    st.sampled_from(["\x1b]", "\x9d", "\x1bP", "\x90", "\x1bX", "\x1b^", "\x1b_", "\x9f"]),
    payload,
    terminators,
)
nf = st.tuples(
    st.just("\x1b"),
    st.text(st.sampled_from(" !\"#$%&'()*+,-./"), min_size=1, max_size=2),
    st.sampled_from([chr(c) for c in range(0x30, 0x7F)]),
)
two_byte = st.tuples(
    st.just("\x1b"), st.sampled_from([chr(c) for c in range(0x30, 0x7F) if chr(c) not in "[]PX^_"])
)
INTRODUCERS = set("\x1b\x9b\x9d\x90\x98\x9e\x9f")  # these start a sequence of their own
controls = st.tuples(st.sampled_from(sorted(FORBIDDEN - INTRODUCERS)))
sequences = st.one_of(csi, strings, nf, two_byte, controls).map("".join)


@given(st.text())
@example(TITLE)
@example("\x1b\x1b[[\x9b\x9b\x1b]\x1b\\\x07")
def test_nothing_forbidden_ever_comes_out(text: str) -> None:
    out = terminal_text(text)
    assert_clean(out, "terminal_text")
    assert not any("\ud800" <= c <= "\udfff" for c in out)
    assert terminal_text(out) == out
    one_line = terminal_text(text, one_line=True)
    assert_clean(one_line, "one line")
    assert "\n" not in one_line and "\t" not in one_line


@given(st.text(st.characters(exclude_categories=("Cs",)).filter(_printable_or_break)))
@example("日本語 · العربية · עברית · हिन्दी · 🦊👩‍👩‍👧 · e\u0301")
def test_printable_text_in_any_script_is_unchanged(text: str) -> None:
    assert terminal_text(text) == text


@given(st.lists(st.tuples(sequences, printable), max_size=8), printable)
def test_complete_sequences_take_no_visible_character(
    parts: list[tuple[str, str]], tail: str
) -> None:
    raw = "".join(seq + text for seq, text in parts) + tail
    assert terminal_text(raw) == "".join(text for _, text in parts) + tail


# --- the progress printer and the log --------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("live", [False, True])
def test_progress_lines_are_text_and_the_bar_keeps_its_own_codes(live: bool) -> None:
    stream = Tty() if live else io.StringIO()
    printer = ProgressPrinter(3, stream)
    for event in (
        TitleReady(title=TITLE),
        StoryWaiting(what=f"the title{CLEAR}", seconds=6.0, limit=60.0),
        ImageFailed(number=2, reason=HOSTILE_MESSAGE),
        PlanFailed(reason=f"server said {OSC52}no"),
        Notice(message=f"{RLO}notice{CR}"),
    ):
        printer(event)
    out = stream.getvalue()
    if live:
        assert "\r" in out and "\x1b[K" in out, "the bar still draws and clears itself"
        out = out.replace("\r\x1b[K", "").replace("\r[", "[")
    assert_clean(out, "progress")
    for words in ("Title: Hello Moon BookkooB", "Overloaded", "server said no", "notice"):
        assert words in out, (words, out)


def test_log_records_lose_control_sequences(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(TerminalTextFilter())
    log = logging.getLogger("studio.test.terminal")
    log.warning("server said %s", HOSTILE_MESSAGE)
    try:
        raise RuntimeError(f"boom{CLEAR}{OSC52}")
    except RuntimeError:
        log.exception("failed %s", RLO + "here")
    assert_clean(caplog.text, "log")
    assert "Overloaded" in caplog.text and "boom" in caplog.text and "failed here" in caplog.text


def test_install_adds_each_filter_once() -> None:
    logger = logging.getLogger("studio.test.install")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        for _ in range(2):
            install_redaction(logger)
            install_terminal_text(logger)
        assert [type(f).__name__ for f in handler.filters] == [
            "RedactingFilter",
            "TerminalTextFilter",
        ]
    finally:
        logger.removeHandler(handler)


# --- the real command line -------------------------------------------------------------------


def hostile_story(pages: int) -> StoryPlan:
    return StoryPlan(
        title=TITLE,
        style=StyleGuide(art_style="watercolour", palette="warm", medium="ink"),
        characters=[Character(name=f"Pip{CLEAR}", description=f"a hedgehog{OSC52}")],
        pages=[
            PagePlan(text=f"{PAGE_TEXT} ({n})", scene=f"A meadow (page {n}).", characters=["Pip"])
            for n in range(1, pages + 1)
        ],
    )


def studio(*args: str | Path | int, env: dict[str, str]) -> Run:
    """Run `python -m studio ARGS` and read what it printed byte for byte (no newline
    translation, which would hide a carriage return)."""
    proc = subprocess.run(
        [sys.executable, "-m", "studio", *map(str, args)],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=90,
    )
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("terminal")


@pytest.fixture(scope="module")
def env(home: Path) -> dict[str, str]:
    return studio_env(home / "home", OPENAI_API_KEY=CANARY, STUDIO_LIBRARY=str(home / "library"))


@pytest.fixture(scope="module")
def generated(env: dict[str, str]) -> tuple[Run, Path]:
    """`studio generate` against the fake server: the story is hostile, page 2's picture
    fails with a hostile server message. Then an author's note on page 1, in book.json."""
    with FakeOpenAIThread(story=hostile_story(2), pages=2) as server:
        server.inject(Fault.HOSTILE_MESSAGE, endpoint="images", times=99, match="(page 2)")
        run = studio(
            *("generate", f"a premise {CLEAR}", "--pages", 2, "--engine", "openai"),
            *("--base-url", server.base_url),
            env=env,
        )
    assert run.bundle is not None, run.stderr
    bundle = Bundle(run.bundle)
    book = bundle.load()
    assert OSC52 in book.title and OSC52 in book.pages[0].text, "the server's words, kept as is"
    book.pages[0].review.notes = NOTE
    bundle.save(book)
    return run, run.bundle


def assert_run_clean(run: Run, *words: str) -> None:
    assert_clean(run.stdout, "stdout")
    assert_clean(run.stderr, "stderr")
    shown = run.stdout + run.stderr
    for word in words:
        assert word in shown, f"{word!r} should be visible: {shown!r}"


def test_generate_prints_the_title_and_the_server_error_as_text(
    generated: tuple[Run, Path],
) -> None:
    run, _ = generated
    assert run.code == 3, run.stderr  # page 2 failed
    assert_run_clean(run, "Hello Moon BookkooB", "Page 2: picture failed", "Overloaded", "server")


def test_library_lists_the_title_as_text(generated: tuple[Run, Path], env: dict[str, str]) -> None:
    run = studio("library", env=env)
    assert run.code == 0, run.stderr
    assert_run_clean(run, "Hello Moon BookkooB", "2 pages")
    (line,) = [line for line in run.stdout.splitlines() if "Hello" in line]
    assert len(line.split("\t")) == 4, "one line, four fields"


def test_review_prints_notes_and_summary_as_text(
    generated: tuple[Run, Path], env: dict[str, str]
) -> None:
    _, bundle = generated
    run = studio("review", bundle, env=env)
    assert run.code == 0, run.stderr
    assert_run_clean(run, "Page 1: unreviewed  note: Fix the skyyks", "Page 2")
    marked = ("--page", 2, "--state", "needs_changes", "--note", ARG_NOTE)
    run = studio("review", bundle, *marked, env=env)
    assert run.code == 0, run.stderr
    assert_run_clean(run, "Brighter colours please", "needs changes")


def test_check_prints_the_title_and_problems_as_text(
    generated: tuple[Run, Path], env: dict[str, str], tmp_path: Path
) -> None:
    _, bundle = generated
    run = studio("check", bundle, env=env)
    assert_run_clean(run, "Hello Moon BookkooB", "failed pages: 2")
    assert run.code == 0, run.stdout
    broken = tmp_path / f"broken{CLEAR}.storybook"
    shutil.copytree(bundle, broken)
    book = Bundle(broken).load()
    book.plan_status, book.plan_error = PlanStatus.FAILED, f"the server said {HOSTILE_MESSAGE}"
    Bundle(broken).save(book)
    run = studio("check", broken, env=env)
    assert run.code == 1
    assert_run_clean(run, "NOT valid", "The story failed: the server said", "Overloaded", "broken")


def test_errors_that_quote_a_file_are_text(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / f"gone{OSC52}{RLO}.storybook"
    run = studio("review", missing, env=env)
    assert run.code != 0
    assert_run_clean(run, "studio:", "gone")


@pytest.mark.skipif(sys.platform == "win32", reason="file names with ESC")
def test_export_prints_paths_as_text(
    generated: tuple[Run, Path], env: dict[str, str], tmp_path: Path
) -> None:
    _, bundle = generated
    out = tmp_path / f"book{CLEAR}.html"
    run = studio("export", bundle, "--format", "html", "--out", out, env=env)
    assert run.code == 0, run.stderr
    assert_run_clean(run, "book")
