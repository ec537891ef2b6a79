"""Load balancer behaviour moto (5.2.5) lacks, patched into moto's ELBv2 model and EC2
responses: what stops a network from being deleted under a load balancer.

- CreateLoadBalancer (elbv2) gives the load balancer one network interface per subnet, as
  AWS does: requester-managed (RequesterId `amazon-elb`), status `in-use`, description
  `ELB net/<name>/<id>` for a network load balancer and `ELB app/<name>/<id>` for an
  application one, the load balancer's security groups, no tags, InterfaceType
  `network_load_balancer` for NLBs. moto made none. A network load balancer's ARN is
  `loadbalancer/net/<name>/<id>`, as AWS's (moto wrote `app/` for every type).
- DeleteLoadBalancer releases the interfaces a while later, as AWS does: RELEASE_SECONDS
  after the delete, or as a state rule of kind `elb-interfaces` (states.py; phase delete,
  id the load balancer's name) scripts it: `seconds`, or `describes` (DescribeNetworkInterfaces
  calls in the load balancer's region). Nothing runs in the background: every EC2 call that
  could see the interfaces first releases those whose time has come.
- DeleteSecurityGroup answers DependencyViolation while a network interface uses the group,
  and DeleteSubnet while a network interface is in the subnet, as EC2 does (moto deleted
  both). DeleteVpc needs nothing more: moto refuses it while subnets remain.
- DeleteNetworkInterface of an interface in use answers InvalidParameterValue, as EC2 does
  (moto deleted a load balancer's interface from under it).
"""

from __future__ import annotations

import threading

from .states import GONE, REGISTRY

# How long after DeleteLoadBalancer AWS keeps its interfaces, by default (a couple of seconds
# here; minutes in AWS).
RELEASE_SECONDS = 2.0
KIND = "elb-interfaces"
RELEASED = "released"
_lock = threading.RLock()
# Interfaces of deleted load balancers not released yet: (ec2 backend, _Release).
_pending: list = []


class _Release:
    """The interfaces one deleted load balancer leaves behind; the object a script binds to."""

    def __init__(self, ec2_backend, eni_ids: list[str], lb_name: str):
        self.ec2_backend, self.eni_ids, self.lb_name = ec2_backend, eni_ids, lb_name
        self.released = False


def _set_release_state(release: _Release, state: str) -> None:
    if state in (RELEASED, GONE) and not release.released:
        release.released = True
        for eni_id in release.eni_ids:
            release.ec2_backend.enis.pop(eni_id, None)


def release_due(ec2_backend, described: bool = False) -> None:
    """Releases the interfaces whose time has come in this backend (account and region);
    `described`: the caller is a DescribeNetworkInterfaces, which counts for `describes`."""
    with _lock:
        for backend, release in list(_pending):
            if backend is not ec2_backend:
                continue
            state = REGISTRY.on_describe(release) if described else REGISTRY.poll(release)
            if state is None or state in (RELEASED, GONE):
                _set_release_state(release, RELEASED)
            if release.released:
                _pending.remove((backend, release))


def reset() -> None:
    """After a moto reset: the backends are gone, and with them the interfaces."""
    with _lock:
        _pending.clear()


def _interface_type_prefix(lb) -> str:
    return {"network": "net", "gateway": "gwy"}.get(lb.type, "app")


def _fix_arn(backend, lb) -> None:
    """loadbalancer/net/... for a network load balancer, as AWS names it."""
    prefix = _interface_type_prefix(lb)
    if prefix == "app" or "/app/" not in lb.arn:
        return
    old = lb.arn
    lb.arn = old.replace(":loadbalancer/app/", f":loadbalancer/{prefix}/", 1)
    backend.load_balancers.pop(old, None)
    backend.load_balancers[lb.arn] = lb
    tags = backend.tagging_service.tags.pop(old, None)
    if tags is not None:
        backend.tagging_service.tags[lb.arn] = tags


