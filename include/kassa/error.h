/* kassa/error.h: the one error enum of libkassa and kassad.
 *
 * Every failure in kassa is a kassa_err. Names and messages come from one
 * table (KASSA_ERRNO_MAP), as libuv's UV_ERRNO_MAP does; dialects map the
 * enum to their own wire errors. */
#ifndef KASSA_ERROR_H
#define KASSA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KASSA_BUILDING) && defined(__GNUC__)
#define KASSA_EXTERN __attribute__((visibility("default")))
#else
#define KASSA_EXTERN
#endif

/* XX(NAME, "message"). Append new rows at the end of a group; never reuse. */
#define KASSA_ERRNO_MAP(XX)                                                                        \
    XX(OK, "success")                                                                              \
    XX(EINVAL, "invalid argument")                                                                 \
    XX(ENOMEM, "out of memory")                                                                    \
    XX(ETOOBIG, "value too large")                                                                 \
    /* money */                                                                                    \
    XX(EMONEY_EMPTY, "amount is empty")                                                            \
    XX(EMONEY_SYNTAX, "amount is not a plain decimal number")                                      \
    XX(EMONEY_NEGATIVE, "amount must not be negative")                                             \
    XX(EMONEY_ZERO, "amount must be greater than zero")                                            \
    XX(EMONEY_RANGE, "amount is out of range")                                                     \
    XX(ECURRENCY, "unknown currency")                                                              \
    /* authentication */                                                                           \
    XX(EAUTH_KEY, "unknown or missing API key")                                                    \
    XX(EAUTH_SIGNATURE, "signature mismatch")                                                      \
    XX(EAUTH_TIMESTAMP, "timestamp missing or outside the allowed window")                         \
    XX(EAUTH_REPLAY, "request replayed")                                                           \
    /* store and state */                                                                          \
    XX(ENOTFOUND, "not found")                                                                     \
    XX(EEXIST, "already exists")                                                                   \
    XX(ECONFLICT, "conflict with existing data")                                                   \
    XX(ESTATE, "transition not allowed from the current state")                                    \
    XX(EFUNDS, "insufficient funds")                                                               \
    XX(EIO, "storage error")                                                                       \
    XX(EUNAVAILABLE, "service unavailable")                                                        \
    XX(ERETRY, "conflict with a concurrent transaction; run it again")                             \
    XX(EMETHOD_OFF, "payment method switched off for this shop")                                   \
    XX(EAMOUNT_LIMIT, "amount above the limit for its currency")                                   \
    /* client side */                                                                              \
    XX(ETRANSPORT, "transport error")                                                              \
    XX(EHTTP, "unexpected HTTP status")                                                            \
    XX(EAPI, "the API answered with an error")                                                     \
    XX(EPROTO, "malformed answer")

typedef enum kassa_err {
#define KASSA_XX_(name, msg) KASSA_##name,
    KASSA_ERRNO_MAP(KASSA_XX_)
#undef KASSA_XX_
        KASSA_ERR_MAX_
} kassa_err;

/* The message of an error, a static string; "unknown error" outside the enum. */
KASSA_EXTERN const char *kassa_strerror(kassa_err err);

/* The name of an error without the prefix ("EFUNDS"), a static string. */
KASSA_EXTERN const char *kassa_err_name(kassa_err err);

#ifdef __cplusplus
}
#endif
#endif
