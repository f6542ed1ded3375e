"""Price policies of quotes, and the published upgrade prices."""
