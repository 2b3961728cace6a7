/* progress.c — a one-line progress bar on stderr (only on a terminal):
 * amount, rate and time left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

void cli_progress_init(cli_progress *p)
{
	*p = (cli_progress){.enabled = isatty(STDERR_FILENO) && !getenv("ASSAY_NO_PROGRESS"),
			    .started_ns = assay_mono_ns(), .width = 80};
	struct winsize ws;
	if (p->enabled && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		p->width = ws.ws_col;
}

static void human(double v, const char *unit, char *out, size_t cap)
{
	if (strcmp(unit, "B") == 0) {
		const char *u[] = {"B", "kB", "MB", "GB", "TB"};
		int i = 0;
		while (v >= 1000 && i < 4) {
			v /= 1000;
			i++;
		}
		snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", v, u[i]);
	} else {
		snprintf(out, cap, "%.0f %s", v, unit);
	}
}

void cli_progress_update(cli_progress *p, int64_t done, int64_t total, const char *unit,
			 const char *extra, bool force)
{
	if (!p->enabled)
		return;
	int64_t now = assay_mono_ns();
	if (!force && now - p->last_ns < 100000000)
		return;
	p->last_ns = now;
	double secs = (double)(now - p->started_ns) / 1e9;
	double rate = secs > 0 ? (double)done / secs : 0;
	char d[32], r[32], t[32], line[512];
	human((double)done, unit, d, sizeof d);
	human(rate, unit, r, sizeof r);
	int n;
	if (total > 0) {
		double frac = (double)done / (double)total;
		if (frac > 1)
			frac = 1;
		human((double)total, unit, t, sizeof t);
		double eta = rate > 0 ? (double)(total - done) / rate : 0;
		int bar = 20, fill = (int)(frac * bar);
		char bars[32];
		memset(bars, '#', (size_t)fill);
		memset(bars + fill, '.', (size_t)(bar - fill));
		bars[bar] = '\0';
		n = snprintf(line, sizeof line, "[%s] %3.0f%% %s of %s, %s/s, ETA %d:%02d  %s",
			     bars, frac * 100, d, t, r, (int)eta / 60, (int)eta % 60,
			     extra ? extra : "");
	} else {
		n = snprintf(line, sizeof line, "%s, %s/s  %s", d, r, extra ? extra : "");
	}
	if (n > p->width - 1)
		line[p->width - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
	if (p->enabled) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
