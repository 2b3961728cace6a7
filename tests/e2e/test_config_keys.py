"""Every key of the configuration file that the sources read is one the
configuration's check takes (src/conf/schema.c): a key a reader learns
without its row there would be refused as a typo."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, Workdir, check, eq  # noqa: E402

# conf_get(c, "media.protocol", ...), conf_get_int(..., "review.measure", ...)
READ = re.compile(r'conf_(?:get|get_int|get_double|get_bool|get_list|has|origin)\s*\(\s*'
                  r'[^,()]+(?:\([^()]*\))?\s*,\s*"([^"%]+)"', re.S)


def keys_read():
    found = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in files:
            # a theme file's keys are roles (src/conf/theme.c), not these
            if not name.endswith(".c") or name in ("theme.c", "get.c", "conf.c"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                found.update(READ.findall(f.read()))
    return found


def test_every_key_the_sources_read_is_known():
    keys = keys_read()
    # the scan finds them: the screens' settings and the top-level ones
    for k in ("theme", "reasons", "review.measure", "review.retrain_every", "media.protocol",
              "media.colors", "media.fetch_max_mb"):
        check(k in keys, (k, sorted(keys)))
    with Workdir() as w:
        text = "".join(f"{k} = 1\n" for k in sorted(keys) + ["slice.any.where"])
        conf = w.file("all.conf", text)
        # the configuration is read before the database is looked for
        r = w.run("score", "--config", conf, "--quiet")
        eq(r.code, 66, r)
        r = w.run("score", "--config", w.file("one.conf", "media.protocl = 1\n"), "--quiet")
        eq(r.code, 2, r)
