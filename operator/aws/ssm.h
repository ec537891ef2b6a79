#pragma once

#include <string>

#include "operator/aws/client.h"

namespace aura::aws {

// SSM Parameter Store (json 1.1, target AmazonSSM): EKS-optimized AMI IDs are public parameters.
class SsmClient {
 public:
  explicit SsmClient(AwsClientPtr client) : client_(std::move(client)) {}
  Result<std::string> get_parameter(const std::string& name);

 private:
  AwsClientPtr client_;
};

// /aws/service/eks/optimized-ami/<version>/amazon-linux-2023/<arch>/<variant>/recommended/image_id
// arch: x86_64 or arm64; variant: standard or nvidia.
std::string eks_ami_parameter(const std::string& kubernetes_version, const std::string& arch,
                              bool gpu);

}  // namespace aura::aws