def _create_interfaces(backend, lb) -> None:
    ec2 = backend.ec2_backend
    description = "ELB " + lb.arn.split(":loadbalancer/", 1)[1]
    ids = []
    for subnet in lb.subnets:
        eni = ec2.create_network_interface(subnet, None, group_ids=list(lb.security_groups) or None,
                                           description=description)
        if not lb.security_groups:
            eni._group_set = []  # an NLB without security groups: its interfaces have none
        eni.requester_managed = True
        eni.requester_id = "amazon-elb"
        eni.status = "in-use"
        eni.interface_type = "network_load_balancer" if lb.type == "network" else "interface"
        ids.append(eni.id)
    lb._aura_eni_ids = ids


def install() -> None:
    from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
    from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces
    from moto.ec2.responses.security_groups import SecurityGroups
    from moto.ec2.responses.subnets import Subnets
    from moto.elbv2.models import ELBv2Backend

    if getattr(ELBv2Backend, "_aura_patched", False):
        return
    ELBv2Backend._aura_patched = True

    orig_create = ELBv2Backend.create_load_balancer
    orig_delete = ELBv2Backend.delete_load_balancer

    def create_load_balancer(self, *args, **kwargs):
        with _lock:
            lb = orig_create(self, *args, **kwargs)
            _fix_arn(self, lb)
            _create_interfaces(self, lb)
            return lb

    def delete_load_balancer(self, arn: str) -> None:
        with _lock:
            lb = self.load_balancers.get(arn)
            orig_delete(self, arn)
            ids = getattr(lb, "_aura_eni_ids", None) if lb is not None else None
            if not ids:
                return
            release = _Release(self.ec2_backend, ids, lb.name)
            tags = self.tagging_service.get_tag_dict_for_resource(arn)
            if REGISTRY.on_event(KIND, "delete", release, lb.name, tags, _set_release_state) is None:
                REGISTRY.bind(KIND, release, lb.name, [("in-use", 0, RELEASE_SECONDS)], RELEASED,
                              _set_release_state)
            _pending.append((self.ec2_backend, release))
            release_due(self.ec2_backend)  # a script of 0 seconds releases them at once

    ELBv2Backend.create_load_balancer = create_load_balancer
    ELBv2Backend.delete_load_balancer = delete_load_balancer

    def in_use_by(ec2_backend, pred) -> list:
        return [eni for eni in list(ec2_backend.enis.values()) if pred(eni)]

    orig_delete_sg = SecurityGroups.delete_security_group

    def delete_security_group(self):
        release_due(self.ec2_backend)
        group_id, name = self._get_param("GroupId"), self._get_param("GroupName")
        group = (self.ec2_backend.get_security_group_from_id(group_id) if group_id
                 else self.ec2_backend.get_security_group_from_name(name) if name else None)
        if group is not None and in_use_by(self.ec2_backend,
                                           lambda eni: any(g.id == group.id for g in eni.group_set)):
            raise DependencyViolationError(f"resource {group.id} has a dependent object")
        return orig_delete_sg(self)

    orig_delete_subnet = Subnets.delete_subnet

    def delete_subnet(self):
        release_due(self.ec2_backend)
        subnet_id = self._get_param("SubnetId")
        if in_use_by(self.ec2_backend, lambda eni: eni.subnet is not None and eni.subnet.id == subnet_id):
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return orig_delete_subnet(self)

    orig_describe_enis = ElasticNetworkInterfaces.describe_network_interfaces
    orig_delete_eni = ElasticNetworkInterfaces.delete_network_interface

    def describe_network_interfaces(self):
        release_due(self.ec2_backend, described=True)
        return orig_describe_enis(self)

    def delete_network_interface(self):
        release_due(self.ec2_backend)
        eni = self.ec2_backend.enis.get(self._get_param("NetworkInterfaceId"))
        if eni is not None and eni.status == "in-use":
            raise EC2ClientError("InvalidParameterValue", f"Network interface '{eni.id}' is currently in use.")
        return orig_delete_eni(self)

    SecurityGroups.delete_security_group = delete_security_group
    Subnets.delete_subnet = delete_subnet
    ElasticNetworkInterfaces.describe_network_interfaces = describe_network_interfaces
    ElasticNetworkInterfaces.delete_network_interface = delete_network_interface
