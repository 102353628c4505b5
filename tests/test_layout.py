"""The tree's own rules: imports go one way (no cycle, counting imports inside functions), the
library never imports the command-line tools, and a runtime-only path needs no compiler."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where each top-level folder installs (pyproject.toml maps schedules/ into the package).
PACKAGES = {"tvmconv": ROOT / "tvmconv", "tvmconv.schedules": ROOT / "schedules"}


def modules() -> dict[str, Path]:
    found = {}
    for name, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([name, *parts])] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The tvmconv modules `name` imports anywhere in its file (functions included)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from pkg import sub` imports the submodule when there is one
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module
                       for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_graph_counts_imports_inside_functions():
    graph = import_graph()
    # tvmconv.tools.cli imports its sub-commands inside main()
    assert "tvmconv.tools.bench" in graph["tvmconv.tools.cli"]
    # relative imports of a package's own submodules
    assert "tvmconv.compute.gemm" in graph["tvmconv.compute"]


def test_the_library_never_imports_the_tools():
    graph = import_graph()
    entry_points = ("tvmconv.tools", "tvmconv.__main__")  # python -m tvmconv runs the CLI
    offenders = {m: sorted(t for t in targets if t.startswith("tvmconv.tools"))
                 for m, targets in graph.items() if not m.startswith(entry_points)}
    assert {m: t for m, t in offenders.items() if t} == {}


@pytest.mark.parametrize("layer, forbidden", [
    ("tvmconv.compute", ("tvmconv.schedules", "tvmconv.compiler", "tvmconv.tuning")),
    ("tvmconv.runtime", ("tvmconv.compiler", "tvmconv.compute", "tvmconv.schedules",
                         "tvmconv.tuning")),
    ("tvmconv.schedules", ("tvmconv.compiler", "tvmconv.tuning")),
    ("tvmconv.tuning.records", ("tvmconv.tuning.job",)),
])
def test_layers_import_downwards(layer, forbidden):
    graph = import_graph()
    bad = {m: sorted(t for t in targets if t.startswith(forbidden))
           for m, targets in graph.items() if m == layer or m.startswith(layer + ".")}
    assert {m: t for m, t in bad.items() if t} == {}


def test_lint_is_clean():
    """ruff, with the rule set in pyproject.toml (installed by the test extra)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                             str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_workload_and_schedule_hashes_are_the_committed_ones():
    """Every suite and tiny layer's workload, default schedules, design spaces and tuned-log
    schedule, llvm and cuda, as tools/schedule_hashes.json records them: a refactor changes
    none; a deliberate change rewrites the file (see tools/schedule_hashes.py)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "tools" / "schedule_hashes.py"),
                             "--compare", str(ROOT / "tools" / "schedule_hashes.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_top_level_names_are_the_functions():
    """`from tvmconv import build` is the function even after the modules behind it are
    imported (a submodule named like a function would shadow it)."""
    import tvmconv
    import tvmconv.compiler.builder  # noqa: F401
    import tvmconv.package  # noqa: F401
    from tvmconv import ConvTranspose2dDesc, build, conv2d_transpose_reference, load

    assert callable(build) and build.__name__ == "build"
    assert callable(load) and load.__module__ == "tvmconv.package"
    assert conv2d_transpose_reference.__name__ == "conv2d_transpose_reference"
    assert ConvTranspose2dDesc is tvmconv.description.ConvTranspose2dDesc
