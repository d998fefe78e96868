"""Legacy Vietnamese 8-bit encodings (TCVN3/ABC and VNI) read as Latin-1 text.

A document typed in a ``.VnTime`` (TCVN3) or ``VNI-Times`` (VNI) font stores Vietnamese
letters as Latin-1 code points, so a reader hands us ``Ban ChÊp hµnh §¶ng bé tØnh``
(TCVN3) or ``Ñaûng Coäng saûn Vieät Nam`` (VNI). The conversion tables come from viparse
(MIT, see ``shared/domain.md`` §A3); detection is ours, because viparse's content
detector is built for short-circuiting a whole file and guesses on short text
(it reads ``TØnh ñy`` as VNI and ``Tænh uûy`` as VISCII).

Detection is deliberately conservative — converting good Unicode text corrupts it:

1. Only *candidate lines* are looked at: lines with no Vietnamese letter outside
   Latin-1 (``ă ơ ư đ ạ ả …``). Both legacy encodings live entirely in Latin-1, while
   almost every line of real Unicode Vietnamese contains one of those letters, so
   Unicode text never reaches the tables, and a mixed document is converted line by
   line.
2. The candidate lines must hold signature characters of the encoding (Latin-1
   characters that never occur in Unicode Vietnamese, such as ``§ © µ Ø`` or VNI's
   ``ä ï û ø``).
3. After a trial conversion the text must read as Vietnamese: at least two words turn
   from non-syllables into valid Vietnamese syllables, those repairs outnumber the
   words the conversion breaks, and most converted words are valid syllables.

Font names (``.VnTime``, ``VNI-Times``), when a reader has them, lower the bar for (3)
but never replace it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from viparse.normalize.encodings import get_charmap
from viparse.normalize.tables import Charmap, build_charmap, convert

from search.text.normalize import nfc

__all__ = [
    "ENCODINGS",
    "detect_legacy",
    "convert_legacy",
    "convert_legacy_lines",
    "fix_legacy",
    "is_vietnamese_syllable",
]

ENCODINGS = ("tcvn3", "vni")

# How much of a long text detection looks at: enough to be decisive, bounded so that
# detection stays cheap on a 5-million-character document.
_SAMPLE_CHARS = 200_000

# --- Vietnamese syllable shape -------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_CHECKED_TONES = {"\u0301", "\u0323"}  # the only tones a syllable ending in c/ch/p/t takes
_NUCLEI = (
    # three vowels
    "uyê|uya|uyu|uây|uôi|ươi|ươu|iêu|yêu|oai|oay|oeo|"
    # two vowels
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|"
    "ưa|ưi|ưu|ươ|yê|"
    # one vowel
    "[aăâeêioôơuưy]"
)
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?(?:{_NUCLEI})(ch|ng|nh|[cmnpt])?"
)


def _vietnamese_letters() -> frozenset[str]:
    letters = set("đĐ")
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for mark in ("", *_TONES):
            letters.add(unicodedata.normalize("NFC", base + mark))
    return frozenset(letters)


_VIETNAMESE_LETTERS = _vietnamese_letters()
_LOWER_LETTERS = frozenset(
    {ch for ch in _VIETNAMESE_LETTERS if ch.islower()} | set("bcdghklmnpqrstvx")
)


@lru_cache(maxsize=1 << 16)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` has the shape of one Vietnamese syllable (any case, NFC or NFD).

    Checks the initial consonant, the vowel nucleus, the final consonant, at most one
    tone mark, and that a syllable ending in c/ch/p/t carries sắc or nặng. Loose on
    purpose (it accepts some non-words such as ``the``), since it only has to tell
    Vietnamese from the debris a wrong table leaves behind.
    """
    lowered = unicodedata.normalize("NFC", word.lower())
    if not all(ch in _LOWER_LETTERS for ch in lowered):
        return False  # ñ, ö, ß…: their NFD marks are not Vietnamese tones
    decomposed = unicodedata.normalize("NFD", lowered)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    match = _SYLLABLE.fullmatch(bare)
    if match is None:
        return False
    final = match.group(1)
    if final in ("c", "ch", "p", "t"):
        return bool(tones) and tones[0] in _CHECKED_TONES
    return True


