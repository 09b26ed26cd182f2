/* server.h: the process-wide parts of kassad, set up once by main.c. */
#ifndef KASSA_SERVER_H
#define KASSA_SERVER_H

#include "store/store.h"
#include "txn/writer.h"

struct app {
    struct store *store;
    struct writer *writer;
};

extern struct app app;

#endif
