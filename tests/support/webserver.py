"""A small web server on loopback that serves what a test tells it to.

Used where a service must fetch something (did:web documents, status lists)
and where a hostile server is the point (redirects to private addresses,
huge or slow answers). Optionally HTTPS with a self-signed certificate for
127.0.0.1 (``tls=True``; ``ca_file`` is the certificate to trust). It only
ever listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from support.receivers import loopback_certificate


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the body is sent
    chunks: Iterator[bytes] | None = None  # streamed instead of ``body``


class WebServer:
    def __init__(self, tls_dir: Path | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.chunks is None:
                    self.send_header("Content-Length", str(len(route.body)))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if route.delay_s:
                    time.sleep(route.delay_s)
                try:
                    if route.chunks is None:
                        self.wfile.write(route.body)
                    else:
                        for chunk in route.chunks:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        self.ca_file: str | None = None
        if tls_dir is not None:
            cert, key = _self_signed(tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
            self.ca_file = str(cert)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def json(self, path: str, document: Any, **headers: str) -> str:
        self.routes[path] = Route(
            body=json.dumps(document).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        return self.url(path)

    def redirect(self, path: str, location: str) -> str:
        self.routes[path] = Route(status=302, headers={"Location": location})
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made once per directory."""
    cert_path, key_path = directory / "receiver.pem", directory / "receiver.key"
    if cert_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    return loopback_certificate(directory)
