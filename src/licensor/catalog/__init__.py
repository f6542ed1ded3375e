"""Products, their plans and prices."""
