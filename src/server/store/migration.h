/* migration.h: schema migrations embedded from store/migrations/<backend>/
 * (NNN_name.sql, applied in order, each once, recorded in schema_migrations). */
#ifndef KASSA_MIGRATION_H
#define KASSA_MIGRATION_H

#include <stddef.h>

struct migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct migration migrations_sqlite[];
extern const size_t migrations_sqlite_count;
extern const struct migration migrations_pg[];
extern const size_t migrations_pg_count;

#endif
