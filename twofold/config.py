"""Every setting, its default and its TWOFOLD_* variable, in one place."""
from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .observe.proxies import Network, parse_networks
MIN_METRICS_TOKEN = 16


class Settings(BaseSettings):
    # hide_input_in_errors: a refused value (a metrics token, a URL with a password) is never
    # echoed in the error that stops the start-up.
    model_config = SettingsConfigDict(env_prefix="TWOFOLD_", extra="ignore", hide_input_in_errors=True)

    # Storage
    data_dir: Path = Field(Path("twofold-data"), description="Data directory: SQLite file, master key")
    database_url: str | None = Field(None, description="sqlite:///PATH or postgresql://…; default SQLite in data_dir")
    master_key_file: Path | None = Field(None, description="Sealing keyring; default <data_dir>/master.key")
    db_timeout: float = Field(10.0, gt=0, le=120, description="Seconds to connect to PostgreSQL, or to wait for a "
                              "pooled connection, before a request is answered 503")
    redis_url: str | None = Field(None, description="redis://… : management rate limits shared by every process, "
                                  "cache invalidations within 1 s; default none (each process on its own)")
    redis_prefix: str = Field("twofold:", max_length=100, description="Prefix of twofold's Redis keys and channel "
                              "(installations sharing one Redis each take their own)")

    # Identity of this server
    issuer: str | None = Field(None, description="Public base URL; default http://HOST:PORT/ from `serve`")
    otp_issuer: str = Field("twofold", description="Issuer shown in authenticator apps")

    # Bootstrap
    bootstrap_api_token: str | None = Field(None, description="Admin API token created if none exists")

    # MFA policy and verification
    mfa_policy: Literal["always", "if-enrolled", "never"] = "always"
    totp_window: int = Field(1, ge=0, le=3, description="Accepted steps either side of now (RFC 6238 §5.2)")
    mfa_max_failures: int = Field(10, ge=1, le=100, description="Consecutive OTP/recovery failures before lockout")
    mfa_lockout_seconds: int = Field(300, ge=1)
    otp_grant_max_failures: int = Field(10, ge=1, le=100, description="Okta OTP grant: failed codes (no password) "
                                        "before that grant is refused for the user")
    otp_grant_lockout_seconds: int = Field(900, ge=1)
    password_max_failures: int = Field(10, ge=1, le=100)
    password_lockout_seconds: int = Field(900, ge=1)

    # Lifetimes (seconds)
    mfa_token_ttl: int = 600
    access_token_ttl: int = 86400
    okta_access_token_ttl: int = 3600
    mfa_api_token_ttl: int = 600
    id_token_ttl: int = 36000
    refresh_token_ttl: int = 30 * 86400
    factor_activation_ttl: int = 86400  # an unconfirmed factor expires after this
    console_session_ttl: int = Field(12 * 3600, ge=60, description="Admin Console: a session's absolute lifetime")
    console_idle_ttl: int = Field(30 * 60, ge=60, description="Admin Console: sign-out after this long idle")
    console_signin_ttl: int = Field(300, ge=30, description="Admin Console: time to give the second factor")

    # Codes sent by SMS, voice and email (services.oob) and their delivery (twofold.delivery)
    oob_code_ttl: int = Field(300, ge=30, le=600, description="A sent code's lifetime (R20: at most 10 minutes)")
    send_interval_seconds: int = Field(30, ge=0, description="One code per phone number or address per this long")
    send_max_per_user: int = Field(10, ge=1, description="Codes sent to one user's factors per send window")
    send_max_per_destination: int = Field(10, ge=1, description="Codes sent to one number or address per window")
    send_max_per_country: int = Field(1000, ge=1, description="SMS and calls per country calling code per window")
    send_window_seconds: int = Field(3600, ge=60, description="The window of the send budgets above")
    sms_provider: Literal["outbox", "webhook", "twilio"] = Field("outbox", description="SMS delivery")
    voice_provider: Literal["outbox", "webhook", "twilio"] | None = Field(None, description="Voice; default: SMS's")
    email_provider: Literal["outbox", "smtp"] = Field("outbox", description="Email delivery")
    sms_webhook_url: str | None = None
    sms_webhook_secret: str | None = Field(None, description="HMAC-SHA256 key for the webhook's signature header")
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    email_from: str = "twofold <no-reply@localhost>"
    delivery_timeout: float = Field(5.0, gt=0, le=60, description="Seconds a provider may take")

    # Password hashing: argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1)
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    # HTTP
    max_body_bytes: int = 64 * 1024
    db_pool_size: int = Field(10, ge=2, le=200, description="PostgreSQL connections per worker process, at most")
    management_api_clients: str = Field(
        "", description="Client ids (comma- or space-separated) that client_credentials may give a Management API "
        "token (audience <issuer>api/v2/, scope update:users): Auth0's client grant; default none")
    management_rate_limit_per_minute: int = Field(600, ge=1, description="Okta API calls per token, group and minute")

    # Observability (twofold.observe)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "info", description="The process log's level (uvicorn's and twofold's lines)")
    log_format: Literal["text", "json"] = Field("text", description="text (uvicorn's) or json (an object a line)")
    trusted_proxies: str = Field(
        "", description="CIDRs (comma-separated) of proxies whose X-Forwarded-For is believed; default none")

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, v):
        return v.lower() if isinstance(v, str) else v

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, v: str) -> str:
        parse_networks(v)  # a typo must stop the start, not silently trust nobody (or everybody)
        return v

    # Keys (services.signing_keys, services.master_keys)
    key_refresh_seconds: float = Field(60.0, gt=0, le=3600, description="How often a server process re-reads "
                                       "the signing keys from the database (a rotation by `twofold keys`)")
    test_clock_file: Path | None = Field(None, description="Tests only: a file holding seconds added to the "
                                         "system clock (domain.clock.OffsetFileClock)")

    # Monitoring (twofold.observe): /healthz, /readyz and /metrics
    metrics: str = Field("off", description="/metrics: `off` (404), `on` (open), or a bearer token it requires")
    redis_url: str | None = Field(None, description="redis:// or rediss://; /readyz checks it answers PING")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_url(cls, v: str | None) -> str | None:
        if v is not None and not (v.startswith("http://") or v.startswith("https://")):
            raise ValueError("TWOFOLD_ISSUER must be an http(s) URL")
        return v

    @field_validator("metrics")
    @classmethod
    def _metrics_off_on_or_token(cls, v: str) -> str:
        v = v.strip()
        if v in ("", "off"):
            return "off"
        if v != "on" and (len(v) < MIN_METRICS_TOKEN or not v.isprintable() or " " in v):
            # A short value is more likely a mistyped switch ("true", "yes") than a token: fail
            # closed rather than guard the metrics with a guessable word.
            raise ValueError(f"TWOFOLD_METRICS must be off, on, or a bearer token of at least {MIN_METRICS_TOKEN} "
                             "printable characters without spaces")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        if not v:
            return None
        try:
            parts = urlsplit(v)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError("TWOFOLD_REDIS_URL is not a URL") from None
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError("TWOFOLD_REDIS_URL must be redis://[user:password@]host[:port][/db] or rediss://…")
        return v

    @property
    def metrics_token(self) -> str | None:
        """The bearer token /metrics requires, or None when it is off or open."""
        return None if self.metrics in ("off", "on") else self.metrics

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'twofold.db').resolve()}"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def resolved_issuer(self) -> str:
        return self.issuer or "http://localhost:8000/"

    @property
    def base_url(self) -> str:
        """Issuer with exactly one trailing slash, for building URLs."""
        return self.resolved_issuer.rstrip("/") + "/"

    @property
    def mfa_audience(self) -> str:
        return self.base_url + "mfa/"

    @property
    def management_audience(self) -> str:
        return self.base_url + "api/v2/"

    @property
    def management_clients(self) -> frozenset[str]:
        return frozenset(self.management_api_clients.replace(",", " ").split())

    @property
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def userinfo_audience(self) -> str:
        return self.base_url + "userinfo"
