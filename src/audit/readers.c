/* readers.c — reader connections for the audit passes that run on several
 * cores (see readers.h). */
#include "readers.h"

void audit_readers_open(store *s, audit_readers *r)
{
	assay_error ignored;
	*r = (audit_readers){.s = {s}, .n = 1};
	size_t want = assay_workers();
	if (store_in_tx(s) || want < 2)
		return;
	while (r->n < want && store_open_reader(s, &r->s[r->n], &ignored) == ASSAY_OK)
		r->n++;
	for (size_t i = 0; i < r->n; i++)
		if (store_read_begin(r->s[i], &ignored) < 0) {
			for (size_t j = 0; j < i; j++)
				store_read_end(r->s[j]);
			for (size_t j = 1; j < r->n; j++)
				store_close(r->s[j]);
			*r = (audit_readers){.s = {s}, .n = 1};
			return;
		}
}

void audit_readers_close(audit_readers *r)
{
	if (r->n < 2)
		return;
	for (size_t i = 0; i < r->n; i++)
		store_read_end(r->s[i]);
	for (size_t i = 1; i < r->n; i++)
		store_close(r->s[i]);
	*r = (audit_readers){0};
}
