#include "reconcilers/ephemeral_cluster/kubeconfig.h"

#include <yaml-cpp/yaml.h>

namespace aura::reconcilers::cluster {

std::string kubeconfig_secret_name(const std::string& cluster_name) {
  // A Secret name may be 253 characters, an EphemeralCluster's at most 63 (CRD): no cut needed.
  return cluster_name + "-kubeconfig";
}

std::string build_kubeconfig(const aws::eks::Cluster& cluster, const std::string& region) {
  // Named by the cluster's ARN, as the AWS CLI does, so that merging several into one
  // ~/.kube/config never collides.
  const std::string& id = cluster.arn.empty() ? cluster.name : cluster.arn;
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << id;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << cluster.endpoint;
  out << YAML::Key << "certificate-authority-data" << YAML::Value
      << cluster.certificate_authority_data;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << id;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << id;
  out << YAML::Key << "user" << YAML::Value << id;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << id;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << id;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "exec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "client.authentication.k8s.io/v1beta1";
  out << YAML::Key << "command" << YAML::Value << "aws";
  out << YAML::Key << "args" << YAML::Value << YAML::Flow << YAML::BeginSeq << "--region" << region
      << "eks"
      << "get-token"
      << "--cluster-name" << cluster.name << "--output"
      << "json" << YAML::EndSeq;
  out << YAML::Key << "interactiveMode" << YAML::Value << "IfAvailable";
  out << YAML::Key << "provideClusterInfo" << YAML::Value << false;
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace aura::reconcilers::cluster
