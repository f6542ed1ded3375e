"""Subscriptions: sites, plan changes, invoices."""
