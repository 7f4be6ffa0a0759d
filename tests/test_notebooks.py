"""The notebooks: stored clean, free of logic of their own, and executed so they never rot.

Each notebook is run top to bottom in a fresh ``python3`` kernel with the working directory ``notebooks/`` (as
Jupyter runs it), matplotlib on Agg, and ``simulator`` importable from this checkout. The fast tests inject small
run sizes in a cell right after the one tagged ``parameters`` (as papermill does); the slow test runs each
notebook as written.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01-what-if.ipynb", "02-simulation-vs-erlang.ipynb", "03-negotiation.ipynb", "04-from-data-to-price.ipynb")

# Small run sizes for the fast suite: the story runs end to end, the numbers are not the point.
FAST = {
    "01-what-if.ipynb": "months = 6\nreplications = 1\nseed = 0",
    "02-simulation-vs-erlang.ipynb": "replications = 3\nhours = 40\nseed = 0",
    "03-negotiation.ipynb": "months = 6\nreplications = 1\nseed = 0\nfrontier_targets = [0.85, 0.95]\n"
                            "sensitivity_steps = [-0.10, 0.10]",
    "04-from-data-to-price.ipynb": "days = 6\nmonths = 6\nreplications = 1\nbacktest_replications = 1\nseed = 0",
}

ALLOWED_IMPORTS = ("simulator", "pathlib", "pandas", "matplotlib")
# A notebook calls the library and shows what it returns: no loops, branches, functions or arithmetic of its own.
LOGIC = (ast.For, ast.While, ast.If, ast.IfExp, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
         ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.BinOp, ast.AugAssign, ast.With,
         ast.Try)
FIGURE_CALL = re.compile(r"figure\([^)]*\)\s*$")


def read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def python_source(cell: Any) -> str:
    """The cell without its IPython magics (``%matplotlib inline``), which are not Python."""
    return "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))


def parameters_index(notebook: Any) -> int:
    tagged = [i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    return tagged[0]


def execute(name: str, parameters: str | None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the notebook in a fresh kernel; ``parameters`` is injected after the parameters cell."""
    notebook = read(name)
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters, metadata={"tags": ["injected-parameters"]})
        notebook.cells.insert(parameters_index(notebook) + 1, cell)
    # The kernel inherits this environment: Agg for matplotlib, this checkout first on the import path.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=900,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return notebook


def assert_figures_shown(notebook: Any) -> None:
    """Every cell that ends by making a figure shows it inline as an image."""
    shown = 0
    for cell in code_cells(notebook):
        if FIGURE_CALL.search(cell.source.strip().splitlines()[-1]):
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert images, f"no figure shown by: {cell.source!r}"
            shown += 1
    assert shown > 0


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs_on_the_python3_kernel(name: str) -> None:
    notebook = read(name)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in code_cells(notebook):
        assert cell.outputs == [], f"stored output in: {cell.source[:60]!r}"
        assert cell.execution_count is None
    assert parameters_index(notebook) < min(i for i, c in enumerate(notebook.cells) if c.cell_type == "code"
                                            and "import" in c.source), "the parameters cell comes first"


@pytest.mark.parametrize("name", NAMES)
def test_cells_import_only_simulator_and_display_helpers(name: str) -> None:
    notebook = read(name)
    imported = set()
    for cell in code_cells(notebook):
        for node in ast.walk(ast.parse(python_source(cell))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.module is not None and node.level == 0
                imported.add(node.module)
    assert any(module.split(".")[0] == "simulator" for module in imported)
    for module in imported:
        assert module.split(".")[0] in ALLOWED_IMPORTS, f"{name} imports {module}"


@pytest.mark.parametrize("name", NAMES)
def test_cells_hold_no_logic_of_their_own(name: str) -> None:
    for cell in code_cells(read(name)):
        for node in ast.walk(ast.parse(python_source(cell))):
            assert not isinstance(node, LOGIC), f"{type(node).__name__} in: {cell.source!r}"


def test_the_injected_parameters_replace_every_run_size() -> None:
    # The fast run must not fall back on a large size the parameters cell sets and the injection forgets.
    for name in NAMES:
        written = ast.parse(read(name).cells[parameters_index(read(name))].source)
        names = {target.id for node in written.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
        injected = {target.id for node in ast.parse(FAST[name]).body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name)}
        assert names == injected, name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_small_sizes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_figures_shown(execute(name, FAST[name], monkeypatch))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_as_written(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_figures_shown(execute(name, None, monkeypatch))
