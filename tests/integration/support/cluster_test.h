#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "operator/aws/ec2.h"
#include "operator/aws/eks.h"
#include "operator/aws/iam.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/cluster_objects.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {

// The fixture of the tests that run the operator process on EphemeralClusters: a fresh
// namespace named after `prefix` with an operator watching it, and AWS clients (the allow-all
// test user) to set up and inspect what it makes. The operator's log is printed on failure.
class ClusterOperatorTest : public ::testing::Test {
 protected:
  explicit ClusterOperatorTest(std::string prefix) : prefix_(std::move(prefix)) {}
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
  void SetUp() override {
    ns_ = TestEnv::get().fresh_namespace(prefix_);
    k_ = ClusterObjects(ns_);
    op_ = start_operator(ns_, "operator-" + ns_);
    const auto& aws = AwsTestEnv::get();
    ec2_ = std::make_unique<aws::Ec2Client>(aws.client(aws::services::kEc2));
    iam_ = std::make_unique<aws::IamClient>(aws.client(aws::services::kIam));
    eks_ = std::make_unique<aws::EksClient>(aws.client(aws::services::kEks));
  }
  void TearDown() override {
    if (HasFailure() && op_) std::cerr << "--- operator log ---\n" << log_tail(op_->log());
    op_.reset();
  }

  std::string prefix_;
  std::string ns_;
  ClusterObjects k_{""};
  std::unique_ptr<OperatorProcess> op_;
  std::unique_ptr<aws::Ec2Client> ec2_;
  std::unique_ptr<aws::IamClient> iam_;
  std::unique_ptr<aws::EksClient> eks_;
};

}  // namespace aura::testing
