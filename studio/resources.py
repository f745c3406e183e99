"""Files shipped inside the package (fonts, icons), found the same way when frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "studio" / "assets"
    return Path(__file__).resolve().parent / "assets"


def asset_path(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)


def font_path(name: str) -> Path:
    """`name` like 'DejaVuSerif' or 'DejaVuSans-Bold'."""
    return asset_path("fonts", f"{name}.ttf")
