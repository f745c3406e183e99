"""Every colour and font the studio shows: light and dark themes that follow the system.

No widget names a colour itself. Widgets read the current `Theme` (or the
palette and style sheet built from it here), and the app style sheet styles
the few named widgets that need more than the palette, so they follow a
switch between light and dark. Colours are "#rrggbb" or, with transparency,
"#aarrggbb" (Qt's order), so `QColor` and style sheets both read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from studio.resources import font_path

FONT_FILES = (
    "DejaVuSans",
    "DejaVuSans-Bold",
    "DejaVuSerif",
    "DejaVuSerif-Bold",
    "DejaVuSerif-Italic",
)
UI_FAMILY = "DejaVu Sans"
BOOK_FAMILY = "DejaVu Serif"
SPACING = 12
"""The base spacing unit: margins and gaps are multiples or halves of it."""
CHIP_FILL_ALPHA = 40
"""A state chip is filled with its text colour at this opacity (0-255)."""


@dataclass(frozen=True)
class Paper:
    """A page as it is printed: it stays paper in dark mode too."""

    sheet: str = "#fffdf8"
    edge: str = "#ddd5c8"
    ink: str = "#2b2824"
    muted: str = "#8a8176"
    selected: str = "#c8553d"
    """The edge of the selected page of a spread, and of the words being edited."""
    editor: str = "#fffaf0"
    empty: str = "#f1ece3"
    """Where a picture will be, while there is none."""
    empty_edge: str = "#e0d8cb"
    caption: str = "#d2fffdf8"
    """The band under a caption over a picture."""
    shadow: str = "#3c3c2d1e"


@dataclass(frozen=True)
class ReviewColours:
    """A review state's chip: background and text (also its border)."""

    back: str
    fore: str


REVIEW = {
    "unreviewed": ReviewColours("#efeae2", "#6f675d"),
    "approved": ReviewColours("#dcefe2", "#2f6f45"),
    "needs_changes": ReviewColours("#fbe3d6", "#9c3b22"),
}
"""Review chips by `ReviewState` value, on paper (the page's own chip) and on a light panel."""

REVIEW_DARK = {
    "unreviewed": ReviewColours("#3a3631", "#d8d0c4"),
    "approved": ReviewColours("#22402c", "#a3dcb4"),
    "needs_changes": ReviewColours("#4a2a20", "#f4a88e"),
}
"""The same chips on a dark panel: the review controls beside the page."""


@dataclass(frozen=True)
class Theme:
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    success: str
    danger: str
    warning_bg: str
    warning_text: str
    warning_border: str
    info_bg: str
    placeholder: str
    error_text: str
    """A short error under a control (a rewrite that failed, say)."""
    caption: str
    """The book view's quieter lines: its subtitle and whether changes are saved."""
    hover: str
    """A light wash under a flat button the pointer is over."""
    desk: str
    """The desk the reader's pages lie on."""
    draft_wash: str
    """Over a streamed draft of a picture, so it reads as not final."""
    spinner_back: str
    paper: Paper = Paper()

    def color(self, name: str, alpha: int | None = None) -> QColor:
        """The colour called `name`, as a QColor; `alpha` (0-255) replaces its opacity."""
        colour = QColor(getattr(self, name))
        if alpha is not None:
            colour.setAlpha(alpha)
        return colour

    def review(self, state: str, *, on_paper: bool = False) -> ReviewColours:
        """A review state's chip colours; a page's paper stays light in dark mode."""
        return REVIEW_DARK[state] if self.dark and not on_paper else REVIEW[state]


LIGHT = Theme(
    dark=False,
    window="#f6f3ee",
    base="#ffffff",
    alt_base="#efeae2",
    text="#2b2824",
    muted="#756d63",
    border="#ddd5c9",
    accent="#c8553d",
    accent_text="#ffffff",
    success="#3f8f5a",
    danger="#b83a32",
    warning_bg="#fbefd9",
    warning_text="#5c4424",
    warning_border="#ecd6ad",
    info_bg="#e9f0f7",
    placeholder="#ebe5db",
    error_text="#9c3b22",
    caption="#8a8176",
    hover="#0d000000",
    desk="#e8e2d8",
    draft_wash="#3cffffff",
    spinner_back="#5a000000",
)

