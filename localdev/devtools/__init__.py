"""Local-only code: development tokens, the local user directory and the ``/dev/*`` routes.

Nothing in Azure imports this package: ``function_app.py`` imports it inside its
``AUTOCAPTURE_MODE=local`` branch only, and ``.funcignore`` keeps ``localdev/`` out of
the deployment package. ``routes`` holds the blueprint, ``tokens`` the key and
minted tokens, ``directory`` the local users and records, ``schemas`` the routes' bodies
(their OpenAPI entries come from the same models), ``apps`` the clients' grants and
``issuer`` the local token endpoint that honours them. The token *validator* stays in
``shared.auth.tokens``: it checks these tokens exactly as it checks Entra ID tokens.
"""
