"""The ``[business_hours]`` section: when the shop is open (rules' ``hours:``, SLA later)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from deskterm.config.checks import ConfigModel
from deskterm.domain.business_hours import BusinessHours, business_hours, parse_day, parse_zone


def _check_day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parse_day(value)
        except ValueError as exc:
            raise PydanticCustomError("hours", "{reason}", {"reason": str(exc)}) from None
    return value


def _check_holiday(value: Any) -> Any:
    # TOML has real dates (2026-12-25); a quoted "2026-12-25" is accepted too.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("date", "expected a date such as 2026-12-25") from None
    return value


DayHours = Annotated[str, BeforeValidator(_check_day)]
Holiday = Annotated[date, BeforeValidator(_check_holiday)]


class WeekHours(ConfigModel):
    """``[business_hours] week``: each weekday's opening hours; a day left out is closed.

    A day is "HH:MM-HH:MM", or several ranges separated by commas ("08:00-12:00,13:00-17:00");
    each ends after it starts, none overlap, "24:00" may end a day.
    """

    mon: DayHours | None = None
    """Monday's hours, e.g. "08:00-17:00"."""

    tue: DayHours | None = None
    """Tuesday's hours."""

    wed: DayHours | None = None
    """Wednesday's hours."""

    thu: DayHours | None = None
    """Thursday's hours."""

    fri: DayHours | None = None
    """Friday's hours."""

    sat: DayHours | None = None
    """Saturday's hours, e.g. "09:00-13:00"."""

    sun: DayHours | None = None
    """Sunday's hours."""


class BusinessHoursConfig(ConfigModel):
    """``[business_hours]``: the shop's opening hours in its own time zone (DST-correct)."""

    timezone: str
    """IANA time zone the hours are read in, e.g. "Asia/Jakarta" or "Europe/Berlin"."""

    week: WeekHours = Field(default_factory=WeekHours)
    """Opening hours per weekday (mon … sun); a day left out is closed."""

    holidays: list[Holiday] = Field(default_factory=list)
    """Dates the shop is closed all day, e.g. ["2026-12-25"] (local dates)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            parse_zone(value)
        except ValueError:
            raise PydanticCustomError(
                "timezone", "unknown time zone: use an IANA name such as Asia/Jakarta"
            ) from None
        return value

    def days(self) -> dict[str, str]:
        """The open days' hours as written ("mon": "08:00-17:00"); closed days left out."""
        return {day: text for day, text in self.week.model_dump().items() if text is not None}

    def hours(self) -> BusinessHours:
        """The checked hours as the domain model (``domain.business_hours``)."""
        return business_hours(self.timezone, self.days(), self.holidays)
