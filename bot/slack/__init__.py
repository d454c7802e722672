"""The Slack app: a slack-bolt ``AsyncApp`` that only translates between Slack and Steward's services.

Slack payloads become platform-neutral calls on :class:`~bot.platform.ChatServices` (the pipeline,
the commands, feedback, the event ledger, the thread index); their plain results are rendered as
Block Kit. Everything is built by :func:`bot.slack.app.build_slack_app` from explicit arguments.
Only this package imports ``slack_bolt`` and ``slack_sdk``.
"""
