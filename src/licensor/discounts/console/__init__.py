"""The console's coupons."""
