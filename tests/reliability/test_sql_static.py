"""A static check over src/: SQL reaches SQLite only as text fixed at compile
time, so data can only ever be a bound parameter.

Every call that hands SQL text to SQLite (sqlite3_prepare*, sqlite3_exec)
or to a wrapper that forwards its SQL argument there (store_stmt,
store_exec, and any function found to pass on its own parameter named
`sql...`; a parameter of any other name is refused) must be
given a string literal, a `static const char sql_*[]` of the same file, an
element of a static const table of those, a choice (`c ? a : b`) between
allowed forms, or a local buffer formatted from a literal with compile-time
constants (ALL_CAPS macros) only. Any other argument, any printf-style or
abuf building of text that starts like SQL from run-time values, and any
SQL call outside src/store/ fails the test with FILE:LINE.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, check, eq  # noqa: E402

SRC = os.path.join(ROOT, "src")

# name -> indexes of the SQL arguments; wrappers found in src/ are added.
BASE_SINKS = {
    "sqlite3_prepare": [1], "sqlite3_prepare_v2": [1], "sqlite3_prepare_v3": [1],
    "sqlite3_prepare16": [1], "sqlite3_prepare16_v2": [1], "sqlite3_prepare16_v3": [1],
    "sqlite3_exec": [1],
    # the --where composer: its head and tail are SQL (see check_composer),
    # and the statement around a slice on either engine: SQLite's head and
    # tail, PostgreSQL's (NULL: SQLite's)
    "store_where_prepare": [1, 3], "store_where_stmt": [1, 2, 3, 4],
    # a PostgreSQL statement composed per call (only the composer's, see
    # check_pg_composer)
    "dbi_compose_pg": [1],
    # libpq, for the PostgreSQL engine of src/store/dbi_pg.c
    "PQexec": [1], "PQprepare": [2], "PQexecParams": [1], "PQsendQuery": [1],
    "PQsendQueryParams": [1], "PQsendPrepare": [2],
    # the SQL interface's text runner (its engines are reached through a
    # table of functions, which the wrapper search cannot follow)
    "dbi_exec": [1],
}
# The two engines of the SQL interface prepare the text of a query object
# (a static const dbi_query, checked where it is defined and where it is
# used: see check_queries); this is the one expression each may prepare.
ENGINE_TEXT = {os.path.join("src", "store", "dbi_sqlite.c"): "st->q->sqlite",
               os.path.join("src", "store", "dbi_pg.c"): "p->sql"}
QUERY_DEF = re.compile(r'((?:static\s+)?(?:const\s+)?)dbi_query\s+(\w+)\s*(\[\s*\])?\s*=\s*\{')
# The one file that composes SQL at run time, from fragments fixed at
# compile time, and the function that prepares what it composed.
COMPOSER = os.path.join("src", "store", "where.c")
COMPOSER_PREPARE = "store_where_prepare"
# PostgreSQL's: the file that joins a head, the fragment's PostgreSQL
# spelling and a tail, and the function that does it.
PG_COMPOSER = os.path.join("src", "store", "where_stmt.c")
PG_COMPOSER_JOIN = "compose_pg"
FORBIDDEN = ("sqlite3_mprintf", "sqlite3_vmprintf", "sqlite3_snprintf", "sqlite3_vsnprintf",
             "sqlite3_str_appendf", "sqlite3_str_vappendf")
SQL_START = re.compile(r'^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|'
                       r'WITH|BEGIN|COMMIT|ROLLBACK|ATTACH|VACUUM|ANALYZE)\b', re.I)
BUILDERS = re.compile(r'\b(snprintf|sprintf|vsnprintf|asprintf|abuf_printf|abuf_vprintf|'
                      r'abuf_puts|abuf_append|strcat|strcpy)\s*\(')
CONST = re.compile(r'^[A-Z][A-Z0-9_]*$')


def header_macros():
    """Object-like macros of the public headers (include/assay/*.h)."""
    out = {}
    inc = os.path.join(ROOT, "include", "assay")
    for n in sorted(os.listdir(inc)) if os.path.isdir(inc) else []:
        with open(os.path.join(inc, n), encoding="utf-8", errors="replace") as f:
            for d in re.finditer(r'^[ \t]*#define\s+([A-Z][A-Z0-9_]*)[ \t]+(.*)$', f.read(), re.M):
                out.setdefault(d.group(1), d.group(2).split("/*")[0].strip())
    return out


def strip_comments(text):
    """Blanks comments (keeping line numbers and string literals)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(text, start):
    """The top-level arguments of the call whose '(' is at start, and the
    index after its ')'."""
    depth, i, args, cur = 0, start, [], []
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
            if depth > 1:
                cur.append(c)
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i + 1
            cur.append(c)
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    return args, i


def functions(text):
    """(name, parameter names, body start, body end) of each definition."""
    out = []
    for m in re.finditer(r'^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^;{]*?)\)\s*\n?\{', text, re.M):
        if m.group(1) in ("if", "for", "while", "switch"):
            continue
        params = [re.findall(r'(\w+)\s*(?:\[\s*\])?\s*$', p.strip()) for p in m.group(2).split(",")]
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append((m.group(1), [p[0] if p else "" for p in params], m.end() - 1, i))
    return out


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


class Unit:
    """One C file, comments stripped, with what it declares."""

    def __init__(self, path, text):
        self.path = path
        self.text = strip_comments(text)
        self.sql_arrays = set(re.findall(r'static\s+const\s+char\s+(sql_\w+)\s*\[\s*\]\s*=',
                                         self.text))
        self.tables = {}
        for m in re.finditer(r'static\s+const\s+char\s*\*\s*const\s+(\w+)\s*\[\s*\]\s*=\s*\{',
                             self.text):
            items, _ = split_args(self.text, m.end() - 1)
            self.tables[m.group(1)] = [x for x in items if x]
        # tables of structs: NAME[i].FIELD is fixed text when every field of
        # every row is a literal or NULL (e.g. schema steps)
        self.rows = {}
        for m in re.finditer(r'static\s+const\s+(\w+)\s+(\w+)\s*\[\s*\]\s*=\s*\{', self.text):
            if m.group(1) == "char":
                continue
            items, _ = split_args(self.text, m.end() - 1)
            rows = [split_args(x, 0)[0] for x in items if x.startswith("{")]
            if rows and len(rows) == len([x for x in items if x]):
                self.rows[m.group(2)] = rows
        self.funcs = functions(self.text)
        # macros of the file and of the private headers beside it that it
        # includes, for text joined from literals and macros
        self.macros, self.fmacros = {}, {}
        texts = [self.text]
        for inc in re.findall(r'^[ \t]*#include\s+"(\w+\.h)"', self.text, re.M):
            hp = os.path.join(os.path.dirname(path), inc)
            if os.path.isfile(hp):
                with open(hp, encoding="utf-8", errors="replace") as f:
                    texts.append(strip_comments(f.read()))
        for text in texts:
            for d in re.finditer(r'^[ \t]*#define\s+([A-Z][A-Z0-9_]*)(\([^)]*\))?[ \t]+'
                                 r'((?:.*\\\n)*.*)$', text, re.M):
                body = d.group(3).replace("\\\n", " ")
                if d.group(2):
                    self.fmacros.setdefault(
                        d.group(1), ([x.strip() for x in d.group(2)[1:-1].split(",")], body))
                else:
                    self.macros.setdefault(d.group(1), body)

    def fixed(self, item, depth=0, params=()):
        """Literals and macros of literals (from this file, function-like
        ones given fixed arguments) joined: text fixed at compile time."""
        toks = re.findall(r'"(?:[^"\\]|\\.)*"|\w+|\S', item.strip())
        if not toks or depth > 6:
            return False
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.startswith('"') or t in params:
                i += 1
                continue
            if t in self.fmacros and i + 1 < len(toks) and toks[i + 1] == "(":
                j, level, args, cur = i + 2, 1, [], []
                while j < len(toks) and level:
                    level += toks[j] == "(" and 1 or toks[j] == ")" and -1 or 0
                    if level == 1 and toks[j] == ",":
                        args.append(" ".join(cur))
                        cur = []
                    elif level:
                        cur.append(toks[j])
                    j += 1
                args.append(" ".join(cur))
                names, body = self.fmacros[t]
                if not all(self.fixed(a, depth + 1) or re.fullmatch(r'[=<>!]+|\?\d*', a.replace(" ", ""))
                           for a in args) or not self.fixed(body, depth + 1, tuple(names)):
                    return False
                i = j
                continue
            body = self.macros.get(t, HEADER_MACROS.get(t)) if CONST.match(t) else None
            if body is not None and self.fixed(body, depth + 1):
                i += 1
                continue
            return False
        return True

    def enclosing(self, pos):
        for f in self.funcs:
            if f[2] <= pos <= f[3]:
                return f
        return None


def literal(arg):
    return re.fullmatch(r'("(?:[^"\\]|\\.)*"\s*)+', arg) is not None


def allowed(unit, arg, func, pos, problems, depth=0):
    """Whether an SQL argument is text fixed at compile time; a parameter
    of the enclosing function is reported as ('param', index)."""
    arg = arg.strip()
    while arg.startswith("(") and arg.endswith(")"):
        arg = arg[1:-1].strip()
    if literal(arg) or arg in unit.sql_arrays or unit.fixed(arg) or arg == "NULL":
        return True
    if ENGINE_TEXT.get(os.path.relpath(unit.path, ROOT)) == arg:
        return True
    m = re.fullmatch(r'[^?]+\?(.+?):(.+)', arg, re.S)
    if m and depth < 4:
        return all(allowed(unit, x, func, pos, problems, depth + 1) for x in m.groups())
    m = re.fullmatch(r'(\w+)\s*\[[^\]]*\]\s*\.\s*\w+', arg)
    if m and m.group(1) in unit.rows and all(
            x == "NULL" or literal(x) for row in unit.rows[m.group(1)] for x in row if x):
        return True
    m = re.fullmatch(r'(\w+)\s*\[[^\]]*\]', arg)
    if m and m.group(1) in unit.tables:
        return all(x == "NULL" or literal(x) or x in unit.sql_arrays or unit.fixed(x)
                   for x in unit.tables[m.group(1)])
    if func and re.fullmatch(r'sql\w*', arg) and arg in func[1]:
        # A wrapper: its own `sql` parameter; its call sites are checked.
        return ("param", func[1].index(arg))
    if func and re.fullmatch(r'\w+', arg):
        body = unit.text[func[2]:func[3]]
        if re.search(r'\bchar\s+' + arg + r'\s*\[', body):
            fills = [m for m in re.finditer(r'\b(snprintf|sprintf)\s*\(\s*' + arg + r'\b', body)]
            if fills and all(constant_format(split_args(body, body.index("(", f.start()))[0][2:])
                             for f in fills):
                return True
    problems.append(f"{os.path.relpath(unit.path, ROOT)}:{line_of(unit.text, pos)}: SQL "
                    f"argument {arg!r} is not a literal or a static const sql_* array")
    return False


def constant_format(args):
    """A literal format whose arguments are all compile-time constants."""
    return bool(args) and literal(args[0]) and all(CONST.match(a) for a in args[1:])


def check_sources(files):
    """Returns the list of problems found in {path: text}."""
    units = [Unit(p, t) for p, t in sorted(files.items())]
    sinks = dict(BASE_SINKS)
    problems = []
    changed = True
    while changed:  # wrappers that forward their own parameter become sinks
        changed = False
        for u in units:
            for name, idxs in list(sinks.items()):
                for m, idx in ((m, i) for m in re.finditer(r'\b' + name + r'\s*\(', u.text)
                               for i in idxs):
                    func = u.enclosing(m.start())
                    if func and func[0] == name:
                        continue
                    args, _ = split_args(u.text, m.end() - 1)
                    if len(args) <= idx:
                        continue
                    r = allowed(u, args[idx], func, m.start(), [])
                    if isinstance(r, tuple) and r[1] not in sinks.get(func[0], []):
                        sinks.setdefault(func[0], []).append(r[1])
                        changed = True
    for u in units:
        rel = os.path.relpath(u.path, ROOT)
        check_queries(u, problems)
        if rel == COMPOSER:
            check_composer(u, problems)
        if rel == PG_COMPOSER:
            check_pg_composer(u, problems)
        for name, idx in ((n, i) for n, idxs in sinks.items() for i in idxs):
            for m in re.finditer(r'(?<![\w.>])' + name + r'\s*\(', u.text):
                func = u.enclosing(m.start())
                if func and func[0] == name and m.start() == u.text.rfind(name, 0, func[2]):
                    continue
                if func is None:
                    continue  # a declaration or prototype
                if name in BASE_SINKS and not rel.startswith(os.path.join("src", "store")):
                    problems.append(f"{rel}:{line_of(u.text, m.start())}: {name} outside "
                                    f"src/store/ (only the store speaks SQL)")
                args, _ = split_args(u.text, m.end() - 1)
                if len(args) <= idx:
                    continue
                if rel == COMPOSER and func[0] == COMPOSER_PREPARE and args[idx] == "sql.data":
                    continue  # composed under check_composer's rule
                if rel == PG_COMPOSER and func[0] == PG_COMPOSER_JOIN and args[idx] == "sql.data":
                    continue  # composed under check_pg_composer's rule
                r = allowed(u, args[idx], func, m.start(), problems)
                if isinstance(r, tuple) and func[0] not in sinks:
                    problems.append(f"{rel}:{line_of(u.text, m.start())}: SQL from a parameter")
        for name in FORBIDDEN:
            for m in re.finditer(r'\b' + name + r'\s*\(', u.text):
                problems.append(f"{rel}:{line_of(u.text, m.start())}: {name} formats SQL text")
        for m in BUILDERS.finditer(u.text):
            args, _ = split_args(u.text, m.end() - 1)
            lits = [a for a in args if literal(a)]
            sqlish = [a for a in lits if SQL_START.match(re.sub(r'"\s*"', "", a).strip('"'))]
            if not sqlish:
                continue
            fmt_at = args.index(sqlish[0])
            if constant_format(args[fmt_at:]):
                continue
            problems.append(f"{rel}:{line_of(u.text, m.start())}: SQL text assembled with "
                            f"{m.group(1)} from run-time values")
    return problems, sinks


def check_queries(u, problems):
    """The SQL interface's rule: a query object is a static const dbi_query
    (or a static const table of them) whose name is a literal and whose
    SQLite and PostgreSQL texts are fixed at compile time (or NULL for the
    PostgreSQL text; or NULL for the SQLite text of a query only a
    PostgreSQL store runs, its PostgreSQL text fixed), and dbi_stmt_get is only ever given the address of
    one of this file's query objects (or a row of such a table)."""
    rel = os.path.relpath(u.path, ROOT)
    names = set()
    for m in QUERY_DEF.finditer(u.text):
        if not re.fullmatch(r'static\s+const\s+', m.group(1)):
            problems.append(f"{rel}:{line_of(u.text, m.start())}: query {m.group(2)} is not "
                            "static const")
        names.add(m.group(2))
        body, _ = split_args(u.text, m.end() - 1)
        rows = [r for r in body if r.startswith("{")] if m.group(3) else [
            "{" + ", ".join(body) + "}"]
        for row in rows:
            fields, _ = split_args(row, 0)
            pg_only = len(fields) == 3 and fields[1] == "NULL" and (
                literal(fields[2]) or fields[2] in u.sql_arrays or u.fixed(fields[2]))
            ok = len(fields) in (2, 3) and literal(fields[0]) and (
                literal(fields[1]) or fields[1] in u.sql_arrays or u.fixed(fields[1])
                or pg_only) and (
                len(fields) == 2 or fields[2] == "NULL" or literal(fields[2])
                or fields[2] in u.sql_arrays or u.fixed(fields[2]))
            if not ok:
                problems.append(f"{rel}:{line_of(u.text, m.start())}: query {m.group(2)} "
                                f"holds {fields!r}, not a literal name and fixed texts")
    for m in re.finditer(r'(?<![\w.>])dbi_stmt_get\s*\(', u.text):
        if u.enclosing(m.start()) is None:
            continue  # the prototype
        func = u.enclosing(m.start())
        if func[0] == "dbi_stmt_get":
            continue
        args, _ = split_args(u.text, m.end() - 1)
        q = args[1] if len(args) > 1 else ""
        mm = re.fullmatch(r'&\s*(\w+)(\s*\[[^\]]*\])?', q) or re.fullmatch(r'(\w+)\s*\+.*', q)
        if not (mm and mm.group(1) in names):
            problems.append(f"{rel}:{line_of(u.text, m.start())}: dbi_stmt_get of {q!r}, not "
                            "a static const dbi_query of this file")


def check_composer(u, problems):
    """The --where compiler's rule. Its SQL is composed into `b->sql` only
    by put(b, X) with X a literal (or macros of literals), a row of a static const table of
    literals, or the placeholder `ph` (formatted as "?%zu" from a number),
    and by copying the characters of a row's `sql` (or its `sql_each`) from
    the static `rows` table, whose every string is a literal; the prepare function joins
    only its head, the composed text and its tail (head and tail are
    checked at every call site like any SQL argument)."""
    rel = os.path.relpath(u.path, ROOT)
    text = u.text

    def bad(pos, what):
        problems.append(f"{rel}:{line_of(text, pos)}: {what}")

    def fragment(a):
        a = a.strip()
        while a.startswith("(") and a.endswith(")"):
            a = a[1:-1].strip()
        if literal(a) or a == "ph" or u.fixed(a):
            return True
        m = re.fullmatch(r'[^?]+\?(.+?):(.+)', a, re.S)
        if m:
            return all(fragment(x) for x in m.groups())
        m = re.fullmatch(r'(\w+)\s*\[[^\]]*\]', a)
        return bool(m) and m.group(1) in u.tables and all(
            x == "NULL" or literal(re.sub(r'^\[[^\]]*\]\s*=\s*', "", x))
            for x in u.tables[m.group(1)])

    for name, pat in (("sql_ops", r'static\s+const\s+char\s*\*\s*const\s+(\w+)\s*\[\s*\]\s*=\s*\{'),):
        for m in re.finditer(pat, text):
            items, _ = split_args(text, m.end() - 1)
            u.tables[m.group(1)] = [x for x in items if x]
    fixed = u.fixed
    m = re.search(r'static\s+const\s+where_row\s+rows\s*\[\s*\]\s*=\s*\{', text)
    if not m:
        bad(0, "no static const where_row rows[] table")
    else:
        body, _ = split_args(text, m.end() - 1)
        for row in (r for r in body if r.startswith("{")):
            fields, _ = split_args(row, 0)
            for leaf in fields:
                leaf = leaf.strip()
                if not (leaf in ("NULL", "0", "true", "false") or re.fullmatch(r'\d+', leaf)
                        or CONST.match(leaf) or fixed(leaf)):
                    bad(m.start(), f"the rows table holds {leaf!r}, not a literal")
    for m in re.finditer(r'\bput\s*\(', text):
        func = u.enclosing(m.start())
        if func is None or func[0] == "put":
            continue
        args, _ = split_args(text, m.end() - 1)
        if len(args) < 2 or not fragment(args[1]):
            bad(m.start(), f"put() of {args[1:]!r}, not a fixed fragment")
    for m in re.finditer(r'b->sql\b', text):
        line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.start())]
        func = u.enclosing(m.start())
        ok = (func and func[0] == "put" and "abuf_puts(&b->sql, s)" in line) or \
            ("abuf_putc(&b->sql, *p)" in line and func and
             re.search(r'for\s*\(const char \*p = (b->pg && r->pg \? r->pg : )?'
                       r'(b->each && r->sql_each \? r->sql_each : )?'
                       r'r->sql;', text[func[2]:func[3]])) or \
            "abuf_take(&b.sql)" in line or "abuf_free(&b" in line
        if not ok:
            bad(m.start(), f"the composed SQL is written by {line.strip()!r}")
    for m in re.finditer(r'snprintf\s*\(\s*ph\b', text):
        args, _ = split_args(text, m.end() - len("ph") - 1 - (m.end() - m.start() - 9))
        fmt = re.search(r'snprintf\s*\(\s*ph\s*,\s*sizeof ph\s*,\s*("[^"]*")', text[m.start():])
        if not fmt or re.sub(r'%z?u|%d', "", fmt.group(1)) not in ('"?"', '""'):
            bad(m.start(), "the placeholder is not formatted as \"?%zu\" (or a number)")
    f = [x for x in u.funcs if x[0] == COMPOSER_PREPARE]
    if not f:
        bad(0, f"no {COMPOSER_PREPARE}")
        return
    body = text[f[0][2]:f[0][3]]
    for m in re.finditer(r'abuf_\w+\s*\(\s*&sql\s*,\s*([^,)]+)', body):
        if m.group(1).strip() not in ("head", "w->sql", "tail"):
            bad(f[0][2] + m.start(), f"{COMPOSER_PREPARE} joins {m.group(1)!r}")


def check_pg_composer(u, problems):
    """The PostgreSQL composer's rule: compose_pg writes its text (`sql`)
    only from the head and the tail (made $N by dbi_pg_text from its own
    sql_* parameters, checked at every call site), the characters of the
    compiled fragment's PostgreSQL spelling w->sql_pg (written by the rows
    of where.c, checked by check_composer) and the placeholder `ph`
    formatted as "$%d" from a number; only that text reaches
    dbi_compose_pg, and only there."""
    rel = os.path.relpath(u.path, ROOT)
    text = u.text

    def bad(pos, what):
        problems.append(f"{rel}:{line_of(text, pos)}: {what}")

    f = [x for x in u.funcs if x[0] == PG_COMPOSER_JOIN]
    if not f:
        bad(0, f"no {PG_COMPOSER_JOIN}")
        return
    body = text[f[0][2]:f[0][3]]
    for m in re.finditer(r'abuf_\w+\s*\(\s*&sql\s*,\s*([^,)]+)', body):
        if m.group(1).strip() not in ("head", "tail", "ph", "*p"):
            bad(f[0][2] + m.start(), f"{PG_COMPOSER_JOIN} joins {m.group(1)!r}")
    if "*p" in re.findall(r'abuf_putc\s*\(\s*&sql\s*,\s*([^,)]+)', body) and not re.search(
            r'for\s*\(const char \*p = w->sql_pg;', body):
        bad(f[0][2], f"{PG_COMPOSER_JOIN} copies characters of something but w->sql_pg")
    for name in ("head", "tail"):
        if not re.search(r'\b' + name + r'\s*=\s*dbi_pg_text\s*\(\s*sql_' + name + r'\b', body):
            bad(f[0][2], f"{PG_COMPOSER_JOIN}'s {name} is not dbi_pg_text of sql_{name}")
    for m in re.finditer(r'snprintf\s*\(\s*ph\s*,\s*sizeof ph\s*,\s*("[^"]*")', body):
        if m.group(1) != '"$%d"':
            bad(f[0][2] + m.start(), "the PostgreSQL placeholder is not formatted as \"$%d\"")
    for m in re.finditer(r'(?<![\w.>])dbi_compose_pg\s*\(', text):
        func = u.enclosing(m.start())
        if func is None:
            continue
        args, _ = split_args(text, m.end() - 1)
        if func[0] != PG_COMPOSER_JOIN or args[1:2] != ["sql.data"]:
            bad(m.start(), f"dbi_compose_pg of {args[1:2]!r} outside {PG_COMPOSER_JOIN}")


HEADER_MACROS = header_macros()


def sources():
    out = {}
    for d, _, names in os.walk(SRC):
        for n in names:
            if n.endswith((".c", ".h")):
                p = os.path.join(d, n)
                with open(p, encoding="utf-8", errors="replace") as f:
                    out[p] = f.read()
    return out


# ---- the check itself must be able to fail --------------------------------

GOOD = r'''
static const char sql_get[] = "SELECT a FROM t WHERE id = ?";
static const char sql_put[] = "INSERT INTO t VALUES (?)";
static const char *const steps[] = {NULL, sql_put, "DROP TABLE x"};
static const step_row rows[] = {{"t", NULL, "CREATE TABLE t (a)"}, {"t", "b", "ALTER TABLE t ADD b"}};
int store_exec(store *s, const char *sql, assay_error *err)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}
sqlite3_stmt *store_stmt(store *s, const char *sql, assay_error *err)
{
	sqlite3_prepare_v3(s->db, sql, -1, 0, &st, NULL);
	return st;
}
static int helper(store *s, const char *sql)
{
	return store_stmt(s, sql, NULL) != NULL;
}
int f(store *s, int v, bool b)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", VERSION_NUMBER);
	store_exec(s, sql, NULL);
	store_exec(s, "BEGIN" " IMMEDIATE", NULL);
	store_exec(s, steps[v], NULL);
	store_exec(s, rows[v].sql, NULL);
	helper(s, b ? sql_get : sql_put);
	return store_stmt(s, sql_get, NULL) != NULL;
}
'''

BAD = {
    "built by abuf": r'''
sqlite3_stmt *store_stmt(store *s, const char *sql, assay_error *err)
{
	sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
}
int f(store *s, const char *name)
{
	abuf b = {0};
	abuf_printf(&b, "SELECT * FROM t WHERE name = '%s'", name);
	return store_stmt(s, b.data, NULL) != NULL;
}
''',
    "snprintf of data": r'''
int store_exec(store *s, const char *sql, assay_error *err)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}
int f(store *s, const char *batch)
{
	char sql[256];
	snprintf(sql, sizeof sql, "DELETE FROM samples WHERE batch = '%s'", batch);
	return store_exec(s, sql, NULL);
}
''',
    "through a wrapper": r'''
int store_exec(store *s, const char *sql, assay_error *err)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}
static int run(store *s, const char *sql)
{
	return store_exec(s, sql, NULL);
}
int f(store *s, char *user)
{
	return run(s, user);
}
''',
    "mprintf": r'''
int f(sqlite3 *db, const char *n)
{
	char *q = sqlite3_mprintf("SELECT %Q", n);
	return sqlite3_exec(db, q, 0, 0, 0);
}
''',
}


COMPOSER_GOOD = r'''
#define IS_FLAG "EXISTS (SELECT 1 FROM scores sc WHERE sc.sample_id = s.id"
static const where_row rows[] = {
	{"flagged", W_SAMPLE, QUERY_OP_EQ, NULL, IS_FLAG " AND sc.flagged <> 0)", "a"},
};
static const char *const sql_ops[] = {[QUERY_OP_EQ] = "=", [QUERY_OP_LT] = "<"};
static void put(wbuild *b, const char *s)
{
	b->oom |= abuf_puts(&b->sql, s) < 0;
}
static void value(wbuild *b, const query_expr *e)
{
	char ph[24];
	snprintf(ph, sizeof ph, "?%zu", STORE_WHERE_PARAM0 + b->n);
	put(b, ph);
	put(b, e->op ? sql_ops[e->op] : "=");
}
static void emit_row(wbuild *b, const where_row *r)
{
	for (const char *p = r->sql; *p; p++)
		b->oom |= abuf_putc(&b->sql, *p) < 0;
}
int store_where_prepare(store *s, const char *head, const store_where *w,
			const char *tail, sqlite3_stmt **st, assay_error *err)
{
	abuf sql = {0};
	abuf_puts(&sql, head);
	abuf_puts(&sql, w->sql);
	abuf_puts(&sql, tail);
	return sqlite3_prepare_v2(s->db, sql.data, (int)sql.len, st, NULL);
}
int store_where_count(store *s, const store_where *w)
{
	return store_where_prepare(s, "SELECT count(*) FROM samples s WHERE ", w, "", NULL, NULL);
}
'''

QUERIES_GOOD = r'''
static const dbi_query q_get = {"get", "SELECT a FROM t WHERE id = ?1", NULL};
static const dbi_query q_len = {"len", "SELECT length(a) FROM t", "SELECT char_length(a) FROM t"};
static const dbi_query q_steps[] = {{"s1", "DROP TABLE x", NULL}, {"s2", "VACUUM", "VACUUM"}};
int f(dbi *db, int i)
{
	dbi_stmt *st = dbi_stmt_get(db, &q_get, NULL);
	st = dbi_stmt_get(db, &q_len, NULL);
	return dbi_stmt_get(db, &q_steps[i], NULL) != NULL;
}
'''


PG_COMPOSER_GOOD = r'''
static dbi_stmt *compose_pg(store *s, const char *sql_head, const store_where *w,
			    const char *sql_tail, assay_error *err)
{
	int n_head = 0, n_tail = 0;
	char *head = dbi_pg_text(sql_head, &n_head);
	char *tail = dbi_pg_text(sql_tail, &n_tail);
	char ph[24];
	snprintf(ph, sizeof ph, "$%d", n_head + 1);
	abuf sql = {0};
	abuf_puts(&sql, head);
	for (const char *p = w->sql_pg; *p; p++)
		abuf_putc(&sql, *p);
	abuf_puts(&sql, ph);
	abuf_puts(&sql, tail);
	return dbi_compose_pg(s->dbi, sql.data, n_head + 1, w->pg_values, err);
}
dbi_stmt *store_where_stmt(store *s, const char *sql_head, const char *sql_tail,
			   const char *sql_head_pg, const char *sql_tail_pg, const store_where *w,
			   assay_error *err)
{
	return compose_pg(s, sql_head_pg ? sql_head_pg : sql_head, w,
			  sql_tail_pg ? sql_tail_pg : sql_tail, err);
}
int count(store *s, const store_where *w)
{
	return store_where_stmt(s, "SELECT count(*) FROM samples s WHERE ", "", NULL, NULL, w,
				NULL) != NULL;
}
'''


def test_checker_holds_the_postgresql_composer_to_its_rule():
    path = os.path.join(ROOT, PG_COMPOSER)
    probs, _ = check_sources({path: PG_COMPOSER_GOOD})
    eq(probs, [], "the PostgreSQL composer following its rule")
    for what, old, new in (
            ("a value joined", "abuf_puts(&sql, ph);", "abuf_puts(&sql, w->pg_values);"),
            ("another text's characters", "p = w->sql_pg;", "p = w->user;"),
            ("a head not from its parameter", "dbi_pg_text(sql_head,", "dbi_pg_text(w->user,"),
            ("a placeholder formatted from text", '"$%d", n_head + 1', '"$%s", w->user'),
            ("a head from data at a call", '"SELECT count(*) FROM samples s WHERE "', "w->user"),
            ("a PostgreSQL head from data", "NULL, NULL, w,", "w->user, NULL, w,"),
            ("composed text prepared elsewhere", "return store_where_stmt(s, \"SELECT",
             "dbi_compose_pg(s->dbi, w->user, 1, \"\", NULL);\n\treturn store_where_stmt(s, "
             "\"SELECT")):
        code = PG_COMPOSER_GOOD.replace(old, new)
        check(code != PG_COMPOSER_GOOD, what)
        probs, _ = check_sources({path: code})
        check(probs, f"{what}: not caught")


def test_checker_holds_query_objects_to_fixed_text():
    path = os.path.join(SRC, "store", "q.c")
    probs, _ = check_sources({path: QUERIES_GOOD})
    eq(probs, [], "query objects following the rule")
    for what, old, new in (
            ("a query that is not const", "static const dbi_query q_get", "dbi_query q_get"),
            ("SQLite text from data", '"SELECT a FROM t WHERE id = ?1", NULL', "user, NULL"),
            ("PostgreSQL text from data", '"SELECT char_length(a) FROM t"', "buf"),
            ("a table row from data", '{"s1", "DROP TABLE x", NULL}', '{"s1", text, NULL}'),
            ("a query object built at run time", "dbi_stmt_get(db, &q_len, NULL)",
             "dbi_stmt_get(db, made, NULL)"),
            ("another file's query", "dbi_stmt_get(db, &q_len, NULL)",
             "dbi_stmt_get(db, &q_other, NULL)")):
        code = QUERIES_GOOD.replace(old, new)
        check(code != QUERIES_GOOD, what)
        probs, _ = check_sources({path: code})
        check(probs, f"{what}: not caught")
    # an engine may prepare only its query object's text
    probs, _ = check_sources({os.path.join(SRC, "store", "dbi_sqlite.c"):
                              "int p(dbi_stmt *st, const char *t)\n{\n"
                              "\treturn sqlite3_prepare_v3(db, t, -1, 0, &h, NULL);\n}\n"})
    check(probs, "an engine preparing other text: not caught")


def test_checker_accepts_the_conventions_and_catches_assembled_sql():
    probs, sinks = check_sources({os.path.join(SRC, "store", "good.c"): GOOD})
    eq(probs, [], "a file following the conventions")
    check("helper" in sinks, f"a forwarding wrapper becomes a sink: {sinks}")
    for what, code in BAD.items():
        probs, _ = check_sources({os.path.join(SRC, "store", "bad.c"): code})
        check(probs, f"{what}: not caught")
    # a table of rows is fixed text only when every field of every row is
    for what, old, new in (("a row's field from data", '"ALTER TABLE t ADD b"', "text"),
                           ("a row that is not a brace group", '{"t", NULL, "CREATE TABLE t (a)"}',
                            "made")):
        code = GOOD.replace(old, new)
        check(code != GOOD, what)
        probs, _ = check_sources({os.path.join(SRC, "store", "bad.c"): code})
        check(probs, f"{what}: not caught")
    probs, _ = check_sources({os.path.join(SRC, "cli", "x.c"): GOOD})
    check(any("outside src/store/" in p for p in probs), probs)
    # the --where composer's own rule: fixed fragments only
    where = os.path.join(ROOT, COMPOSER)
    probs, _ = check_sources({where: COMPOSER_GOOD})
    eq(probs, [], "the composer following its rule")
    for what, old, new in (
            ("a value put into the SQL", "put(b, ph);", "put(b, e->text);"),
            ("a row holding a run-time string", '"a"},', 'name},'),
            ("the composed text written directly", "put(b, ph);",
             "abuf_puts(&b->sql, e->text);"),
            ("a placeholder formatted from text", '"?%zu", STORE_WHERE_PARAM0 + b->n',
             '"?%s", e->text'),
            ("the prepare joining something else", "abuf_puts(&sql, w->sql);",
             "abuf_puts(&sql, e->text);"),
            ("a head from data", '"SELECT count(*) FROM samples s WHERE "', "w->user")):
        code = COMPOSER_GOOD.replace(old, new)
        check(code != COMPOSER_GOOD, what)
        probs, _ = check_sources({where: code})
        check(probs, f"{what}: not caught")


def test_no_sql_assembled_from_data_in_src():
    files = sources()
    probs, sinks = check_sources(files)
    eq(probs, [], "SQL text must be fixed at compile time")
    # The check saw the real statements (so it cannot pass by missing them).
    check("store_stmt" in sinks and "store_exec" in sinks, sinks)
    n_arrays = sum(len(Unit(p, t).sql_arrays) for p, t in files.items())
    check(n_arrays >= 20, f"only {n_arrays} static sql_* statements found")
