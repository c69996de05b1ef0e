"""Tables, queries and migrations: the only place that speaks SQL."""
