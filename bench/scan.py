"""Make "scans" of a text: page images with the flaws of a real office scanner.

Used by the tests (scanned PDFs, page images, a partly scanned PDF) and by
``bench/extraction --ocr`` and ``bench/ocr``: the text is drawn in DejaVu Serif (Debian
``fonts-dejavu-core``, which has every Vietnamese letter), wrapped and paginated on A4 at
``dpi``, then degraded: grey paper, a slight skew, blur, noise and specks, so OCR meets
what it meets in an archive. Deterministic for a given ``seed``.

    from bench.scan import render_pages, save_pdf
    save_pdf(render_pages(text, dpi=200, seed=1), "out.pdf", dpi=200)
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSerif.ttf"
A4_INCHES = (8.27, 11.69)
MARGIN_INCHES = 0.9
POINT_SIZE = 12


def _font(dpi: int) -> ImageFont.FreeTypeFont:
    if not FONT.exists():
        raise FileNotFoundError(f"{FONT} is missing (apt-get install fonts-dejavu-core)")
    return ImageFont.truetype(str(FONT), size=round(POINT_SIZE * dpi / 72))


def _wrap(text: str, width_px: int, font: ImageFont.FreeTypeFont) -> list[str]:
    """Wrap each line to the printable width (measured, not counted in characters)."""
    char_px = font.getlength("n")
    columns = max(20, int(width_px / char_px))
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append("")
            continue
        wrapped = textwrap.wrap(line, columns) or [""]
        while any(font.getlength(w) > width_px for w in wrapped) and columns > 20:
            columns -= 2
            wrapped = textwrap.wrap(line, columns)
        lines.extend(wrapped)
    return lines


def _degrade(page: Image.Image, rng: random.Random, skew: float, noise: float) -> Image.Image:
    angle = rng.uniform(-skew, skew)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=235)
    page = page.filter(ImageFilter.GaussianBlur(radius=0.6))
    pixels = np.asarray(page, dtype=np.float32)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    pixels = pixels + nprng.normal(0.0, noise, pixels.shape)
    specks = nprng.random(pixels.shape) < 0.0008  # dust and toner dots
    pixels[specks] = nprng.uniform(0, 90, int(specks.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def render_pages(text: str, *, dpi: int = 200, seed: int = 0, skew: float = 1.2,
                 noise: float = 12.0, max_pages: int | None = None) -> list[Image.Image]:
    """The text as greyscale page images (mode ``L``), wrapped and paginated."""
    rng = random.Random(seed)
    font = _font(dpi)
    width, height = (round(v * dpi) for v in A4_INCHES)
    margin = round(MARGIN_INCHES * dpi)
    line_px = round(font.size * 1.45)
    lines = _wrap(text, width - 2 * margin, font)
    per_page = max(1, (height - 2 * margin) // line_px)
    pages = []
    for start in range(0, max(len(lines), 1), per_page):
        page = Image.new("L", (width, height), 238)
        draw = ImageDraw.Draw(page)
        for row, line in enumerate(lines[start:start + per_page]):
            draw.text((margin, margin + row * line_px), line, font=font, fill=20)
        pages.append(_degrade(page, rng, skew, noise))
        if max_pages is not None and len(pages) >= max_pages:
            break
    return pages


def save_pdf(pages: Sequence[Image.Image], path: str | Path, *, dpi: int = 200) -> Path:
    """An image-only PDF (no text layer), one page per image, as a scanner writes it."""
    path = Path(path)
    first, *rest = pages
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def save_tiff(pages: Sequence[Image.Image], path: str | Path, *, dpi: int = 200) -> Path:
    """A multi-page TIFF (grey pages, LZW-compressed)."""
    path = Path(path)
    # Copies: Pillow 13 keeps a PDF save's settings on the image and the TIFF encoder
    # then fails ("function takes exactly 6 arguments").
    first, *rest = (page.copy() for page in pages)
    first.save(path, "TIFF", dpi=(dpi, dpi), compression="tiff_lzw", save_all=True,
               append_images=rest)
    return path
