"""What the server tells its operator: the process log (text or JSON lines), the request id
every line of a request carries, and the client's address behind trusted proxies.

proxies.py   TWOFOLD_TRUSTED_PROXIES and the X-Forwarded-For rule
context.py   the request being served (a contextvar), read by every log line
logs.py      the formatters, the logging configuration `serve` hands to uvicorn, `event`
requests.py  the front of every HTTP request: request id, client address, the access line"""
