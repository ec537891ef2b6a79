#include "operator/aws/ssm.h"

namespace aura::aws {

Result<std::string> SsmClient::get_parameter(const std::string& name) {
  auto r = client_->json_rpc("GetParameter", "AmazonSSM", {{"Name", name}});
  if (!r) return std::unexpected(r.error());
  const auto& p = (*r)["Parameter"];
  if (!p.is_object() || !p.contains("Value") || !p["Value"].is_string())
    return std::unexpected(AwsError{"ssm", "GetParameter", 200, "MalformedResponse",
                                    "the answer has no Parameter.Value", "", false});
  return p["Value"].get<std::string>();
}

std::string eks_ami_parameter(const std::string& kubernetes_version, const std::string& arch,
                              bool gpu) {
  return "/aws/service/eks/optimized-ami/" + kubernetes_version + "/amazon-linux-2023/" + arch +
         "/" + (gpu ? "nvidia" : "standard") + "/recommended/image_id";
}

}  // namespace aura::aws
