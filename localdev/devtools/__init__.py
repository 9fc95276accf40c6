"""Local-only code: development tokens, the local user directory and the ``/dev/*`` routes.

Nothing in Azure imports this package: ``function_app.py`` imports it inside its
``AUTOCAPTURE_MODE=local`` branch only, and ``.funcignore`` keeps ``localdev/`` out of
the deployment package. ``routes`` holds the blueprint, ``tokens`` the key and
minted tokens, ``directory`` the local users and records, ``schemas`` / ``openapi``
their bodies and documentation. The token *validator* stays in ``shared.auth.tokens``: it checks
these tokens exactly as it checks Entra ID tokens.
"""
