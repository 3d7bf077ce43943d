"""Bitrix24: the REST client (incoming webhook), its error tree and the client-side rate limits."""
