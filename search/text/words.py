"""pyvi word segmentation, with pyvi's own model and features, computed faster.

``pyvi.ViTokenizer.tokenize`` rebuilds each syllable's lower-case form, case flags and
n-gram look-ups three times (as the word, and as each neighbour's context). Here they are
computed once per syllable and the same feature dictionaries are handed to pyvi's CRF
tagger, so the output is identical (``tests/test_analyze.py`` compares it with
``ViTokenizer.tokenize``) at about 15 % less CPU, the largest single cost of indexing.

pyvi's model is a pickled ``sklearn_crfsuite.CRF``: unpickling it imports scikit-learn and
SciPy (about 1 s and 40 MB in every process that segments: each build worker, ``add``, the
server's first query). Only the crfsuite model bytes inside it are needed, so
:func:`_model` unpickles it into plain records, allowing nothing else, and opens the model
with ``pycrfsuite`` directly; ``importing pyvi.ViTokenizer`` would load the pickle at import.
"""

from __future__ import annotations

import pickle
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

# pyvi's syllable pattern (ViTokenizer.sylabelize), the same alternatives in the same order.
_SYLLABLE = re.compile(
    "|".join([
        r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\.",
        "==>", "->", r"\.\.\.", ">>", "\n",
        r"\w+://[^\s]+", r"(?:[a-zA-Z0-9_.+-]+@(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
        r"\d+(?:[\.,_]\d+)+", r"[^\w\s]", r"\w+",
    ]),
    re.UNICODE,
)  # groups made non-capturing, so that findall() gives the whole matches


class _Record:
    """Stands in for the classes in pyvi's pickle: keeps their state, runs no code."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    _RECORDS = {("sklearn_crfsuite.estimator", "CRF"), ("sklearn_crfsuite._fileresource", "FileResource"),
                ("pycrfsuite._logparser", "TrainLogParser")}
    _ALLOWED = {("numpy.core.multiarray", "scalar"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._RECORDS:
            return _Record
        if (module, name) in self._ALLOWED:
            if module == "numpy.core.multiarray":  # numpy 2 moved it (the old path warns)
                try:
                    from numpy._core import multiarray
                except ImportError:  # numpy 1
                    from numpy.core import multiarray  # type: ignore[no-redef]
                return multiarray.scalar
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in pyvi's model")


@dataclass(frozen=True)
class _Model:
    tagger: Any
    model_bytes: bytes  # the tagger reads this buffer in place: it must outlive the tagger
    bi_grams: frozenset[str]
    tri_grams: frozenset[str]


@lru_cache(maxsize=1)
def _model() -> _Model:
    import pycrfsuite

    pkg = resources.files("pyvi") / "models"
    with (pkg / "pyvi3.pkl").open("rb") as fin:
        crf = _ModelUnpickler(fin).load()
    data = crf.modelfile.__FILE_RESOURCE_DATA__
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(data)
    grams = [line.split(" ") for line in (pkg / "words.txt").read_text("utf-8").split("\n")]
    return _Model(tagger, data,
                  frozenset(" ".join(g) for g in grams if len(g) == 2),
                  frozenset(" ".join(g) for g in grams if len(g) == 3))


@lru_cache(maxsize=1)
def folded_dictionary() -> frozenset[str]:
    """pyvi's dictionary words of two and three syllables without tones (``xay dung``): pyvi
    cannot segment text typed without tones, this tells where its words would be."""
    from search.text.normalize import fold

    model = _model()
    return frozenset(fold(w) for w in model.bi_grams | model.tri_grams)


def syllables(text: str) -> list[str]:
    """pyvi's syllables of ``text`` (``ViTokenizer.sylabelize``)."""
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text))


def _features(sent: list[str], bigrams: frozenset[str], trigrams: frozenset[str]) -> list[dict[str, Any]]:
    """pyvi's features of each syllable, in pyvi's order, without the false flags.

    A boolean feature reaches the CRF as an attribute of weight 1.0 (True) or 0.0 (False);
    an attribute of weight 0.0 adds exactly nothing to any score, so leaving the false ones
    out gives the same labels (tested) with about half the attributes to convert and score.
    """
    n = len(sent)
    low = [w.lower() for w in sent]
    title = [w.istitle() for w in sent]
    upper = [w.isupper() for w in sent]
    digit = [w.isdigit() for w in sent]
    bi = [f"{low[i]} {low[i + 1]}" in bigrams for i in range(n - 1)]
    tri = [f"{low[i]} {low[i + 1]} {low[i + 2]}" in trigrams for i in range(n - 2)]
    feats = []
    for i in range(n):
        f: dict[str, Any] = {"bias": 1.0, "word.lower()": low[i]}
        if upper[i]:
            f["word.isupper()"] = True
        if title[i]:
            f["word.istitle()"] = True
        if digit[i]:
            f["word.isdigit()"] = True
        if i > 0:
            f["-1:word.lower()"] = low[i - 1]
            if title[i - 1]:
                f["-1:word.istitle()"] = True
            if upper[i - 1]:
                f["-1:word.isupper()"] = True
            if bi[i - 1]:
                f["-1:word.bi_gram()"] = True
            if i > 1 and tri[i - 2]:
                f["-2:word.tri_gram()"] = True
        if i < n - 1:
            f["+1:word.lower()"] = low[i + 1]
            if title[i + 1]:
                f["+1:word.istitle()"] = True
            if upper[i + 1]:
                f["+1:word.isupper()"] = True
            if bi[i]:
                f["+1:word.bi_gram()"] = True
            if i < n - 2 and tri[i]:
                f["+2:word.tri_gram()"] = True
        feats.append(f)
    return feats


def _joins(prev: str, cur: str, label: str) -> bool:
    """pyvi's rule for gluing a syllable to the one before it."""
    punct = string.punctuation
    return (label == "I_W" and cur not in punct and prev not in punct
            and not cur[0].isdigit() and not prev[0].isdigit()
            and not (cur[0].istitle() and not prev[0].istitle()))


def segment(text: str) -> list[str]:
    """Words of ``text`` as pyvi segments them (``Tỉnh_uỷ``, ``Kon_Tum``, ``,``)."""
    sylls = syllables(text)
    if not sylls:
        return text.split()
    model = _model()
    labels = model.tagger.tag(_features(sylls, model.bi_grams, model.tri_grams))
    words = [sylls[0]]
    for i in range(1, len(labels)):
        if _joins(sylls[i - 1], sylls[i], labels[i]):
            words[-1] += "_" + sylls[i]
        else:
            words.append(sylls[i])
    return words
