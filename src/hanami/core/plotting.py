"""`plt`: matplotlib's pyplot on the non-interactive Agg backend, imported on first use.

pyplot costs about 0.3 s to import; every `hanami` command would pay it at start-up if the
apps imported it at module level, though only runs that draw need it.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    return matplotlib.pyplot


class _LazyPyplot:
    def __getattr__(self, name: str) -> Any:
        return getattr(_pyplot(), name)


plt = _LazyPyplot()
