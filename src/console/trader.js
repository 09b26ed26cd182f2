// trader.js: the trader's console, phone first (a phone held in one hand):
// the views in the order of the navigation. Each view file registers its
// routes; a trader sees and changes only its own objects, as the trader API
// (/trader/v1/..., the session cookie instead of a signature) decides.
import orders from "./trader_orders.js";
import disputes from "./trader_disputes.js";
import messages from "./trader_messages.js";
import requisites from "./trader_requisites.js";
import money from "./trader_money.js";
import devices from "./trader_devices.js";

export default function setup(app) {
  for (const view of [orders, disputes, messages, requisites, money, devices]) view(app);
}
