"""TLS verification is on by default: an https endpoint with a certificate
nobody vouches for (self-signed, made here) is refused by import and by
export --to, and accepted by export only with --insecure."""
import http.server
import os
import ssl
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, contains, eq  # noqa: E402


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        body = b'{"id":"t1","text":"served over TLS"}\n'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        self.rfile.read(n)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def self_signed(dirpath):
    key, crt = os.path.join(dirpath, "k.pem"), os.path.join(dirpath, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", crt],
                   check=True, capture_output=True)
    return key, crt


def test_tls_verification_on_by_default():
    with Workdir() as w:
        key, crt = self_signed(w.path)
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        url = f"https://127.0.0.1:{srv.server_address[1]}"
        try:
            def run(*args):
                return subprocess.run([BIN, "--db", w.db] + list(args), capture_output=True,
                                      text=True, timeout=120, cwd=w.path)
            r = run("import", "--no-score", url + "/set.jsonl")
            eq(r.returncode, 69, r.stderr)
            contains(r.stderr.lower(), "certificate")
            r = run("import", "--no-score", w.file("a.jsonl", '{"id":"a","text":"local"}\n'))
            eq(r.returncode, 0, r.stderr)
            r = run("export", "--status", "all", "--to", url + "/up.jsonl")
            eq(r.returncode, 69, r.stderr)
            contains(r.stderr.lower(), "certificate")
            r = run("export", "--status", "all", "--insecure", "--to", url + "/up.jsonl")
            eq(r.returncode, 0, r.stderr)
        finally:
            srv.shutdown()
            srv.server_close()
