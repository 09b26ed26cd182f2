/* main.c: the kassa CLI's entry point: one table of commands, dispatched by
 * their first one or two words. Add a command: one row here, one function
 * in a cmd_*.c file, its prototype in cli.h. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const cli_cmd commands[] = {
    /* merchant side */
    {{"panda", "create-order"},
     "create a panda order (POST /v1/orders or /orders)",
     cmd_panda_create_order},
    {{"panda", "order"}, "show a panda order (GET /orders/{uuid})", cmd_panda_order},
    {{"panda", "cancel"}, "cancel a pending panda order", cmd_panda_cancel},
    {{"tegro", "call"}, "call a tegro REST method, signed", cmd_tegro_call},
    {{"tegro", "pay-url"}, "print a signed tegro /pay/ URL", cmd_tegro_pay_url},
    {{"listen", NULL}, "receive callbacks, verify them, print each as a JSON line", cmd_listen},
    {{"sign", NULL}, "compute a signature (panda, tegro-rest, tegro-form)", cmd_sign},
    /* operator side: the admin API */
    {{"shop", "create"}, "create a shop (admin API)", cmd_shop_create},
    {{"shop", "update"}, "change a shop's settings (admin API)", cmd_shop_update},
    {{"shop", "disable"},
     "switch a shop off: its merchant calls are refused (admin API)",
     cmd_shop_disable},
    {{"shop", "enable"}, "switch a shop back on (admin API)", cmd_shop_enable},
    {{"shop", "rotate"},
     "new credentials of a dialect; the old keep working for an overlap (admin API)",
     cmd_shop_rotate},
    {{"requisite", "add"}, "add a requisite to the pool (admin API)", cmd_requisite_add},
    {{"requisite", "update"},
     "change a requisite, or switch it off (admin API)",
     cmd_requisite_update},
    {{"order", "list"}, "list orders with filters, a page at a time (admin API)", cmd_order_list},
    {{"order", "show"}, "show an order by uuid or id (admin API)", cmd_order_show},
    {{"order", "complete"}, "mark an order paid (admin API)", cmd_order_complete},
    {{"order", "fail"}, "mark an order failed (admin API)", cmd_order_fail},
    {{"order", "reverse"},
     "reverse a completed order: the merchant's credit back (admin API)",
     cmd_order_reverse},
    {{"shop", "balances"}, "show a shop's balances (admin API)", cmd_shop_balances},
    {{"shop", "list"},
     "list shops with their balances, a page at a time (admin API)",
     cmd_shop_list},
    {{"order", "export"}, "download orders as CSV for a time range (admin API)", cmd_order_export},
    {{"ledger", "export"},
     "download ledger postings as CSV for a time range (admin API)",
     cmd_ledger_export},
    {{"withdrawal", "list"}, "list withdrawals, pending first (admin API)", cmd_withdrawal_list},
    {{"withdrawal", "show"}, "show a withdrawal (admin API)", cmd_withdrawal_show},
    {{"withdrawal", "complete"},
     "pay out a withdrawal: held -> payouts (admin API)",
     cmd_withdrawal_complete},
    {{"withdrawal", "reject"},
     "reject a withdrawal: held -> available (admin API)",
     cmd_withdrawal_reject},
    {{"callbacks", "list"}, "an order's callbacks and attempts (admin API)", cmd_callbacks_list},
    {{"callbacks", "resend"}, "deliver a callback once more (admin API)", cmd_callbacks_resend},
    {{"callbacks", "stats"}, "callback counters (admin API)", cmd_callbacks_stats},
    {{"trader", "create"},
     "create a trader, credentials printed once (admin API)",
     cmd_trader_create},
    {{"trader", "list"}, "list the traders (admin API)", cmd_trader_list},
    {{"trader", "show"}, "a trader with its balances (admin API)", cmd_trader_show},
    {{"trader", "update"},
     "rename, suspend, set online or the reward (admin API)",
     cmd_trader_update},
    {{"trader", "deposit"}, "record a trader's deposit (admin API)", cmd_trader_deposit},
    {{"trader", "withdraw"}, "pay a trader's money back (admin API)", cmd_trader_withdraw},
    {{"device", "pair"},
     "a one-time pairing code for a trader's phone (admin API)",
     cmd_device_pair},
    {{"device", "list"}, "list a trader's devices (admin API)", cmd_device_list},
    {{"device", "show"}, "a device and its requisites (admin API)", cmd_device_show},
    {{"device", "revoke"}, "revoke a device (admin API)", cmd_device_revoke},
    {{"device", "bind"}, "bind a requisite to a device (admin API)", cmd_device_bind},
    {{"device", "unbind"}, "unbind a requisite from its device (admin API)", cmd_device_unbind},
    {{"bank-message", "list"},
     "list the bank messages devices posted (admin API)",
     cmd_bank_message_list},
    {{"bank-message", "show"}, "a bank message (admin API)", cmd_bank_message_show},
    {{"bank-message", "attach"},
     "attach a bank message to an order (admin API)",
     cmd_bank_message_attach},
    {{"dispute", "list"}, "the dispute queue (admin API)", cmd_dispute_list},
    {{"dispute", "show"}, "a dispute with its evidence and log (admin API)", cmd_dispute_show},
    {{"dispute", "decide"}, "decide a dispute: success or cancel (admin API)", cmd_dispute_decide},
    {{"dispute", "pause"}, "stop a dispute's clock (admin API)", cmd_dispute_pause},
    {{"dispute", "resume"}, "start a paused dispute's clock (admin API)", cmd_dispute_resume},
    {{"merchant-user", "create"},
     "add a merchant user who signs in to the console (admin API)",
     cmd_merchant_user_create},
    {{"merchant-user", "list"},
     "list a merchant's console users (admin API)",
     cmd_merchant_user_list},
    {{"merchant-user", "update"},
     "rename, switch off or set a new password of a merchant user (admin API)",
     cmd_merchant_user_update},
    {{"operator", "create"},
     "create an operator with a role (admin API, owner)",
     cmd_operator_create},
    {{"operator", "list"}, "list the operators (admin API, owner)", cmd_operator_list},
    {{"operator", "update"},
     "rename, change the role of, or switch off an operator (admin API, owner)",
     cmd_operator_update},
    {{"token", "create"},
     "issue an API token for an operator, printed once (admin API, owner)",
     cmd_token_create},
    {{"token", "list"}, "list an operator's tokens (admin API, owner)", cmd_token_list},
    {{"token", "revoke"}, "revoke an API token (admin API)", cmd_token_revoke},
    {{"audit", "list"}, "list the audit log of admin writes (admin API)", cmd_audit_list},
    {{"whoami", NULL}, "the operator and role of the admin token (admin API)", cmd_whoami},
    {{"ledger", "verify"},
     "check the ledger; exit 0 only when consistent (admin API)",
     cmd_ledger_verify},
    {{"backup", NULL}, "copy the running SQLite database into a file (admin API)", cmd_backup},
    {{"overview", NULL},
     "orders, conversion, volumes, queues and the database now (admin API)",
     cmd_overview},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: kassa COMMAND [options]   (kassa COMMAND --help for details)\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char words[64];
        snprintf(words, sizeof words, "%s%s%s", commands[i].words[0],
                 commands[i].words[1] ? " " : "", commands[i].words[1] ? commands[i].words[1] : "");
        fprintf(f, "  %-22s %s\n", words, commands[i].summary);
    }
    fprintf(f, "\nexit status: 0 success, 1 refused by the API or transport failure, "
               "2 usage error\n");
}

int main(int argc, char **argv)
{
    int group_known = 0;

    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kassa %s\n", KASSA_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const cli_cmd *c = &commands[i];
        if (strcmp(c->words[0], argv[1]) != 0)
            continue;
        group_known = 1;
        if (!c->words[1])
            return c->run(c, argc - 2, argv + 2);
        if (argc >= 3 && strcmp(c->words[1], argv[2]) == 0)
            return c->run(c, argc - 3, argv + 3);
    }
    if (group_known && argc >= 3 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        usage(stdout);
        return CLI_OK;
    }
    if (group_known) {
        fprintf(stderr, "kassa %s: unknown or missing subcommand%s%s\n", argv[1],
                argc >= 3 ? " " : "", argc >= 3 ? argv[2] : "");
        fprintf(stderr, "Try 'kassa --help'.\n");
        return CLI_USAGE;
    }
    fprintf(stderr, "kassa: unknown command '%s'\nTry 'kassa --help'.\n", argv[1]);
    return CLI_USAGE;
}
