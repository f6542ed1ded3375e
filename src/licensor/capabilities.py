"""The capabilities this server is made of, named once for the app and the CLI.

Importing a capability's service modules registers what it adds to core's registries: jobs,
event handlers, payment fulfillers and quote kinds.
"""

from licensor.accounts import lockout
from licensor.accounts import service as accounts
from licensor.bulk import service as bulk
from licensor.catalog import service as catalog
from licensor.discounts.credits import service as license_credits
from licensor.licenses import rules as license_rules
from licensor.licenses import service as licenses
from licensor.licenses import validation
from licensor.licenses.registrations import service as registrations
from licensor.maintenance import renewals
from licensor.maintenance import rules as maintenance_rules
from licensor.maintenance import service as maintenance
from licensor.marketplace import service as marketplace
from licensor.orders import paid
from licensor.orders import rules as order_rules
from licensor.orders import service as orders
from licensor.orders.pricing import policies as pricing_policies
from licensor.orders.quotes import service as quotes
from licensor.staff import service as staff
from licensor.subscriptions import companion as site_companion
from licensor.subscriptions import invitations as site_invitations
from licensor.subscriptions import lifecycle as subscriptions
from licensor.webhooks import delivery as webhook_delivery
from licensor.webhooks import handlers as webhook_events
from licensor.webhooks import service as webhooks

SERVICES = (catalog, licenses, registrations, validation, accounts, lockout, orders, quotes,
            maintenance, renewals, subscriptions, site_invitations, marketplace, bulk, webhooks,
            webhook_delivery, webhook_events,
            staff)

# Orders does not build on subscriptions: the companion price learns a customer's standing on a
# site through this.
pricing_policies.use_site_standing(site_companion.standing)

# Orders builds on discounts (coupons): a license's credit learns what its orders paid, and
# what it is worth today, through this.
license_credits.use_orders(paid.paid_for_lineage, order_rules.current_value)

# Licenses does not build on maintenance: a new license's maintenance end is maintenance's rule.
license_rules.use_maintenance_end(maintenance_rules.first_end)
