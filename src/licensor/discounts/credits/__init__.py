"""Desktop licenses turned into credit: the rule, the API and the CLI."""
