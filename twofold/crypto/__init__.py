"""Sealing secrets, password hashing, signing keys and JWKS."""
