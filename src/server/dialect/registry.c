/* registry.c: the one list of kassad's dialects (dialect.h), and the
 * look-ups over it.
 *
 * One line per dialect: X(name) stands for `const struct dialect
 * dialect_<name>`, defined in dialect/<name>/. src/server/meson.build
 * reads this list too, to build each listed folder (its meson.build). */
#include <string.h>

#include "core/core.h"
#include "dialect/dialect.h"

#define DIALECTS(X)                                                                                \
    X(panda)                                                                                       \
    X(tegro)                                                                                       \
    X(admin)                                                                                       \
    X(pages)                                                                                       \
    X(docs)                                                                                        \
    X(device)                                                                                      \
    X(trader)                                                                                      \
    X(console)                                                                                     \
    X(merchant)

#define DECLARE(name) extern const struct dialect dialect_##name;
DIALECTS(DECLARE)
#undef DECLARE

const struct dialect *const dialect_registry[] = {
#define ENTRY(name) &dialect_##name,
    DIALECTS(ENTRY)
#undef ENTRY
        NULL,
};

const struct dialect *dialect_find(const char *name)
{
    for (size_t i = 0; name != NULL && dialect_registry[i] != NULL; i++)
        if (strcmp(dialect_registry[i]->name, name) == 0)
            return dialect_registry[i];
    return NULL;
}

const struct dialect *dialect_by_id(int id)
{
    for (size_t i = 0; id > 0 && dialect_registry[i] != NULL; i++)
        if (dialect_registry[i]->id == id)
            return dialect_registry[i];
    return NULL;
}

/* Whether `path` is `p` or below it. */
static bool under(const char *path, const char *p, size_t n)
{
    return strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const struct dialect_route *dialect_route_find(const char *path)
{
    return dialect_route_lookup(path, NULL);
}

const struct dialect_route *dialect_route_lookup(const char *path, int *index)
{
    const struct dialect_route *best = NULL;
    size_t best_len = 0, best_index = 0;
    for (size_t i = 0; dialect_registry[i] != NULL; i++) {
        const struct dialect *d = dialect_registry[i];
        for (size_t j = 0; j < d->n_routes; j++) {
            const struct dialect_route *r = &d->routes[j];
            size_t n = strlen(r->path);
            if (r->exact ? strcmp(path, r->path) == 0 : under(path, r->path, n)) {
                if (r->exact) {
                    best = r;
                    best_index = i;
                    goto out;
                }
                if (best == NULL || n > best_len) {
                    best = r;
                    best_len = n;
                    best_index = i;
                }
            }
        }
    }
out:
    if (index != NULL)
        *index = best != NULL ? (int)best_index : -1;
    return best;
}

int dialect_core_dialects(struct core_dialect *out, int max)
{
    int n = 0;
    for (size_t i = 0; dialect_registry[i] != NULL && n < max; i++) {
        const struct dialect *d = dialect_registry[i];
        const struct dialect_merchant *m = d->merchant;
        if (m == NULL)
            continue;
        out[n++] = (struct core_dialect){.name = d->name,
                                         .id = d->id,
                                         .order_ttl = m->order_ttl,
                                         .callback_format = m->callback_format,
                                         .api_key_bytes = m->api_key_bytes,
                                         .secret_bytes = m->secret_bytes,
                                         .callback_format_ok = m->callback_format_ok};
    }
    return n;
}
