"""Every table, so Base.metadata knows them all (Alembic's env and the tests import this)."""

from licensor.accounts import models as accounts_models
from licensor.bulk import models as bulk_models
from licensor.catalog import models as catalog_models
from licensor.core import models as core_models
from licensor.core import payment_models
from licensor.discounts import models as discounts_models
from licensor.licenses import models as licenses_models
from licensor.maintenance import models as maintenance_models
from licensor.marketplace import models as marketplace_models
from licensor.orders import models as orders_models
from licensor.releases import models as releases_models
from licensor.staff import models as staff_models
from licensor.subscriptions import models as subscriptions_models
from licensor.tax import models as tax_models
from licensor.webhooks import models as webhooks_models

MODULES = (core_models, payment_models, catalog_models, licenses_models, accounts_models,
           orders_models, maintenance_models, subscriptions_models, marketplace_models,
           bulk_models, webhooks_models, staff_models, discounts_models,
           releases_models, tax_models)
