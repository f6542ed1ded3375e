"""The vendor's brand on pages, from LICENSOR_BRAND_*: the one style sheet (/style.css:
static/portal.css after the brand's colours, since the pages allow no inline style) and the
logo (/brand/logo).

Whatever colour the vendor picks, text and the focus ring stay readable: links use the accent
only where it has 4.5:1 against the page, the focus ring only where it has 3:1, else the
page's dark text colour; a button's label is white or near-black, whichever reads better."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response

from licensor.config import Settings

STATIC = Path(__file__).resolve().parents[2] / "static"

PAGE = "#f6f7f9"  # the page's background (portal.css)
CARD = "#ffffff"
INK = "#1d2430"  # the page's text


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _readable(colour: str, ratio: float) -> str:
    return colour if min(contrast(colour, PAGE), contrast(colour, CARD)) >= ratio else INK


def colours(settings: Settings) -> str:
    accent = settings.brand_color
    on_accent = "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, INK) else INK
    return (":root {\n"
            f"  --accent: {accent};\n"
            f"  --on-accent: {on_accent};\n"
            f"  --link: {_readable(accent, 4.5)};\n"
            f"  --focus: {_readable(accent, 3.0)};\n"
            "}\n")


def install(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    @app.get("/style.css", include_in_schema=False)
    def style_css(request: Request) -> Response:
        settings: Settings = request.app.state.ctx.settings
        sheet = colours(settings) + (STATIC / "portal.css").read_text(encoding="utf-8")
        return Response(sheet, media_type="text/css",
                        headers={"Cache-Control": "no-cache"})

    @app.get("/brand/logo", include_in_schema=False)
    def brand_logo(request: Request) -> Response:
        settings: Settings = request.app.state.ctx.settings
        path = settings.brand_logo
        if path is None or not path.is_file():
            return Response(status_code=404)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-cache"})
