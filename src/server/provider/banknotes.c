/* banknotes.c: bank notification templates (load, merge, compile) and
 * reading a notification with them (banknotes.h). */
#include "provider/banknotes.h"

#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

/* scripts/embed.py --files: provider/banknotes.json, compact. */
extern const struct embedded_file bank_templates[];
extern const size_t bank_templates_count;

#define TEMPLATES_MAX 512          /* templates in one set */
#define PATTERN_MAX 4096           /* bytes of one pattern */
#define NAME_MAX_LEN 64            /* bytes of an id, a bank, a sender, a package */
#define FILE_MAX (4 * 1024 * 1024) /* bytes of an operator's file */
#define GROUPS_MAX 32              /* capture groups a pattern may have */

enum group { G_AMOUNT, G_CURRENCY, G_PAYER, G_LAST4, G_BALANCE, G_COUNT };
static const char *const group_names[G_COUNT] = {"amount", "currency", "payer", "last4", "balance"};

struct banknote_template {
    char *id, *bank;
    char **senders, **packages; /* NULL-terminated */
    bool has_title;
    regex_t title_re, text_re;
    enum banknote_kind kind;
    const kassa_currency *currency; /* default, or NULL */
    int group[G_COUNT];             /* 0: none */
};

struct banknote_templates {
    struct banknote_template *t;
    size_t n;
};

static _Atomic(struct banknote_templates *) installed;

void banknotes_install(struct banknote_templates *set)
{
    installed = set;
}

const struct banknote_templates *banknotes_installed(void)
{
    return installed;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Patterns are compiled in the C locale whatever the process's is: one
 * byte is one character, so UTF-8 literals match byte for byte and no
 * locale can make "." eat half a letter differently on another machine. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Compile pattern p folded like the text it will meet. */
static int compile(regex_t *re, const char *p, char *why, size_t whylen)
{
    size_t len = strlen(p);
    if (len == 0 || len > PATTERN_MAX) {
        set_err(why, whylen, len == 0 ? "empty" : "longer than %d bytes", PATTERN_MAX);
        return -1;
    }
    char *folded = malloc(2 * len + 2);
    if (folded == NULL) {
        set_err(why, whylen, "out of memory");
        return -1;
    }
    banknote_fold_pattern(p, len, folded);
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    int rc = regcomp(re, folded, REG_EXTENDED);
    if (old != (locale_t)0)
        uselocale(old);
    free(folded);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof msg);
        set_err(why, whylen, "not a POSIX extended regular expression: %s", msg);
        return -1;
    }
    if (re->re_nsub >= GROUPS_MAX) {
        regfree(re);
        set_err(why, whylen, "more than %d groups", GROUPS_MAX - 1);
        return -1;
    }
    return 0;
}

static void template_free(struct banknote_template *t)
{
    free(t->id);
    free(t->bank);
    for (char **s = t->senders; s != NULL && *s != NULL; s++)
        free(*s);
    free(t->senders);
    for (char **s = t->packages; s != NULL && *s != NULL; s++)
        free(*s);
    free(t->packages);
    if (t->has_title)
        regfree(&t->title_re);
}

void banknote_templates_free(struct banknote_templates *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++) {
        template_free(&set->t[i]);
        regfree(&set->t[i].text_re);
    }
    free(set->t);
    free(set);
}

/* A template's error: "ORIGIN: template "ID": "FIELD": why". */
#define FAIL(field, ...)                                                                           \
    do {                                                                                           \
        char why_[256];                                                                            \
        set_err(why_, sizeof why_, __VA_ARGS__);                                                   \
        set_err(err, errlen, "%s: template %s: \"%s\": %s", origin, who, field, why_);             \
        goto fail;                                                                                 \
    } while (0)

static bool short_string(json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 &&
           json_string_length(v) <= NAME_MAX_LEN &&
           strlen(json_string_value(v)) == json_string_length(v);
}

