"""The package's folders are its architecture: imports run from later stages to earlier ones only.

`STAGES` is the one place the allowed directions are written. Each module
is parsed (not imported) and every `mha_kg` import it makes, at the top or
inside a function, is checked against the stage it belongs to.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mha_kg"

#: Each stage and the stages it may import from, earliest first. The top-level
#: modules shared by every stage are a stage of their own ("shared"), and `kg`
#: (the knowledge-graph facade over a built store and an engine) sits between
#: the engine and the stages that read through it.
STAGES: dict[str, set[str]] = {
    "shared": set(),
    "build": {"shared"},
    "query": {"shared", "build"},
    "kg": {"shared", "build", "query"},
    "publish": {"shared", "build", "query", "kg"},
    "find": {"shared", "build", "query", "kg"},
    "linking": {"shared", "build", "query", "kg"},
    "curate": {"shared", "build", "query", "kg", "publish", "find"},
    "web": {"shared", "build", "query", "kg", "publish", "find", "linking", "curate"},
    "cli": {"shared", "build", "query", "kg", "publish", "find", "linking", "curate", "web"},
}

#: What every stage shares: the settings table, the one error type, the IRIs
#: and prefixes, and the guard that keeps parsers off the network.
SHARED = {"settings", "errors", "namespaces", "netguard", "__init__"}


def stage_of(module: str) -> str:
    """`mha_kg.build.store` -> build; `mha_kg.errors` -> shared; `mha_kg.kg` -> kg."""
    parts = module.split(".")[1:] or ["__init__"]
    head = parts[0]
    if head == "__main__":  # `python -m mha_kg` is the command line
        return "cli"
    if head in STAGES:
        return head
    assert head in SHARED, f"{module} is in no stage: add it to a subpackage or to SHARED"
    return "shared"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every mha_kg module the file imports, as absolute dotted names with their line numbers."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "mha_kg":
                continue
            # `from .. import formats` names a module: judge it by the module's stage
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() \
                    or (PACKAGE.parent / Path(*candidate.split("."))).is_dir()
                found.append((node.lineno, candidate if is_module else target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "mha_kg"]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_stage_is_a_folder_with_a_docstring():
    for stage in STAGES:
        if stage in ("shared", "kg"):
            continue
        init = PACKAGE / stage / "__init__.py"
        assert init.is_file(), f"stage {stage} has no package"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init} should say what the stage does"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_from_later_stages_to_earlier_ones(path):
    own = stage_of(module_name(path))
    for line, target in imported_modules(path):
        other = stage_of(target)
        if other == own:
            continue
        assert other in STAGES[own], (
            f"{path.relative_to(PACKAGE)}:{line} imports {target}: stage {own!r} may not import {other!r}")


def test_the_checker_catches_a_backward_import(tmp_path, monkeypatch):
    """A copy of the build stage's store that imports the web app is reported."""
    fake = tmp_path / "mha_kg" / "build" / "store.py"
    fake.parent.mkdir(parents=True)
    (tmp_path / "mha_kg" / "web").mkdir()
    fake.write_text((PACKAGE / "build" / "store.py").read_text(encoding="utf-8")
                    + "\nfrom ..web import app\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path / "mha_kg")
    with pytest.raises(AssertionError, match="may not import 'web'"):
        test_imports_run_from_later_stages_to_earlier_ones(fake)
