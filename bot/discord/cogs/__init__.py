"""The bot's cogs, loaded by :meth:`bot.discord.bot.StewardBot.setup_hook`."""
