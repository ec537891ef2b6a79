// The crash test's fault hook: which operations are boundaries (mutating ones that succeeded),
// and that it fires at the Nth of them only.
#include "operator/aws/fault_hook.h"

#include <gtest/gtest.h>

namespace aura::aws {
namespace {

TEST(FaultHook, ReadsAreNotMutating) {
  for (const char* op : {"DescribeVpcs", "DescribeCluster", "GetRole", "GetObject",
                         "ListAttachedRolePolicies", "ListOpenIDConnectProviders", "HeadObject",
                         "GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity"})
    EXPECT_FALSE(is_mutating_operation(op)) << op;
}

TEST(FaultHook, EveryKindOfChangeIsMutating) {
  for (const char* op :
       {"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "ModifySubnetAttribute",
        "AssociateRouteTable", "DisassociateRouteTable", "AttachInternetGateway",
        "DetachInternetGateway", "AllocateAddress", "ReleaseAddress",
        "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateTags", "TagResource",
        "UntagResource", "TagOpenIDConnectProvider", "PutRolePolicy", "PutObject",
        "UpdateClusterConfig", "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile",
        "RunInstances", "TerminateInstances", "CreateOpenIDConnectProvider", "AttachRolePolicy",
        "DetachRolePolicy", "ReplaceRoute",
        // Unknown verbs count: a boundary too many costs one restart, one too few hides a bug.
        "StartInstances", "Getaway"})
    EXPECT_TRUE(is_mutating_operation(op)) << op;
  EXPECT_FALSE(is_mutating_operation(""));
}

TEST(FaultHook, ExitsOnceAfterTheNthMutatingCall) {
  int exits = 0;
  FaultHook hook(3, log::Logger::discard(), [&] { ++exits; });
  hook.after_call("ec2", "CreateVpc", true);
  hook.after_call("ec2", "DescribeVpcs", true);
  hook.after_call("ec2", "ModifyVpcAttribute", true);
  hook.after_call("ec2", "AuthorizeSecurityGroupIngress", false);
  EXPECT_EQ(exits, 0);
  hook.after_call("iam", "GetRole", true);
  EXPECT_EQ(exits, 0) << "neither reads nor refused calls move the count";
  hook.after_call("iam", "CreateRole", true);
  EXPECT_EQ(exits, 1);
  hook.after_call("iam", "AttachRolePolicy", true);
  EXPECT_EQ(exits, 1) << "only the Nth";
  EXPECT_EQ(hook.calls(), 7);
  EXPECT_EQ(hook.mutating_calls(), 4);
}

TEST(FaultHook, ZeroOnlyCounts) {
  int exits = 0;
  FaultHook hook(0, log::Logger::discard(), [&] { ++exits; });
  for (int i = 0; i < 5; ++i) hook.after_call("ec2", "CreateVpc", true);
  EXPECT_EQ(exits, 0);
  EXPECT_EQ(hook.mutating_calls(), 5);
}

}  // namespace
}  // namespace aura::aws
