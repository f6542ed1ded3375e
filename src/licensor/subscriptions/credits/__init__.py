"""A desktop license turned into credit on a site's subscription."""
