#!/usr/bin/env python3
"""Makes the IAM user a child controller runs as in moto, with one managed policy and a
fresh access key, and prints {"user_name", "user_arn", "access_key_id",
"secret_access_key", "policy_arn"} as JSON.

Run with moto's venv python (boto3), with the environment's admin credentials in
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (envctl does it):

    iam_user.py --endpoint URL --user aws-load-balancer-controller --policy FILE

Idempotent: a user or policy already there is kept (the policy gets the file's document as
its default version) and the user's old access keys are deleted, so that only the printed
one is valid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
from botocore.config import Config


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--user", required=True)
    p.add_argument("--policy", required=True, help="IAM policy JSON file")
    p.add_argument("--policy-name", help="default: the user's name")
    args = p.parse_args(argv)
    document = json.dumps(json.loads(Path(args.policy).read_text()))
    iam = boto3.client("iam", endpoint_url=args.endpoint, region_name=args.region,
                       config=Config(retries={"mode": "standard", "max_attempts": 3}))
    try:
        user = iam.create_user(UserName=args.user)["User"]
    except iam.exceptions.EntityAlreadyExistsException:
        user = iam.get_user(UserName=args.user)["User"]
        for key in iam.list_access_keys(UserName=args.user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=args.user, AccessKeyId=key["AccessKeyId"])
    policy_name = args.policy_name or args.user
    policy_arn = f"arn:aws:iam::{user['Arn'].split(':')[4]}:policy/{policy_name}"
    try:
        policy_arn = iam.create_policy(PolicyName=policy_name, PolicyDocument=document)["Policy"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        for version in iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]:
            if not version["IsDefaultVersion"]:  # room for the new one (5 versions at most)
                iam.delete_policy_version(PolicyArn=policy_arn, VersionId=version["VersionId"])
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document, SetAsDefault=True)
    iam.attach_user_policy(UserName=args.user, PolicyArn=policy_arn)
    key = iam.create_access_key(UserName=args.user)["AccessKey"]
    json.dump({"user_name": args.user, "user_arn": user["Arn"], "access_key_id": key["AccessKeyId"],
               "secret_access_key": key["SecretAccessKey"], "policy_arn": policy_arn}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
