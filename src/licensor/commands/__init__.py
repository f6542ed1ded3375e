"""CLI command groups. Each module here defines `app` (a typer.Typer) and `NAME`; cli.py adds
every one as `licensor NAME ...`, so capabilities add commands without editing cli.py."""
