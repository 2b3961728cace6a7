/* score_slots.c — the scorer slots and version ids of the packed scores
 * (score_pack.c): the connection's cache of the scorers and
 * scorer_versions tables, the lookups by name and version, and the rows
 * made for a new scorer or version inside the writer's transaction. */
#include "store_int.h"
#include "scores_pg.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char sql_slots[] = "SELECT slot, name FROM scorers ORDER BY slot";
static const char sql_vers[] = "SELECT id, slot, version FROM scorer_versions ORDER BY id";

/* The epochs handed out in this process (so no two stores share one). */
static _Atomic uint64_t epochs;

uint64_t score_slots_epoch(store *s)
{
	if (!s->slots_epoch)
		s->slots_epoch = atomic_fetch_add(&epochs, 1) + 1;
	return s->slots_epoch;
}

void score_slots_forget(store *s)
{
	s->slots_epoch = 0; /* refs taken before are not current any more */
	for (size_t i = 0; i < s->n_slots; i++)
		free(s->slot_names[i]);
	free(s->slot_names);
	for (size_t i = 0; i < s->n_vers; i++)
		free(s->vers[i].version);
	free(s->vers);
	s->slot_names = NULL;
	s->vers = NULL;
	s->n_slots = s->n_vers = 0;
	s->slots_loaded = false;
	score_forms_clear(s->forms); /* forms made in a rolled back transaction */
}

static int load_slots(store *s, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t slot = sqlite3_column_int64(st, 0);
		if (slot < 0 || slot >= STORE_MAX_SLOTS)
			continue;
		if ((size_t)slot >= s->n_slots) {
			char **v = realloc(s->slot_names, (size_t)(slot + 1) * sizeof *v);
			if (!v)
				return SQLITE_NOMEM;
			for (size_t i = s->n_slots; i <= (size_t)slot; i++)
				v[i] = NULL;
			s->slot_names = v;
			s->n_slots = (size_t)slot + 1;
		}
		if (!(s->slot_names[slot] = store_col_str(st, 1)))
			return SQLITE_NOMEM;
	}
	return rc;
}

static int load_vers(store *s, sqlite3_stmt *st)
{
	int rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->n_vers == cap) {
			cap = cap ? cap * 2 : 32;
			void *v = realloc(s->vers, cap * sizeof *s->vers);
			if (!v)
				return SQLITE_NOMEM;
			s->vers = v;
		}
		s->vers[s->n_vers] = (struct store_ver){.id = (uint32_t)sqlite3_column_int64(st, 0),
							.slot = sqlite3_column_int(st, 1),
							.version = store_col_str(st, 2)};
		if (!s->vers[s->n_vers++].version)
			return SQLITE_NOMEM;
	}
	return rc;
}

int score_slots_load(store *s, assay_error *err)
{
	if (s->pg)
		return score_slots_load_pg(s, err);
	score_slots_forget(s);
	sqlite3_stmt *a = store_stmt(s, sql_slots, err), *b = a ? store_stmt(s, sql_vers, err) : NULL;
	if (!b)
		return err->code;
	int rc = load_slots(s, a);
	sqlite3_reset(a);
	if (rc == SQLITE_DONE) {
		rc = load_vers(s, b);
		sqlite3_reset(b);
	}
	if (rc == SQLITE_NOMEM) {
		score_slots_forget(s);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (rc != SQLITE_DONE) {
		score_slots_forget(s);
		return store_sqlerr(s, rc, err, "reading the scorers");
	}
	s->slots_loaded = true;
	return ASSAY_OK;
}

static int find_slot(const store *s, const char *name)
{
	for (size_t i = 0; i < s->n_slots; i++)
		if (s->slot_names[i] && strcmp(s->slot_names[i], name) == 0)
			return (int)i;
	return -1;
}

static uint32_t find_ver(const store *s, int slot, const char *version)
{
	for (size_t i = 0; i < s->n_vers; i++)
		if (s->vers[i].slot == slot && strcmp(s->vers[i].version, version) == 0)
			return s->vers[i].id;
	return 0;
}

/* The name of a slot, reloading once when the cache does not know it (a
 * scorer another process added); NULL when there is none. */
const char *score_slot_name(store *s, int slot, assay_error *err)
{
	if (!s->slots_loaded || (size_t)slot >= s->n_slots || !s->slot_names[slot])
		if (score_slots_load(s, err) < 0)
			return NULL;
	return (size_t)slot < s->n_slots ? s->slot_names[slot] : NULL;
}

int score_slot_find(store *s, const char *name, const char *version, int *slot, uint32_t *ver,
		    assay_error *err)
{
	*slot = -1;
	*ver = 0;
	for (int pass = 0; pass < 2; pass++) {
		if ((pass || !s->slots_loaded) && score_slots_load(s, err) < 0)
			return err->code;
		*slot = find_slot(s, name);
		*ver = *slot >= 0 && version ? find_ver(s, *slot, version) : 0;
		if (*slot >= 0 && (!version || *ver))
			return ASSAY_OK;
	}
	return ASSAY_OK;
}

static const char sql_new_slot[] =
	"INSERT INTO scorers (slot, name) SELECT coalesce(max(slot) + 1, 0), ?1 FROM scorers";
static const char sql_new_ver[] = "INSERT INTO scorer_versions (slot, version) VALUES (?1, ?2)";

/* The slot and version id of (name, version), made when new (inside the
 * writer's transaction: a rollback forgets the cache). */
int score_slot_make(store *s, const char *name, const char *version, int *slot, uint32_t *ver,
		    assay_error *err)
{
	if (s->pg)
		return score_slot_make_pg(s, name, version, slot, ver, err);
	int rc = score_slot_find(s, name, version, slot, ver, err);
	if (rc < 0 || *ver)
		return rc;
	if (*slot < 0) {
		s->slots_made = true;
		sqlite3_stmt *st = store_stmt(s, sql_new_slot, err);
		if (!st)
			return err->code;
		store_bind_text(st, 1, name, -1);
		if ((rc = store_step_done(s, st, err, "adding a scorer")) < 0)
			return rc;
		*slot = (int)sqlite3_last_insert_rowid(s->db);
		if (*slot >= STORE_MAX_SLOTS)
			return assay_fail(err, ASSAY_EINVAL,
					  "scorer \"%s\": a database holds at most %d scorers", name,
					  STORE_MAX_SLOTS);
	}
	s->slots_made = true;
	sqlite3_stmt *st = store_stmt(s, sql_new_ver, err);
	if (!st)
		return err->code;
	sqlite3_bind_int(st, 1, *slot);
	store_bind_text(st, 2, version, -1);
	if ((rc = store_step_done(s, st, err, "adding a scorer version")) < 0)
		return rc;
	return score_slot_find(s, name, version, slot, ver, err);
}

int score_slot_of(store *s, const store_score_row *r, store_slot_ref *ref, int *slot,
		  uint32_t *ver, assay_error *err)
{
	if (ref && ref->epoch && ref->epoch == s->slots_epoch) {
		*slot = ref->slot;
		*ver = ref->ver;
		return ASSAY_OK;
	}
	int rc = score_slot_make(s, r->scorer, r->version, slot, ver, err);
	if (rc == ASSAY_OK && ref)
		*ref = (store_slot_ref){score_slots_epoch(s), *slot, *ver};
	return rc;
}
