"""The package layout is the pipeline, and its layers import one way.

Every ``import`` in ``search/`` and ``web/`` is read with :mod:`ast` (also those inside
functions): a module may import only from its own layer and the layers it is allowed to
build on, the import graph has no cycle, only the Whoosh engine's modules import
``whoosh`` and only the Xapian engine's import ``xapian`` (an optional binding).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Layer of a module: the first prefix that matches (longest prefixes first).
LAYERS = {
    "search.engine.whoosh": "whoosh",
    "search.engine.xapian": "xapian",
    "search.engine": "engine",
    "search.text": "text",
    "search.ingest": "ingest",
    "search.query": "query",
    "search.errors": "core",
    "search.documents": "core",
    "search.processes": "core",
    "search.fields": "core",
    "search.messages": "core",
    "search.cli": "cli",  # cli.py and cli_errors.py
    "search.cluster_cli": "cli",
    "search": "app",
    "web": "web",
}
# What each layer may import besides itself. The engine is fed tokens: it knows nothing of
# text analysis, readers or queries; readers know nothing of queries or engines.
ALLOWED = {
    "core": {"core"},
    "text": {"core"},
    "engine": {"core"},
    "whoosh": {"core", "engine"},
    "xapian": {"core", "engine"},  # the optional engine: loaded by name, imported by nobody
    "ingest": {"core", "text"},
    "query": {"core", "text", "engine", "ingest"},
    "app": {"core", "text", "engine", "ingest", "query"},
    "web": {"core", "text", "engine", "ingest", "query", "app"},
    "cli": {"core", "text", "engine", "ingest", "query", "app", "web"},  # `vnsearch serve`
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULE_NAMES = {_module_name(p) for pkg in ("search", "web") for p in (ROOT / pkg).rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative ones resolved)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULE_NAMES
            # `from pkg import module` depends on the module (pkg is only its parent)
            found.update(submodules or {base})
    return found


MODULES = {_module_name(p): p for pkg in ("search", "web") for p in (ROOT / pkg).rglob("*.py")}
GRAPH = {name: {m for m in _imports(path) if m in MODULES and m != name}
         for name, path in MODULES.items()}


def layer_of(module: str) -> str:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise KeyError(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_one_way(module):
    own = layer_of(module)
    wrong = sorted(m for m in GRAPH[module] if m != "search"
                   and layer_of(m) != own and layer_of(m) not in ALLOWED[own])
    assert not wrong, f"{module} ({own}) imports {wrong}"


def test_no_import_cycle():
    """Depth-first search over the module graph (package ``__init__`` edges excluded:
    importing ``search.x`` runs ``search/__init__.py`` first, which imports nothing)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_only_the_whoosh_engine_imports_whoosh():
    users = sorted(name for name, path in MODULES.items()
                   if any(m == "whoosh" or m.startswith("whoosh.") for m in _imports(path)))
    assert users and all(name.startswith("search.engine.whoosh") for name in users), users


def test_only_the_xapian_engine_imports_xapian():
    """The binding is an optional extra (GPL-2+): nothing outside search/engine/xapian may
    need it, and no module outside imports that package either (the registry loads it by
    name, so a default install never imports it)."""
    users = sorted(name for name, path in MODULES.items()
                   if any(m == "xapian" or m.startswith("xapian.") for m in _imports(path)))
    assert users and all(name.startswith("search.engine.xapian") for name in users), users
    importers = sorted(name for name, deps in GRAPH.items()
                       if not name.startswith("search.engine.xapian")
                       and any(m.startswith("search.engine.xapian") for m in deps))
    assert not importers, importers


@pytest.mark.parametrize("module, layer", [
    ("search.engine.whoosh.engine", "whoosh"), ("search.engine.base", "engine"),
    ("search.engine.xapian.local", "xapian"),
    ("search.text.normalize", "text"), ("search.index", "app"), ("web.views", "web"),
    ("search.errors", "core"),
])
def test_layer_table(module, layer):
    assert layer_of(module) == layer


def test_the_checker_sees_a_wrong_import(tmp_path):
    """The import reader resolves relative imports, so a wrong one cannot hide."""
    fake = ROOT / "search" / "text" / "_probe_layers.py"
    try:
        fake.write_text("from ..index import Index\nfrom . import normalize\n", "utf-8")
        found = _imports(fake)
    finally:
        fake.unlink()
    assert "search.index" in found and "search.text.normalize" in found
    assert layer_of("search.index") not in ALLOWED["text"]