# --- characters that tell Unicode and legacy apart -----------------------------------

# Letters only Unicode text can hold: neither legacy encoding reaches above U+00FF.
_UNICODE_ONLY = re.compile(
    "[" + "".join(sorted(ch for ch in _VIETNAMESE_LETTERS if ord(ch) > 0xFF)) + "]"
)
# Punctuation stripped from word edges before the syllable test. Only ASCII and
# typographic marks: Latin-1 symbols such as « § © are letters in TCVN3.
_EDGE_PUNCT = "\"'()[]{}<>.,;:!?…“”‘’–—-/*_`~"


@dataclass(frozen=True)
class _Table:
    name: str
    charmap: Charmap
    surface: frozenset[str]  # every character the table reads
    signature: re.Pattern[str]  # those that never occur in Unicode Vietnamese


# Letters viparse's tables lack: VNI writes ẳ as a + 0xFA (ú), like ắ a + 0xE9 (é), so
# "chẳng", "thẳng", "hẳn" would stay "chaúng" (viparse 0.1.31).
_MISSING_PAIRS = {"vni": (("aú", "ẳ"), ("AÚ", "Ẳ"))}


@cache
def _table(name: str) -> _Table:
    charmap = get_charmap(name)
    if charmap is None or name not in ENCODINGS:
        raise ValueError(f"unknown legacy encoding {name!r} (expected one of {ENCODINGS})")
    known = {seq for seq, _ in charmap.pairs}
    missing = [pair for pair in _MISSING_PAIRS.get(name, ()) if pair[0] not in known]
    if missing:
        charmap = build_charmap(charmap.name, [*charmap.pairs, *missing])
    surface = frozenset(ch for seq, _ in charmap.pairs for ch in seq if not ch.isascii())
    signature = "".join(sorted(ch for ch in surface if ch not in _VIETNAMESE_LETTERS))
    return _Table(name, charmap, surface, re.compile(f"[{re.escape(signature)}]"))


def _font_encoding(font: str) -> str | None:
    # PDF subset fonts carry a tag: "ABCDEF+.VnTime".
    name = re.sub(r"^[A-Z]{6}\+", "", font.strip()).upper()
    if name.startswith(".VN"):
        return "tcvn3"
    if name.startswith("VNI"):
        return "vni"
    return None


# --- scoring a trial conversion -------------------------------------------------------


@dataclass
class _Score:
    fixed: int = 0  # words that were not syllables and became syllables
    broken: int = 0  # words that were syllables and stopped being ones
    words: int = 0  # words looked at in lines with signature characters
    valid_after: int = 0
    signatures: int = 0

    def reads_as_vietnamese(self, min_fixed: int, min_signatures: int) -> bool:
        return (
            self.signatures >= min_signatures
            and self.fixed >= min_fixed
            and self.fixed > 2 * self.broken
            and self.valid_after >= 0.5 * self.words
        )


def _words(line: str, table: _Table) -> list[str]:
    """Words a syllable test can judge: letters or legacy characters, one ASCII letter."""
    out = []
    for token in line.split():
        word = token.strip(_EDGE_PUNCT)
        if not word or len(word) > 12 or not any("a" <= c <= "z" for c in word.lower()):
            continue
        if all(c.isalpha() or c in table.surface or c == "\u2212" for c in word):
            out.append(word)
    return out


def _is_candidate_line(line: str) -> bool:
    return _UNICODE_ONLY.search(line) is None


def _score(text: str, table: _Table) -> _Score:
    score = _Score()
    for line in text[:_SAMPLE_CHARS].splitlines():
        if not _is_candidate_line(line):
            continue
        signatures = len(table.signature.findall(line))
        if not signatures:
            continue
        score.signatures += signatures
        before = _words(line, table)
        score.words += len(before)
        for old in before:
            new = convert(old, table.charmap)
            was, now = is_vietnamese_syllable(old), is_vietnamese_syllable(new)
            score.fixed += (not was) and now
            score.broken += was and not now
            score.valid_after += now
    return score


