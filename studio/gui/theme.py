"""Fonts, light and dark palettes that follow the system, and the few styles on top."""

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
    info_bg: str
    placeholder: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


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
    info_bg="#e9f0f7",
    placeholder="#ebe5db",
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
    info_bg="#23303b",
    placeholder="#34302c",
)

_current: Theme = LIGHT
_listeners: list[Callable[[Theme], None]] = []


def on_theme_changed(listener: Callable[[Theme], None]) -> None:
    """Call `listener` with the new theme whenever it is applied."""
    _listeners.append(listener)


def current_theme() -> Theme:
    return _current


def load_fonts() -> None:
    """Register the shipped DejaVu fonts so the studio looks the same everywhere."""
    for name in FONT_FILES:
        path = font_path(name)
        if path.exists():
            QFontDatabase.addApplicationFont(str(path))


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
    QLabel[role="title"] {{ font-size: 18pt; font-family: "{BOOK_FAMILY}"; }}
    QLabel[role="heading"] {{ font-size: 12pt; font-weight: bold; }}
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
