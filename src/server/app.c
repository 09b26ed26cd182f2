/* app.c: the process-wide parts of kassad (server.h), set up by main.c. */
#include "server.h"

struct app app;
