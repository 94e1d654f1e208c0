"""A TCP proxy for fault tests: between the app and DynamoDB Local, it passes bytes through, delays
the answers, resets connections, or reads a request and half-closes without answering."""

from __future__ import annotations

import socket
import struct
import threading
import time

from studytracker import localenv


class Proxy:
    """``mode`` is read per connection and per chunk: 'pass', 'delay', 'reset' or 'half-close'."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = localenv.free_port()
        self.mode = "pass"
        self.delay = 0.0
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode: str, delay: float = 0.0) -> None:
        self.mode, self.delay = mode, delay
        if mode != "pass":
            self.drop_connections()  # pooled connections must meet the fault too

    def drop_connections(self) -> None:
        for conn in list(self._open):
            _close(conn)
        self._open.clear()

    def close(self) -> None:
        self._closed = True
        self._server.close()
        self.drop_connections()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.mode == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()  # RST: "connection reset by peer"
                continue
            self._open.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.mode == "half-close":
            try:
                client.recv(65536)
                client.shutdown(socket.SHUT_WR)  # the request was read; no answer will ever come
            except OSError:
                pass
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        self._open.append(upstream)
        threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
        self._pump(upstream, client, True)

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if answers and self.mode == "delay":
                    time.sleep(self.delay)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            _close(sink)
            _close(source)


def _close(conn: socket.socket) -> None:
    try:
        conn.close()
    except OSError:
        pass
