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


def _layout(text: str, dpi: int) -> tuple[ImageFont.FreeTypeFont, list[str], int, int]:
    """Font, wrapped lines, line height and lines a page: shared by drawing and truth."""
    font = _font(dpi)
    width, height = (round(v * dpi) for v in A4_INCHES)
    margin = round(MARGIN_INCHES * dpi)
    line_px = round(font.size * 1.45)
    lines = _wrap(text, width - 2 * margin, font)
    return font, lines, line_px, max(1, (height - 2 * margin) // line_px)


def render_pages(text: str, *, dpi: int = 200, seed: int = 0, skew: float = 1.2,
                 noise: float = 12.0, max_pages: int | None = None) -> list[Image.Image]:
    """The text as greyscale page images (mode ``L``), wrapped and paginated."""
    rng = random.Random(seed)
    font, lines, line_px, per_page = _layout(text, dpi)
    width, height = (round(v * dpi) for v in A4_INCHES)
    margin = round(MARGIN_INCHES * dpi)
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


# --- a two-column header, a seal and a signature, as on a real first and last page ----------


def _seal(page: Image.Image, centre: tuple[int, int], radius: int, text: str,
          rng: random.Random, dpi: int) -> None:
    """A round seal (stamped over the signature): two rings, the organ's name around the
    edge and a star in the middle, drawn grey over whatever is below it."""
    draw = ImageDraw.Draw(page)
    x, y = centre
    for r, w in ((radius, max(2, dpi // 60)), (round(radius * 0.72), max(1, dpi // 100))):
        draw.ellipse((x - r, y - r, x + r, y + r), outline=110, width=w)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), size=round(radius * 0.2))
    letters = list(text)
    start = rng.uniform(190, 215)
    span = 300 / max(1, len(letters))
    import math
    for k, letter in enumerate(letters):
        angle = math.radians(start + k * span)
        tile = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(tile).text((font.size // 2, font.size // 2), letter, font=font, fill=255)
        tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        r = radius * 0.86
        px = round(x + r * math.cos(angle) - tile.width / 2)
        py = round(y + r * math.sin(angle) - tile.height / 2)
        page.paste(110, (px, py), tile)
    star = [(x + radius * 0.22 * math.cos(math.radians(-90 + 144 * k)),
             y + radius * 0.22 * math.sin(math.radians(-90 + 144 * k))) for k in range(5)]
    draw.polygon(star, fill=110)


def _scribble(page: Image.Image, box: tuple[int, int, int, int], rng: random.Random,
              dpi: int) -> None:
    """A handwritten signature: a few loops and a long stroke."""
    draw = ImageDraw.Draw(page)
    x0, y0, x1, y1 = box
    points = [(x0 + (x1 - x0) * k / 24 + rng.uniform(-8, 8),
               (y0 + y1) / 2 + (y1 - y0) / 2 * rng.uniform(-1, 1)) for k in range(25)]
    draw.line(points, fill=40, width=max(2, dpi // 70), joint="curve")


def render_header_columns(rows: Sequence[tuple[str, str]], *, below: str = "",
                          seal: str | None = None, signature: bool = False,
                          dpi: int = 200, seed: int = 0, skew: float = 1.2,
                          noise: float = 12.0, bold_rows: Sequence[int] = ()) -> Image.Image:
    """One page whose header is laid out as 36-HD prescribes: each row is (left column,
    right column), e.g. ("TỈNH ỦY KON TUM", "ĐẢNG CỘNG SẢN VIỆT NAM") then ("Số 237-KL/TU",
    "Kon Tum, ngày 08 tháng 11 năm 2021"); each column centred in its half. ``below`` is
    drawn under the header, wrapped (a title, a body or a signature block: a line that
    starts with a tab goes to the right half). ``seal`` stamps a round seal with that text
    over the right half of the last lines (with ``signature``, a scribble too)."""
    rng = random.Random(seed)
    font = _font(dpi)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif-Bold.ttf"), size=font.size)
    width, height = (round(v * dpi) for v in A4_INCHES)
    margin = round(MARGIN_INCHES * dpi)
    half = (width - 2 * margin) // 2
    line_px = round(font.size * 1.45)
    page = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(page)
    y = margin
    for k, (left, right) in enumerate(rows):
        face = bold if k in bold_rows else font
        for text, x0 in ((left, margin), (right, margin + half)):
            if text:
                w = face.getlength(text)
                draw.text((x0 + max(0, (half - w) / 2), y), text, font=face, fill=20)
        y += line_px
    y += line_px // 2
    last_right_y = None
    for line in below.split("\n"):
        right = line.startswith("\t")
        text = line.strip()
        for piece in (_wrap(text, half - 10, font) if right else _wrap(text, 2 * half, font)):
            if y > height - margin - line_px:
                break
            x = margin + half + max(0, (half - font.getlength(piece)) / 2) if right else margin
            draw.text((x, y), piece, font=font, fill=20)
            if right:
                last_right_y = y
            y += line_px
    if signature and last_right_y is not None:
        _scribble(page, (margin + half + half // 5, last_right_y - 3 * line_px,
                         margin + half + 4 * half // 5, last_right_y - line_px), rng, dpi)
    if seal and last_right_y is not None:
        radius = round(0.75 * dpi)
        _seal(page, (margin + half + half // 3, last_right_y - 2 * line_px), radius, seal,
              rng, dpi)
    return _degrade(page, rng, skew, noise)


def page_texts(text: str, *, dpi: int = 200) -> list[str]:
    """The text of each page :func:`render_pages` draws (same wrapping and paging), so a
    benchmark can tell what a scan of some of the pages can show."""
    _, lines, _, per_page = _layout(text, dpi)
    return ["\n".join(lines[start:start + per_page])
            for start in range(0, max(len(lines), 1), per_page)]
