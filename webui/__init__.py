"""The web UI of commentary search: a Flask app over the ``search`` API.

    from webui import create_app
    app = create_app({"INDEX_DIR": "index"})

or, inside another Flask application that opened the index itself::

    from webui import create_blueprint
    app.register_blueprint(create_blueprint(search.open_index("index")), url_prefix="/commentary")

See docs/webui.md for configuration, routes and the JSON API.
"""

from .app import create_app
from .blueprint import create_blueprint
from .params import Limits

__all__ = ["create_app", "create_blueprint", "Limits"]
