"""A throwaway PostgreSQL server for the tests: `initdb` and `pg_ctl` into a
temporary directory, listening on a Unix socket only (no TCP port), with
fsync off. As root the server runs as the `postgres` user (the server
refuses to run as root). Used as a context manager:

    with PgServer() as pg:
        uri = pg.create_db("t1")        # postgresql:///t1?host=...&user=assay

The server's log goes to its directory and is printed when it fails to
start. `available()` says whether this machine has the server binaries."""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import urllib.parse


def bindir():
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                           text=True, check=True).stdout.strip()
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def available():
    return bindir() is not None


class PgServer:
    USER = "assay"

    def __init__(self):
        self.bin = bindir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (initdb); "
                               "install the postgresql package")
        self.root = tempfile.mkdtemp(prefix="assay-pg-")
        self.data = os.path.join(self.root, "data")
        self.sock = os.path.join(self.root, "sock")
        self.log = os.path.join(self.root, "server.log")
        os.mkdir(self.sock)
        self.as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for d in (self.root, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            os.chmod(self.root, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.started = False

    def _run(self, *cmd):
        return subprocess.run(self.as_user + [os.path.join(self.bin, cmd[0]), *cmd[1:]],
                              capture_output=True, text=True)

    def start(self):
        r = self._run("initdb", "-D", self.data, "-A", "trust", "-U", self.USER,
                      "-E", "UTF8", "--no-sync", "--no-instructions")
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout + r.stderr)
        opts = (f"-c listen_addresses='' -k {self.sock} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=64")
        r = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w",
                      "-t", "60", "start")
        if r.returncode != 0:
            try:
                with open(self.log) as f:
                    tail = f.read()[-4000:]
            except OSError:
                tail = ""
            raise RuntimeError("pg_ctl start failed:\n" + r.stdout + r.stderr + tail)
        self.started = True
        return self

    def uri(self, db="postgres"):
        return "postgresql:///%s?host=%s&user=%s" % (
            db, urllib.parse.quote(self.sock, safe=""), self.USER)

    def psql(self, db, sql):
        r = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-U", self.USER,
                            "-d", db, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{r.stderr}")
        return r.stdout

    def create_db(self, name):
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.uri(name)

    def stop(self):
        if self.started:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
