"""EC2 behaviour moto (5.2.5) lacks, patched into moto's EC2 responses (so it
runs after moto's own signature and policy checks).

- Idempotency (ClientToken) for CreateNatGateway, RunInstances,
  CreateLaunchTemplate(Version), CreateFleet and the other EC2 creates in
  IDEMPOTENT_OPS, as the EC2 API reference documents ("Ensuring idempotency"):
  a retry with the same token and the same parameters returns the resource of
  the first call (its current state: RunInstances the same reservation and
  instances, CreateNatGateway the same NAT gateway, even when it was deleted
  since); the same token with other parameters fails with 400
  IdempotentParameterMismatch. moto ignored the token and made a second
  resource (for NAT gateways the retry even failed: Resource.AlreadyAssociated
  on the elastic IP; for launch templates AlreadyExists). Tokens are per
  account and region, and longer than 64 characters are refused
  (InvalidParameterValue). CreateNatGateway's answer carries ClientToken, as
  AWS's does.
- DescribeNatGateways filters: `tag:<key>`, `tag-key`, `tag-value` (moto
  ignored them and returned every NAT gateway), besides `nat-gateway-id`,
  `state`, `subnet-id`, `vpc-id`; an unknown filter name is refused
  (InvalidParameterValue) as EC2 does. Unknown ids in NatGatewayIds give
  NatGatewayNotFound; DeleteNatGateway of an unknown id too (moto: 500).
- Scripted states (states.py, kind nat-gateway): `pending` for N describes
  after create, `deleting` for N describes after delete.
- A NAT gateway that reaches `deleted` gives up its network interface and its
  elastic IP's association, as EC2 does ("When you delete a NAT gateway, its
  network interface is deleted and the Elastic IP address is disassociated but
  not released"). moto only set the state, so the interface stayed in the
  subnet, in use, for ever.
- An instance launched without NetworkInterfaces gets a primary interface that
  is deleted when the instance terminates, as EC2 does; moto kept it, which
  (since DeleteSubnet refuses a subnet with interfaces, elb_ext.py) held the
  subnet for ever.
"""

from __future__ import annotations

import json
import threading
from .states import REGISTRY

_lock = threading.RLock()
# EC2 operations with a ClientToken that moto 5.2.5 ignores (CreateNatGateway has its own wrapper).
IDEMPOTENT_OPS = ("RunInstances", "CreateLaunchTemplate", "CreateLaunchTemplateVersion", "ModifyLaunchTemplate",
                  "CreateFleet", "CreateRouteTable", "CreateNetworkAcl", "CreateNetworkInterface", "CreateVolume",
                  "CreateVpcEndpoint", "CreateEgressOnlyInternetGateway", "CreateFlowLogs",
                  "CreateManagedPrefixList", "CopyImage", "CreateCarrierGateway")
NAT_FILTERS = {"nat-gateway-id", "state", "subnet-id", "vpc-id", "tag-key", "tag-value"}
_EXCLUDED = {"ClientToken", "Action", "Version"}


def _fingerprint(querystring: dict) -> str:
    return json.dumps({k: v for k, v in sorted(querystring.items()) if k not in _EXCLUDED}, sort_keys=True,
                      default=str)


def _tokens(backend) -> dict:
    tokens = getattr(backend, "_aura_client_tokens", None)
    if tokens is None:
        tokens = {}
        backend._aura_client_tokens = tokens
    return tokens


def _release_interface(nat) -> None:
    """What EC2 does when a NAT gateway is deleted: its elastic IP is disassociated (the
    allocation stays, to be released by its owner) and its network interface deleted."""
    eni = getattr(nat, "_eni", None)
    if eni is None:
        return
    backend = nat.ec2_backend
    for address in list(backend.addresses):
        if address.eni is eni:
            backend.disassociate_address(address=address.public_ip)
    if eni.id in backend.enis:
        backend.delete_network_interface(eni.id)
    nat._eni = None


def _nat_state(nat, state: str) -> None:
    nat.state = state
    if state == "deleted":
        _release_interface(nat)


