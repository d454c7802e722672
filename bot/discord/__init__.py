"""The Discord bot: translates Discord messages, app commands and button clicks to the platform-neutral services.

Only this package imports discord.py. Entry points: :func:`bot.discord.run.make_bot`,
:func:`bot.discord.run.run_discord` and the ``steward discord`` CLI in :mod:`bot.discord.cli`.
"""
