"""Redirects: `export --to` never follows one (the upload is not delivered:
exit 69 with the status and where it pointed); `import URL` follows
same-scheme http(s) redirects, at most 5, and says so on stderr; another
scheme (https -> http, file:) or a sixth redirect is refused."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402


def q(url):
    return urllib.parse.quote(url, safe="")


def records(n, tag):
    return "".join(json.dumps({"id": f"{tag}{i}", "text": f"{tag} caption number {i}"}) + "\n"
                   for i in range(n))


def test_upload_is_never_sent_on_to_a_redirect():
    from httpd import TestServer
    with Workdir() as w, TestServer() as a, TestServer() as b:
        eq(w.run("import", "--no-score", w.file("s.jsonl", records(8, "s"))).code, 0)
        for code in (301, 302, 303, 307, 308):
            for method in ("PUT", "POST"):
                to = b.url.replace("http://", "http://user:pw@") + "/elsewhere?token=abc"
                r = w.run("export", "--status", "all", "--method", method, "--to",
                          f"{a.url}/up?redirect={code}&to={q(to)}",
                          env={"ASSAY_EXPORT_TOKEN": "tok-123"}, timeout=30)
                eq(r.code, 69, (code, method, r))
                contains(r.err, f"the server answered HTTP {code}, a redirect to "
                                f"{b.url}/elsewhere;")
                contains(r.err, "nothing was delivered")
                for secret in ("pw", "token=abc", "tok-123", "rewind"):
                    check(secret not in r.err, (secret, r.err))
                check("exported" not in r.out + r.err, r)
        eq(b.requests, [], "the upload went on to the other host")


def test_import_follows_same_scheme_redirects_and_says_so():
    from httpd import TestServer
    with Workdir() as w, TestServer() as a, TestServer() as b:
        b.root = w.path
        w.file("r.jsonl", records(10, "r"))
        w.file("t.jsonl", records(4, "t"))
        # another host and port, through every redirect status
        for i, code in enumerate((301, 302, 303, 307, 308)):
            src = f"{a.url}/start?redirect={code}&to={q(b.url + '/r.jsonl')}"
            r = w.run("import", "--no-score", "--batch", f"b{i}", src, timeout=30)
            eq(r.code, 0, r)
            contains(r.err, f"{a.url}/start: followed redirect to {b.url}/r.jsonl")
            contains(r.out, "10 read")
        eq(w.sql("SELECT count(*) FROM samples"), [(10,)])
        # a chain of 5 (the limit) on one server, each hop named
        src = f"{b.url}/hop?redirect=302&hops=5&to=/t.jsonl"
        r = w.run("import", "--no-score", "--batch", "chain", src, timeout=30)
        eq(r.code, 0, r)
        eq(r.err.count("followed redirect to"), 5, r.err)
        contains(r.err, f"followed redirect to {b.url}/t.jsonl")
        eq(w.sql("SELECT count(*) FROM samples"), [(14,)])
        # credentials of the first address never go on to another host
        n = len(b.requests)
        src = f"{a.url}/start?redirect=302&to={q(b.url + '/t.jsonl')}"
        r = w.run("import", "--no-score", "--batch", "cred",
                  src.replace("http://", "http://user:secret@"), timeout=30)
        eq(r.code, 0, r)
        check("secret" not in r.err, r)
        check(all("Authorization" not in x["headers"] for x in b.requests[n:]),
              "credentials went on to another host")


def test_import_refuses_other_schemes_and_endless_redirects():
    from httpd import TestServer
    with Workdir() as w, TestServer() as a:
        a.root = w.path
        w.file("r.jsonl", records(3, "x"))
        cases = [(f"{a.url}/s?redirect=302&to={q('file:///etc/passwd')}",
                  "a redirect to file:///etc/passwd: another scheme than http; not followed"),
                 (f"{a.url}/s?redirect=301&to={q(a.url.replace('http', 'https') + '/r.jsonl')}",
                  "another scheme than http; not followed"),
                 (f"{a.url}/s?redirect=302&to={q('ftp://127.0.0.1/r.jsonl')}",
                  "another scheme than http; not followed"),
                 (f"{a.url}/loop?redirect=302&loop=1", "more than 5 redirects; not followed"),
                 (f"{a.url}/c?redirect=307&hops=6&to=/r.jsonl",
                  "more than 5 redirects; not followed")]
        for src, why in cases:
            before = len(a.requests)
            r = w.run("import", "--no-score", src, timeout=30)
            eq(r.code, 69, (src, r))
            contains(r.err, why)
            check(len(a.requests) - before <= 6, "followed too far")
        check(not os.path.exists(w.db) or w.sql("SELECT count(*) FROM samples") == [(0,)])
