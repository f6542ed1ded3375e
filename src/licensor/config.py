"""Settings from the environment (LICENSOR_*), as API.md names them."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LICENSOR_", extra="ignore")

    home: Path = Path("./var")
    database_url: str | None = None
    admin_token: str | None = None
    sandbox: bool = True
    smtp_url: str | None = None
    mail_from: str = "Licensor <licensing@localhost>"
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    # How often `serve` runs due jobs in real time (seconds); 0 turns the loop off.
    jobs_interval: int = 60

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'licensor.db').resolve()}"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"
