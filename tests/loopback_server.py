"""The accept loop of the raw TCP servers the egress and webhook tests run on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable


def serve_connections(
    listener: socket.socket, handle: Callable[[socket.socket], None], stop: threading.Event
) -> None:
    """Accept on ``listener`` until ``stop`` is set or it is closed, handling each
    connection on a thread of its own (a slow one holds up no other)."""

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
