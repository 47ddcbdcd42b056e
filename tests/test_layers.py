"""The layering rule, checked on the source: ``search`` never imports Flask or ``webui``.

Read with ``ast`` rather than by watching ``sys.modules``, so that an import
inside a function (one that runs only for ``serve``, say) is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SEARCH = Path(__file__).resolve().parent.parent / "search"
FORBIDDEN = ("flask", "webui")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an ``import`` or absolute ``from ... import`` names, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
              and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))  # importlib.import_module("webui...")
    return found


def test_search_never_imports_flask_or_webui() -> None:
    sources = sorted(SEARCH.rglob("*.py"))
    assert len(sources) > 10  # the walk found the package
    offenders = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(SEARCH.parent)}:{line} imports {module}")
    assert offenders == []


def test_the_check_sees_a_lazy_import() -> None:
    tree = ast.parse("def serve():\n    from webui.server import serve\n    import flask\n")
    assert [module for _, module in imported_modules(tree)] == ["webui.server", "flask"]
