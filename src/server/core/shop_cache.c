/* shop_cache.c: the shops that authenticate requests, kept in memory.
 *
 * Every merchant request names its shop by a key (a dialect's API key, the
 * shop's public id); reading the shop row for each request costs a query on the hot
 * path. Entries live SHOP_CACHE_TTL_MS of real time, so a change made
 * elsewhere (another node, an operator's edit) is seen within that time; a
 * change made here invalidates at once (shop_cache_forget). Unknown keys are
 * not cached: random keys cannot fill the table. The shop's method switches
 * come with it (shop.methods_off): an order create checks them without a
 * query; a switch changed here forgets the shop too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core.h"
#include "method.h"

#define SHOP_CACHE_SLOTS 4096 /* power of two */
#define SHOP_CACHE_TTL_MS 5000

struct shop_entry {
    bool used;
    enum shop_key by;
    char dialect[DIALECT_NAME_SIZE]; /* the API key's dialect; "" for a shop_key */
    char key[KEY_SIZE];
    int64_t loaded_ms; /* monotonic */
    struct shop shop;
};

static struct shop_entry *table;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_table(void)
{
    table = calloc(SHOP_CACHE_SLOTS, sizeof *table);
}

/* FNV-1a of the key, its kind and its dialect. */
static size_t slot_of(enum shop_key by, const char *dialect, const char *key)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)by;
    for (const unsigned char *p = (const unsigned char *)dialect; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h & (SHOP_CACHE_SLOTS - 1));
}

/* The shop by (by, key), or by (dialect, key) when dialect is not "". */
static kassa_err cache_get(struct store *s, enum shop_key by, const char *dialect, const char *key,
                           struct shop *out)
{
    pthread_once(&once, init_table);
    size_t n = strlen(key), dn = strlen(dialect);
    if (n == 0 || n >= KEY_SIZE || dn >= DIALECT_NAME_SIZE)
        return KASSA_ENOTFOUND; /* no credential or dialect name is that long */
    size_t slot = slot_of(by, dialect, key);
    int64_t now = clock_mono_ms();
    if (table != NULL) {
        pthread_rwlock_rdlock(&lock);
        struct shop_entry *e = &table[slot];
        bool hit = e->used && e->by == by && strcmp(e->dialect, dialect) == 0 &&
                   strcmp(e->key, key) == 0 && now - e->loaded_ms < SHOP_CACHE_TTL_MS;
        if (hit)
            *out = e->shop;
        pthread_rwlock_unlock(&lock);
        if (hit)
            return KASSA_OK;
    }
    struct store_conn *c = store_reader(s);
    if (c == NULL)
        return KASSA_EIO;
    kassa_err err = dn > 0 ? STORE_CALL(c, shop_get_by_api_key, dialect, key, out)
                           : STORE_CALL(c, shop_get, by, key, 0, out);
    struct method_switches sw;
    if (err == KASSA_OK && (err = method_switches_load(c, out->id, &sw)) == KASSA_OK)
        out->methods_off = method_switches_off(&sw);
    store_release(c);
    if (err == KASSA_OK && table != NULL) {
        pthread_rwlock_wrlock(&lock);
        struct shop_entry *e = &table[slot];
        e->used = true;
        e->by = by;
        memcpy(e->dialect, dialect, dn + 1);
        memcpy(e->key, key, n + 1);
        e->loaded_ms = now;
        e->shop = *out;
        pthread_rwlock_unlock(&lock);
    }
    return err;
}

kassa_err shop_cache_get(struct store *s, enum shop_key by, const char *key, struct shop *out)
{
    return cache_get(s, by, "", key, out);
}

kassa_err shop_cache_get_api_key(struct store *s, const char *dialect, const char *api_key,
                                 struct shop *out)
{
    if (dialect == NULL || dialect[0] == '\0')
        return KASSA_ENOTFOUND;
    return cache_get(s, SHOP_BY_ID, dialect, api_key, out);
}

void shop_cache_forget(int64_t shop_id)
{
    pthread_once(&once, init_table);
    if (table == NULL)
        return;
    pthread_rwlock_wrlock(&lock);
    for (size_t i = 0; i < SHOP_CACHE_SLOTS; i++)
        if (table[i].used && table[i].shop.id == shop_id)
            table[i].used = false;
    pthread_rwlock_unlock(&lock);
}
