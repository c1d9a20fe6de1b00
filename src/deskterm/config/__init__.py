"""The TOML configuration: section models, lookup order, and one-line error messages.

Split by seam: ``checks`` (field checks), ``sections`` (one model per table), ``model``
(the whole file), ``loading`` (finding and reading it), ``errors`` (wording),
``program_checks`` (what the programs refuse at start, for ``config check``).
"""

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
