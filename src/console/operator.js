// operator.js: the operator's console: the views in the order of the
// navigation. Each view file registers its routes; what a view may do is
// what the operator's role may do in the admin API (a 403 is shown as such).
import overview from "./op_overview.js";
import orders from "./op_orders.js";
import withdrawals from "./op_withdrawals.js";
import disputes from "./op_disputes.js";
import shops from "./op_shops.js";
import traders from "./op_traders.js";
import ledger from "./op_ledger.js";
import audit from "./op_audit.js";
import operators from "./op_operators.js";

export default function setup(app) {
  for (const view of [overview, orders, withdrawals, disputes, shops, traders, ledger, audit, operators]) view(app);
}
