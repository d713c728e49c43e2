"""A synchronous BingX client for listen keys and the account stream (built in a later issue)."""

__all__: list[str] = []