/* A list of short strings (absent: empty) as a NULL-terminated copy. */
static int string_list(json_t *v, char ***out, char *why, size_t whylen)
{
    if (v != NULL && !json_is_array(v)) {
        set_err(why, whylen, "must be a list of strings");
        return -1;
    }
    size_t n = v != NULL ? json_array_size(v) : 0;
    char **l = calloc(n + 1, sizeof *l);
    if (l == NULL) {
        set_err(why, whylen, "out of memory");
        return -1;
    }
    *out = l;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!short_string(s)) {
            set_err(why, whylen, "item %zu must be a string of 1 to %d bytes", i + 1, NAME_MAX_LEN);
            return -1;
        }
        if ((l[i] = strdup(json_string_value(s))) == NULL) {
            set_err(why, whylen, "out of memory");
            return -1;
        }
    }
    return 0;
}

static const char *const template_keys[] = {"id",     "bank",     "senders", "packages",
                                            "title",  "pattern",  "kind",    "currency",
                                            "groups", "disabled", "origin",  "note"};

/* Build t from object o; `who` names it in errors. */
static int template_build(struct banknote_template *t, json_t *o, const char *origin,
                          const char *who, char *err, size_t errlen)
{
    char why[200];
    bool text_compiled = false;
    memset(t, 0, sizeof *t);
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        size_t k = 0;
        while (k < sizeof template_keys / sizeof template_keys[0] &&
               strcmp(key, template_keys[k]) != 0)
            k++;
        if (k == sizeof template_keys / sizeof template_keys[0])
            FAIL(key, "unknown field");
        if ((strcmp(key, "origin") == 0 || strcmp(key, "note") == 0) && !json_is_string(v))
            FAIL(key, "must be a string");
    }
    t->id = strdup(json_string_value(json_object_get(o, "id")));
    v = json_object_get(o, "bank");
    if (!short_string(v))
        FAIL("bank", "must be a string of 1 to %d bytes", NAME_MAX_LEN);
    t->bank = strdup(json_string_value(v));
    if (t->id == NULL || t->bank == NULL)
        FAIL("id", "out of memory");
    if (string_list(json_object_get(o, "senders"), &t->senders, why, sizeof why) != 0)
        FAIL("senders", "%s", why);
    if (string_list(json_object_get(o, "packages"), &t->packages, why, sizeof why) != 0)
        FAIL("packages", "%s", why);
    /* A template for any sender would let any SMS confirm an order. */
    if (t->senders[0] == NULL && t->packages[0] == NULL)
        FAIL("senders", "a template needs at least one sender or package");
    v = json_object_get(o, "kind");
    const char *kind = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(kind, "credit") == 0)
        t->kind = BANKNOTE_CREDIT;
    else if (strcmp(kind, "debit") == 0)
        t->kind = BANKNOTE_DEBIT;
    else if (strcmp(kind, "other") == 0)
        t->kind = BANKNOTE_OTHER;
    else
        FAIL("kind", "must be \"credit\", \"debit\" or \"other\"");
    v = json_object_get(o, "currency");
    if (v != NULL &&
        (!json_is_string(v) || (t->currency = kassa_currency_find(json_string_value(v))) == NULL))
        FAIL("currency", "must be a currency code kassa knows (\"RUB\")");
    v = json_object_get(o, "title");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v))
            FAIL("title", "must be a string");
        if (compile(&t->title_re, json_string_value(v), why, sizeof why) != 0)
            FAIL("title", "%s", why);
        t->has_title = true;
    }
    v = json_object_get(o, "pattern");
    if (!json_is_string(v))
        FAIL("pattern", "must be a string");
    if (compile(&t->text_re, json_string_value(v), why, sizeof why) != 0)
        FAIL("pattern", "%s", why);
    text_compiled = true;
    json_t *groups = json_object_get(o, "groups");
    if (groups != NULL && !json_is_object(groups))
        FAIL("groups", "must be an object");
    json_object_foreach(groups, key, v)
    {
        int g = 0;
        while (g < G_COUNT && strcmp(key, group_names[g]) != 0)
            g++;
        char field[48];
        snprintf(field, sizeof field, "groups.%s", key);
        if (g == G_COUNT)
            FAIL(field, "unknown group (amount, currency, payer, last4, balance)");
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > (json_int_t)t->text_re.re_nsub)
            FAIL(field, "must be a group of the pattern, 1 to %zu", t->text_re.re_nsub);
        t->group[g] = (int)json_integer_value(v);
    }
    if (t->kind != BANKNOTE_OTHER && t->group[G_AMOUNT] == 0)
        FAIL("groups.amount", "a %s template must say which group is the amount", kind);
    return 0;
