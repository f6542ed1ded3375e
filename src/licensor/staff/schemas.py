"""Staff request and response models (API and CLI)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class StaffBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=200, description="At least 10 characters")
    role: Literal["admin", "support"]

    model_config = {"json_schema_extra": {"examples": [
        {"email": "ana@vendor.example", "password": "a long passphrase", "role": "support"}]}}


class StaffMemberView(BaseModel):
    id: str
    email: str
    role: Literal["admin", "support"]


class StaffList(BaseModel):
    data: list[StaffMemberView]
