"""The `studio` command: the window with no arguments, headless commands otherwise."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio import __version__
from studio.core.book import (
    MAX_PAGES,
    MIN_PAGES,
    Book,
    GenerationSettings,
    ImageStatus,
    PlanStatus,
)
from studio.core.booklock import GenerationLock, set_process_label
from studio.core.config import (
    ConfigError,
    EngineConfig,
    insecure_url_warning,
    resolve,
    strip_credentials,
)
from studio.core.events import Outcome, RunFinished
from studio.core.language import LanguageError, detect, normalise
from studio.core.library import (
    BookBusyError,
    BookFileError,
    BookGoneError,
    BookStore,
    Bundle,
    Library,
    StorageError,
    read_picture_file,
)
from studio.core.logs import install_log_file
from studio.core.pipeline import Pipeline, PipelineConfig
from studio.core.providers.base import ProviderError
from studio.core.redact import install_redaction, install_terminal_text
from studio.core.runs import (
    PLAN_MODES,
    RESPONSE_FORMATS,
    ExitCode,
    Overrides,
    apply_overrides,
    engine_config,
    exit_code,
    pipeline_config,
)
from studio.core.services import open_services
from studio.core.settings import FormatMemory
from studio.core.terminal import terminal_text
from studio.progress import ProgressPrinter

EXIT_OK, EXIT_ERROR, EXIT_USAGE = ExitCode.OK, ExitCode.ERROR, ExitCode.USAGE
EXIT_CANCELLED = ExitCode.CANCELLED
EXIT_BUSY, EXIT_DELETED = ExitCode.BUSY, ExitCode.DELETED

LOCK_HELP = (
    "draw a character sheet first and pass it as a reference with every page, for characters "
    "that look the same throughout (gpt-image models). Costs one extra picture and delays the "
    "first page by one picture's time. Off by default."
)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _pages(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not MIN_PAGES <= n <= MAX_PAGES:
        raise argparse.ArgumentTypeError(f"a book has {MIN_PAGES} to {MAX_PAGES} pages")
    return n


def _positive(value: str) -> int:
    n = int(value)
    if n < 1 or n > 64:
        raise argparse.ArgumentTypeError("choose 1 to 64")
    return n


def _language(value: str) -> str:
    try:
        return normalise(value)
    except LanguageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _size(value: str) -> str:
    parts = value.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and 64 <= int(p) <= 8192 for p in parts):
        raise argparse.ArgumentTypeError("use WIDTHxHEIGHT, for example 1024x1024")
    return value.lower()


PRECEDENCE = (
    "Each setting comes from its flag, else from the book, else from the environment "
    "(OPENAI_BASE_URL, OPENAI_API_KEY). A new --base-url moves the pictures too, unless "
    "--image-base-url is given."
)


def _add_endpoint_args(p: argparse.ArgumentParser, defaults: bool) -> None:
    d = None
    where = "OPENAI_BASE_URL or OpenAI" if defaults else "the book's, then OPENAI_BASE_URL"
    p.add_argument(
        "--base-url",
        default=d,
        help=f"OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (default: {where})",
    )
    p.add_argument(
        "--image-base-url",
        default=d,
        help="a different endpoint for pictures (default: the story's endpoint)",
    )
    p.add_argument("--text-model", default=d, help="model that writes the story")
    p.add_argument("--image-model", default=d, help="model that draws the pictures")
    p.add_argument(
        "--image-engine",
        choices=["openai", "offline"],
        default=None,
        help="where pictures come from: the image server (openai) or the built-in painter "
        "(offline), e.g. with a local story server that draws nothing (default: openai)",
    )
    p.add_argument(
        "--response-format",
        choices=list(RESPONSE_FORMATS),
        default=None,
        help="how the story server is asked for JSON: auto tries json_schema, then "
        "json_object, then plain text, and remembers what worked (default: Settings, else auto)",
    )
    p.add_argument(
        "--plan",
        choices=list(PLAN_MODES),
        default=None,
        dest="plan_mode",
        help="whole: the story in one call; per-page: an outline, then one small call per "
        "page (for weak local models); auto: whole, then per page if that fails (default)",
    )
    p.add_argument(
        "--concurrency",
        type=_positive,
        default=4 if defaults else None,
        help="pictures drawn at once (default 4)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="USD",
        help="stop new requests once the estimated cost reaches this",
    )
    p.add_argument("--character-lock", action="store_true", default=None, help=LOCK_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Story Studio: write and illustrate picture books. With no command, opens "
        "the window; `studio FILE…` opens book folders and shared .storybook.zip files in it.",
        epilog=(
            "exit codes: 0 done; 1 an error (the message says which); 2 bad arguments, "
            "settings or key; 3 saved with failed pages (resume retries them); 4 another run "
            "is generating the book; 5 the book was deleted during the run; 130 cancelled"
        ),
    )
    parser.add_argument("--version", action="version", version=f"Story Studio {__version__}")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="self-test: open the window offscreen, make a 3-page book offline, export a PDF",
    )
    parser.add_argument(
        "--library",
        type=Path,
        default=None,
        help="library folder (default: STUDIO_LIBRARY or the user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gen = sub.add_parser("generate", help="write and illustrate a new book")
    gen.add_argument("premise", help="what the story is about")
    gen.add_argument(
        "--pages", type=_pages, default=8, help=f"pages ({MIN_PAGES} to {MAX_PAGES}, default 8)"
    )
    gen.add_argument(
        "--engine",
        choices=["offline", "openai"],
        default=None,
        help="offline needs no key; default: openai when OPENAI_API_KEY is set",
    )
    gen.add_argument(
        "--image-size", type=_size, default="1024x1024", help="WIDTHxHEIGHT (default 1024x1024)"
    )
    gen.add_argument("--age", default="4-7", help="audience age (default 4-7)")
    gen.add_argument("--style", default="", help="art style, e.g. 'gouache, warm and soft'")
    gen.add_argument(
        "--language",
        type=_language,
        default=None,
        help="the book's language as a BCP 47 tag, e.g. es or pt-BR "
        "(default: the language of the premise)",
    )
    _add_endpoint_args(gen, defaults=True)
    gen.add_argument(
        "--library", type=Path, default=None, dest="sub_library", help=argparse.SUPPRESS
    )

    res = sub.add_parser(
        "resume", help="finish what is pending or failed in a book", description=PRECEDENCE
    )
    res.add_argument("bundle", type=Path)
    _add_endpoint_args(res, defaults=False)

    chk = sub.add_parser("check", help="validate a book")
    chk.add_argument("bundle", type=Path)
    chk.add_argument("--json", action="store_true", help="print a JSON report")

    exp = sub.add_parser(
        "export", help="export a book as PDF, EPUB, HTML, PNG pages or a share archive"
    )
    exp.add_argument("bundle", type=Path)
    exp.add_argument("--format", required=True, choices=["pdf", "epub", "html", "png", "archive"])
    exp.add_argument(
        "--out", type=Path, required=True, help="file (pdf, epub, archive) or folder (html, png)"
    )
    exp.add_argument(
        "--preset",
        default="screen",
        choices=["screen", "print-square", "print-a4"],
        help="PDF layout (default screen)",
    )
    exp.add_argument("--notes", action="store_true", help="include review notes (PDF)")

    imp = sub.add_parser("import", help="add a shared .storybook.zip to the library")
    imp.add_argument("archive", type=Path)
    imp.add_argument(
        "--library", type=Path, default=None, dest="sub_library", help="library folder"
    )

    rev = sub.add_parser("review", help="show or set a page's review state and notes")
    rev.add_argument("bundle", type=Path)
    rev.add_argument("--page", type=int, help="the page to mark (without it: the book's summary)")
    rev.add_argument("--state", choices=["unreviewed", "approved", "needs_changes"])
    rev.add_argument("--note", help="the page's review note (replaces the old one)")

    reg = sub.add_parser(
        "regenerate", help="write a page's text or draw its picture again", description=PRECEDENCE
    )
    reg.add_argument("bundle", type=Path)
    reg.add_argument("--page", type=int, required=True)
    what = reg.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", action="store_true", help="rewrite the text")
    what.add_argument("--picture", action="store_true", help="draw the picture again")
    reg.add_argument("--instruction", default="", help="how to change the text or picture")
    reg.add_argument(
        "--with-note", action="store_true", help="use the page's review note as the instruction"
    )
    _add_endpoint_args(reg, defaults=False)

    sub.add_parser("library", help="list the books in the library")
    return parser


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))


def window() -> None:
    """The window, as the `story-studio` launcher opens it (no console on Windows)."""
    sys.exit(run([]))


def _open_window(library: Path | None, files: list[Path]) -> int:
    """The window, once a display and Qt's platform libraries are known to be there."""
    from studio import startcheck

    if (problem := startcheck.problem()) is not None:
        _say_on_every_channel(problem)
        return EXIT_ERROR
    try:
        from studio.app import main as app_main
    except ImportError as err:
        _say_on_every_channel(startcheck.import_failure(err))
        return EXIT_ERROR
    return app_main(library, files)


