#pragma once

// aura_api_codegen: C++ types from CRD OpenAPI v3 schemas, so that the types can never drift
// from the CRDs. See README.md beside this file for the mapping rules.

#include <yaml-cpp/yaml.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace aura::api::codegen {

// A schema the generator cannot map; the message names the CRD and the JSON path.
class CodegenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  // C++ names of object and enum schemas: kind -> JSON path -> name. Paths are the field names
  // joined by dots, with [] for list items and {} for map values ("spec.accessEntries[]").
  // Schemas not named here reuse the type of an identical one already generated, or else are
  // named <parent struct><Field>. "Identical" means the same shape: properties, types,
  // required, enums and defaults (descriptions and validation do not change a C++ type). Two
  // paths given one name must have the same shape, which keeps the copies of a schema inside
  // another CRD (AIJob's clusterTemplate) in step with the original.
  std::map<std::string, std::map<std::string, std::string>> names;
  // Directory part of the include paths written into the generated files.
  std::string include_prefix = "operator/api";
};

struct GeneratedFile {
  std::string name;  // file name only, for example "ephemeral_cluster_types.h"
  std::string content;
};

// Reads the name map of Options::names from YAML (a map of kind -> map of path -> name).
std::map<std::string, std::map<std::string, std::string>> parse_names(const YAML::Node& node);

// One header and one source per CRD, named after the kind in snake_case
// (AIJob -> ai_job_types.h). CRDs may use types of CRDs given before them.
std::vector<GeneratedFile> generate(const std::vector<YAML::Node>& crds, const Options& options);

// "AIJob" -> "ai_job", "EphemeralCluster" -> "ephemeral_cluster".
std::string snake_case(const std::string& pascal);

}  // namespace aura::api::codegen
