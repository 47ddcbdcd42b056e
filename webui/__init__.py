"""The web UI of commentary search: a Flask app over the ``search`` API.

    from webui import create_app
    app = create_app({"INDEX_DIR": "index"})

or, inside another Flask application that opened the index itself::

    from webui import create_blueprint
    app.register_blueprint(create_blueprint(search.open_index("index")), url_prefix="/commentary")

See docs/webui.md for configuration, routes and the JSON API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .blueprint import create_blueprint
    from .params import Limits

__all__ = ["create_app", "create_blueprint", "Limits"]

# Loaded on first use (PEP 562), so that `commentary search`, whose console
# script is webui.cli, does not pay for importing Flask.
_HOMES = {"create_app": ".app", "create_blueprint": ".blueprint", "Limits": ".params"}


def __getattr__(name: str) -> Any:
    """Import ``create_app``, ``create_blueprint`` or ``Limits`` when first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
