"""Each DVC stage's project code, from its script's import closure (an AST walk, nothing imported).

    python scripts/stage_deps.py            # every stage's closure as dvc.yaml deps (folders where whole)
    python scripts/stage_deps.py --check    # exit 1 naming each imported file a stage's deps miss

Every ``import footseg...`` / ``from ... import`` counts, at any depth (imports inside functions too),
with the package ``__init__``s a submodule import runs. A package whose ``__init__`` exports names
lazily (footseg.models: ``_EXPORTS`` strings like ".registry") pulls in those submodules when a name
is imported from it. tests/test_stage_deps.py runs the check and the import-cycle check.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "footseg"


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """footseg.a.b -> footseg/a/b.py or footseg/a/b/__init__.py (None if neither exists)."""
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def lazy_exports(init: Path, root: Path = ROOT) -> set[Path]:
    """Submodules a package ``__init__`` names as relative strings (".registry"), loaded on first use."""
    package = module_name(init, root)
    out = set()
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("."):
            target = module_file(f"{package}{node.value}", root) if node.value[1:].isidentifier() else None
            if target is not None:
                out.add(target)
    return out


def _with_parents(name: str, root: Path) -> set[Path]:
    """The module's file and every package __init__ above it (importing a.b.c runs a and a.b)."""
    parts = name.split(".")
    files = {module_file(".".join(parts[:i]), root) for i in range(1, len(parts) + 1)}
    return {f for f in files if f is not None}


def imports(path: Path, root: Path = ROOT) -> tuple[set[Path], set[Path]]:
    """(explicit, implicit) project files ``path`` imports: explicit = the modules it names,
    implicit = the package __init__s above them (run by Python, not named by the importer)."""
    here = module_name(path, root) if path.is_relative_to(root / PACKAGE) else ""
    is_package = path.name == "__init__.py"
    explicit: set[Path] = set()
    implicit: set[Path] = set()

    def add(name: str, names: list[str] | None = None) -> None:
        if name.split(".")[0] != PACKAGE:
            return
        target = module_file(name, root)
        if target is None:
            return
        implicit.update(_with_parents(name, root) - {target})
        if names is None:
            explicit.add(target)
            return
        as_attribute = False
        for n in names:
            sub = module_file(f"{name}.{n}", root)
            if sub is not None:
                explicit.add(sub)
            else:
                as_attribute = True
        if as_attribute:
            explicit.add(target)
            if target.name == "__init__.py":
                explicit.update(lazy_exports(target, root))

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = here.split(".") if is_package else here.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            add(name, [a.name for a in node.names])
    return explicit - {path}, implicit - {path}


def closure(start: Path, root: Path = ROOT) -> set[Path]:
    """Every project file that running ``start`` may import (``start`` included)."""
    seen, todo = {start}, [start]
    while todo:
        explicit, implicit = imports(todo.pop(), root)
        for path in explicit | implicit:
            if path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def import_cycles(files: list[Path], root: Path = ROOT) -> list[list[str]]:
    """Cycles among the modules' explicit imports (Tarjan's strongly connected components)."""
    graph = {f: imports(f, root)[0] for f in files}
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    cycles: list[list[str]] = []

    def visit(v: Path) -> None:  # recursive: the module graph is shallow
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                cycles.append(sorted(str(p.relative_to(root)) for p in component))

    for f in files:
        if f not in index:
            visit(f)
    return cycles


def stages(root: Path = ROOT) -> dict[str, tuple[Path, list[str]]]:
    """dvc.yaml's stages: name -> (the stages/*.py script its cmd runs, its deps as written)."""
    spec = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))
    out = {}
    for name, stage in spec["stages"].items():
        script = next(w for w in stage["cmd"].split() if w.endswith(".py"))
        out[name] = (root / script, [str(d) for d in stage.get("deps", [])])
    return out


def covered(path: str, deps: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps)


def uncovered(root: Path = ROOT) -> dict[str, list[str]]:
    """Per stage, the files its script imports that its deps do not cover."""
    out = {}
    for name, (script, deps) in stages(root).items():
        files = sorted(str(p.relative_to(root)) for p in closure(script, root))
        out[name] = [f for f in files if not covered(f, deps)]
    return out


def suggested_deps(script: Path, root: Path = ROOT) -> list[str]:
    """The closure as deps: a package folder when every module in it is imported, else the files."""
    files = {p.relative_to(root) for p in closure(script, root)}
    deps: set[Path] = set()
    for f in files:
        folder = f.parent
        top = None  # the highest folder below footseg/ that the closure holds whole
        while folder != Path(PACKAGE) and folder.parts and folder.parts[0] == PACKAGE:
            if {p.relative_to(root) for p in (root / folder).rglob("*.py")} <= files:
                top = folder
            folder = folder.parent
        deps.add(top or f)
    return sorted(str(d) for d in deps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a stage's deps miss an imported file")
    args = parser.parse_args()
    if args.check:
        missing = {name: files for name, files in uncovered().items() if files}
        for name, files in missing.items():
            print(f"{name}: deps miss {', '.join(files)}", file=sys.stderr)
        return 1 if missing else 0
    for name, (script, _) in stages().items():
        print(f"{name}:")
        for dep in suggested_deps(script):
            print(f"  - {dep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
