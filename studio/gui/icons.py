"""The studio's icons: small SVGs drawn in the current text colour."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton

from studio.gui.lib.theme import Theme, current_theme, on_theme_changed
from studio.resources import asset_path

SIZES = (16, 20, 24, 32, 48)


@cache
def _svg(name: str) -> str:
    return asset_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def _render(svg: str, side: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    pixmap = QPixmap(QSize(side, side))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    return pixmap


@cache
def _icon(name: str, colour: str) -> QIcon:
    svg = _svg(name).replace("currentColor", colour)
    icon = QIcon()
    for side in SIZES:
        icon.addPixmap(_render(svg, side))
    return icon


def icon(name: str, colour: str | None = None) -> QIcon:
    """Icon `name` (a file in assets/icons) in `colour`, or the theme's text colour."""
    return _icon(name, colour or current_theme().text)


Iconed = QAction | QAbstractButton
_bound: list[tuple[Iconed, str, str]] = []


def bind_icon(target: Iconed, name: str, role: str = "text") -> None:
    """Give `target` icon `name` in the theme colour `role`, again whenever the theme changes.

    `role` is a Theme field: "text" for ordinary buttons, "accent_text" for primary ones.
    """
    target.setIcon(icon(name, getattr(current_theme(), role)))
    _bound.append((target, name, role))


def _refresh(theme: Theme) -> None:
    alive: list[tuple[Iconed, str, str]] = []
    for target, name, role in _bound:
        try:
            target.setIcon(icon(name, getattr(theme, role)))
        except RuntimeError:  # the widget or action is gone
            continue
        alive.append((target, name, role))
    _bound[:] = alive


on_theme_changed(_refresh)


def app_icon() -> QIcon:
    return QIcon(str(asset_path("icons", "app", "studio.svg")))