fail:
    if (text_compiled)
        regfree(&t->text_re);
    template_free(t);
    memset(t, 0, sizeof *t);
    return -1;
}

/* One document's templates, checked for shape; *out borrows from root. */
static int document_templates(json_t *root, const char *origin, json_t **out, char *err,
                              size_t errlen)
{
    if (!json_is_object(root)) {
        set_err(err, errlen, "%s: must be a JSON object {\"templates\": [...]}", origin);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "templates") != 0 && strcmp(key, "note") != 0 &&
            strcmp(key, "version") != 0) {
            set_err(err, errlen, "%s: \"%s\": unknown field", origin, key);
            return -1;
        }
    }
    v = json_object_get(root, "version");
    if (v != NULL && !(json_is_integer(v) && json_integer_value(v) == 1)) {
        set_err(err, errlen, "%s: \"version\": must be 1", origin);
        return -1;
    }
    json_t *list = json_object_get(root, "templates");
    if (!json_is_array(list)) {
        set_err(err, errlen, "%s: \"templates\": must be a list", origin);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *t = json_array_get(list, i);
        if (!json_is_object(t)) {
            set_err(err, errlen, "%s: template #%zu: must be an object", origin, i + 1);
            return -1;
        }
        json_t *id = json_object_get(t, "id");
        if (!short_string(id)) {
            set_err(err, errlen, "%s: template #%zu: \"id\": must be a string of 1 to %d bytes",
                    origin, i + 1, NAME_MAX_LEN);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(list, j), "id"), id)) {
                set_err(err, errlen, "%s: template \"%s\": \"id\": used twice", origin,
                        json_string_value(id));
                return -1;
            }
        json_t *d = json_object_get(t, "disabled");
        if (d != NULL && !json_is_boolean(d)) {
            set_err(err, errlen, "%s: template \"%s\": \"disabled\": must be true or false", origin,
                    json_string_value(id));
            return -1;
        }
    }
    *out = list;
    return 0;
}