def _say_on_every_channel(message: str) -> None:
    """To the terminal, else to the log file (a launcher without a console has none)."""
    if sys.stderr is not None and not sys.stderr.closed:
        print(f"studio: {message}", file=sys.stderr)
    else:
        logging.getLogger("studio").error("%s", message)


COMMANDS = ("generate", "resume", "check", "export", "import", "review", "regenerate", "library")
"""The headless commands; any other first word is a file to open in the window."""


def _files_to_open(argv: list[str]) -> list[Path]:
    """`studio FILE…` (as a file manager runs it): the book folders and shared archives
    to open in the window; empty when `argv` is a command or starts with an option."""
    if not argv or argv[0].startswith("-") or argv[0] in COMMANDS:
        return []
    return [Path(arg) for arg in argv]


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    files = _files_to_open(argv)
    args = parser.parse_args([] if files else argv)
    level = logging.INFO if args.verbose else logging.WARNING
    stderr = logging.StreamHandler()
    stderr.setLevel(level)  # the log file may take more than the terminal shows
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[stderr])
    install_redaction()
    install_terminal_text()
    install_log_file()
    library = getattr(args, "sub_library", None) or args.library
    try:
        if args.smoke:
            from studio.smoke import run_smoke

            return run_smoke()
        if args.command is None:
            return _open_window(library, files)
        from studio.core.settings import load_settings, take_settings_notice

        load_settings()  # a settings file that cannot be used is kept aside now, and said so
        if notice := take_settings_notice():
            print(f"studio: {terminal_text(notice)}", file=sys.stderr)
        return _dispatch(args, Library(library))
    except CliError as err:
        print(f"studio: {terminal_text(err)}", file=sys.stderr)
        return err.code
    except ConfigError as err:
        print(f"studio: {terminal_text(err)}", file=sys.stderr)
        return EXIT_USAGE
    except BookBusyError as err:
        print(f"studio: {terminal_text(err)}", file=sys.stderr)
        return EXIT_BUSY
    except BookGoneError as err:
        print(f"studio: {terminal_text(err)}", file=sys.stderr)
        return EXIT_DELETED
    except (BookFileError, StorageError) as err:
        print(f"studio: {terminal_text(err)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("studio: interrupted.", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as err:
        logging.getLogger("studio").debug("Unexpected error", exc_info=True)
        print(
            f"studio: unexpected error: {type(err).__name__}: {terminal_text(err)} "
            "(run with --verbose for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _dispatch(args: argparse.Namespace, library: Library) -> int:
    command: str = args.command
    set_process_label(f"studio {command}")
    if command == "generate":
        return _generate(args, library)
    if command == "resume":
        return _resume(args)
    if command == "check":
        return _check(args.bundle, args.json)
    if command == "export":
        return _export(args)
    if command == "import":
        return _import(args.archive, library)
    if command == "library":
        return _list(library)
    if command == "review":
        return _review(args)
    if command == "regenerate":
        return _regenerate(args)
    raise CliError(f"unknown command {command}", EXIT_USAGE)


# --- generate and resume -------------------------------------------------------------------


def _overrides(args: argparse.Namespace) -> Overrides:
    return Overrides(
        base_url=args.base_url,
        image_base_url=args.image_base_url,
        text_model=args.text_model,
        image_model=args.image_model,
        image_engine=args.image_engine,
        concurrency=getattr(args, "concurrency", None),
        character_lock=getattr(args, "character_lock", None),
        budget_usd=getattr(args, "budget", None),
        plan_mode=args.plan_mode,
    )


def _response_format(args: argparse.Namespace) -> str:
    from studio.core.settings import load_settings

    return str(args.response_format or load_settings().response_format or "auto")


def _generate(args: argparse.Namespace, library: Library) -> int:
    config = resolve(
        args.engine,
        base_url=args.base_url,
        image_base_url=args.image_base_url,
        text_model=args.text_model,
        image_model=args.image_model,
        image_engine=args.image_engine,
        response_format=_response_format(args),
    )
    _warn_about(config)
    settings = GenerationSettings(
        premise=args.premise,
        pages=args.pages,
        engine=config.engine,
        audience_age=args.age,
        art_style=args.style,
        base_url=strip_credentials(config.base_url),
        image_base_url=strip_credentials(args.image_base_url),
        text_model=config.text_model,
        image_model=config.image_model,
        image_size=args.image_size,
        concurrency=args.concurrency,
        character_lock=bool(args.character_lock),
        budget_usd=args.budget,
        image_engine=None if config.offline else config.image_engine,
        plan_mode=args.plan_mode or "auto",
        language=args.language or detect(args.premise),
    )
    from studio.core.offline import language_notice  # the offline engine loads its data

    if config.offline and (notice := language_notice(settings.language or "en")):
        print(f"studio: {notice}", file=sys.stderr)
    bundle = library.create(Book(settings=settings), name=args.premise)
    with _generating(bundle) as lock:
        return _run_book(bundle, config, pipeline_config(settings), lock)


def _resume(args: argparse.Namespace) -> int:
    bundle = Bundle(args.bundle)
    with _generating(bundle) as lock:
        book = bundle.update(lambda book: _apply(book, _overrides(args)))
        config = engine_config(book.settings, response_format=_response_format(args))
        _warn_about(config)
        return _run_book(bundle, config, pipeline_config(book.settings), lock)


def _apply(book: Book, overrides: Overrides) -> Book:
    apply_overrides(book.settings, overrides)
    return book


@contextlib.contextmanager
def _generating(bundle: Bundle) -> Iterator[GenerationLock]:
    """Hold the book's generation lock from before its settings change to the run's end."""
    lock = bundle.generation_lock()
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()


def _warn_about(config: EngineConfig) -> None:
    if config.offline:
        print(
            "Using the offline engine: a built-in storyteller and painter, no network needed. "
            "For a language and image model, set OPENAI_API_KEY (or use --engine openai).",
            file=sys.stderr,
        )
    elif config.offline_pictures:
        print(
            "Pictures come from the built-in offline painter; the story from "
            f"{terminal_text(config.text_model, one_line=True)}.",
            file=sys.stderr,
        )
    for url in {config.base_url, config.image_base_url}:
        warning = insecure_url_warning(url)
        if warning:
            print(f"Warning: {terminal_text(warning)}", file=sys.stderr)


def _review(args: argparse.Namespace) -> int:
    from studio.core.book import ReviewState
    from studio.core.review import review_summary, set_review

    bundle = Bundle(args.bundle)
    book = bundle.load()
    if args.page is not None:
        _require_page(book, args.page)
        state = ReviewState(args.state) if args.state else book.page(args.page).review.state

        def note_on(saved: Book) -> Book:
            _require_page(saved, args.page)
            set_review(saved, args.page, state, args.note)
            return saved

        book = bundle.update(note_on)
    for page in book.pages:
        note = f"  note: {page.review.notes}" if page.review.notes else ""
        review = page.review.state.value.replace("_", " ")
        print(terminal_text(f"Page {page.number}: {review}{note}"))
    print(terminal_text(review_summary(book).text))
    return EXIT_OK


def _require_page(book: Book, number: int) -> None:
    if not 1 <= number <= len(book.pages):
        raise CliError(
            f"This book has pages 1 to {len(book.pages)}; there is no page {number}.", EXIT_USAGE
        )


def _regenerate(args: argparse.Namespace) -> int:
    from studio.core.review import redraw_prompt, rewrite_instruction

    bundle = Bundle(args.bundle)
    _require_page(bundle.load(), args.page)
    with _generating(bundle) as lock:
        book = bundle.update(lambda book: _apply(book, _overrides(args)))
        page = book.page(args.page)
        if args.with_note and not page.review.notes.strip():
            raise CliError(f"Page {args.page} has no review note.", EXIT_USAGE)
        typed = args.instruction or ""
        instruction = rewrite_instruction(page, typed) if args.with_note else typed
        prompt = None
        if args.picture and (typed or args.with_note):
            prompt = redraw_prompt(book, page, typed, with_note=args.with_note)
        config = engine_config(book.settings, response_format=_response_format(args))
        _warn_about(config)
        code = asyncio.run(
            _regenerate_async(bundle, config, args.page, args.text, instruction, prompt, lock)
        )
    print(terminal_text(str(bundle.path), one_line=True))
    return code


async def _regenerate_async(
    bundle: Bundle,
    config: EngineConfig,
    number: int,
    text: bool,
    instruction: str,
    prompt: str | None,
    lock: GenerationLock,
) -> int:
    async with open_services(config, formats=FormatMemory()) as services:
        store = BookStore(bundle, bundle.load(), services.executor, held=lock)
        pipeline = services.pipeline(
            store, ProgressPrinter(1), pipeline_config(store.book.settings)
        )
        if text:
            try:
                page = await pipeline.regenerate_text(number, instruction)
            except ProviderError as err:
                raise CliError(str(err)) from err
            print(terminal_text(f"Page {number}: {page.text}"), file=sys.stderr)
            return EXIT_OK
        return exit_code(await pipeline.regenerate_image(number, prompt))


def _run_book(
    bundle: Bundle, config: EngineConfig, pipeline_config: PipelineConfig, lock: GenerationLock
) -> int:
    finished = asyncio.run(_run_async(bundle, config, pipeline_config, lock))
    if finished.outcome is not Outcome.DELETED:
        print(terminal_text(str(bundle.path), one_line=True))
    return exit_code(finished)


async def _run_async(
    bundle: Bundle, config: EngineConfig, pipeline_config: PipelineConfig, lock: GenerationLock
) -> RunFinished:
    async with open_services(config, formats=FormatMemory()) as services:
        store = BookStore(bundle, bundle.load(), services.executor, held=lock)
        printer = ProgressPrinter(store.book.settings.pages)
        pipeline = services.pipeline(store, printer, pipeline_config)
        task = asyncio.ensure_future(pipeline.run())
        _cancel_on_signals(task, pipeline)
        try:
            finished = await task
        except asyncio.CancelledError:
            print(
                "Cancelled. What was done is saved; `studio resume` finishes the book.",
                file=sys.stderr,
            )
            return RunFinished(outcome=Outcome.CANCELLED)
        return finished


def _cancel_on_signals(task: asyncio.Future[Any], pipeline: Pipeline) -> None:
    loop = asyncio.get_running_loop()

    def cancel() -> None:
        task.cancel()
        pipeline.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, cancel)
        except (NotImplementedError, RuntimeError):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(cancel))


