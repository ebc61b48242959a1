"""The house rules of the package's layout, read from the source with `ast` (nothing imported):
no import circle, a domain that never touches Flask's request context, a read side that never
imports the write side, short files, and a small core at the top."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "governance"
MAX_LINES = 500
MAX_TOP_LEVEL_MODULES = 15

# Flask's request and application context: the domain is given what it needs instead.
FLASK_CONTEXT = {
    "flask": {
        "request",
        "g",
        "current_app",
        "url_for",
        "session",
        "has_request_context",
        "has_app_context",
    },
    "flask_login": {"current_user"},
}
WEB_FACING = {"views", "api", "forms", "cli"}  # in an area folder, these may use Flask
DOMAIN_CORE = {"audit", "permissions", "database", "catalog", "enums", "errors"}
READ_SIDE = {"queries", "rules", "marquez", "graph", "figures", "figure", "charts", "sql"}
READ_SIDE_GATES = {"governance.gates.assessment", "governance.gates.approvals"}
WRITE_SIDE = {
    "governance.gates.checkpoints",
    "governance.gates.criteria",
    "governance.gates.phases",
    "governance.lineage.ingest",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports: a governance module, or an outside package
    names: tuple[str, ...]  # for `from X import a, b`; empty for `import X`
    line: int


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        _name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts
    }


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or inside functions and classes. Imports under
    `if TYPE_CHECKING:` are skipped: they are never executed (models name each other there)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking_only(child):
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, (), node.lineno) for alias in node.names]
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        names = tuple(alias.name for alias in node.names)
        found.append(Import(module, base, names, node.lineno))
    return tuple(found)


@cache
def import_lines(module: str) -> dict[str, int]:
    """The governance modules `module` imports, each with the line of its first import
    (`from governance.x import y` names x.y when y is a module, x otherwise)."""
    known = modules()
    lines: dict[str, int] = {}
    for imp in imports_of(module):
        if imp.target != "governance" and not imp.target.startswith("governance."):
            continue
        submodules = {f"{imp.target}.{n}" for n in imp.names} & known.keys()
        for target in submodules or ({imp.target} & known.keys()):
            if target != module:
                lines.setdefault(target, imp.line)
    return lines


def governance_targets(module: str) -> set[str]:
    return set(import_lines(module))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def is_domain(module: str) -> bool:
    parts = module.split(".")
    if len(parts) == 2:
        return parts[1] in DOMAIN_CORE
    if len(parts) == 3 and parts[1] not in {"web", "api"}:
        last = parts[2]
        return last not in WEB_FACING and not last.endswith("_views")
    return False


def is_read_side(module: str) -> bool:
    last = module.rpartition(".")[2]
    return (
        module in READ_SIDE_GATES
        or last in READ_SIDE
        or last.endswith("_queries")
        or last.endswith("_page")
    )


def is_write_side(module: str) -> bool:
    return module in WRITE_SIDE or module.rpartition(".")[2] == "operations"


def flask_context_uses(module: str) -> list[str]:
    """'flask.g (line 12)' for every name of Flask's context the module imports or reaches."""
    uses = []
    for imp in imports_of(module):
        banned = FLASK_CONTEXT.get(imp.target.partition(".")[0], set())
        uses += [f"{imp.target}.{n} (line {imp.line})" for n in imp.names if n in banned]
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # `import flask` then `flask.request`
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.attr in FLASK_CONTEXT.get(node.value.id, set())
        ):
            uses.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return uses


# ---- the rules ---------------------------------------------------------------------------


def test_the_layout_reader_sees_the_package():
    known = modules()
    assert "governance.gates.checkpoints" in known and "governance.verify" in known
    assert not any("migrations" in name for name in known)
    assert is_domain("governance.gates.phases") and is_domain("governance.audit")
    assert not is_domain("governance.gates.views") and not is_domain("governance.loaders")
    assert not is_domain("governance.portfolio.initiative_views")
    assert is_read_side("governance.gates.queries") and is_read_side("governance.lineage.marquez")
    assert is_write_side("governance.lineage.ingest") and is_write_side(
        "governance.risks.operations"
    )
    # Function-level imports count: the factory imports the CLI inside create_app.
    assert "governance.cli" in governance_targets("governance")


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_governance_modules():
    graph = {module: governance_targets(module) for module in modules()}
    circles = _cycles(graph)
    detail = [
        " <-> ".join(circle)
        + ": "
        + "; ".join(
            f"{member}:{line} imports {target}"
            for member in circle
            for target, line in sorted(import_lines(member).items())
            if target in circle
        )
        for circle in circles
    ]
    assert not circles, "import circles (module-level and function-level imports):\n" + "\n".join(
        detail
    )


def test_the_domain_never_touches_flasks_request_context():
    offenders = {
        module: uses
        for module in modules()
        if is_domain(module) and (uses := flask_context_uses(module))
    }
    assert not offenders, "domain modules using Flask's request/app context: " + "; ".join(
        f"{module}: {', '.join(uses)}" for module, uses in sorted(offenders.items())
    )


def test_the_read_side_never_imports_the_write_side():
    """Directly or through any chain of governance imports."""
    graph = {module: governance_targets(module) for module in modules()}
    offenders = {}
    for module in filter(is_read_side, graph):
        seen: dict[str, str] = {}  # reached module -> the module that imported it
        todo = [module]
        while todo:
            current = todo.pop()
            for target in graph[current]:
                if target not in seen and target != module:
                    seen[target] = current
                    todo.append(target)
        for reached in sorted(filter(is_write_side, seen)):
            chain = [reached]
            while chain[-1] != module:
                chain.append(seen[chain[-1]])
            offenders.setdefault(module, []).append(" -> ".join(reversed(chain)))
    assert not offenders, "read-side modules importing the write side: " + "; ".join(
        path for paths in offenders.values() for path in paths
    )


def test_no_file_over_500_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): count
        for path in sorted(PACKAGE.rglob("*"))
        if path.is_file()
        and "migrations" not in path.relative_to(PACKAGE).parts
        and "__pycache__" not in path.parts
        and (count := len(path.read_bytes().splitlines())) > MAX_LINES
    }
    assert not long, f"files over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({count})" for name, count in long.items()
    )


def test_a_small_core_at_the_top():
    top = sorted(path.stem for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, (
        f"{len(top)} top-level modules in governance/ (at most {MAX_TOP_LEVEL_MODULES}): "
        + ", ".join(top)
    )