static json_t *load_doc(const char *text, size_t len, const char *origin, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        set_err(err, errlen, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
    return root;
}

kassa_err banknote_templates_from_json(const char *base, size_t base_len, const char *overlay,
                                       size_t overlay_len, const char *overlay_name,
                                       struct banknote_templates **out, char *err, size_t errlen)
{
    static const char shipped_name[] = "shipped bank templates";
    kassa_err rc = KASSA_EINVAL;
    json_t *broot = NULL, *oroot = NULL, *blist = NULL, *olist = NULL;
    struct banknote_templates *set = NULL;
    *out = NULL;
    if (base == NULL) {
        base = bank_templates_count > 0 ? bank_templates[0].data : "{\"templates\":[]}";
        base_len = bank_templates_count > 0 ? bank_templates[0].len : strlen(base);
    }
    if (overlay_name == NULL)
        overlay_name = "bank templates";
    if ((broot = load_doc(base, base_len, shipped_name, err, errlen)) == NULL ||
        document_templates(broot, shipped_name, &blist, err, errlen) != 0)
        goto out;
    if (overlay != NULL &&
        ((oroot = load_doc(overlay, overlay_len, overlay_name, err, errlen)) == NULL ||
         document_templates(oroot, overlay_name, &olist, err, errlen) != 0))
        goto out;
    size_t nb = json_array_size(blist), no = olist != NULL ? json_array_size(olist) : 0;
    if (nb + no > TEMPLATES_MAX) {
        set_err(err, errlen, "%s: more than %d templates", overlay_name, TEMPLATES_MAX);
        goto out;
    }
    rc = KASSA_ENOMEM;
    set = calloc(1, sizeof *set);
    if (set == NULL || (set->t = calloc(nb + no + 1, sizeof *set->t)) == NULL)
        goto out;
    rc = KASSA_EINVAL;
    /* The order tried: the overlay's new templates, then the shipped ones
     * (each replaced by the overlay's of the same id, or dropped). */
    for (int pass = 0; pass < 2; pass++) {
        json_t *list = pass == 0 ? olist : blist;
        for (size_t i = 0; list != NULL && i < json_array_size(list); i++) {
            json_t *o = json_array_get(list, i);
            json_t *id = json_object_get(o, "id");
            const char *origin = pass == 0 ? overlay_name : shipped_name;
            bool shipped_id = false;
            if (pass == 0) {
                for (size_t j = 0; j < nb && !shipped_id; j++)
                    shipped_id = json_equal(json_object_get(json_array_get(blist, j), "id"), id);
                if (shipped_id)
                    continue; /* taken in the shipped one's place */
            } else {
                for (size_t j = 0; j < no; j++)
                    if (json_equal(json_object_get(json_array_get(olist, j), "id"), id)) {
                        o = json_array_get(olist, j);
                        origin = overlay_name;
                        break;
                    }
            }
            if (json_is_true(json_object_get(o, "disabled")))
                continue;
            char who[NAME_MAX_LEN + 3];
            snprintf(who, sizeof who, "\"%s\"", json_string_value(id));
            if (template_build(&set->t[set->n], o, origin, who, err, errlen) != 0)
                goto out;
            set->n++;
        }
    }
    *out = set;
    set = NULL;
    rc = KASSA_OK;
out:
    banknote_templates_free(set);
    json_decref(broot);
    json_decref(oroot);
    return rc;
}

kassa_err banknote_templates_load(const char *path, struct banknote_templates **out, char *err,
                                  size_t errlen)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return banknote_templates_from_json(NULL, 0, NULL, 0, NULL, out, err, errlen);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return KASSA_EIO;
    }
    kassa_err rc = KASSA_EIO;
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    if (buf == NULL) {
        rc = KASSA_ENOMEM;
        set_err(err, errlen, "%s: out of memory", path);
    } else if (ferror(f)) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
    } else if (n > FILE_MAX) {
        rc = KASSA_EINVAL;
        set_err(err, errlen, "%s: larger than %d bytes", path, FILE_MAX);
    } else {
        rc = banknote_templates_from_json(NULL, 0, buf, n, path, out, err, errlen);
    }
    free(buf);
    fclose(f);
    return rc;
}

size_t banknote_templates_count(const struct banknote_templates *set)
{
    return set != NULL ? set->n : 0;
}

const char *banknote_template_id(const struct banknote_templates *set, size_t i)
{
    return i < banknote_templates_count(set) ? set->t[i].id : NULL;
}

const char *banknote_template_bank(const struct banknote_templates *set, size_t i)
{
    return i < banknote_templates_count(set) ? set->t[i].bank : NULL;
}

const char *const *banknote_template_senders(const struct banknote_templates *set, size_t i)
{
    return i < banknote_templates_count(set) ? (const char *const *)set->t[i].senders : NULL;
}

const char *const *banknote_template_packages(const struct banknote_templates *set, size_t i)
{
    return i < banknote_templates_count(set) ? (const char *const *)set->t[i].packages : NULL;
}

/* Does the template take notifications from this sender or package?
 * Senders compare without case ("TINKOFF"), packages exactly. */
static bool template_takes(const struct banknote_template *t, const struct banknote *n)
{
    if (n->source == BANKNOTE_SMS) {
        if (n->sender == NULL || n->sender[0] == '\0')
            return false;
        for (char **s = t->senders; *s != NULL; s++)
            if (strcasecmp(*s, n->sender) == 0)
                return true;
        return false;
    }
    if (n->package == NULL || n->package[0] == '\0')
        return false;
    for (char **s = t->packages; *s != NULL; s++)
        if (strcmp(*s, n->package) == 0)
            return true;
    return false;
}

static bool has_group(const regmatch_t *m, int g)
{
    return g > 0 && m[g].rm_so >= 0 && m[g].rm_eo > m[g].rm_so;
}

/* Fill out from the groups of t's match m over the folded text and the
 * same text with its case (`shown`). */