# --- check, export, import -------------------------------------------------------------------


def check_bundle(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "valid": False,
        "title": "",
        "language": "",
        "pages": 0,
        "texts_done": 0,
        "images_done": 0,
        "failed_pages": [],
        "problems": [],
    }
    bundle = Bundle(path)
    try:
        book = bundle.load()
    except BookFileError as err:
        report["problems"].append(str(err))
        return report
    from studio.core.imaging import ImageRejected, decode

    report.update(
        title=book.display_title,
        language=book.language,
        pages=book.settings.pages,
        texts_done=len(book.pages),
    )
    report["failed_pages"] = book.failed_pages
    if book.plan_status is PlanStatus.FAILED:
        report["problems"].append(f"The story failed: {book.plan_error or 'no reason was saved'}")
    for page in book.pages:
        current = page.image.current
        if page.image.status is not ImageStatus.DONE or current is None:
            continue
        for name in (current.original, current.display, current.thumbnail):
            try:
                decode(read_picture_file(bundle.image_path(name))).close()
            except (OSError, ImageRejected, BookFileError) as err:
                report["problems"].append(f"Page {page.number}: {name}: {err}")
                break
        else:
            report["images_done"] += 1
    report["valid"] = not report["problems"]
    return report


def _check(path: Path, as_json: bool) -> int:
    report = check_bundle(path)
    if as_json:
        print(json.dumps(report))
    else:
        state = "valid" if report["valid"] else "NOT valid"
        title = terminal_text(report["title"], one_line=True)
        print(
            f"{terminal_text(path)}: {state}: {title!r}, {report['texts_done']}/{report['pages']} pages written, {report['images_done']} pictures"
        )
        for problem in report["problems"]:
            print(f"  problem: {terminal_text(problem)}")
        if report["failed_pages"]:
            print(f"  failed pages: {', '.join(map(str, report['failed_pages']))}")
    return EXIT_OK if report["valid"] else EXIT_ERROR


