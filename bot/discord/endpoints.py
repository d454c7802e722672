"""Where discord.py connects: Discord itself, or the REST/gateway overrides from Steward's settings.

discord.py keeps both base URLs as class attributes, so they apply to every client in the process;
:func:`apply_endpoints` sets them (or puts Discord's back) before a bot is built.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.settings import DiscordSettings

DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def apply_endpoints(settings: DiscordSettings) -> tuple[str, str]:
    """Point discord.py's REST routes and gateway at ``settings`` (or Discord); returns both URLs."""
    api = (settings.api_url or DISCORD_API_URL).rstrip("/")
    gateway = settings.gateway_url or DISCORD_GATEWAY_URL
    Route.BASE = api
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return api, gateway
