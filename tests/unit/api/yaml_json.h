#pragma once

// YAML documents as JSON, the way the apiserver reads a manifest: quoted scalars are strings,
// plain scalars are null, booleans, integers or floats when they look like one (YAML 1.2 core
// schema), strings otherwise.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace aura::api::testing {

inline nlohmann::json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.Scalar()] = yaml_to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : n) j.push_back(yaml_to_json(v));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      static const std::regex kNull("~|null|Null|NULL|");
      static const std::regex kTrue("true|True|TRUE");
      static const std::regex kFalse("false|False|FALSE");
      static const std::regex kInt("[-+]?[0-9]+");
      static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
      if (std::regex_match(s, kNull)) return nullptr;
      if (std::regex_match(s, kTrue)) return true;
      if (std::regex_match(s, kFalse)) return false;
      if (std::regex_match(s, kInt)) return std::stoll(s);
      if (std::regex_match(s, kFloat)) return std::stod(s);
      return s;
    }
    default:
      return nullptr;
  }
}

// Every document of a YAML file, as JSON.
inline std::vector<nlohmann::json> load_yaml_documents(const std::string& path) {
  std::vector<nlohmann::json> docs;
  for (const auto& doc : YAML::LoadAllFromFile(path)) {
    if (doc.IsNull()) continue;
    docs.push_back(yaml_to_json(doc));
  }
  return docs;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace aura::api::testing