def _export(args: argparse.Namespace) -> int:
    from studio.export import ExportError, ExportOptions, export_book_sync

    bundle = Bundle(args.bundle)
    book = bundle.load()
    options = ExportOptions(
        format=args.format, out=args.out, preset=args.preset, include_notes=args.notes
    )

    def progress(done: int, total: int, label: str) -> None:
        print(f"{done}/{total} {terminal_text(label, one_line=True)}", file=sys.stderr, flush=True)

    try:
        result = export_book_sync(bundle, book, options, progress=progress)
    except ExportError as err:
        raise CliError(str(err)) from err
    except KeyboardInterrupt:
        print("Export cancelled.", file=sys.stderr)
        return EXIT_CANCELLED
    for warning in result.warnings:
        print(f"Warning: {terminal_text(warning)}", file=sys.stderr)
    print(terminal_text(result.path))
    return EXIT_OK


def _import(archive: Path, library: Library) -> int:
    from studio.core.archive import ArchiveRejected, import_archive

    try:
        bundle = import_archive(archive, library)
    except ArchiveRejected as err:
        raise CliError(f"Import refused: {err}") from err
    print(terminal_text(bundle.path))
    return EXIT_OK


def _list(library: Library) -> int:
    for summary in library.summaries():
        fields = (summary.title, f"{summary.pages} pages", summary.state, summary.bundle.path)
        print("\t".join(terminal_text(field, one_line=True) for field in fields))
    return EXIT_OK
