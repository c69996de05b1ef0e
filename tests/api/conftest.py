"""Servers with settings of their own, shared by the API tests that need them."""
from __future__ import annotations

import pytest

# Codes may be sent to one number back to back, and twenty parallel answers do not lock the
# user out: for flows that send more than once within the 30 s interval (R27 is tested on the
# default server, tests/api/test_mfa_oob.py).
RELAXED_SENDING = {"TWOFOLD_SEND_INTERVAL_SECONDS": "0", "TWOFOLD_SEND_MAX_PER_USER": "1000",
                   "TWOFOLD_SEND_MAX_PER_DESTINATION": "1000", "TWOFOLD_MFA_MAX_FAILURES": "100"}


@pytest.fixture(scope="session")
def oob_server(backend, make_server):
    return make_server(backend, extra_env=RELAXED_SENDING)
