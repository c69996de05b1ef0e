"""What the server tells its operator: the process log (text or JSON lines), the request id
every line of a request carries, the client's address behind trusted proxies, Prometheus
metrics and the readiness checks. The endpoints are in twofold/dialects/monitoring.py.

proxies.py     TWOFOLD_TRUSTED_PROXIES and the X-Forwarded-For rule
context.py     the request being served (a contextvar), read by every log line
logs.py        the formatters, the logging configuration `serve` hands to uvicorn, `event`
requests.py    the front of every HTTP request: request id, client address, the access line
metrics.py     the Prometheus metrics, added up over the workers (multiprocess mode)
health.py      the readiness checks (database, schema at head, Redis)
redis_ping.py  the PING that readiness sends to Redis"""
