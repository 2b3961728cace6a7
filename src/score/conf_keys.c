/* conf_keys.c — the scoring keys of the configuration file: [weights] and
 * [score.NAME] sections, applied through score_config_set. */
#include <stdio.h>
#include <string.h>

#include "assay/conf.h"
#include "assay/score.h"

/* Applies one flattened key ("score.length.min_words", "weights.gopher"). */
static int apply(score_config *c, const char *key, const char *value, assay_error *err)
{
	char section[128];
	const char *last = strrchr(key, '.');
	size_t n = (size_t)(last - key);
	if (n >= sizeof section)
		return assay_fail(err, ASSAY_EINVAL, "\"%.80s\": not a scoring key", key);
	memcpy(section, key, n);
	section[n] = '\0';
	return score_config_set(c, section, last + 1, value, err);
}

int score_config_from_conf(score_config *c, const struct conf *cf, assay_error *err)
{
	const char *prefixes[] = {"weights.", "score."};
	for (size_t p = 0; p < 2; p++) {
		size_t pos = 0;
		const char *key, *value;
		while (conf_next(cf, prefixes[p], &pos, &key, &value)) {
			/* "score.X" without a scorer section: conf_check_config's */
			if (p == 1 && !strchr(key + 6, '.'))
				continue;
			int rc = apply(c, key, value, err);
			if (rc < 0) {
				int line = 0;
				const char *origin = conf_origin(cf, key, &line);
				if (origin && line > 0)
					return assay_error_prefix(err, "%s:%d", origin, line);
				return origin ? assay_error_prefix(err, "%s", origin) : rc;
			}
		}
	}
	return ASSAY_OK;
}
