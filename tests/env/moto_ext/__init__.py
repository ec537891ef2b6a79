"""Aura's extension layer in front of moto's server (tests/env).

`AuraEnvMiddleware` is a WSGI middleware that wraps moto's app. Requests whose
path starts with `/aura-env/` are answered by the middleware's admin routes;
every other request (AWS API calls, `/moto-api/...`) goes to moto unchanged,
except for the hooks that later features (fault injection, scripted AWS
states) add through `AuraEnvMiddleware.add_request_hook`.
"""

from .middleware import ADMIN_PREFIX, AdminResponse, AuraEnvMiddleware

__all__ = ["ADMIN_PREFIX", "AdminResponse", "AuraEnvMiddleware"]
