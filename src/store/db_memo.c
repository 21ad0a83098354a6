/* db_memo.c: the per-connection memo of values derived from the database (db.h, "Memo").
 *
 * A direct-mapped table: a key hashes to one slot, and a new key simply replaces what the slot
 * held, so the memo never grows past DB_MEMO_SLOTS entries and needs no eviction policy.  The
 * whole table is emptied when the database's generation moves. */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "store/db_backend.h"

struct memo_slot {
	uint64_t hash;
	char *key;                 /* NULL: empty */
	void *value;
	void (*drop)(void *value); /* may be NULL */
	size_t size;               /* what the caller said the value weighs */
};

struct db_memo {
	unsigned char gen[DB_GEN_SIZE]; /* the generation the entries were read at */
	int gen_known;   /* 0: no entry may be stored (no successful check yet) */
	uint64_t epoch;  /* raised each time the entries are emptied; 0 is never used */
	size_t bytes;    /* the sizes of the entries, keys included */
	struct memo_slot slots[DB_MEMO_SLOTS];
};

/* FNV-1a: keys are short and chosen by the program; a collision only costs a lookup. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	return h;
}

static void slot_clear(struct db_memo *m, struct memo_slot *s)
{
	if (s->key == NULL)
		return;
	m->bytes -= s->size;
	if (s->drop != NULL)
		s->drop(s->value);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

static void memo_flush(struct db_memo *m)
{
	for (size_t i = 0; i < DB_MEMO_SLOTS; i++)
		slot_clear(m, &m->slots[i]);
	m->epoch++;
}

/*
 * The connection's memo, checked against the database: its entries are emptied (and the epoch
 * raised) when the generation moved.  NULL when the memo cannot work now (no backend support,
 * a transaction open, a commit under way, no memory): it is emptied and takes nothing until a
 * check succeeds.
 */
static struct db_memo *memo_checked(struct db *db)
{
	unsigned char gen[DB_GEN_SIZE];
	struct db_memo *m = db->memo;

	if (db->ops->generation == NULL)
		return NULL;
	if (m == NULL) {
		if ((m = db->memo = calloc(1, sizeof(*m))) == NULL)
			return NULL;
		m->epoch = 1;
	}
	if (db->ops->generation(db, gen) != 0) {
		if (m->gen_known) {
			memo_flush(m);
			m->gen_known = 0;
		}
		return NULL;
	}
	if (!m->gen_known || memcmp(gen, m->gen, DB_GEN_SIZE) != 0) {
		memo_flush(m);
		memcpy(m->gen, gen, DB_GEN_SIZE);
		m->gen_known = 1;
	}
	return m;
}

uint64_t db_memo_epoch(struct db *db)
{
	struct db_memo *m = db != NULL ? memo_checked(db) : NULL;

	return m != NULL ? m->epoch : 0;
}

void *db_memo_get(struct db *db, const char *key)
{
	struct db_memo *m;
	struct memo_slot *s;
	uint64_t h;

	if (db == NULL || key == NULL || (m = memo_checked(db)) == NULL)
		return NULL;
	h = key_hash(key);
	s = &m->slots[h % DB_MEMO_SLOTS];
	if (s->key != NULL && s->hash == h && strcmp(s->key, key) == 0)
		return s->value;
	return NULL;
}

int db_memo_put(struct db *db, const char *key, uint64_t since, void *value, size_t size,
                void (*drop)(void *value))
{
	struct db_memo *m = NULL;
	struct memo_slot *s = NULL;
	size_t len = 0;
	char *copy = NULL;
	uint64_t h = 0;
	int rc = 0;

	if (db == NULL || key == NULL || (len = strlen(key)) > DB_MEMO_KEY_MAX)
		rc = MC_EINVAL;
	/* Stored only when nothing was committed since 'since' was taken (the check raises the
	 * epoch when something was), and never from inside a transaction. */
	else if (since == 0 || (m = memo_checked(db)) == NULL || m->epoch != since)
		rc = MC_ECONFLICT;
	else if (size > DB_MEMO_BYTES_MAX - len - 1)
		rc = MC_ETOOBIG;
	if (rc == 0) {
		h = key_hash(key);
		s = &m->slots[h % DB_MEMO_SLOTS];
		slot_clear(m, s); /* its room goes to the new entry either way */
		if (m->bytes + len + 1 + size > DB_MEMO_BYTES_MAX)
			rc = MC_ETOOBIG;
		else if ((copy = malloc(len + 1)) == NULL)
			rc = MC_ENOMEM;
	}
	if (rc != 0) {
		if (drop != NULL)
			drop(value);
		return rc;
	}
	memcpy(copy, key, len + 1);
	s->hash = h;
	s->key = copy;
	s->value = value;
	s->drop = drop;
	s->size = len + 1 + size;
	m->bytes += s->size;
	return 0;
}

void db_memo_free(struct db *db)
{
	if (db == NULL || db->memo == NULL)
		return;
	memo_flush(db->memo);
	free(db->memo);
	db->memo = NULL;
}
