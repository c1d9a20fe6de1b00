"""The TOML configuration: section models, lookup order, and one-line error messages.

Split by seam: ``checks`` (field checks), ``sections`` (one model per table), ``model``
(the whole file), ``loading`` (finding and reading it), ``errors`` (wording),
``program_checks`` (what the programs refuse at start, for ``config check``).

The package imports its models only when one is asked for (PEP 562): the read-only
commands take what they need from ``read_settings`` and never load pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskterm.config.checks import CHANNEL_TYPES, CONFIG_ENV, LOCAL_HOSTS, Security
    from deskterm.config.csat_section import CsatConfig
    from deskterm.config.hours_section import BusinessHoursConfig, WeekHours
    from deskterm.config.loading import (
        ConfigCheck,
        ConfigPlace,
        check_config,
        config_places,
        find_config_path,
        load_config,
        load_config_text,
    )
    from deskterm.config.model import Config
    from deskterm.config.sections import (
        ChannelConfig,
        EmailChannel,
        HelpCenterConfig,
        ImapConfig,
        LazadaChannel,
        ShopeeChannel,
        ShopifyStore,
        SlaConfig,
        SmtpConfig,
        StoreConfig,
        TikTokShopChannel,
        UiConfig,
        UserConfig,
    )

_HOMES = {
    "BusinessHoursConfig": "deskterm.config.hours_section",
    "CHANNEL_TYPES": "deskterm.config.checks",
    "CONFIG_ENV": "deskterm.config.locate",
    "ChannelConfig": "deskterm.config.sections",
    "Config": "deskterm.config.model",
    "ConfigCheck": "deskterm.config.loading",
    "ConfigPlace": "deskterm.config.locate",
    "CsatConfig": "deskterm.config.csat_section",
    "EmailChannel": "deskterm.config.sections",
    "HelpCenterConfig": "deskterm.config.sections",
    "ImapConfig": "deskterm.config.sections",
    "LOCAL_HOSTS": "deskterm.config.checks",
    "LazadaChannel": "deskterm.config.sections",
    "Security": "deskterm.config.checks",
    "ShopeeChannel": "deskterm.config.sections",
    "ShopifyStore": "deskterm.config.sections",
    "SlaConfig": "deskterm.config.sections",
    "SmtpConfig": "deskterm.config.sections",
    "StoreConfig": "deskterm.config.sections",
    "TikTokShopChannel": "deskterm.config.sections",
    "UiConfig": "deskterm.config.sections",
    "UserConfig": "deskterm.config.sections",
    "WeekHours": "deskterm.config.hours_section",
    "check_config": "deskterm.config.loading",
    "config_places": "deskterm.config.locate",
    "find_config_path": "deskterm.config.locate",
    "load_config": "deskterm.config.loading",
    "load_config_text": "deskterm.config.loading",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'deskterm.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: the next lookup is a plain module attribute
    return value


__all__ = [
    "CHANNEL_TYPES",
    "CONFIG_ENV",
    "LOCAL_HOSTS",
    "BusinessHoursConfig",
    "ChannelConfig",
    "Config",
    "ConfigCheck",
    "ConfigPlace",
    "CsatConfig",
    "EmailChannel",
    "HelpCenterConfig",
    "ImapConfig",
    "LazadaChannel",
    "Security",
    "ShopeeChannel",
    "ShopifyStore",
    "SlaConfig",
    "SmtpConfig",
    "StoreConfig",
    "TikTokShopChannel",
    "UiConfig",
    "UserConfig",
    "WeekHours",
    "check_config",
    "config_places",
    "find_config_path",
    "load_config",
    "load_config_text",
]
