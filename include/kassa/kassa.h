/* kassa/kassa.h: everything of libkassa's public API. */
#ifndef KASSA_KASSA_H
#define KASSA_KASSA_H

#include "callback.h"
#include "client.h"
#include "error.h"
#include "json.h"
#include "money.h"
#include "sign.h"

#define KASSA_VERSION "0.1.0"

#endif
