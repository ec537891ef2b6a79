// aura_api_codegen --out <dir> [--names <names.yaml>] [--stamp <file>] <crd.yaml>...
// Writes <kind>_types.h and <kind>_types.cpp for each CRD into <dir>, each only when its content
// changed, then touches the stamp file (the build's signal that generation ran). Exits 1 with a
// message naming the CRD and the schema path when a schema cannot be mapped.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "operator/api/codegen/generator.h"

namespace {

int usage() {
  std::cerr << "usage: aura_api_codegen --out <dir> [--names <names.yaml>] [--stamp <file>] "
               "<crd.yaml>...\n";
  return 2;
}

// Writes only when the content changed, so that an unchanged CRD rebuilds nothing.
void write_if_changed(const std::filesystem::path& path, const std::string& content) {
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::ostringstream old;
    old << in.rdbuf();
    if (old.str() == content) return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir;
  std::string names_path;
  std::string stamp_path;
  std::vector<std::string> crd_paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (arg == "--names" && i + 1 < argc) {
      names_path = argv[++i];
    } else if (arg == "--stamp" && i + 1 < argc) {
      stamp_path = argv[++i];
    } else if (arg.starts_with("--")) {
      return usage();
    } else {
      crd_paths.push_back(arg);
    }
  }
  if (out_dir.empty() || crd_paths.empty()) return usage();
  try {
    aura::api::codegen::Options options;
    if (!names_path.empty()) {
      options.names = aura::api::codegen::parse_names(YAML::LoadFile(names_path));
    }
    std::vector<YAML::Node> crds;
    for (const auto& p : crd_paths) crds.push_back(YAML::LoadFile(p));
    std::filesystem::create_directories(out_dir);
    for (const auto& f : aura::api::codegen::generate(crds, options)) {
      write_if_changed(std::filesystem::path(out_dir) / f.name, f.content);
    }
    if (!stamp_path.empty()) {
      std::ofstream stamp(stamp_path, std::ios::trunc);
      if (!stamp) throw std::runtime_error("cannot write " + stamp_path);
    }
  } catch (const std::exception& e) {
    std::cerr << "aura_api_codegen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
