"""`vnsearch check`: the index against the files it was built from.

- **missing**: a file under the index's sources that is not in the index;
- **stale**: an indexed file whose content changed since it was indexed;
- **orphaned**: an indexed document whose file is gone;
- per-document metadata warnings ("no number", "no date", …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.ingest.extracted import sha256_of
from search.ingest.files import Found, discover
from search.index import Index


@dataclass
class CheckReport:
    documents: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[dict[str, str]] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "documents": self.documents, "missing": self.missing,
                "stale": self.stale, "orphaned": self.orphaned, "warnings": self.warnings}


def _file_of(path: str) -> Path:
    return Path(path.split("#L", 1)[0])


def check_index(index: Index) -> CheckReport:
    report = CheckReport()
    indexed_files: set[str] = set()
    for stored in index.reader.iter_stored(fields=("id", "path", "meta", "sha256")):
        report.documents += 1
        path = stored.get("path", "")
        file = _file_of(path)
        indexed_files.add(str(file))
        warnings = stored.get("meta", {}).get("warnings") or []
        if warnings:
            report.warnings[stored["id"]] = list(warnings)
        if not file.exists():
            report.orphaned.append({"id": stored["id"], "path": path})
        elif stored.get("sha256") and sha256_of(file) != stored["sha256"]:
            report.stale.append(stored["id"])
    for item in discover(index.manifest.get("sources", [])):
        if isinstance(item, Found):
            resolved = str(item.path.resolve())
            if resolved not in indexed_files:  # new since the build, or failed to read
                report.missing.append(resolved)
    return report
