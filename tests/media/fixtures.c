/* fixtures.c — see fixtures.h. */
#include "fixtures.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[512];

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(p);
}

static void rm_dir(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fx_dir(void)
{
	if (dir[0])
		return dir;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/assay-media-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(rm_dir);
	return dir;
}

const char *fx_path(const char *name)
{
	static char buf[8][1024];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", fx_dir(), name);
	return buf[k];
}

const char *fx_ffmpeg(const char *name, const char *args)
{
	const char *out = fx_path(name);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "ffmpeg -v error -nostdin -y %s -fflags +bitexact -flags:v +bitexact "
		 "-threads 1 '%s' </dev/null",
		 args, out);
	if (system(cmd) != 0) {
		printf("# ffmpeg failed: %s\n", cmd);
		return NULL;
	}
	return out;
}

int fx_write(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(fx_path(name), "wb");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

uint8_t *fx_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint32_t fx_avg(const media_frame *f, double x0, double y0, double x1, double y1)
{
	uint64_t sum[3] = {0}, n = 0;
	for (int y = (int)(y0 * f->h); y < (int)(y1 * f->h); y++)
		for (int x = (int)(x0 * f->w); x < (int)(x1 * f->w); x++) {
			const uint8_t *p = f->rgba + ((size_t)y * f->w + x) * 4;
			sum[0] += p[0];
			sum[1] += p[1];
			sum[2] += p[2];
			n++;
		}
	if (!n)
		return 0;
	return (uint32_t)(sum[0] / n) << 16 | (uint32_t)(sum[1] / n) << 8 | (uint32_t)(sum[2] / n);
}

int fx_near(uint32_t got, uint32_t want, int tol)
{
	for (int s = 0; s < 24; s += 8) {
		int a = (int)(got >> s & 0xff), b = (int)(want >> s & 0xff);
		if (abs(a - b) > tol)
			return 0;
	}
	return 1;
}

pid_t fx_child(void)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "r");
	int pid = 0;
	if (f && fscanf(f, "%d", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return pid;
}
