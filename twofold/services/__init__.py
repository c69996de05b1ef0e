"""Use cases. Each is one database transaction; none knows which dialect called it."""
