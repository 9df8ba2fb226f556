# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A small real HTTP server on 127.0.0.1 standing for the ECB Data Portal:
the scheduled action reads it with ``requests`` over a socket, as it reads
data-api.ecb.europa.eu in production. ``mode`` says how it answers: the
recorded SDMX-CSV file (``csv``, or any text in ``body``), an HTTP error
(``error``), nothing before the client's time-out (``timeout``) or an HTML
page (``garbage``)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED_CSV = (Path(__file__).parent / "data" / "ecb_mrr_fr.csv").read_text()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 — http.server's name
        server = self.server
        server.requests.append(self.path)
        mode = server.mode
        if mode == "timeout":
            time.sleep(server.delay)
        if mode == "error":
            self._answer(503, "text/plain", "Service Unavailable")
        elif mode == "garbage":
            self._answer(200, "text/html", "<html><body>Maintenance</body></html>")
        else:
            self._answer(200, "text/csv", server.body)

    def _answer(self, status, content_type, text):
        data = text.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (time-out)

    def log_message(self, format, *args):  # noqa: A002 — silence the test log
        pass


class EcbTestServer:
    """``with EcbTestServer() as server: server.url``; set ``server.mode``."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.mode = "csv"
        self.httpd.body = RECORDED_CSV
        self.httpd.delay = 3
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address
        return (
            f"http://{host}:{port}/service/data/FM/"
            "B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"
        )

    @property
    def requests(self):
        return self.httpd.requests

    def answer(self, mode="csv", body=None):
        self.httpd.mode = mode
        self.httpd.body = RECORDED_CSV if body is None else body

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
