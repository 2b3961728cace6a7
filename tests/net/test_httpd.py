#!/usr/bin/env python3
"""test_httpd.py — checks the test server itself (tests/httpd.py), since
every network test trusts it. Prints one TAP line per case."""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import httpd  # noqa: E402


def request(srv, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def test_files_generated_bodies_and_chunking():
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "a.jsonl"), "wb") as f:
        f.write(b'{"x": 1}\n' * 5000)
    with httpd.TestServer(root=d) as srv:
        for q in ("", "?chunked=1&chunk=333", "?drip=1&chunk=20000"):
            st, h, data = request(srv, "GET", "/a.jsonl" + q)
            assert st == 200 and data == b'{"x": 1}\n' * 5000, (q, st, len(data))
            assert ("Transfer-Encoding" in h) == ("chunked" in q), h
        st, _, data = request(srv, "GET", "/gen?bytes=9000")
        assert data == httpd.gen_bytes(0, 9000)
        assert data[:8] == b"00000000" and data[4096:4104] == b"00000001", data[4090:4110]
        assert httpd.gen_bytes(4000, 4200) == data[4000:4200]
        st, _, data = request(srv, "GET", "/missing.jsonl")
        assert st == 404 and data == b"no such file: missing.jsonl", data
        st, _, _ = request(srv, "GET", "/../../etc/passwd")
        assert st == 404
        srv.state.root = None
        st, _, _ = request(srv, "GET", "/a.jsonl")
        assert st == 404


def test_uploads_plain_and_chunked_are_stored_byte_for_byte():
    blob = bytes(range(256)) * 1000
    with httpd.TestServer() as srv:
        st, _, data = request(srv, "PUT", "/up/a", blob)
        info = json.loads(data)
        assert st == 201 and info["received"] == len(blob), info
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        c.putrequest("POST", "/up/b")
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for i in range(0, len(blob), 7777):
            part = blob[i:i + 7777]
            c.send(b"%x\r\n%s\r\n" % (len(part), part))
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        assert r.status == 200 and json.loads(r.read())["received"] == len(blob)
        c.close()
        assert srv.uploads["/up/a"] == blob and srv.uploads["/up/b"] == blob
        st, _, data = request(srv, "GET", "/_uploads/up/b")
        assert data == blob
        assert [r["method"] for r in srv.requests] == ["PUT", "POST", "GET"]
        assert srv.requests[1]["body"] == blob


def test_fault_sequences_times_and_queue():
    with httpd.TestServer() as srv:
        got = [request(srv, "GET", "/gen?bytes=5&fault=503,500")[0] for _ in range(3)]
        assert got == [503, 500, 200], got
        got = [request(srv, "GET", "/gen?bytes=5&fault=502&times=2&id=k")[0] for _ in range(3)]
        assert got == [502, 502, 200], got
        got = [request(srv, "GET", "/gen?bytes=5&fault=401")[0] for _ in range(2)]
        assert got == [401, 401], got
        srv.faults.extend(["500", "429:3"])
        st, h, _ = request(srv, "GET", "/gen?bytes=5")
        assert st == 500
        st, h, _ = request(srv, "GET", "/gen?bytes=5")
        assert st == 429 and h["Retry-After"] == "3", h
        request(srv, "POST", "/_control/faults", b"503, 404")
        got = [request(srv, "GET", "/gen?bytes=5")[0] for _ in range(3)]
        assert got == [503, 404, 200], got
        st, h, _ = request(srv, "GET", "/gen?fault=429&retry_after=2&date=1")
        assert "GMT" in h["Retry-After"], h
        st, _, data = request(srv, "GET", "/gen?fault=huge&bytes=300000")
        assert st == 200 and len(data) == 300000
        st, _, data = request(srv, "GET", "/gen?fault=echo_auth", headers={"Authorization": "Bearer k1"})
        assert st == 401 and b"Bearer k1" in data
        st, _, data = request(srv, "GET", "/gen?fault=empty")
        assert st == 200 and data == b""
        t0 = time.monotonic()
        request(srv, "GET", "/gen?bytes=5&delay=200")
        assert time.monotonic() - t0 >= 0.2


def test_reset_drops_the_connection_mid_body():
    with httpd.TestServer() as srv:
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        c.request("GET", "/gen?fault=reset&bytes=5000")
        r = c.getresponse()
        try:
            data = r.read()
            assert False, f"read {len(data)} bytes without an error"
        except (http.client.IncompleteRead, ConnectionResetError):
            pass


def test_chat_completions_and_predict():
    body = {"model": "m", "messages": [{"role": "system", "content": "judge"},
                                       {"role": "user", "content": "a red bus"}]}
    with httpd.TestServer() as srv:
        st, _, data = request(srv, "POST", "/v1/chat/completions", json.dumps(body))
        content = json.loads(data)["choices"][0]["message"]["content"]
        verdict = json.loads(content)
        assert 0 <= verdict["score"] <= 1 and verdict["reason"], verdict
        # deterministic, and different for another message
        again = json.loads(request(srv, "POST", "/v1/chat/completions", json.dumps(body))[2])
        assert again["choices"][0]["message"]["content"] == content
        body["messages"][1]["content"] = "a blue bus"
        other = json.loads(request(srv, "POST", "/v1/chat/completions", json.dumps(body))[2])
        assert other["choices"][0]["message"]["content"] != content
        st, _, data = request(srv, "POST", "/v1/chat/completions?fault=prose", json.dumps(body))
        text = json.loads(data)["choices"][0]["message"]["content"]
        assert text.startswith("Sure!") and '{"score"' in text, text
        st, _, data = request(srv, "POST", "/v1/chat/completions?fault=malformed", json.dumps(body))
        try:
            json.loads(data)
            assert False, "malformed answer parsed"
        except ValueError:
            pass
        st, _, _ = request(srv, "POST", "/v1/chat/completions", b"not json")
        assert st == 400
        st, _, data = request(srv, "POST", "/predict", json.dumps({"inputs": "x"}))
        labels = json.loads(data)
        assert {d["label"] for d in labels} == {"toxic", "ok"}, labels
        assert abs(sum(d["score"] for d in labels) - 1) < 1e-3
        st, _, data = request(srv, "POST", "/predict", json.dumps({"inputs": ["x", "y"]}))
        assert len(json.loads(data)) == 2
    with httpd.TestServer(judge=lambda text, req: "custom:" + text) as srv:
        st, _, data = request(srv, "POST", "/v1/chat/completions", json.dumps(body))
        assert json.loads(data)["choices"][0]["message"]["content"] == "custom:a blue bus"


def test_stops_by_itself_and_as_a_subprocess():
    srv = httpd.TestServer(idle_timeout=0.3)
    t0 = time.monotonic()
    srv.wait()
    assert time.monotonic() - t0 < 3
    s = socket.socket()
    assert s.connect_ex(("127.0.0.1", srv.port)) != 0
    s.close()
    p = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(HERE), "httpd.py"),
                          "--idle", "0.5"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("PORT ") and int(line.split()[1]) > 0, line
    assert p.wait(timeout=10) == 0


def main():
    cases = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    print(f"1..{len(cases)}", flush=True)
    failed = 0
    for i, (name, fn) in enumerate(cases, 1):
        try:
            fn()
            print(f"ok {i} - {name}", flush=True)
        except Exception:
            failed += 1
            for line in traceback.format_exc().splitlines():
                print("#   " + line)
            print(f"not ok {i} - {name}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
