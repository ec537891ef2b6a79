#!/usr/bin/env python3
"""Sends the benched AdmissionReview and 19 variants of it (invalid CIDRs, subnets outside the VPC
or overlapping, zones, versions, enum and type errors, malformed reviews) to two running webhook
servers and compares their answers. Standard library only.

    python3 bench/webhooks/compare_answers.py PORT_A PORT_B

Go's metav1.Status always carries "metadata": {}; that key is ignored. Exit status 1 when an
answer differs.
"""
import copy
import http.client
import json
import ssl
import sys
from pathlib import Path

BASE = json.loads((Path(__file__).resolve().parent / "admission-review.json").read_text())


def post(port, body, content_type="application/json"):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context(),
                                    timeout=10)
    c.request("POST", "/validate-aura-io-v1alpha1", body=body,
              headers={"Content-Type": content_type})
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    try:
        resp = json.loads(data)["response"]
        if isinstance(resp.get("status"), dict):
            resp["status"].pop("metadata", None)
        return r.status, resp
    except (ValueError, KeyError):
        return r.status, data


def variants():
    def v(name, change):
        r = copy.deepcopy(BASE)
        change(r["request"]["object"]["spec"])
        return name, json.dumps(r)

    net = lambda s: s["network"]
    yield v("benched", lambda s: None)
    yield v("unsupported version", lambda s: s.update(kubernetesVersion="1.29"))
    yield v("subnet outside VPC", lambda s: net(s)["privateSubnetCIDRs"].__setitem__(0, "10.43.0.0/19"))
    yield v("overlapping subnets", lambda s: net(s)["privateSubnetCIDRs"].__setitem__(0, "10.42.0.0/20"))
    yield v("duplicate zone", lambda s: net(s)["zones"].__setitem__(1, "us-east-1a"))
    yield v("zone of another region", lambda s: net(s)["zones"].__setitem__(1, "us-west-2a"))
    yield v("host bits set", lambda s: net(s).update(vpcCIDR="10.42.0.1/16"))
    yield v("VPC too large", lambda s: net(s).update(vpcCIDR="10.0.0.0/8"))
    yield v("subnet too small", lambda s: net(s)["publicSubnetCIDRs"].__setitem__(0, "10.42.0.0/29"))
    yield v("bad prefix", lambda s: net(s).update(vpcCIDR="10.42.0.0/x"))
    yield v("leading zero", lambda s: net(s).update(vpcCIDR="10.042.0.0/16"))
    yield v("public CIDR without prefix", lambda s: s["endpointAccess"]["publicAccessCIDRs"].__setitem__(0, "1.2.3.4"))
    yield v("no 0.0.0.0/0 (no warning)", lambda s: s["endpointAccess"].update(publicAccessCIDRs=["203.0.113.0/24"]))
    yield v("private endpoint only", lambda s: s["endpointAccess"].update(public=False))
    yield v("two errors", lambda s: (s.update(kubernetesVersion="1.2"), net(s).update(vpcCIDR="10.0.0.0/8")))
    yield v("unknown enum value", lambda s: net(s).update(natGateways="Two"))
    yield v("missing required field", lambda s: s.pop("region"))
    yield v("wrong JSON type", lambda s: s.update(region=5))
    yield "malformed JSON", "{"
    yield "not an AdmissionReview", json.dumps({"apiVersion": "v1", "kind": "Pod"})


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = int(sys.argv[1]), int(sys.argv[2])
    differ = 0
    for name, body in variants():
        ra, rb = post(a, body), post(b, body)
        same = ra == rb
        differ += not same
        print(f"{'same' if same else 'DIFFERENT':<10} {name}")
        if not same:
            print(f"    {a}: {ra}\n    {b}: {rb}")
    ra = post(a, json.dumps(BASE), "text/plain")
    rb = post(b, json.dumps(BASE), "text/plain")
    print(f"{'same' if ra == rb else 'DIFFERENT':<10} wrong Content-Type")
    differ += ra != rb
    print(f"{differ} different")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
