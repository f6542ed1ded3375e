"""Tax: VAT rates, the buyer's country and VAT ID, taxed documents, credit notes, the tax report."""
