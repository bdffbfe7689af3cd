"""The store: aiosqlite, versioned migrations applied at start, and all SQL."""
