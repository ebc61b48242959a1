"""Operations: plain verb functions that change the session and flush, never commit.

The web views, the API and the CLI call the same functions, then commit once.
"""
