"""The studio's icons: small SVGs drawn in the current text colour."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from studio.gui.theme import current_theme
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


def app_icon() -> QIcon:
    return QIcon(str(asset_path("icons", "app.svg")))
