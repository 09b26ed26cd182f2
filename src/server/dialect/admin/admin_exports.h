/* admin_exports.h: the operator's CSV exports (admin API), streamed in
 * constant memory.
 *
 * An export is the rows of a list in creation-time order (oldest first),
 * read a page at a time (EXPORT_PAGE_ROWS rows, or fewer once a page's
 * text passes EXPORT_PAGE_BYTES) as the client takes the previous page:
 * kassad holds one page, whatever the range. Each page is one statement on
 * a reader taken and given back for it, so no read transaction spans the
 * export (SQLite's checkpoints and PostgreSQL's vacuum go on between
 * pages); an export is therefore not one snapshot: a row is as it was when
 * its page was read.
 *
 * The CSV (RFC 4180): a header row, CRLF line ends, a cell quoted when it
 * holds a comma, a quote, CR or LF (quotes doubled). Amounts are exact
 * decimal text in the currency's units ("1000.47", "-12.50"); times are
 * RFC 3339 UTC ("2026-12-07T10:00:00Z"), an empty cell for none. A text
 * cell that comes from a merchant or an operator (a merchant order id, a
 * requisite type) and begins with = + - @, a tab or CR gets a leading
 * apostrophe, so a spreadsheet does not run it as a formula; cells kassa
 * writes itself (numbers, amounts, times) never do, so negative amounts
 * stay numbers.
 *
 * Arguments are checked before any byte is sent (400 with the JSON error
 * body, as every admin error). A failure after the answer began (the
 * database lost mid-export) cuts the connection: the chunked body then
 * lacks its last chunk, and clients see an error (curl: "transfer closed
 * with outstanding read data remaining", exit 18), never a short file that
 * looks whole. */
#ifndef KASSA_ADMIN_EXPORTS_H
#define KASSA_ADMIN_EXPORTS_H

#include "http/http.h"

/* GET /admin/v1/orders.csv?from=&to= and the orders list's other filters
 * (not limit, cursor, order): the orders created in [from, to) (RFC 3339
 * or Unix seconds; from absent: from the first; to absent: all so far, i.e. the next
 * second), oldest
 * first. */
enum http_action admin_export_orders(struct http_req *req);

/* GET /admin/v1/ledger/postings.csv?from=&to=&account= : the postings of
 * the ledger transactions created in [from, to) (account: of that account
 * only), in posting id order (the order they were committed in). */
enum http_action admin_export_postings(struct http_req *req);

#endif
