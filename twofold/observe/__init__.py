"""Watching a running server: Prometheus metrics (metrics.py), readiness checks (health.py) and
the Redis ping they use (redis_ping.py). The endpoints are in twofold/dialects/monitoring.py."""