def detect_legacy(
    text: str, *, fonts: Iterable[str] = (), from_bytes: bool = False
) -> str | None:
    """``"tcvn3"``, ``"vni"`` or ``None`` (Unicode, ASCII, other languages, too little text).

    ``fonts`` are run font names from the document, if the reader has them; a legacy font
    lowers the evidence needed from the text to one repaired word. ``from_bytes``: the
    text is a file's 8-bit bytes read as Latin-1 (they were not UTF-8), so it cannot be
    Unicode Vietnamese and one signature character is enough; the syllable tests stay.
    """
    font_hint = {enc for enc in map(_font_encoding, fonts) if enc}
    text = nfc(text)
    best: tuple[int, str] | None = None
    for name in ENCODINGS:
        score = _score(text, _table(name))
        min_fixed = 1 if name in font_hint else 2
        if not score.reads_as_vietnamese(min_fixed, 1 if from_bytes else min_fixed):
            continue
        rank = score.fixed - score.broken
        if best is None or rank > best[0]:
            best = (rank, name)
        elif rank == best[0]:
            return None  # both tables read equally well: too ambiguous to touch the text
    return None if best is None else best[1]


# TCVN3 has no accented capitals: headings set in .VnTimeH are typed with lowercase
# accented bytes and drawn as capitals by the font, so "KÕT LUËN" converts to "KếT LUậN".
_WORD = re.compile(r"[^\W\d_]+")


def _recapitalise(match: re.Match[str]) -> str:
    word = match.group(0)
    ascii_letters = [ch for ch in word if ch.isascii()]
    capitals = sum(ch.isupper() for ch in word)
    if capitals >= 2 and all(ch.isupper() for ch in ascii_letters) and not word.isupper():
        return word.upper()
    return word


def _recapitalise_line(line: str) -> str:
    ascii_letters = [ch for ch in line if ch.isascii() and ch.isalpha()]
    if len(ascii_letters) >= 3 and all(ch.isupper() for ch in ascii_letters):
        return line.upper()  # a whole heading line: "§¶NG Bé TØNH" → "ĐẢNG BỘ TỈNH"
    return _WORD.sub(_recapitalise, line)


def _convert(text: str, table: _Table) -> str:
    converted = str(convert(text, table.charmap))
    if table.name == "tcvn3":
        converted = "\n".join(_recapitalise_line(line) for line in converted.split("\n"))
    return converted


def convert_legacy(text: str, encoding: str) -> str:
    """Convert all of ``text`` from ``encoding`` (``tcvn3``/``vni``) to NFC Unicode.

    For TCVN3, a line whose ASCII letters are all capitals, or a word whose ASCII
    letters are all capitals (two capitals at least), is set in capitals:
    ``KÕT LUËN`` → ``KẾT LUẬN``.
    """
    return _convert(text, _table(encoding))


def convert_legacy_lines(text: str, encoding: str) -> str:
    """Convert only the lines that can be legacy text, leaving Unicode lines untouched.

    Used for a document already detected as legacy, and for its notes and title.
    """
    table = _table(encoding)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _is_candidate_line(line) and any(ch in table.surface for ch in line):
            lines[i] = _convert(line, table)
    return "\n".join(lines)


def fix_legacy(text: str, *, fonts: Iterable[str] = ()) -> tuple[str, str | None]:
    """Detect and convert legacy text: ``(text, "tcvn3" | "vni" | None)``.

    Unicode text comes back unchanged with ``None``. In a mixed document only the lines
    that can be legacy are converted, so the Unicode lines stay intact.
    """
    encoding = detect_legacy(text, fonts=fonts)
    if encoding is None:
        return text, None
    return convert_legacy_lines(nfc(text), encoding), encoding
