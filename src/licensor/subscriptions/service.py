"""Sites, projects and subscriptions (myBalsamiq, Balsamiq for Google Drive): what endpoints,
pages, commands and other capabilities call. The work lives in access (rights, shared helpers),
sites, billing (the charge and the one billing step), changes (subscribe, change plan, cancel),
cards (the card renewals are charged to), lifecycle (what falls due with time) and dunning (a
declined renewal tried again), invitations (members invited and removed); importing this
module registers the lifecycle job, the subscription payment fulfiller and the handler that
lets a new account join the sites it was invited to."""

from __future__ import annotations

from licensor.subscriptions.access import (  # noqa: F401
    can_bill,
    project_limit,
    require_billing,
    site_for,
    subscription_for,
)
from licensor.subscriptions.cards import update_card  # noqa: F401
from licensor.subscriptions.changes import (  # noqa: F401
    SubscribeRequest,
    apply_change,
    cancel,
    cancel_by_staff,
    preview_change,
    preview_subscribe,
    subscribe,
)
from licensor.subscriptions.invitations import invite, remove  # noqa: F401
from licensor.subscriptions.invitations import pending as pending_invitations  # noqa: F401
from licensor.subscriptions.lifecycle import (  # noqa: F401
    advance,
    open_renewal,
    run_lifecycle,
)
from licensor.subscriptions.sites import (  # noqa: F401
    add_member,
    create_project,
    create_site,
    delete_site,
    export_site,
    set_billing_admin,
    set_project_status,
)
