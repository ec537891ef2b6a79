"""Aura's extension layer in front of moto's server (tests/env).

`AuraEnvMiddleware` is a WSGI middleware that wraps moto's app. Requests whose
path starts with `/aura-env/` are answered by the middleware's admin routes;
every other request (AWS API calls, `/moto-api/...`) runs through the request
hooks that `install.install` registers (call counting, faults, presigned STS,
web identity, missing auth, EKS extensions) and then goes to moto, itself
patched in-process (mauth, eks_ext, ec2_ext, ssm_seed). docs/test-env.md
describes each extension and the moto gap it fills.
"""

from .middleware import ADMIN_PREFIX, AdminResponse, AuraEnvMiddleware

__all__ = ["ADMIN_PREFIX", "AdminResponse", "AuraEnvMiddleware"]
