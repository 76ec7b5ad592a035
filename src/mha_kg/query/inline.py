"""Which user queries may skip the worker hop: those already seen to be cheap.

A user query runs in a killable worker process because nothing can stop a
query inside Oxigraph. That guarantee costs a process round trip (about
0.3 ms) on every request, which dominates a lookup that Oxigraph answers
in a tenth of that. The store is read-only, so evaluating the same query
text over the same graphs costs the same every time: once a worker has
answered a query within `inline_query_ms`, the next run of that exact
query is safe to evaluate in the server process. Anything new, slower, or
larger than `MAX_INLINE_QUERY_CHARS` still goes to a worker first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

#: Longest query text evaluated in the server process. Oxigraph's parser
#: recurses on nesting; an 8,000-character chain of `!` or parentheses was
#: measured to parse on a default 8 MiB thread stack, while the workers
#: run queries on a 256 MiB stack for anything up to max_query_bytes.
MAX_INLINE_QUERY_CHARS = 8000

#: Queries remembered; the least recently used is forgotten first.
MEMORY = 4096


@dataclass(frozen=True)
class Seen:
    elapsed_ms: float
    #: Whether the answer was cut at max_rows. When it was not, the same query over the
    #: same store returns the same rows, so the inline run needs no counting.
    truncated: bool


class CheapQueries:
    """A bounded memory of queries that finished within the inline threshold."""

    def __init__(self, threshold_ms: float, size: int = MEMORY):
        self.threshold_ms = threshold_ms
        self.size = size
        self._seen: OrderedDict[Hashable, Seen] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, key: Hashable, query: str, elapsed_ms: float, truncated: bool) -> None:
        """Remember a query a worker answered, if it was cheap enough to run inline."""
        if elapsed_ms > self.threshold_ms or len(query) > MAX_INLINE_QUERY_CHARS:
            return
        with self._lock:
            self._seen[key] = Seen(elapsed_ms, truncated)
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def get(self, key: Hashable, time_limit_ms: float) -> Seen | None:
        """How this query ran in a worker, if it was cheap and fits the request's time limit;
        None for a query to send to a worker."""
        with self._lock:
            seen = self._seen.get(key)
            if seen is None:
                return None
            self._seen.move_to_end(key)
        return seen if seen.elapsed_ms <= time_limit_ms else None
