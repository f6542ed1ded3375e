"""Discounts: the vendor's coupons, their redemptions, and credits given for desktop licenses."""
