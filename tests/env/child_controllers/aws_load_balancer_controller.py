#!/usr/bin/env python3
"""A stand-in for the AWS Load Balancer Controller (v2) in a child cluster: what it does for
Services of type LoadBalancer, against moto (tests/env).

Run with moto's venv python (boto3); AWS credentials from the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as a pod's would come:

    aws_load_balancer_controller.py --kubeconfig CHILD/kubeconfig --aws-endpoint URL \\
        --region us-east-1 --cluster-name EKSNAME [--default-tags k=v,...] [--vpc-id VPC] \\
        [--ready-file FILE]

Usually started by `envctl.py child lb-controller start`. What it does, as LBC does:
- watches Services in all namespaces (list, then watch from its resourceVersion);
- a Service of type LoadBalancer (without a loadBalancerClass, or with service.k8s.aws/nlb)
  gets the finalizer service.k8s.aws/resources, then, in this order: a security group in the
  VPC of its subnets, a target group per port, a network load balancer
  (k8s-<ns>-<name>-<10 hex>, namespace and name cut to 8 characters, as LBC names it) in one
  subnet per zone, a listener per port; then status.loadBalancer.ingress[0].hostname is the
  load balancer's DNS name. Subnets are found as LBC finds them: tagged
  kubernetes.io/role/elb=1 (internet-facing) or kubernetes.io/role/internal-elb=1 (annotation
  service.beta.kubernetes.io/aws-load-balancer-scheme: internal), and
  kubernetes.io/cluster/<cluster-name> = owned or shared; the first by id in each zone.
- every resource is tagged at birth as LBC tags it, plus --default-tags:
  elbv2.k8s.aws/cluster=<cluster-name>, service.k8s.aws/stack=<ns>/<name>,
  service.k8s.aws/resource = LoadBalancer | ManagedLBSecurityGroup | <ns>/<name>:<port>;
  before creating anything it looks for it by those tags, so a restart adopts what it made;
- a Service being deleted, or no longer of type LoadBalancer: listeners, load balancer,
  target groups, then the security group (DependencyViolation retried until the load
  balancer's network interfaces are released), then the finalizer goes.
Not done (no nodes here): target registration (TargetGroupBinding), health checks of
nodes, Ingresses (ALBs).

Logs to stdout (envctl sends it to a file). Writes --ready-file once the first list of
Services and a first AWS call succeeded; removes it and exits 0 on SIGTERM, after the
reconcile in progress.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kube_client import KubeClient, KubeError  # noqa: E402
from work_queue import WorkQueue  # noqa: E402

FINALIZER = "service.k8s.aws/resources"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
STACK_TAG = "service.k8s.aws/stack"
RESOURCE_TAG = "service.k8s.aws/resource"
SCHEME_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-scheme"
LB_CLASS = "service.k8s.aws/nlb"
SERVICES = "/api/v1/services"
RETRY_MIN, RETRY_MAX = 0.5, 10.0  # backoff of a Service whose reconcile failed

log = logging.getLogger("aws-load-balancer-controller")


class Retry(Exception):
    """Not done yet, nothing wrong: reconcile the Service again after `delay` seconds."""

    def __init__(self, message: str, delay: float = 1.0):
        super().__init__(message)
        self.delay = delay


def resource_name(namespace: str, name: str, *hashed: str) -> str:
    """k8s-<ns>-<name>-<10 hex>, as LBC names load balancers, target groups and security
    groups: namespace and name without non-alphanumerics, 8 characters each; 32 at most."""
    digest = hashlib.sha256("".join(hashed).encode()).hexdigest()
    clean = [re.sub(r"[^A-Za-z0-9]", "", s)[:8] for s in (namespace, name)]
    return f"k8s-{clean[0]}-{clean[1]}-{digest[:10]}"


def parse_tags(text: str) -> dict:
    tags = {}
    for item in filter(None, (text or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--default-tags wants k=v,...: {item!r}")
        tags[key.strip()] = value.strip()
    return tags


def aws_tags(tags: dict) -> list:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def error_code(e: ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


class Controller:
    def __init__(self, kube: KubeClient, session: boto3.Session, endpoint: str, region: str,
                 cluster: str, default_tags: dict, vpc_id: Optional[str]):
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)
        self.kube = kube
        self.ec2 = session.client("ec2", endpoint_url=endpoint, region_name=region, config=config)
        self.elb = session.client("elbv2", endpoint_url=endpoint, region_name=region, config=config)
        self.cluster = cluster
        self.default_tags = default_tags
        self.vpc_id = vpc_id
        self.queue = WorkQueue()
        self.failures: dict[str, int] = {}

    # -- the watch: Services to reconcile -------------------------------------------------------
    def interesting(self, svc: dict) -> bool:
        return (svc.get("spec", {}).get("type") == "LoadBalancer"
                or FINALIZER in (svc["metadata"].get("finalizers") or []))

    def enqueue(self, svc: dict) -> None:
        if self.interesting(svc):
            self.queue.add(f"{svc['metadata']['namespace']}/{svc['metadata']['name']}")

    def list_services(self) -> str:
        listed = self.kube.request("GET", SERVICES)
        for svc in listed.get("items", []):
            self.enqueue(svc)
        return listed["metadata"]["resourceVersion"]

    def watch_forever(self, stop: threading.Event, resource_version: str) -> None:
        """List+watch: a watch that ends resumes from the last version seen; one that is too
        old (410) or fails lists again."""
        while not stop.is_set():
            try:
                for event in self.kube.watch(SERVICES, resource_version):
                    obj = event.get("object") or {}
                    resource_version = obj.get("metadata", {}).get("resourceVersion", resource_version)
                    if event.get("type") in ("ADDED", "MODIFIED", "DELETED"):
                        self.enqueue(obj)
            except Exception as e:  # noqa: BLE001 (any failure of the stream: list again)
                if stop.is_set():
                    return
                gone = isinstance(e, KubeError) and e.status == 410
                log.info("watch ended (%s); listing Services again", "410 Gone" if gone else e)
                stop.wait(0 if gone else 1.0)
                try:
                    resource_version = self.list_services()
                except Exception as e2:  # noqa: BLE001
                    log.warning("listing Services failed: %s", e2)

    # -- reconcile ---------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        path = f"/api/v1/namespaces/{namespace}/services/{name}"
        try:
            svc = self.kube.get(path)
            if svc is None:
                self.failures.pop(key, None)
                return
            self.reconcile_service(svc, path)
            self.failures.pop(key, None)
        except Retry as r:
            log.info("%s: %s; again in %.1fs", key, r, r.delay)
            self.queue.add(key, r.delay)
        except Exception as e:  # noqa: BLE001 (a Service that fails waits and tries again)
            n = self.failures.get(key, 0)
            self.failures[key] = n + 1
            delay = min(RETRY_MAX, RETRY_MIN * 2 ** n)
            if isinstance(e, KubeError) and e.status == 409:
                delay = 0.0  # a stale resourceVersion: read it again at once
            log.warning("%s: %s: %s; again in %.1fs", key, type(e).__name__, e, delay)
            self.queue.add(key, delay)

    def reconcile_service(self, svc: dict, path: str) -> None:
        meta, spec = svc["metadata"], svc.get("spec", {})
        stack = f"{meta['namespace']}/{meta['name']}"
        finalizers = meta.get("finalizers") or []
        lb_class = spec.get("loadBalancerClass")
        wanted = (spec.get("type") == "LoadBalancer" and not meta.get("deletionTimestamp")
                  and lb_class in (None, LB_CLASS))
        if not wanted:
            if FINALIZER in finalizers:
                self.delete_stack(stack)
                rest = [f for f in finalizers if f != FINALIZER]
                self.kube.merge_patch(path, {"metadata": {"finalizers": rest,
                                                          "resourceVersion": meta["resourceVersion"]}})
                log.info("%s: cleaned up; finalizer removed", stack)
                if not meta.get("deletionTimestamp") and svc.get("status", {}).get("loadBalancer"):
                    self.kube.merge_patch(path + "/status", {"status": {"loadBalancer": {"ingress": None}}})
            return
        if FINALIZER not in finalizers:
            svc = self.kube.merge_patch(path, {"metadata": {"finalizers": finalizers + [FINALIZER],
                                                            "resourceVersion": meta["resourceVersion"]}})
            log.info("%s: finalizer %s added", stack, FINALIZER)
        dns = self.deploy(svc, stack)
        ingress = (svc.get("status", {}).get("loadBalancer") or {}).get("ingress") or []
        if [i.get("hostname") for i in ingress] != [dns]:
            self.kube.merge_patch(path + "/status", {"status": {"loadBalancer": {"ingress": [{"hostname": dns}]}}})
            log.info("%s: status hostname %s", stack, dns)
        log.info("%s: deployed (%s)", stack, dns)  # as LBC's "successfully deployed model"

    # -- AWS: finding what this stack has ----------------------------------------------------
    def stack_tags(self, stack: str, resource: str) -> dict:
        # LBC's own tags win over --default-tags (it refuses default tags that name them).
        return {**self.default_tags, CLUSTER_TAG: self.cluster, STACK_TAG: stack, RESOURCE_TAG: resource}

    def owned(self, tags: dict, stack: str) -> bool:
        return tags.get(CLUSTER_TAG) == self.cluster and tags.get(STACK_TAG) == stack

    def tagged_elb(self, items: list, arn_key: str, stack: str) -> list:
        """(item, tags) of the items (load balancers or target groups) of this stack."""
        found = []
        for i in range(0, len(items), 20):  # DescribeTags takes 20 ARNs at most
            batch = items[i:i + 20]
            descs = self.elb.describe_tags(ResourceArns=[x[arn_key] for x in batch])["TagDescriptions"]
            tags = {d["ResourceArn"]: {t["Key"]: t["Value"] for t in d.get("Tags", [])} for d in descs}
            found += [(x, tags.get(x[arn_key], {})) for x in batch if self.owned(tags.get(x[arn_key], {}), stack)]
        return found

    def find_load_balancer(self, stack: str) -> Optional[dict]:
        lbs = [lb for page in self.elb.get_paginator("describe_load_balancers").paginate()
               for lb in page["LoadBalancers"]]
        found = [lb for lb, tags in self.tagged_elb(lbs, "LoadBalancerArn", stack)
                 if tags.get(RESOURCE_TAG) == "LoadBalancer"]
        return found[0] if found else None

    def find_target_groups(self, stack: str) -> dict:
        """Resource tag (<ns>/<name>:<port>) -> target group."""
        tgs = [tg for page in self.elb.get_paginator("describe_target_groups").paginate()
               for tg in page["TargetGroups"]]
        return {tags.get(RESOURCE_TAG): tg for tg, tags in self.tagged_elb(tgs, "TargetGroupArn", stack)}

    def find_security_group(self, stack: str) -> Optional[dict]:
        groups = self.ec2.describe_security_groups(Filters=[
            {"Name": f"tag:{CLUSTER_TAG}", "Values": [self.cluster]},
            {"Name": f"tag:{STACK_TAG}", "Values": [stack]},
            {"Name": f"tag:{RESOURCE_TAG}", "Values": ["ManagedLBSecurityGroup"]}])["SecurityGroups"]
        return groups[0] if groups else None

    def discover_subnets(self, scheme: str) -> list:
        """One subnet per zone, as LBC picks them (role tag, cluster tag owned|shared)."""
        role = "kubernetes.io/role/internal-elb" if scheme == "internal" else "kubernetes.io/role/elb"
        filters = [{"Name": f"tag:{role}", "Values": ["1", ""]},
                   {"Name": f"tag:kubernetes.io/cluster/{self.cluster}", "Values": ["owned", "shared"]}]
        if self.vpc_id:
            filters.append({"Name": "vpc-id", "Values": [self.vpc_id]})
        subnets = sorted(self.ec2.describe_subnets(Filters=filters)["Subnets"], key=lambda s: s["SubnetId"])
        vpcs = {s["VpcId"] for s in subnets}
        if len(vpcs) > 1:
            raise Retry(f"subnets of cluster {self.cluster} in several VPCs {sorted(vpcs)}: give --vpc-id", 10)
        by_zone: dict[str, dict] = {}
        for s in subnets:
            by_zone.setdefault(s["AvailabilityZone"], s)
        return [by_zone[z] for z in sorted(by_zone)]

    # -- AWS: building --------------------------------------------------------------------
    def deploy(self, svc: dict, stack: str) -> str:
        meta, spec = svc["metadata"], svc["spec"]
        ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
        scheme = "internal" if (meta.get("annotations") or {}).get(SCHEME_ANNOTATION) == "internal" \
            else "internet-facing"
        ports = [p for p in spec.get("ports") or [] if p.get("protocol", "TCP") in ("TCP", "UDP")]
        subnets = self.discover_subnets(scheme)
        if not subnets:
            raise Retry(f"no {scheme} subnet tagged for cluster {self.cluster}", 5)
        vpc = subnets[0]["VpcId"]

        sg = self.find_security_group(stack)
        if sg is None:
            sg_id = self.ec2.create_security_group(
                GroupName=resource_name(ns, name, self.cluster, uid, "sg"),
                Description="[k8s] Managed SecurityGroup for LoadBalancer", VpcId=vpc,
                TagSpecifications=[{"ResourceType": "security-group",
                                    "Tags": aws_tags(self.stack_tags(stack, "ManagedLBSecurityGroup"))}])["GroupId"]
            log.info("%s: created security group %s", stack, sg_id)
            sg = self.ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
        self.open_ports(sg, ports, stack)

        tgs = self.find_target_groups(stack)
        for p in ports:
            resource = f"{stack}:{p['port']}"
            if resource not in tgs:
                tg = self.elb.create_target_group(
                    Name=resource_name(ns, name, self.cluster, stack, str(p["port"]), p.get("protocol", "TCP")),
                    Protocol=p.get("protocol", "TCP"), Port=int(p.get("nodePort") or p["port"]), VpcId=vpc,
                    TargetType="instance", Tags=aws_tags(self.stack_tags(stack, resource)))["TargetGroups"][0]
                tgs[resource] = tg
                log.info("%s: created target group %s", stack, tg["TargetGroupArn"])

        lb = self.find_load_balancer(stack)
        if lb is not None and lb["Scheme"] != scheme:  # a scheme cannot change: LBC makes a new one
            self.delete_load_balancer(lb, stack)
            lb = None
        if lb is None:
            lb = self.elb.create_load_balancer(
                Name=resource_name(ns, name, self.cluster, uid, scheme), Type="network", Scheme=scheme,
                Subnets=[s["SubnetId"] for s in subnets], SecurityGroups=[sg["GroupId"]],
                Tags=aws_tags(self.stack_tags(stack, "LoadBalancer")))["LoadBalancers"][0]
            log.info("%s: created load balancer %s", stack, lb["LoadBalancerArn"])
        self.sync_listeners(lb, ports, tgs, stack)
        return lb["DNSName"]

    def open_ports(self, sg: dict, ports: list, stack: str) -> None:
        have = {(r.get("IpProtocol"), r.get("FromPort")) for r in sg.get("IpPermissions", [])}
        want = [p for p in ports if (p.get("protocol", "TCP").lower(), p["port"]) not in have]
        if not want:
            return
        try:
            self.ec2.authorize_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=[
                {"IpProtocol": p.get("protocol", "TCP").lower(), "FromPort": p["port"], "ToPort": p["port"],
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in want])
        except ClientError as e:
            if error_code(e) != "InvalidPermission.Duplicate":
                raise

    def sync_listeners(self, lb: dict, ports: list, tgs: dict, stack: str) -> None:
        """A listener per port forwarding to its target group; listeners and target groups
        of ports the Service no longer has go."""
        listeners = {x["Port"]: x for x in self.elb.describe_listeners(
            LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
        for p in ports:
            if p["port"] not in listeners:
                self.elb.create_listener(
                    LoadBalancerArn=lb["LoadBalancerArn"], Protocol=p.get("protocol", "TCP"), Port=p["port"],
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[f"{stack}:{p['port']}"]["TargetGroupArn"]}],
                    Tags=aws_tags(self.stack_tags(stack, "LoadBalancer")))
                log.info("%s: created listener %s", stack, p["port"])
        wanted = {p["port"] for p in ports}
        for port, listener in listeners.items():
            if port not in wanted:
                self.elb.delete_listener(ListenerArn=listener["ListenerArn"])
        for resource, tg in tgs.items():
            if resource and resource.rsplit(":", 1)[-1] not in {str(p) for p in wanted}:
                self.elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])

    # -- AWS: deleting ------------------------------------------------------------------------
    def delete_load_balancer(self, lb: dict, stack: str) -> None:
        for listener in self.elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            self.elb.delete_listener(ListenerArn=listener["ListenerArn"])
        self.elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        log.info("%s: deleted load balancer %s", stack, lb["LoadBalancerArn"])

    def delete_stack(self, stack: str) -> None:
        lb = self.find_load_balancer(stack)
        if lb is not None:
            self.delete_load_balancer(lb, stack)
        for tg in self.find_target_groups(stack).values():
            try:
                self.elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
            except ClientError as e:
                if error_code(e) == "ResourceInUse":
                    raise Retry(f"target group {tg['TargetGroupName']} still in use") from None
                raise
            log.info("%s: deleted target group %s", stack, tg["TargetGroupArn"])
        sg = self.find_security_group(stack)
        if sg is not None:
            try:
                self.ec2.delete_security_group(GroupId=sg["GroupId"])
            except ClientError as e:
                if error_code(e) == "DependencyViolation":  # the load balancer's interfaces, for a while
                    raise Retry(f"security group {sg['GroupId']} still in use") from None
                raise
            log.info("%s: deleted security group %s", stack, sg["GroupId"])


def main(argv: Optional[list] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kubeconfig", required=True, help="the child cluster's admin kubeconfig")
    p.add_argument("--aws-endpoint", required=True, help="moto's endpoint")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--cluster-name", required=True, help="the EKS cluster name (LBC's --cluster-name)")
    p.add_argument("--default-tags", default="", help="k=v,... added to every resource (LBC's --default-tags)")
    p.add_argument("--vpc-id", help="only subnets of this VPC (LBC's --aws-vpc-id)")
    p.add_argument("--ready-file", help="written once running; removed on exit")
    args = p.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    ready = Path(args.ready_file) if args.ready_file else None
    if ready:
        ready.unlink(missing_ok=True)

    controller = Controller(KubeClient(Path(args.kubeconfig)), boto3.Session(), args.aws_endpoint, args.region,
                            args.cluster_name, parse_tags(args.default_tags), args.vpc_id)
    controller.ec2.describe_availability_zones()  # credentials and endpoint work, or fail now
    resource_version = controller.list_services()
    threading.Thread(target=controller.watch_forever, args=(stop, resource_version),
                     name="watch", daemon=True).start()
    if ready:
        ready.write_text(f"{os.getpid()}\n")
    log.info("ready: cluster %s, watching Services from resourceVersion %s", args.cluster_name, resource_version)
    try:
        while not stop.is_set():
            key = controller.queue.get(stop)
            if key is not None:
                controller.reconcile(key)
    finally:
        if ready:
            ready.unlink(missing_ok=True)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
