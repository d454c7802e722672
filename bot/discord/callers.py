"""Who is talking, where: a Discord message or interaction as a platform-neutral :class:`~bot.commands.Caller`.

- The tenant is the guild id.
- A thread is answered as its parent channel (whose collections it searches) plus the thread id.
- A DM belongs to the one guild the user shares with the bot; the DM channel is one conversation.
- ``platform_admin`` is the Manage Guild permission, or a role named in ``DISCORD_ADMIN_ROLES``.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.commands import Caller
from bot.logs import get_logger

PLATFORM = "discord"
log = get_logger(__name__)

User = discord.User | discord.Member


def place(channel: object, channel_id: int | None = None) -> tuple[str, str | None]:
    """``(channel, thread)`` ids: a thread's parent channel and the thread; a DM channel is its own thread."""
    if isinstance(channel, discord.Thread):
        return str(channel.parent_id), str(channel.id)
    ident = getattr(channel, "id", channel_id)
    if isinstance(channel, discord.DMChannel):
        return str(ident), str(ident)
    return str(ident), None


class CallerResolver:
    """Builds callers for the guild (or, for DMs, the one guild shared with the user) and decides admin."""

    def __init__(self, client: discord.Client, admin_roles: Sequence[str]) -> None:
        self._client = client
        self._admin_roles = frozenset(admin_roles)

    async def for_message(self, message: discord.Message) -> Caller | None:
        """The caller of a message; None for a DM from someone who shares no single guild with the bot."""
        guild = message.guild
        if guild is None:
            return await self._direct(message.author, message.channel)
        member = message.author if isinstance(message.author, discord.Member) else None
        return self._caller(guild.id, message.channel, message.author, self._is_admin(member))

    async def for_interaction(self, interaction: discord.Interaction) -> Caller | None:
        """The caller of an app command, button click or modal submit (same rules as messages)."""
        if interaction.guild_id is None:
            return await self._direct(interaction.user, interaction.channel)
        member = interaction.user if isinstance(interaction.user, discord.Member) else None
        admin = self._is_admin(member, interaction.permissions)
        return self._caller(interaction.guild_id, interaction.channel, interaction.user, admin, interaction.channel_id)

    def _caller(self, guild_id: int, channel: object, user: User, admin: bool, channel_id: int | None = None) -> Caller:
        where, thread = place(channel, channel_id)
        return Caller(PLATFORM, str(guild_id), where, str(user.id), platform_admin=admin, thread=thread)

    async def _direct(self, user: User, channel: object) -> Caller | None:
        members = await self.shared_guilds(user)
        if len(members) != 1:
            log.info("discord.dm_unresolved", user=str(user.id), shared_guilds=len(members))
            return None
        [member] = members
        return self._caller(member.guild.id, channel, user, self._is_admin(member))

    async def shared_guilds(self, user: User) -> list[discord.Member]:
        """The user as a member of each guild the bot is in (cache first, then one REST lookup per guild)."""
        found = []
        for guild in self._client.guilds:
            member = guild.get_member(user.id)
            if member is None:
                try:
                    member = await guild.fetch_member(user.id)
                except discord.NotFound:
                    continue
                except discord.HTTPException as exc:
                    log.warning("discord.member_lookup_failed", guild=str(guild.id), status=exc.status)
                    continue
            found.append(member)
        return found

    def _is_admin(self, member: discord.Member | None, permissions: discord.Permissions | None = None) -> bool:
        if member is None:
            return False
        allowed = permissions if permissions is not None else member.guild_permissions
        return allowed.manage_guild or any(role.name in self._admin_roles for role in member.roles)
