"""End-to-end tests that no key an endpoint echoes is kept: a judge, a
classifier and an upload target answering 200, 4xx or 5xx with the key in
headers and in the body, raw and split across JSON escapes (sk-\\u0041...),
at either level of a chat answer. The key must appear nowhere in the
database files (scores.reason, score_cache.reason), in export --provenance,
on stdout or on stderr."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402
from httpd import Handler, TestServer  # noqa: E402

SECRET = "sk-live-7f3a9c2e5b8d1f4a6c0e-KEY"
TOKEN = "exp-token-5d2c8e1a9b7f3e6d"
PIECES = [SECRET, SECRET[8:24], TOKEN, TOKEN[10:]]


def esc(s, every):
    """Every `every`-th character of s as a JSON \\u escape."""
    return "".join(f"\\u{ord(c):04x}" if i % every == 1 else c for i, c in enumerate(s))


class EchoKey(Handler):
    """Answers every request with the status in ?echo=STATUS, echoing the
    request's key in two headers and in the body."""

    def _dispatch(self):
        if "echo=" not in self.path:
            return super()._dispatch()
        status = int(self.path.split("echo=")[1].split("&")[0])
        body = self._read_body() if self.command in ("POST", "PUT") else b""
        self.server.owner.record(self.command, self.path, self.headers, body)
        auth = self.headers.get("Authorization", "")
        key = auth.split(" ", 1)[-1]
        headers = [("X-Echo", auth), ("WWW-Authenticate", f'Bearer realm="{key}"')]
        if status == 200 and "/chat/" in self.path:
            inner = ('{"score": 0.3, "reason": "key is ' + auth + ", " + esc(key, 3)
                     + " and " + key + '"}')
            body = json.dumps({"choices": [{"index": 0, "message": {
                "role": "assistant", "content": inner}}]})
            body = body.replace(key, esc(key, 4), 1)  # split across the outer escapes too
        elif status == 200 and "/predict" in self.path:
            body = json.dumps([{"label": key, "score": 0.5}]).replace(key, esc(key, 3), 1)
        else:
            body = '{"error": {"message": "invalid key ' + esc(key, 3) + " (" + auth + ')"}}'
        self._send(status, body, headers=headers)


def echo_server():
    srv = TestServer()
    srv._httpd.RequestHandlerClass = EchoKey
    return srv


def nowhere(w, *texts):
    """No piece of a key in the given texts nor in any database file."""
    for t in texts:
        for p in PIECES:
            check(p not in t, f"{p!r} in {t[:2000]!r}")
    for name in os.listdir(w.path):
        if name.startswith("assay.db"):
            with open(os.path.join(w.path, name), "rb") as f:
                data = f.read()
            for p in PIECES:
                check(p.encode() not in data, f"{p!r} in {name}")


def small(w):
    recs = [json.dumps({"id": f"s{i}", "caption": f"A heron number {i} waits by the lake."})
            for i in range(4)]
    return w.file("s.jsonl", "\n".join(recs) + "\n")


def test_judge_and_classifier_echoing_the_key():
    with Workdir() as w, echo_server() as srv:
        eq(w.run("import", "--no-score", small(w)).code, 0)
        env = {"ASSAY_API_KEY": SECRET}
        for status in (200, 401, 500):
            r = w.run("score", "--scorer", "llm-judge", "--rescore", "--retries", "0",
                      "--endpoint", f"{srv.url}/v1/chat/completions?echo={status}",
                      "--model", "m", env=env)
            eq(r.code, 0 if status == 200 else 69, r)
            nowhere(w, r.out, r.err)
            reasons = [x[0] for x in w.sql("SELECT reason FROM scores WHERE scorer = 'llm-judge'")]
            eq(len(reasons), 4)
            if status == 200:
                for x in reasons:
                    contains(x, "llm-judge: 0.30: key is Bearer [redacted], [redacted] and "
                                "[redacted]")
                cached = [x[0] for x in w.sql("SELECT reason FROM score_cache")]
                check(cached and all("[redacted]" in x for x in cached), cached)
            else:
                for x in reasons:
                    contains(x, f"HTTP {status}: {{\"error\": {{\"message\": \"invalid key "
                                "[redacted] (Bearer [redacted])\"}}")
            r = w.run("export", "--status", "all", "--provenance")
            eq(r.code, 0, r)
            nowhere(w, r.out, r.err)
        for status in (200, 403, 503):
            r = w.run("score", "--scorer", "classifier", "--rescore", "--retries", "0",
                      "--endpoint", f"{srv.url}/predict?echo={status}", "--label", "ok",
                      env={"OPENAI_API_KEY": SECRET})
            check(r.code in (0, 65, 69), r)
            nowhere(w, r.out, r.err)
            if status == 200:
                contains(w.sql("SELECT reason FROM scores WHERE scorer = 'classifier'")[0][0],
                         "(labels: [redacted])")
        auth = {x["headers"].get("Authorization") for x in srv.requests}
        eq(auth, {f"Bearer {SECRET}"}, "the key was sent, so it could be echoed")


def test_upload_target_echoing_the_token():
    with Workdir() as w, echo_server() as srv:
        eq(w.run("import", "--no-score", small(w)).code, 0)
        for status in (401, 500):
            r = w.run("export", "--status", "all", "--to", f"{srv.url}/up?echo={status}",
                      env={"ASSAY_EXPORT_TOKEN": TOKEN})
            check(r.code != 0, r)
            contains(r.err, f"HTTP {status}")
            contains(r.err, "invalid key [redacted] (Bearer [redacted])")
            nowhere(w, r.out, r.err)
