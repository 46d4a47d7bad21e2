// What each staff role sees and may do in the console.  The server
// enforces every route's roles (core/http/routes.c); this table only keeps
// a role from being shown screens and buttons whose calls would be
// refused, and it follows the roles' jobs: a cashier sells at the counter,
// a technician looks after meters, an operator serves customers.

const ALL = ["admin", "operator", "cashier", "technician"];

// Menu order.  A screen a role may not open is neither listed nor routed.
export const SCREENS = [
  ["dashboard", ALL],
  ["customers", ["admin", "operator"]],
  ["meters", ["admin", "operator", "technician"]],
  ["tariffs", ["admin", "operator"]],
  ["counter", ["admin", "cashier"]],
  ["payments", ["admin", "operator", "cashier"]],
  ["chat", ["admin", "operator"]],
  ["notifications", ["admin", "operator"]],
  ["users", ["admin"]],
  ["audit", ["admin"]],
];

// Actions inside screens, named after the routes they call.
const ACTIONS = {
  "customers.write": ["admin", "operator"],
  "meters.write": ["admin", "operator"],
  "tariffs.write": ["admin"],
  "purchases.cancel": ["admin", "operator", "cashier"],
  "purchases.refund": ["admin"],
  "purchases.resend": ALL,
  "reconciliation.read": ["admin", "operator"],
  "reconciliation.run": ["admin"],
  "settlement.read": ["admin", "operator", "cashier"],
  "users.read": ["admin"],
  "counter.sell": ["admin", "cashier"],
  // Postpaid billing (core/bill): readings from the field, their review,
  // the monthly run, invoices, bill payments, the report, field lists.
  "readings.write": ["admin", "operator", "technician"],
  "readings.review": ["admin", "operator"],
  "billing.read": ["admin", "operator"],
  "billing.run": ["admin"],
  "invoices.read": ["admin", "operator"],
  "bills.pay": ["admin", "operator", "cashier"],
  "billing.report": ["admin", "operator"],
  "field.lists": ["admin", "operator", "technician"],
};

export function isStaff(user) {
  return Boolean(user) && ALL.includes(user.role);
}

export function screensFor(user) {
  return SCREENS.filter(([, roles]) => roles.includes(user.role))
    .map(([name]) => name);
}

export function mayOpen(user, screen) {
  return screensFor(user).includes(screen);
}

export function can(user, action) {
  return Boolean(ACTIONS[action] && ACTIONS[action].includes(user.role));
}