DARK = Theme(
    dark=True,
    window="#1d1c1a",
    base="#272523",
    alt_base="#302d2a",
    text="#ece7df",
    muted="#a89f93",
    border="#3d3935",
    accent="#ec8a63",
    accent_text="#1d1c1a",
    success="#6cc58a",
    danger="#f07b6f",
    warning_bg="#3b3122",
    warning_text="#f0dcb8",
    warning_border="#5e4c2e",
    info_bg="#23303b",
    placeholder="#34302c",
    error_text="#f07b6f",
    caption="#8a8176",
    hover="#12ffffff",
    desk="#2b2826",
    draft_wash="#3cffffff",
    spinner_back="#5a000000",
)

_current: Theme = LIGHT
_listeners: list[Callable[[Theme], None]] = []


def on_theme_changed(listener: Callable[[Theme], None]) -> None:
    """Call `listener` with the new theme whenever it is applied."""
    _listeners.append(listener)


def current_theme() -> Theme:
    return _current


# --- fonts ---------------------------------------------------------------------------


_book_family: str | None = None


def load_fonts() -> None:
    """Register the shipped DejaVu fonts so the studio looks the same everywhere."""
    for name in FONT_FILES:
        path = font_path(name)
        if path.exists():
            QFontDatabase.addApplicationFont(str(path))


def book_family() -> str:
    """The serif family books are set in; DejaVu Serif is registered once if it is missing."""
    global _book_family
    if _book_family is None:
        if BOOK_FAMILY in QFontDatabase.families():
            _book_family = BOOK_FAMILY
        else:
            font_id = QFontDatabase.addApplicationFont(str(font_path("DejaVuSerif")))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            _book_family = families[0] if families else "serif"
    return _book_family


