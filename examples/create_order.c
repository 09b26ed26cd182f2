/* create_order.c: the seed's "create an order" script, in C on libkassa.
 *
 * POST {API_HOST}/orders with {"amount_rub": 1000.4747448348385 (a JSON
 * number), "requisite_type": "SBP", "idempotency_key": <uuid4>}, signed with
 * X-API-Key / X-Timestamp / X-Signature, and print
 *   Response: <code> <reason>
 *   <body>
 * whatever the status; "Request failed: <reason>" when no answer came.
 * Environment: API_KEY (apiKey), SECRET_KEY (secret),
 * API_HOST (https://api.pandapay24.com).
 *
 * Build alone: cc create_order.c $(pkg-config --cflags --libs kassa) */
#include <stdio.h>
#include <stdlib.h>

#include <kassa/kassa.h>

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v ? v : def;
}

int main(void)
{
    const char *api_key = env_or("API_KEY", "apiKey");
    const char *secret = env_or("SECRET_KEY", "secret");
    const char *api_host = env_or("API_HOST", "https://api.pandapay24.com");
    kassa_panda_order_params p = {
        .api = KASSA_PANDA_LEGACY,
        .amount = "1000.4747448348385",
        .requisite_type = "SBP",
        .idempotency_key = NULL, /* a fresh UUID v4 */
    };
    kassa_request req = {0};
    kassa_response resp = {0};
    kassa_error err = {0};
    kassa_http *http = NULL;
    kassa_err rc;

    rc = kassa_panda_build_create_order(api_host, api_key, secret, &p, NULL, &req);
    if (rc != KASSA_OK) {
        printf("Request failed: %s\n", kassa_strerror(rc));
        goto out;
    }
    http = kassa_http_new();
    if (!http) {
        printf("Request failed: out of memory\n");
        goto out;
    }
    kassa_http_set_timeout_ms(http, 30000);
    rc = kassa_http_send(http, &req, &resp, &err);
    if (rc != KASSA_OK) {
        printf("Request failed: %s\n", err.message);
        goto out;
    }
    printf("Response: %ld %s\n", resp.status, resp.reason);
    if (resp.body_len > 0)
        printf("%s\n", resp.body);
out:
    kassa_response_free(&resp);
    kassa_request_free(&req);
    kassa_http_free(http);
    return 0; /* as the seed: the outcome is in the output */
}
