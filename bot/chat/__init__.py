"""The platform-neutral chat core: what every chat adapter shares (Slack, Discord, the HTTP stream).

Adapters only translate and render; the core owns reading the governed answer stream, throttled edits
behind a small ``MessageEditor`` protocol, and the error replies.
"""