def ui_font(point_size: float = 10, *, bold: bool = False) -> QFont:
    font = QFont(UI_FAMILY)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def book_font(point_size: float = 11, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(BOOK_FAMILY)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def page_font(pixel_size: int, *, italic: bool = False) -> QFont:
    """The book's serif at a size in pixels, for words laid out to fit a page."""
    font = QFont(book_family())
    font.setPixelSize(max(6, pixel_size))
    font.setItalic(italic)
    return font


# --- applying a theme ----------------------------------------------------------------


def system_prefers_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def palette_for(theme: Theme) -> QPalette:
    p = QPalette()
    c = theme.color
    roles = {
        QPalette.ColorRole.Window: c("window"),
        QPalette.ColorRole.WindowText: c("text"),
        QPalette.ColorRole.Base: c("base"),
        QPalette.ColorRole.AlternateBase: c("alt_base"),
        QPalette.ColorRole.Text: c("text"),
        QPalette.ColorRole.Button: c("base"),
        QPalette.ColorRole.ButtonText: c("text"),
        QPalette.ColorRole.Highlight: c("accent"),
        QPalette.ColorRole.HighlightedText: c("accent_text"),
        QPalette.ColorRole.ToolTipBase: c("base"),
        QPalette.ColorRole.ToolTipText: c("text"),
        QPalette.ColorRole.PlaceholderText: c("muted"),
        QPalette.ColorRole.Link: c("accent"),
        QPalette.ColorRole.Mid: c("border"),
        QPalette.ColorRole.Midlight: c("alt_base"),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    disabled = QColor(theme.muted)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def style_sheet(t: Theme) -> str:
    return f"""
    QMainWindow, QDialog {{ background: {t.window}; }}
    QToolBar {{ background: {t.window}; border: none; border-bottom: 1px solid {t.border};
                spacing: 4px; padding: 4px 8px; }}
    QToolButton {{ padding: 5px 8px; border-radius: 6px; }}
    QToolButton:hover {{ background: {t.alt_base}; }}
    QPushButton {{ padding: 6px 14px; border: 1px solid {t.border}; border-radius: 6px;
                   background: {t.base}; min-height: 20px; }}
    QPushButton:hover {{ background: {t.alt_base}; }}
    QPushButton:disabled {{ color: {t.muted}; }}
    QPushButton[primary="true"] {{ background: {t.accent}; color: {t.accent_text};
                                   border: 1px solid {t.accent}; font-weight: bold; }}
    QPushButton[primary="true"]:disabled {{ background: {t.border}; border-color: {t.border}; }}
    QLineEdit, QPlainTextEdit {{
        padding: 4px 8px; border: 1px solid {t.border}; border-radius: 6px; background: {t.base};
        selection-background-color: {t.accent}; selection-color: {t.accent_text}; }}
    QLineEdit {{ min-height: 20px; }}
    QLineEdit:focus, QPlainTextEdit:focus {{ border: 1px solid {t.accent}; }}
    QComboBox, QSpinBox, QDoubleSpinBox {{ min-height: 24px; }}
    QProgressBar {{ border: none; border-radius: 4px; background: {t.alt_base}; height: 8px;
                    max-height: 8px; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 4px; }}
    QListView {{ background: {t.window}; border: none; outline: none; }}
    QFrame#banner {{ background: {t.info_bg}; border: 1px solid {t.border}; border-radius: 8px; }}
    QFrame#warning {{ background: {t.warning_bg}; border: 1px solid {t.border};
                      border-radius: 8px; }}
    QLabel[role="muted"] {{ color: {t.muted}; }}
    QLabel[role="caption"] {{ color: {t.caption}; }}
    QLabel[role="error"] {{ color: {t.error_text}; }}
    QLabel[role="title"] {{ font-size: 18pt; font-family: "{BOOK_FAMILY}"; }}
    QLabel[role="heading"] {{ font-size: 12pt; font-weight: bold; }}
    QLabel[role="notice"] {{ background: {t.warning_bg}; color: {t.warning_text};
                             border: 1px solid {t.warning_border}; border-radius: 6px;
                             padding: 6px 10px; }}
    QPlainTextEdit[role="notice"] {{ background: {t.warning_bg}; color: {t.warning_text};
                                     border: 1px solid {t.warning_border}; }}
    QToolButton[role="flat"] {{ padding: 4px 10px; border-radius: 6px;
                                border: 1px solid transparent; }}
    QToolButton[role="flat"]:hover {{ background: {t.hover}; }}
    QToolButton[role="flat"]:checked {{ background: {t.alt_base}; color: {t.accent};
                                        border-color: {t.accent}; }}
    QToolButton[role="version"] {{ border: 2px solid transparent; border-radius: 6px;
                                   padding: 2px; }}
    QToolButton[role="version"]:hover {{ background: {t.hover}; }}
    QToolButton[role="version"]:checked {{ border-color: {t.accent};
                                           background: {t.alt_base}; }}
    QGroupBox {{ border: 1px solid {t.border}; border-radius: 8px; margin-top: 14px;
                 padding: 12px 10px 8px 10px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px;
                        font-weight: bold; }}
    QStatusBar {{ border-top: 1px solid {t.border}; }}
    QMenu {{ background: {t.base}; border: 1px solid {t.border}; padding: 4px; }}
    QMenu::item {{ padding: 5px 24px 5px 10px; border-radius: 4px; }}
    QMenu::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
    QMenu::separator {{ height: 1px; background: {t.border}; margin: 4px 6px; }}
    """


def apply_theme(app: QApplication, *, dark: bool | None = None) -> Theme:
    """Apply fonts, palette and styles; `dark=None` follows the system."""
    global _current
    theme = DARK if (system_prefers_dark() if dark is None else dark) else LIGHT
    _current = theme
    app.setStyle("Fusion")
    app.setFont(ui_font(10))
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(theme))
    for listener in list(_listeners):
        listener(theme)
    return theme


def follow_system(app: QApplication) -> None:
    """Re-apply the theme whenever the system switches between light and dark."""
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
