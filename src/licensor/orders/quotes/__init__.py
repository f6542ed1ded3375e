"""Quotes: their kinds, how they are made, and `licensor quotes`."""
