"""A TCP proxy the test controls, in front of PostgreSQL or Redis: `stop()` closes its port
and every connection through it (the server is gone, as far as twofold can tell); `start()`
opens the same port again. `silent = True` keeps every connection open but carries nothing
(a link that went quiet: a network partition without a reset)."""
from __future__ import annotations

import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._stop_pipe: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None
        self.silent = False

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop_pipe = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, args=(listener, self._stop_pipe[1]), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and cut every connection through the proxy."""
        if self._thread is None:
            return
        self._stop_pipe[0].send(b"x")
        self._thread.join(timeout=5)
        self._thread = None
        for s in self._stop_pipe:
            s.close()
        self._listener.close()
        with self._lock:
            for a, b in self._pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self._pairs.clear()

    def _serve(self, listener: socket.socket, stop: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ, "accept")
        sel.register(stop, selectors.EVENT_READ, "stop")
        peers: dict[socket.socket, socket.socket] = {}
        try:
            while True:
                for key, _ in sel.select():
                    if key.data == "stop":
                        return
                    if key.data == "accept":
                        client, _ = listener.accept()
                        try:
                            upstream = socket.create_connection(self.target, timeout=5)
                        except OSError:
                            client.close()
                            continue
                        upstream.settimeout(None)
                        with self._lock:
                            self._pairs.add((client, upstream))
                        peers[client], peers[upstream] = upstream, client
                        sel.register(client, selectors.EVENT_READ, "pipe")
                        sel.register(upstream, selectors.EVENT_READ, "pipe")
                        continue
                    source = key.fileobj
                    other = peers.get(source)
                    try:
                        data = source.recv(65536)
                        if data:
                            if not self.silent:
                                other.sendall(data)
                            continue
                    except OSError:
                        pass
                    for s in (source, other):  # one side closed: close both
                        sel.unregister(s)
                        peers.pop(s, None)
                        s.close()
                    with self._lock:
                        self._pairs.discard((source, other))
                        self._pairs.discard((other, source))
        finally:
            sel.close()
