"""A quote's coupon: checked, redeemed and given back; the checkout's field."""
