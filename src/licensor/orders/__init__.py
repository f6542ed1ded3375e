"""Quotes, quote kinds, pricing, orders and refunds."""
