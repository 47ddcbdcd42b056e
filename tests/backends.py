"""Where the contract suite (tests/contract/) indexes documents: a Whoosh folder or a Solr collection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import search


@dataclass
class Backend:
    """One place documents can be indexed: a Whoosh folder or a Solr collection."""

    name: str
    _fresh: Callable[[], str]
    location: str = ""
    _opened: list[search.Index] = field(default_factory=list)

    def fresh(self) -> str:
        """An empty index location (a new folder, or the collection emptied); return it."""
        self.close()
        self.location = self._fresh()
        return self.location

    def empty(self) -> None:
        """Close what was opened and leave an empty location (the shared collection clean for other tests)."""
        self.fresh()

    def build(self, sources: list[Any] | None = None, **options: Any) -> Any:
        """``search.build_index`` into the current location."""
        return search.build_index(sources or [], index_dir=self.location, **options)

    def open(self) -> search.Index:
        """``search.open_index`` on the current location (closed at ``fresh``/teardown)."""
        index = search.open_index(self.location)
        self._opened.append(index)
        return index

    def close(self) -> None:
        """Close every index this backend opened."""
        while self._opened:
            self._opened.pop().close()
