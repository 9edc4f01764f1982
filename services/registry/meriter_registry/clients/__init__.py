"""OAuth2 clients, the token endpoint and the signing keys behind it."""
