"""The studio's window: library, live generation and the book, with menus and shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio import __version__
from studio.core.archive import ArchiveRejected, import_archive
from studio.core.book import Book, GenerationSettings
from studio.core.events import Event, RunFinished
from studio.core.library import BookFileError, BookStore, Bundle
from studio.gui.async_dialog import confirm_unless_told, dialog_result
from studio.gui.book_view import BookView
from studio.gui.context import AppContext
from studio.gui.generation_view import GenerationView
from studio.gui.icons import app_icon, bind_icon, icon
from studio.gui.lib.loop import async_slot
from studio.gui.lib.ops import Ops
from studio.gui.lib.theme import SPACING, current_theme
from studio.gui.library_view import LibraryView
from studio.gui.new_book import OFFLINE, ask_new_book, default_engine
from studio.gui.plain import plain_window_title
from studio.gui.settings_dialog import edit_settings

OFFLINE_BANNER = (
    "<b>Offline engine.</b> Stories and pictures are made on this computer: simple, free "
    "and private. For books written and painted by language and image models, add an API "
    "key or a local server (Ollama, LM Studio…) in <b>Settings</b> (Ctrl+,)."
)


class MainWindow(QMainWindow):
    closed = Signal()
    """The person closed the window (or quit): the app shuts down after this."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.ops = Ops(self, context.executor, cancel_on_close=False)
        """The window's work; `shutdown` stops it once the views have stopped theirs."""
        self._closing = False
        self._quit_agreed = False
        self.setWindowTitle("Story Studio")
        self.setWindowIcon(app_icon())
        self.resize(1180, 800)
        self.setMinimumSize(QSize(720, 520))
        self.library_view = LibraryView(context)
        self.generation_view = GenerationView(context)
        self.book_view = BookView(context)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.library_view)
        self.pages.addWidget(self.generation_view)
        self.pages.addWidget(self.book_view)
        self.book_view.book_changed.connect(self.schedule_library_refresh)
        self.pages.currentChanged.connect(self._page_changed)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._banner())
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._connect()
        self.refresh_banner()
        self._update_actions()
        self.statusBar().showMessage("Ready", 3000)
        self._library_refresh = QTimer(self)
        self._library_refresh.setSingleShot(True)
        self._library_refresh.setInterval(300)
        self._library_refresh.timeout.connect(self.on_refresh_library)

    # --- layout ------------------------------------------------------------------------

    def _banner(self) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(SPACING * 2, SPACING, SPACING * 2, 0)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        inner = QHBoxLayout(self.banner)
        inner.setContentsMargins(SPACING, SPACING - 4, SPACING - 4, SPACING - 4)
        inner.setSpacing(SPACING)
        glyph = _ThemedGlyph("offline")
        self.banner_label = QLabel(OFFLINE_BANNER)
        self.banner_label.setWordWrap(True)
        settings = QPushButton("Open Settings")
        bind_icon(settings, "settings")
        settings.clicked.connect(self.on_settings)
        dismiss = QToolButton()
        dismiss.setText("✕")
        dismiss.setToolTip("Hide this message")
        dismiss.setAutoRaise(True)
        dismiss.clicked.connect(lambda: holder.setVisible(False))
        inner.addWidget(glyph, 0, Qt.AlignmentFlag.AlignTop)
        inner.addWidget(self.banner_label, 1)
        inner.addWidget(settings)
        inner.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.banner)
        self.banner_holder = holder
        return holder

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[..., Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        act = QAction(text, self)
        bind_icon(act, name)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip or text.rstrip("…"))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _make_actions(self) -> None:
        self.new_action = self._action(
            "new",
            "&New Book…",
            self.on_new_book,
            "Ctrl+N",
            "Write and illustrate a new book",
        )
        self.open_action = self._action(
            "open",
            "&Open Book",
            self.on_open_selected,
            "Ctrl+O",
            "Open the selected book",
        )
        self.import_action = self._action(
            "folder",
            "&Import Book…",
            self.on_import,
            None,
            "Add a shared .storybook.zip to the library",
        )
        self.library_action = self._action(
            "library", "&Library", self.show_library, "Ctrl+L", "Show every saved book"
        )
        self.settings_action = self._action(
            "settings",
            "&Settings…",
            self.on_settings,
            "Ctrl+,",
            "Provider, key, pictures and limits",
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = self._action(
            "quit", "&Quit", lambda: self.ops.run(self.ask_to_quit()), "Ctrl+Q"
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.cancel_action = self._action(
            "cancel",
            "&Cancel Generation",
            lambda: self.generation_view.ops.run(self.generation_view.ask_to_cancel()),
            "Esc",
            "Stop and keep what is done",
        )
        self.fullscreen_action = self._action(
            "fullscreen", "&Full Screen", self.toggle_full_screen, "F11"
        )
        self.fullscreen_action.setCheckable(True)
        self.about_action = self._action("about", "&About Story Studio", self.on_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _make_menus(self) -> None:
        by_menu: dict[str, list[QAction]] = {}
        for act in self.book_view.menu_actions():
            by_menu.setdefault(str(act.property("menu") or "Book"), []).append(act)
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action, self.import_action])
        if exports := by_menu.pop("Export", []):
            file_menu.addSeparator()
            file_menu.addActions(exports)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        if edits := by_menu.pop("Edit", []):
            bar.addMenu("&Edit").addActions(edits)
        book_menu = bar.addMenu("&Book")
        book_menu.addActions(self.library_view.book_actions)
        if extra := by_menu.pop("Book", []):
            book_menu.addSeparator()
            book_menu.addActions(extra)
        if reviews := by_menu.pop("Review", []):
            bar.addMenu("&Review").addActions(reviews)
        generation = bar.addMenu("&Generation")
        generation.addAction(self.cancel_action)
        generation.addAction(self.library_view.resume_action)
        view = bar.addMenu("&View")
        view.addActions([self.library_action, self.fullscreen_action])
        if views := by_menu.pop("View", []):
            view.addSeparator()
            view.addActions(views)
        for name, actions in by_menu.items():
            bar.addMenu(name).addActions(actions)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _page_changed(self, _index: int) -> None:
        # the book view has its own full-screen action on the same keys while it is shown
        self.fullscreen_action.setEnabled(self.pages.currentWidget() is not self.book_view)

    def _make_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addActions([self.new_action, self.library_action])
        bar.addSeparator()
        bar.addAction(self.cancel_action)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy()
        )
        bar.addWidget(spacer)
        bar.addAction(self.settings_action)
        self.addToolBar(bar)
        self.toolbar = bar

    def _connect(self) -> None:
        lib = self.library_view
        lib.new_requested.connect(self.on_new_book)
        lib.open_requested.connect(self.on_open_book)
        lib.resume_requested.connect(self.on_resume_book)
        lib.library_changed.connect(self._update_actions)
        lib.grid.selectionModel().selectionChanged.connect(self._update_actions)
        gen = self.generation_view
        gen.open_book_requested.connect(self.on_open_book)
        gen.run_finished.connect(self._run_finished)
        gen.refused.connect(self._tell_book_in_use)
        gen.running_changed.connect(self._update_actions)
        gen.event_received.connect(self._forward_event)

    # --- state -------------------------------------------------------------------------

    def refresh_banner(self) -> None:
        self.banner_holder.setVisible(default_engine(self.context) == OFFLINE)

    def _update_actions(self, *_: object) -> None:
        running = self.generation_view.is_running
        self.cancel_action.setEnabled(running)
        self.cancel_action.setVisible(running)
        self.new_action.setEnabled(not running)
        self.library_view.resume_action.setEnabled(
            not running
            and (summary := self.library_view.selected()) is not None
            and not summary.complete
            and summary.error is None
        )
        self.open_action.setEnabled(self.library_view.selected() is not None)

    def show_library(self) -> None:
        self.pages.setCurrentWidget(self.library_view)
        self.setWindowTitle("Story Studio")
        self.schedule_library_refresh()

    def schedule_library_refresh(self) -> None:
        self._library_refresh.start()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    # --- work --------------------------------------------------------------------------

    async def new_book(self) -> RunFinished | None:
        """Ask for a premise and settings, then generate the book in view."""
        settings = await ask_new_book(self.context, self)
        if settings is None:
            return None
        return await self.generate_new(settings)

    async def generate_new(self, settings: GenerationSettings) -> RunFinished | None:
        """Create a bundle for a new book and generate it; None when cancelled."""
        book = Book(settings=settings)
        bundle = await self.ops.call(self.context.library.create, book)
        return await self.generate(BookStore(bundle, book, self.context.executor))

    async def resume(self, bundle: Bundle) -> RunFinished | None:
        """Finish a saved book; shares the book view's copy when it shows the same book."""
        view = self.book_view
        if view.store is not None and view.bundle == bundle:
            await view.flush()
            return await self.generate(view.store)
        book = await self.ops.call(bundle.load)
        return await self.generate(BookStore(bundle, book, self.context.executor))

    async def generate(self, store: BookStore) -> RunFinished | None:
        self.pages.setCurrentWidget(self.generation_view)
        self.setWindowTitle(plain_window_title(f"{store.book.display_title} — Story Studio"))
        task = self.generation_view.start(store)
        self._update_actions()
        try:
            return await task
        finally:
            self._update_actions()
            if not self._closing:
                self.schedule_library_refresh()

    def _tell_book_in_use(self, message: str) -> None:
        """Another run holds the book: say who, without stopping the window."""
        self.statusBar().showMessage(message, 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, "The book is in use", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the message quotes a file name
        box.setText(message)
        box.setObjectName("book-in-use")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    async def open_book(self, bundle: Bundle) -> None:
        """Show a saved book in the book view (the live copy while it is being generated)."""
        live = self.generation_view.store if self.generation_view.bundle == bundle else None
        # shown first, so the reader lays the pages out at its real size
        self.pages.setCurrentWidget(self.book_view)
        if live is not None and self.generation_view.is_running:
            self.book_view.attach_store(live)
        else:
            await self.book_view.open_book(bundle)
        self.setWindowTitle(plain_window_title(f"{self._title_of(bundle)} — Story Studio"))

    def _title_of(self, bundle: Bundle) -> str:
        summary = next((s for s in self.library_view.model.summaries if s.bundle == bundle), None)
        if summary is not None:
            return summary.title
        store = self.generation_view.store
        return store.book.display_title if store and store.bundle == bundle else bundle.path.stem

    def _forward_event(self, event: Event) -> None:
        view = self.book_view
        if view.store is not None and view.store is self.generation_view.store:
            view.apply_event(event)

    def _run_finished(self, event: RunFinished) -> None:
        self.statusBar().showMessage(event.message or "Finished.", 8000)
        self._update_actions()

    async def settings(self) -> str | None:
        message = await edit_settings(self.context, self)
        if message is None:
            return None
        if not self.generation_view.is_running:
            await self.context.reset_services()
        self.refresh_banner()
        self.statusBar().showMessage(message, 8000)
        return message

    async def about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Story Studio")
        box.setIconPixmap(app_icon().pixmap(QSize(72, 72)))
        box.setText(f"<h3>Story Studio {__version__}</h3>")
        box.setInformativeText(
            "Write a premise; the studio writes a picture book and illustrates every page.<br>"
            "Works offline, with OpenAI, or with any OpenAI-compatible server.<br><br>"
            "Fonts: DejaVu. Licensed under the MIT licence."
        )
        try:
            await dialog_result(box)
        finally:
            box.deleteLater()

    async def open_path(self, path: Path) -> Bundle | None:
        """Open a book folder, or add a shared archive to the library and open it: what
        `studio FILE` and File › Import do. A file that is neither is said in a dialog."""
        try:
            if await self.ops.call(path.is_dir):
                bundle = Bundle(path)
                await self.ops.call(bundle.load)  # a broken book is said before it is shown
            else:
                bundle = await self.ops.call(import_archive, path, self.context.library)
                await self.library_view.refresh()
        except (ArchiveRejected, BookFileError, OSError) as err:
            await self._cannot_open(path, str(err))
            return None
        await self.open_book(bundle)
        return bundle

    async def _cannot_open(self, path: Path, reason: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "The book could not be opened", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the reason quotes a file name
        box.setText(f"{path.name} could not be opened: {reason}")
        box.setObjectName("cannot-open")
        try:
            await dialog_result(box)
        finally:
            box.deleteLater()

    async def import_book(self) -> Bundle | None:
        """Ask for a shared .storybook.zip and add it to the library."""
        chooser = QFileDialog(self, "Import a book")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilter("Shared books (*.storybook.zip *.zip)")
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        try:
            if await dialog_result(chooser) != QFileDialog.DialogCode.Accepted:
                return None
            chosen = chooser.selectedFiles()
        finally:
            chooser.deleteLater()
        return await self.open_path(Path(chosen[0])) if chosen else None

    # --- slots -------------------------------------------------------------------------

    @async_slot()
    async def on_import(self) -> None:
        await self.ops.join(self.import_book())

    @async_slot()
    async def on_new_book(self) -> None:
        if not self.generation_view.is_running:
            await self.ops.join(self.new_book())

    @async_slot(object)
    async def on_open_book(self, bundle: Bundle) -> None:
        await self.ops.join(self.open_book(bundle))

    @async_slot()
    async def on_open_selected(self) -> None:
        summary = self.library_view.selected()
        if summary is None:
            self.show_library()
            return
        await self.ops.join(self.open_book(summary.bundle))

    @async_slot(object)
    async def on_resume_book(self, bundle: Bundle) -> None:
        if not self.generation_view.is_running:
            await self.ops.join(self.resume(bundle))

    @async_slot()
    async def on_settings(self) -> None:
        await self.ops.join(self.settings())

    @async_slot()
    async def on_about(self) -> None:
        await self.ops.join(self.about())

    @async_slot()
    async def on_refresh_library(self) -> None:
        await self.ops.join(self.library_view.refresh())
        self._update_actions()

    # --- closing -----------------------------------------------------------------------

    async def ask_to_quit(self) -> bool:
        """Ctrl+Q or the window's close button: ask first while a book is being generated
        (unless told not to), then close. True when the window closes."""
        running = self.generation_view.is_running
        settings = self.context.settings
        if running and settings.confirm_quit and not self._closing:
            store = self.generation_view.store
            title = store.book.display_title if store is not None else "A book"
            leave, never = await confirm_unless_told(
                self,
                "Quit while generating?",
                f"\u201c{title}\u201d is still being generated.",
                informative="Quitting stops it. What is done is kept; "
                "Resume finishes the rest later.",
                accept_label="Quit",
                keep_label="Keep generating",
            )
            if not leave:
                return False
            if never:
                settings.confirm_quit = False
                self.context.save_settings()
        self._quit_agreed = True
        self.close()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hide at once and let the app's coroutine finish the work and clean up.

        A close the person asked for (the title bar's close button) while a book is
        generated asks first; a close by the program (a signal, the session ending) does not.
        """
        if (
            event.spontaneous()
            and not self._quit_agreed
            and not self._closing
            and self.generation_view.is_running
            and self.context.settings.confirm_quit
        ):
            event.ignore()
            self.ops.run(self.ask_to_quit())
            return
        event.accept()
        if not self._closing:
            self._closing = True
            self._library_refresh.stop()
            self.closed.emit()

    async def shutdown(self) -> None:
        """Cancel what runs (the book is saved as it stops) and wait for every task."""
        self._closing = True
        self._library_refresh.stop()
        await self.generation_view.stop()
        await self.book_view.close_book()
        await self.library_view.ops.stop()
        await self.ops.stop()


class _ThemedGlyph(QLabel):
    """A small icon in the theme's muted colour that follows light and dark."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self._paint()

    def _paint(self) -> None:
        self.setPixmap(icon(self._name, current_theme().muted).pixmap(QSize(22, 22)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint()
        super().changeEvent(event)