def _nat_tags(nat) -> dict:
    try:
        return {t["key"]: t["value"] for t in nat.get_tags()}
    except Exception:
        return {}


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.nat_gateways import NatGateways
    from moto.ec2.utils import tag_filter_matches

    if getattr(NatGateways, "_aura_patched", False):
        return
    NatGateways._aura_patched = True

    # The primary interface EC2 makes for an instance launched without NetworkInterfaces goes
    # with the instance (DeleteOnTermination true); moto kept it, so a terminated instance held
    # its subnet (DependencyViolation) forever.
    from moto.ec2.models.instances import Instance
    orig_prep_nics = Instance.prep_nics

    def prep_nics(self, nic_spec, *args, **kwargs):
        result = orig_prep_nics(self, nic_spec, *args, **kwargs)
        if not nic_spec and 0 in self.nics:
            self.nics[0].delete_on_termination = True
        return result

    Instance.prep_nics = prep_nics

    def mismatch():
        return EC2ClientError("IdempotentParameterMismatch",
                              "The request uses the same client token as a previous, but non-identical "
                              "request. Do not reuse a client token with different requests, unless the "
                              "requests are identical.")

    def check_token(token: str) -> None:
        if len(token) > 64:
            raise EC2ClientError("InvalidParameterValue",
                                 "Value for parameter ClientToken is invalid: longer than 64 characters")

    orig_create_nat = NatGateways.create_nat_gateway
    orig_delete_nat = NatGateways.delete_nat_gateway

    def create_nat_gateway(self):
        token = self._get_param("ClientToken")
        with _lock:
            if token:
                check_token(token)
                tokens = _tokens(self.ec2_backend)
                fp = _fingerprint(self.querystring)
                seen = tokens.get(("CreateNatGateway", token))
                if seen is not None:
                    if seen[0] != fp:
                        raise mismatch()
                    return ActionResult({"NatGateway": seen[1], "ClientToken": token})
            result = orig_create_nat(self)
            nat = result.result["NatGateway"] if isinstance(result.result, dict) else None
            if nat is not None:
                REGISTRY.on_event("nat-gateway", "create", nat, nat.id, _nat_tags(nat), _nat_state)
                if token:
                    _tokens(self.ec2_backend)[("CreateNatGateway", token)] = (fp, nat)
                    result.result["ClientToken"] = token
            return result

    def delete_nat_gateway(self):
        nat_id = self._get_param("NatGatewayId")
        with _lock:
            nat = self.ec2_backend.nat_gateways.get(nat_id)
            if nat is None:
                raise EC2ClientError("NatGatewayNotFound", f"The Nat Gateway {nat_id} was not found")
            script = REGISTRY.script_of(nat)
            if nat.state in ("deleting", "deleted") and script is None:
                return ActionResult({"NatGatewayId": nat.id})
            if script is not None and script.final == "deleted":
                return ActionResult({"NatGatewayId": nat.id})  # already being deleted
            if REGISTRY.on_event("nat-gateway", "delete", nat, nat.id, _nat_tags(nat), _nat_state):
                return ActionResult({"NatGatewayId": nat.id})
            result = orig_delete_nat(self)
            _release_interface(nat)
            return result

    def describe_nat_gateways(self):
        filters = self._filters_from_querystring() or {}
        ids = self._get_param("NatGatewayIds", []) or []
        for name in filters:
            if name not in NAT_FILTERS and not name.startswith("tag:"):
                raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")
        with _lock:
            nats = list(self.ec2_backend.nat_gateways.values())
            if ids:
                missing = [i for i in ids if i not in self.ec2_backend.nat_gateways]
                if missing:
                    raise EC2ClientError("NatGatewayNotFound",
                                         f"The Nat Gateway {missing[0]} was not found")
                nats = [n for n in nats if n.id in ids]
            for name, values in filters.items():
                if name == "state":
                    continue  # after the scripted states moved
                if name == "nat-gateway-id":
                    nats = [n for n in nats if n.id in values]
                elif name == "subnet-id":
                    nats = [n for n in nats if n.subnet_id in values]
                elif name == "vpc-id":
                    nats = [n for n in nats if n.vpc_id in values]
                else:
                    nats = [n for n in nats if tag_filter_matches(n, name, values)]
            for n in nats:  # every describe that returns the gateway moves its script
                REGISTRY.on_describe(n)
            if "state" in filters:
                nats = [n for n in nats if n.state in filters["state"]]
            return ActionResult({"NatGateways": nats})

    def idempotent(op: str, orig):
        """Same token + same parameters: the first call's result (its objects, so
        their current state); same token + other parameters: mismatch."""
        def method(self):
            token = self._get_param("ClientToken")
            if not token:
                return orig(self)
            with _lock:
                check_token(token)
                tokens = _tokens(self.ec2_backend)
                fp = _fingerprint(self.querystring)
                seen = tokens.get((op, token))
                if seen is not None:
                    if seen[0] != fp:
                        raise mismatch()
                    return seen[1]
                result = orig(self)  # raises (DryRun, errors): nothing remembered
                tokens[(op, token)] = (fp, result)
                return result
        method.__name__ = orig.__name__
        return method

    NatGateways.create_nat_gateway = create_nat_gateway
    NatGateways.delete_nat_gateway = delete_nat_gateway
    NatGateways.describe_nat_gateways = describe_nat_gateways
    from moto.core.utils import camelcase_to_underscores
    from moto.ec2.responses import EC2Response

    for op in IDEMPOTENT_OPS:
        name = camelcase_to_underscores(op)
        for cls in EC2Response.__mro__:
            if name in cls.__dict__:
                setattr(cls, name, idempotent(op, cls.__dict__[name]))
                break

    def find_nat(rule) -> list:
        from moto.ec2.models import ec2_backends

        out = []
        for account in list(ec2_backends.keys()):
            for region, backend in list(ec2_backends[account].items()):
                if rule.spec.get("region") and region != rule.spec["region"]:
                    continue
                nat = backend.nat_gateways.get(rule.ident)
                if nat is not None:
                    out.append((nat, nat.id, _nat_state, nat.state))
        return out

    REGISTRY.register_finder("nat-gateway", find_nat)

