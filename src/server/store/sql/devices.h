/* sql/devices.h: the statements of devices, their pairing codes and bank
 * messages (spec/p2p.md "Confirmation"), one text for both backends ($N
 * placeholders), and their rows' column maps (store/devices.c). */
#ifndef KASSA_SQL_DEVICES_H
#define KASSA_SQL_DEVICES_H

#include "model/model.h"
#include "row.h"

#define SQL_DEVICE_COLUMNS                                                                         \
    "id, trader_id, name, token_hash, secret, created_at, last_seen, revoked_at "

#define SQL_DEVICE_INSERT                                                                          \
    "INSERT INTO devices(trader_id, name, token_hash, secret, created_at) VALUES ($1, $2, $3, "    \
    "$4, $5) RETURNING id"
#define SQL_DEVICE_BY_ID "SELECT " SQL_DEVICE_COLUMNS "FROM devices WHERE id = $1"
#define SQL_DEVICE_BY_TOKEN "SELECT " SQL_DEVICE_COLUMNS "FROM devices WHERE token_hash = $1"
/* $1 id, $2 now. */
#define SQL_DEVICE_SEEN "UPDATE devices SET last_seen = $2 WHERE id = $1 AND last_seen < $2"
/* $1 id, $2 token hash, $3 secret: a device in use only. */
#define SQL_DEVICE_ROTATE                                                                          \
    "UPDATE devices SET token_hash = $2, secret = $3 WHERE id = $1 AND revoked_at = 0"
/* $1 id, $2 now; then its requisites are unbound. */
#define SQL_DEVICE_REVOKE "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0"
#define SQL_DEVICE_UNBIND_ALL "UPDATE requisites SET device_id = 0 WHERE device_id = $1"

/* Pairing codes: $1 trader, $2 code hash, $3 now, $4 expires_at. */
#define SQL_PAIRING_INSERT                                                                         \
    "INSERT INTO device_pairings(trader_id, code_hash, created_at, expires_at) VALUES ($1, $2, "   \
    "$3, $4) RETURNING id"
/* id, trader_id, expires_at, used_at. */
#define SQL_PAIRING_BY_HASH                                                                        \
    "SELECT id, trader_id, expires_at, used_at FROM device_pairings WHERE code_hash = $1"
/* $1 id, $2 now, $3 device: once only. */
#define SQL_PAIRING_USE                                                                            \
    "UPDATE device_pairings SET used_at = $2, device_id = $3 WHERE id = $1 AND used_at = 0 "       \
    "RETURNING id"

/* A requisite's owner and device: id, trader_id, device_id. */
#define SQL_REQUISITE_DEVICE_OF "SELECT id, trader_id, device_id FROM requisites WHERE id = $1"
/* $1 requisite, $2 device (0: unbind). */
#define SQL_REQUISITE_BIND "UPDATE requisites SET device_id = $2 WHERE id = $1"
/* The requisites bound to device $1, by id. */
#define SQL_DEVICE_REQUISITES "SELECT id FROM requisites WHERE device_id = $1 ORDER BY id"

/* The orders a credit may confirm: pending or expired, of this amount and
 * currency, assigned at or before the credit ($4 received_at) and expiring
 * at or after $5 (received_at - grace); on a requisite bound to device $1
 * (_BOUND), or on one of trader $1 bound to no device (_TRADER: the bank
 * and last digits are compared in core). Columns: id, status, created_at,
 * expires_at, the requisite's bank_code, bank_name_en and value. */
#define SQL_CANDIDATE_COLUMNS                                                                      \
    "SELECT o.id, o.status, o.created_at, o.expires_at, r.bank_code, r.bank_name_en, r.value "     \
    "FROM orders o JOIN requisites r ON r.id = o.requisite_id WHERE "
#define SQL_CANDIDATE_WINDOW                                                                       \
    " AND o.amount = $2 AND o.currency = $3 AND o.status IN (0, 3) AND o.created_at <= $4 AND "    \
    "o.expires_at >= $5 ORDER BY o.id LIMIT 16"
#define SQL_CANDIDATES_BOUND SQL_CANDIDATE_COLUMNS "r.device_id = $1" SQL_CANDIDATE_WINDOW
#define SQL_CANDIDATES_TRADER                                                                      \
    SQL_CANDIDATE_COLUMNS "r.trader_id = $1 AND r.device_id = 0" SQL_CANDIDATE_WINDOW

#define SQL_BANK_MESSAGE_COLUMNS                                                                   \
    "m.id, m.device_id, m.trader_id, m.event_id, m.source, m.sender, m.package, m.title, m.text, " \
    "m.received_at, m.created_at, m.state, m.reason, m.template_id, m.bank, m.kind, m.amount, "    \
    "m.currency, m.last4, m.payer, m.order_id, COALESCE(o.uuid, ''), m.matched_by, m.matched_at "
#define SQL_BANK_MESSAGE_FROM                                                                      \
    "FROM bank_messages m LEFT JOIN orders o ON o.id = m.order_id AND m.order_id > 0 "

#define SQL_BANK_MESSAGE_INSERT                                                                    \
    "INSERT INTO bank_messages(device_id, trader_id, event_id, source, sender, package, title, "   \
    "text, received_at, created_at, state, reason, template_id, bank, kind, amount, currency, "    \
    "last4, payer, order_id, matched_by, matched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, " \
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id"
#define SQL_BANK_MESSAGE_BY_EVENT                                                                  \
    "SELECT " SQL_BANK_MESSAGE_COLUMNS SQL_BANK_MESSAGE_FROM                                       \
    "WHERE m.device_id = $1 AND m.event_id = $2"
#define SQL_BANK_MESSAGE_BY_ID                                                                     \
    "SELECT " SQL_BANK_MESSAGE_COLUMNS SQL_BANK_MESSAGE_FROM "WHERE m.id = $1"
/* $1 id, $2 order, $3 matched_by, $4 now: an unmatched or ambiguous one
 * only. */
#define SQL_BANK_MESSAGE_ATTACH                                                                    \
    "UPDATE bank_messages SET state = 'matched', order_id = $2, matched_by = $3, matched_at = $4 " \
    "WHERE id = $1 AND state IN ('unmatched', 'ambiguous') RETURNING id"

void sql_read_device(const struct sql_row *r, struct device *d);
void sql_read_bank_message(const struct sql_row *r, struct bank_message *m);
/* A page of trader_id's devices (0: every trader's), by id. */
void sql_devices_list(int64_t trader_id, int64_t after_id, bool asc, int limit,
                      struct sql_query *q);
/* A page of bank messages, by id. */
void sql_bank_messages_list(const struct bank_message_filter *f, struct sql_query *q);

#endif
