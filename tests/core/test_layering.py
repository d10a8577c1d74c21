"""The apps import downward only (docs/architecture.md, "Layers").

The test reads every module of the project's apps (tests and migrations excluded), collects
each import of another app, at module level and inside functions alike, and fails on any
import that points up a layer or sideways between two feature apps. Entry points (views,
URLs, the admin, tasks, management commands, the portal and the API) may import from every
domain layer: they are where a request or a job comes in, and nothing imports them back.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# From the bottom up; an app may import only from a lower layer (or itself).
LAYERS = [
    ["core"],
    ["notifications"],
    ["accounts"],
    ["garage"],
    ["autopaspoort"],
    ["fleet"],
    ["transfers"],
    # workshop records on the passport: never each other
    ["photos", "quotes", "network"],
    # features: never each other
    ["reminders", "appointments", "promotions", "insights", "sharing", "legal"],
    # billing prices the features' usage (insights) and prints like sharing: above them
    ["billing"],
    ["portal", "api"],  # entry points of their own
    ["config"],
]
LAYER_OF = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
ENTRY_LAYER = LAYER_OF["portal"]

# Modules of a domain app that are entry points: the app's own pages, admin, jobs, commands.
ENTRY_MODULES = {"views", "urls", "admin", "tasks"}

# At most three, each with its reason (the limit); none are needed today.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _layer_of_module(path: Path) -> int:
    app = path.relative_to(ROOT).parts[0]
    parts = path.relative_to(ROOT).with_suffix("").parts
    if app == "core" or LAYER_OF[app] >= ENTRY_LAYER:
        return LAYER_OF[app]  # all of core is domain-free, even its commands
    if parts[-1] in ENTRY_MODULES or "views" in parts or "management" in parts:
        return ENTRY_LAYER
    return LAYER_OF[app]


def _imported_apps(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYER_OF:
                yield node.lineno, name, top


def _modules():
    for app in LAYER_OF:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and "tests" not in path.parts:
                yield app, path


def upward_imports() -> list[str]:
    found = []
    for app, path in _modules():
        rank = _layer_of_module(path)
        for line, name, target in _imported_apps(ast.parse(path.read_text(), str(path))):
            if target == app:
                continue
            target_rank = LAYER_OF[target]
            same_entry_layer = rank == target_rank == ENTRY_LAYER
            sideways = rank == target_rank and not same_entry_layer
            if target_rank > rank or sideways:
                where = f"{path.relative_to(ROOT)}:{line}"
                if (str(path.relative_to(ROOT)), name) not in EXCEPTIONS:
                    found.append(f"{where} imports {name}")
    return found


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"config"}
    assert apps <= set(LAYER_OF), f"not in a layer: {sorted(apps - set(LAYER_OF))}"


def test_apps_import_downward_only():
    assert upward_imports() == []


def test_the_exceptions_are_few_and_explained():
    assert len(EXCEPTIONS) <= 3
    assert all(reason.strip() for reason in EXCEPTIONS.values())


@pytest.mark.parametrize(
    ("source", "expect_flagged"),
    [
        ("from transfers.models import Transfer", True),  # autopaspoort → transfers: up
        ("def f():\n    from fleet.services import fleet_link", True),  # inside a function too
        ("from garage.models import Garage", False),  # down
        ("import core.errors", False),
    ],
)
def test_the_graph_sees_module_and_function_imports(source, expect_flagged):
    imports = [t for _, _, t in _imported_apps(ast.parse(source))]
    flagged = any(LAYER_OF[t] > LAYER_OF["autopaspoort"] for t in imports)
    assert flagged is expect_flagged
