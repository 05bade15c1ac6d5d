"""One message's arithmetic on one BLAS thread.

A single message's products are small: spreading one over OpenBLAS's threads costs more in
waking and syncing them than it saves, and when another process holds a core it costs a lot
(on the 2-core machine, a 20,000 x 256 product took 12 ms with threads, 0.8 ms on one).
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager
from typing import Any

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which numpy's BLAS runs on one thread (about 10 microseconds to enter)."""
    return _controller().limit(limits=1, user_api="blas")  # type: ignore[no-any-return]
