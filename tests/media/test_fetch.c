/* test_fetch.c — media_fetch against tests/httpd.py serving a scratch
 * directory: the download cache (named by URL hash, hits without the
 * network, LRU by mtime), the size cap, the Content-Type check, an answer
 * that never ends, and the cache directory's default place. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/net.h"
#include "fixtures.h"
#include "unit.h"

static pid_t server_pid;
static char base[64];

static void server_stop(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
}

/* Starts tests/httpd.py serving the scratch directory. */
static int server_start(void)
{
	const char *src = getenv("ASSAY_SOURCE");
	char script[4096];
	snprintf(script, sizeof script, "%s/tests/httpd.py", src ? src : ".");
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, "--root", fx_dir(), "--idle", "60",
		       "--max-life", "300", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	char line[64] = "";
	int port = 0;
	if (!f || !fgets(line, sizeof line, f) || sscanf(line, "PORT %d", &port) != 1)
		port = 0;
	if (f)
		fclose(f);
	server_pid = pid;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	return port ? 0 : -1;
}

static const char *url(const char *path)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s%s", base, path);
	return buf[k];
}

static int fetch(const char *u, media_fetch_options *o, char **path, assay_error *err)
{
	int rc = media_fetch(u, o, path, err);
	if (rc != ASSAY_OK)
		printf("# %s\n", err->msg);
	return rc;
}

TEST(fetched_into_the_cache_then_served_from_it)
{
	const char *png = fx_ffmpeg("red.png", "-f lavfi -i color=c=red:s=16x16 -frames:v 1");
	CHECK(png != NULL);
	mkdir(fx_path("cache"), 0700);
	media_fetch_options o = {.cache_dir = fx_path("cache"), .timeout_ms = 10000};
	char *path = NULL;
	assay_error err = {0};
	CHECK_INT(fetch(url("/red.png?ctype=image/png"), &o, &path, &err), ASSAY_OK);
	size_t a = 0, b = 0;
	uint8_t *got = path ? fx_read(path, &a) : NULL, *want = png ? fx_read(png, &b) : NULL;
	CHECK(got && want && a == b && memcmp(got, want, a) == 0);
	CHECK(path && strstr(path, ".media") != NULL);
	free(got);
	free(want);
	/* it decodes like the original */
	media_decoded d;
	CHECK_INT(path ? media_decode(path, NULL, &d, &err) : -1, ASSAY_OK);
	media_decoded_free(&d);
	/* a second fetch needs no server: the file is gone from it */
	unlink(png);
	char *again = NULL;
	CHECK_INT(fetch(url("/red.png?ctype=image/png"), &o, &again, &err), ASSAY_OK);
	CHECK_STR(again, path);
	free(again);
	free(path);
	/* a URL not cached is fetched, and its absence is an error naming it */
	CHECK_INT(media_fetch(url("/red.png?other=1"), &o, &path, &err), ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "cannot show red.png: ");
	CHECK_CONTAINS(err.msg, "404");
	CHECK(path == NULL);
}

TEST(size_cap_and_content_type)
{
	media_fetch_options o = {
	    .cache_dir = fx_path("cache"), .max_bytes = 1 << 20, .timeout_ms = 10000};
	char *path = NULL;
	assay_error err = {0};
	/* announced too large: refused before the body */
	CHECK_INT(media_fetch(url("/gen?bytes=2000000"), &o, &path, &err), ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "cannot show gen: larger than 1 MiB");
	/* not announced (chunked): cut off once over the cap */
	CHECK_INT(media_fetch(url("/gen?bytes=2000000&chunked=1"), &o, &path, &err), ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "larger than 1 MiB");
	/* a page, not a picture */
	CHECK_INT(media_fetch(url("/gen?bytes=100&ctype=text/html"), &o, &path, &err), ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "cannot show gen: not an image or video (Content-Type: text/html)");
	CHECK(path == NULL);
	/* nothing of them was left in the cache (only the earlier red.png) */
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -le 1", fx_path("cache"));
	CHECK_INT(system(cmd), 0);
}

TEST(endless_answer_ends_at_the_timeout)
{
	mkdir(fx_path("cache"), 0700);
	media_fetch_options o = {.cache_dir = fx_path("cache"), .timeout_ms = 1500};
	char *path = NULL;
	assay_error err = {0};
	int64_t t0 = assay_mono_ns();
	/* 64 bytes every 200 ms of a body of 1 GB, chunked */
	int rc =
	    media_fetch(url("/gen?bytes=1000000000&chunked=1&chunk=64&drip=200"), &o, &path, &err);
	double ms = (double)(assay_mono_ns() - t0) / 1e6;
	printf("# %s (%.0f ms)\n", err.msg, ms);
	CHECK_INT(rc, ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "cannot show gen: ");
	/* the timeout given, not another one: from below closely, from above
	 * with room for a busy machine */
	CHECK(ms > o.timeout_ms - 100 && ms < o.timeout_ms + 5000);
	CHECK(path == NULL);
	/* a server that does not answer at all: the same bound, no second try
	 * (a second request would be answered 404 at once, in other words) */
	t0 = assay_mono_ns();
	rc = media_fetch(url("/gen?bytes=10&fault=slow,404&ms=30000"), &o, &path, &err);
	ms = (double)(assay_mono_ns() - t0) / 1e6;
	printf("# %s (%.0f ms)\n", err.msg, ms);
	CHECK_INT(rc, ASSAY_ENET);
	CHECK(!strstr(err.msg, "404"));
	CHECK(ms > o.timeout_ms - 100 && ms < o.timeout_ms + 5000);
}

