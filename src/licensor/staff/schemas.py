"""Staff request and response models (API and CLI)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from licensor.core.web.openapi import Answer, example

STAFF_EXAMPLE = {"id": "4f0c2a9e-4f4b-4d3a-9a57-1b2f1d7c9e10", "email": "ana@vendor.example",
                 "role": "support"}


class StaffBody(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=200, description="At least 10 characters")
    role: Literal["admin", "support"]

    model_config = {"json_schema_extra": {"examples": [
        {"email": "ana@vendor.example", "password": "a long passphrase", "role": "support"}]}}


class StaffMemberView(Answer):
    id: str
    email: str
    role: Literal["admin", "support"]

    model_config = example(STAFF_EXAMPLE)


class StaffList(Answer):
    data: list[StaffMemberView]

    model_config = example({"data": [STAFF_EXAMPLE]})
