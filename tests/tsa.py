"""A real RFC 3161 time-stamping authority for tests: OpenSSL's ``ts -reply`` behind a small
HTTP handler, with its own root and a TSA certificate (extended key usage timeStamping)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.forgery import identity

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/root.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
TSA_NAME = "Máy chủ dấu thời gian thử nghiệm"


@dataclass(frozen=True)
class LocalTsa:
    url: str
    root: Path  # the TSA's root certificate (PEM), to trust


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


@contextmanager
def local_tsa(folder: Path, *, delay: float = 0.0) -> Iterator[LocalTsa]:
    """A TSA on 127.0.0.1; ``delay`` seconds before each answer (a slow TSA)."""
    root = identity("TSA root thử nghiệm", ca=True)
    tsa = identity(TSA_NAME, issuer=root, tsa=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(root.pem())
    (folder / "tsa.pem").write_bytes(tsa.pem())
    (folder / "tsa.key").write_bytes(
        tsa.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(delay)
            with tempfile.TemporaryDirectory() as work:
                (Path(work) / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(folder / "tsa.cnf"),
                     "-queryfile", f"{work}/q.tsq", "-out", f"{work}/r.tsr"],
                    capture_output=True,
                    check=False,
                )  # fmt: skip
                if done.returncode != 0:
                    self.send_error(500, done.stderr.decode(errors="replace")[:200])
                    return
                reply = (Path(work) / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", folder / "root.pem")
    finally:
        server.shutdown()
        server.server_close()