/* Runs a fetch job in a poll loop, counting the wakes that came before
 * its end (the loop was free in between). */
static int run_job(const char *u, const media_fetch_options *o, char **path, assay_error *err,
		   int *wakes)
{
	media_fetch_job *j = media_fetch_job_start(u, o, err);
	if (!j)
		return err->code;
	int rc;
	*wakes = 0;
	while ((rc = media_fetch_job_step(j, path, err)) == 0) {
		struct pollfd p = {.fd = media_fetch_job_fd(j), .events = POLLIN};
		int t = media_fetch_job_timeout_ms(j);
		poll(&p, 1, t < 100 ? t : 100);
		(*wakes)++;
	}
	media_fetch_job_free(j);
	return rc;
}

TEST(a_fetch_job_answers_without_blocking_and_ends_at_its_deadline)
{
	mkdir(fx_path("cache"), 0700);
	media_fetch_options o = {.cache_dir = fx_path("cache"), .timeout_ms = 1000};
	char *path = NULL;
	assay_error err = {0};
	int wakes = 0;
	CHECK_INT(run_job(url("/gen?bytes=100&n=77"), &o, &path, &err, &wakes), 1);
	CHECK(path && strstr(path, ".media"));
	free(path);
	path = NULL;
	/* an answer that never ends: the caller woke meanwhile (a step that
	 * blocked until the deadline would leave no wake before the end; one
	 * more than needed, as a busy machine may wake it only a few times) */
	int rc = run_job(url("/gen?bytes=1000000000&chunked=1&chunk=64&drip=200"), &o, &path,
			 &err, &wakes);
	printf("# %s (%d wakes)\n", err.msg, wakes);
	CHECK_INT(rc, ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "cannot show gen: ");
	CHECK(wakes >= 2);
	CHECK(path == NULL);
}

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = {{t, 0}, {t, 0}};
	utimensat(AT_FDCWD, path, ts, 0);
}

static time_t mtime_of(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? sb.st_mtime : 0;
}

TEST(lru_by_mtime_and_default_dir)
{
	char xdg[1024];
	snprintf(xdg, sizeof xdg, "%s", fx_path("xdg"));
	setenv("XDG_CACHE_HOME", xdg, 1);
	char *paths[3] = {0};
	assay_error err = {0};
	media_fetch_options o = {.timeout_ms = 10000, .cache_bytes = 2500};
	CHECK_INT(fetch(url("/gen?bytes=1000&n=0"), &o, &paths[0], &err), ASSAY_OK);
	CHECK_INT(fetch(url("/gen?bytes=1000&n=1"), &o, &paths[1], &err), ASSAY_OK);
	CHECK(paths[0] && strncmp(paths[0], xdg, strlen(xdg)) == 0);
	CHECK_CONTAINS(paths[0], "/assay/media/");
	if (!paths[0] || !paths[1])
		return;
	set_mtime(paths[0], 1000000000);
	set_mtime(paths[1], 1000000100);
	/* using the older one makes it the newer */
	char *hit = NULL;
	CHECK_INT(fetch(url("/gen?bytes=1000&n=0"), &o, &hit, &err), ASSAY_OK);
	CHECK(mtime_of(paths[0]) > 1000000100);
	free(hit);
	/* a third file exceeds 2500 bytes: the least recently used goes */
	CHECK_INT(fetch(url("/gen?bytes=1000&n=2"), &o, &paths[2], &err), ASSAY_OK);
	CHECK(access(paths[0], F_OK) == 0);
	CHECK(access(paths[1], F_OK) != 0);
	CHECK(paths[2] && access(paths[2], F_OK) == 0);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	unsetenv("XDG_CACHE_HOME");
}

TEST(a_cache_directory_others_can_write_or_a_link_is_refused)
{
	media_fetch_options o = {.cache_dir = fx_path("open-cache"), .timeout_ms = 10000};
	mkdir(o.cache_dir, 0700);
	chmod(o.cache_dir, 0777);
	char *path = NULL;
	assay_error err = {0};
	CHECK_INT(media_fetch(url("/gen?bytes=10&n=9"), &o, &path, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "is writable by others");
	CHECK(path == NULL);
	chmod(o.cache_dir, 0700);
	CHECK_INT(fetch(url("/gen?bytes=10&n=9"), &o, &path, &err), ASSAY_OK);
	free(path);
	path = NULL;
	o.cache_dir = fx_path("link-cache");
	CHECK(symlink(fx_path("open-cache"), o.cache_dir) == 0);
	CHECK_INT(media_fetch(url("/gen?bytes=10&n=9"), &o, &path, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "is not a directory");
	CHECK(path == NULL);
}

int main(int argc, char **argv)
{
	static const unit_case_ cases[] = {UNIT_CASE(fetched_into_the_cache_then_served_from_it),
					   UNIT_CASE(size_cap_and_content_type),
					   UNIT_CASE(endless_answer_ends_at_the_timeout),
					   UNIT_CASE(lru_by_mtime_and_default_dir),
					   UNIT_CASE(a_fetch_job_answers_without_blocking_and_ends_at_its_deadline),
					   UNIT_CASE(a_cache_directory_others_can_write_or_a_link_is_refused)};
	if (net_global_init(NULL) < 0)
		return 1;
	fx_dir();
	atexit(server_stop);
	if (server_start() != 0) {
		printf("1..1\nnot ok 1 - the test server did not start\n");
		return 1;
	}
	int rc = unit_run_(cases, ASSAY_ARRAY_LEN(cases), argc, argv);
	server_stop();
	net_global_cleanup();
	return rc;
}