static kassa_err read_groups(const struct banknote_template *t, const regmatch_t *m,
                             const char *folded, const char *shown, struct banknote_result *out)
{
    const kassa_currency *cur = t->currency;
    const int *g = t->group;
    if (has_group(m, g[G_CURRENCY])) {
        cur = banknote_currency_mark(folded + m[g[G_CURRENCY]].rm_so,
                                     (size_t)(m[g[G_CURRENCY]].rm_eo - m[g[G_CURRENCY]].rm_so));
        if (cur == NULL)
            return KASSA_ECURRENCY;
    }
    if (g[G_AMOUNT] > 0) {
        if (!has_group(m, g[G_AMOUNT]))
            return KASSA_EMONEY_EMPTY;
        kassa_err rc = banknote_amount_parse(
            folded + m[g[G_AMOUNT]].rm_so, (size_t)(m[g[G_AMOUNT]].rm_eo - m[g[G_AMOUNT]].rm_so),
            cur, KASSA_MONEY_POSITIVE, &out->amount, &out->currency);
        if (rc != KASSA_OK)
            return rc;
        cur = out->currency;
    }
    if (has_group(m, g[G_BALANCE]) && cur != NULL) {
        const kassa_currency *bc = NULL;
        int64_t b = 0;
        if (banknote_amount_parse(folded + m[g[G_BALANCE]].rm_so,
                                  (size_t)(m[g[G_BALANCE]].rm_eo - m[g[G_BALANCE]].rm_so), cur,
                                  KASSA_MONEY_ALLOW_NEGATIVE, &b, &bc) == KASSA_OK &&
            bc == cur) {
            out->has_balance = true;
            out->balance = b;
        }
    }
    if (has_group(m, g[G_PAYER])) {
        size_t n = (size_t)(m[g[G_PAYER]].rm_eo - m[g[G_PAYER]].rm_so);
        const char *p = shown + m[g[G_PAYER]].rm_so;
        while (n > 0 && p[0] == ' ')
            p++, n--;
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n >= sizeof out->payer) {
            /* Cut on a character's boundary. */
            n = sizeof out->payer - 1;
            while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(out->payer, p, n);
        out->payer[n] = '\0';
    }
    if (has_group(m, g[G_LAST4])) {
        size_t o = 0;
        for (regoff_t i = m[g[G_LAST4]].rm_so; i < m[g[G_LAST4]].rm_eo; i++)
            if (folded[i] >= '0' && folded[i] <= '9' && o + 1 < sizeof out->last4)
                out->last4[o++] = folded[i];
        out->last4[o] = '\0';
    }
    return KASSA_OK;
}

kassa_err banknote_parse(const struct banknote_templates *set, const struct banknote *n,
                         struct banknote_result *out)
{
    memset(out, 0, sizeof *out);
    char text[BANKNOTE_TEXT_MAX + 1], shown[BANKNOTE_TEXT_MAX + 1], title[BANKNOTE_TEXT_MAX + 1];
    const char *t_in = n->text != NULL ? n->text : "";
    const char *ti_in = n->title != NULL ? n->title : "";
    size_t tl = strlen(t_in), til = strlen(ti_in);
    if (tl > BANKNOTE_TEXT_MAX || til > BANKNOTE_TEXT_MAX ||
        banknote_fold(t_in, tl, text, shown, BANKNOTE_TEXT_MAX) == (size_t)-1 ||
        banknote_fold(ti_in, til, title, NULL, BANKNOTE_TEXT_MAX) == (size_t)-1)
        return KASSA_ETOOBIG;
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        const struct banknote_template *t = &set->t[i];
        regmatch_t m[GROUPS_MAX];
        /* An SMS has no title: a title pattern is the push's alone. */
        if (!template_takes(t, n) || (t->has_title && n->source == BANKNOTE_PUSH &&
                                      regexec(&t->title_re, title, 0, NULL, 0) != 0))
            continue;
        if (regexec(&t->text_re, text, GROUPS_MAX, m, 0) != 0)
            continue;
        out->template_id = t->id;
        out->bank = t->bank;
        kassa_err rc = read_groups(t, m, text, shown, out);
        if (rc != KASSA_OK) {
            /* Matched but unreadable: never a half-read credit. */
            const char *id = out->template_id, *bank = out->bank;
            memset(out, 0, sizeof *out);
            out->template_id = id;
            out->bank = bank;
            return rc;
        }
        out->kind = t->kind;
        return KASSA_OK;
    }
    return KASSA_ENOTFOUND;
}
