"""Fixtures of the integration tier: ``backend``, each store test on both backends."""

from tests.integration.store_backends import backend

__all__ = ["backend"]
