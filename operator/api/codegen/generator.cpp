#include "operator/api/codegen/generator.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

namespace aura::api::codegen {
namespace {

enum class TypeKind {
  kString,
  kInt32,
  kInt64,
  kBool,
  kJson,
  kArray,
  kMap,
  kStruct,
  kEnum,
  kConditions
};

struct TypeRef {
  TypeKind kind = TypeKind::kString;
  std::string name;               // kStruct, kEnum
  std::shared_ptr<TypeRef> elem;  // kArray, kMap
};

struct Field {
  std::string json_name;
  std::string cpp_name;
  TypeRef type;
  bool required = false;
  std::string description;
  YAML::Node default_value;
};

struct StructDef {
  std::string name;
  std::string description;
  std::vector<Field> fields;
  std::size_t file = 0;
  std::string canonical;
  std::string origin;  // "Kind:path", for messages
};

struct EnumDef {
  std::string name;
  std::string description;
  std::vector<std::string> values;
  std::size_t file = 0;
  std::string canonical;
  std::string origin;
};

struct KindDef {
  std::string kind, list_kind, plural, singular, group, version, description;
  std::string file_stem;
  bool namespaced = true;
  std::string spec_type, status_type;  // status_type empty when the CRD has no status
};

const std::set<std::string>& cpp_keywords() {
  static const std::set<std::string> k = {"alignas",       "alignof",     "and",
                                          "and_eq",        "asm",         "auto",
                                          "bitand",        "bitor",       "bool",
                                          "break",         "case",        "catch",
                                          "char",          "char8_t",     "char16_t",
                                          "char32_t",      "class",       "compl",
                                          "concept",       "const",       "consteval",
                                          "constexpr",     "constinit",   "const_cast",
                                          "continue",      "co_await",    "co_return",
                                          "co_yield",      "decltype",    "default",
                                          "delete",        "do",          "double",
                                          "dynamic_cast",  "else",        "enum",
                                          "explicit",      "export",      "extern",
                                          "false",         "float",       "for",
                                          "friend",        "goto",        "if",
                                          "inline",        "int",         "long",
                                          "mutable",       "namespace",   "new",
                                          "noexcept",      "not",         "not_eq",
                                          "nullptr",       "operator",    "or",
                                          "or_eq",         "private",     "protected",
                                          "public",        "register",    "reinterpret_cast",
                                          "requires",      "return",      "short",
                                          "signed",        "sizeof",      "static",
                                          "static_assert", "static_cast", "struct",
                                          "switch",        "template",    "this",
                                          "thread_local",  "throw",       "true",
                                          "try",           "typedef",     "typeid",
                                          "typename",      "union",       "unsigned",
                                          "using",         "virtual",     "void",
                                          "volatile",      "wchar_t",     "while",
                                          "xor",           "xor_eq"};
  return k;
}

// "vpcCIDR" -> "VpcCIDR", "on-demand" -> "OnDemand", "AL2023" -> "AL2023".
std::string pascal(const std::string& s) {
  std::string out;
  bool upper_next = true;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper_next = true;
      continue;
    }
    out += upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper_next = false;
  }
  return out;
}

std::string cpp_field_name(const std::string& json_name) {
  std::string out;
  for (char c : json_name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  if (cpp_keywords().contains(out)) out += '_';
  return out;
}

std::string literal(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// A description as // comment lines of at most 100 columns.
std::string comment(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream paragraphs(text);
  std::string paragraph;
  const std::size_t width = 100 - indent.size() - 3;
  while (std::getline(paragraphs, paragraph)) {
    std::istringstream words(paragraph);
    std::string word, line;
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += indent + "// " + line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += indent + "// " + line + "\n";
  }
  return out;
}

// The keywords of a schema that shape its C++ type. Descriptions and validation (patterns,
// bounds, CEL rules) do not: two schemas that differ only there share one C++ type.
bool shapes_type(const std::string& keyword) {
  static const std::set<std::string> k = {"type",
                                          "format",
                                          "properties",
                                          "items",
                                          "additionalProperties",
                                          "required",
                                          "enum",
                                          "default",
                                          "x-kubernetes-preserve-unknown-fields",
                                          "x-kubernetes-int-or-string"};
  return k.contains(keyword);
}

// What a YAML node is, for canonical(): a schema, the map under "properties", or a value
// (default, enum) kept whole.
enum class NodeRole { kSchema, kProperties, kValue };

// The shape of a schema as a string, map keys sorted: equal strings mean the same C++ type.
void canonical(const YAML::Node& n, std::string& out, NodeRole role = NodeRole::kSchema) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      // Sort keys, not nodes: assigning a YAML::Node overwrites the node it refers to.
      std::vector<std::string> keys;
      for (const auto& kv : n) {
        auto key = kv.first.as<std::string>();
        if (role != NodeRole::kSchema || shapes_type(key)) keys.push_back(key);
      }
      std::sort(keys.begin(), keys.end());
      out += '{';
      for (const auto& k : keys) {
        const YAML::Node v = n[k];
        out += literal(k) + ':';
        NodeRole child = NodeRole::kValue;
        if (role == NodeRole::kProperties) child = NodeRole::kSchema;
        if (role == NodeRole::kSchema) {
          if (k == "properties") child = NodeRole::kProperties;
          if (k == "items" || k == "additionalProperties") child = NodeRole::kSchema;
        }
        canonical(v, out, child);
        out += ',';
      }
      out += '}';
      break;
    }
    case YAML::NodeType::Sequence:
      out += '[';
      for (const auto& v : n) {
        canonical(v, out, NodeRole::kValue);
        out += ',';
      }
      out += ']';
      break;
    case YAML::NodeType::Scalar:
      out += literal(n.Scalar());
      break;
    default:
      out += "~";
  }
}

std::string canonical(const YAML::Node& n) {
  std::string out;
  canonical(n, out);
  return out;
}

std::string scalar_or(const YAML::Node& n, const std::string& fallback = "") {
  return n && n.IsScalar() ? n.Scalar() : fallback;
}

class Generator {
 public:
  explicit Generator(const Options& options) : options_(options) {}

  std::vector<GeneratedFile> run(const std::vector<YAML::Node>& crds) {
    for (std::size_t i = 0; i < crds.size(); ++i) {
      file_ = i;
      kinds_.push_back(load_kind(crds[i]));
    }
    check_unused_names();
    std::vector<GeneratedFile> files;
    for (std::size_t i = 0; i < kinds_.size(); ++i) {
      files.push_back({kinds_[i].file_stem + "_types.h", header(i)});
      files.push_back({kinds_[i].file_stem + "_types.cpp", source(i)});
    }
    return files;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw CodegenError(kind_ + ": " + (path.empty() ? "" : path + ": ") + message);
  }

  KindDef load_kind(const YAML::Node& crd) {
    if (scalar_or(crd["kind"]) != "CustomResourceDefinition") {
      throw CodegenError("not a CustomResourceDefinition");
    }
    const YAML::Node spec = crd["spec"];
    KindDef k;
    k.kind = scalar_or(spec["names"]["kind"]);
    kind_ = k.kind;
    if (k.kind.empty()) fail("", "spec.names.kind is missing");
    k.list_kind = scalar_or(spec["names"]["listKind"], k.kind + "List");
    k.plural = scalar_or(spec["names"]["plural"]);
    k.singular = scalar_or(spec["names"]["singular"]);
    k.group = scalar_or(spec["group"]);
    k.namespaced = scalar_or(spec["scope"], "Namespaced") == "Namespaced";
    k.file_stem = snake_case(k.kind);
    YAML::Node version;
    for (const auto& v : spec["versions"]) {
      if (v["storage"] && v["storage"].as<bool>()) version.reset(v);
    }
    if (!version) fail("", "no storage version");
    k.version = scalar_or(version["name"]);
    const YAML::Node root = version["schema"]["openAPIV3Schema"];
    if (!root || !root["properties"]) fail("", "no openAPIV3Schema properties");
    k.description = scalar_or(root["description"]);
    const YAML::Node spec_schema = root["properties"]["spec"];
    if (!spec_schema) fail("", "no spec property");
    k.spec_type = resolve_struct(spec_schema, "spec", k.kind + "Spec").name;
    if (const YAML::Node status = root["properties"]["status"]) {
      k.status_type = resolve_struct(status, "status", k.kind + "Status").name;
    }
    return k;
  }

  std::optional<std::string> mapped_name(const std::string& path) {
    auto kind_it = options_.names.find(kind_);
    if (kind_it == options_.names.end()) return std::nullopt;
    auto it = kind_it->second.find(path);
    if (it == kind_it->second.end()) return std::nullopt;
    used_names_.insert(kind_ + ":" + path);
    return it->second;
  }

  void check_unused_names() const {
    for (const auto& [kind, paths] : options_.names) {
      for (const auto& [path, name] : paths) {
        if (!used_names_.contains(kind + ":" + path)) {
          throw CodegenError("name map: " + kind + ":" + path + " (" + name +
                             ") matches no object or enum schema");
        }
      }
    }
  }

  static std::string join(const std::string& path, const std::string& field) {
    return path.empty() ? field : path + "." + field;
  }

  TypeRef resolve(const YAML::Node& s, const std::string& path, const std::string& suggested) {
    if (!s.IsMap()) fail(path, "schema is not a map");
    const std::string type = scalar_or(s["type"]);
    const bool preserve = s["x-kubernetes-preserve-unknown-fields"] &&
                          s["x-kubernetes-preserve-unknown-fields"].as<bool>();
    if (s["x-kubernetes-int-or-string"]) fail(path, "x-kubernetes-int-or-string is not supported");
    if (type == "string") {
      if (s["enum"]) return resolve_enum(s, path, suggested);
      return {TypeKind::kString, {}, nullptr};
    }
    if (type == "integer") {
      return {scalar_or(s["format"]) == "int32" ? TypeKind::kInt32 : TypeKind::kInt64, {}, nullptr};
    }
    if (type == "boolean") return {TypeKind::kBool, {}, nullptr};
    if (type == "array") {
      if (!s["items"]) fail(path, "array without items");
      if (path == "status.conditions" || path.ends_with(".conditions")) {
        check_conditions(s["items"], path);
        return {TypeKind::kConditions, {}, nullptr};
      }
      auto elem = std::make_shared<TypeRef>(resolve(s["items"], path + "[]", suggested));
      return {TypeKind::kArray, {}, elem};
    }
    if (type == "object" || (type.empty() && preserve)) {
      if (s["properties"]) return resolve_struct(s, path, suggested);
      if (s["additionalProperties"] && s["additionalProperties"].IsMap()) {
        auto elem = std::make_shared<TypeRef>(
            resolve(s["additionalProperties"], path + "{}", suggested + "Value"));
        return {TypeKind::kMap, {}, elem};
      }
      if (preserve) return {TypeKind::kJson, {}, nullptr};
      fail(path, "object without properties, additionalProperties or preserve-unknown-fields");
    }
    fail(path, "unsupported type \"" + type + "\"");
  }

  void check_conditions(const YAML::Node& items, const std::string& path) {
    static const std::set<std::string> expected = {
        "type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"};
    std::set<std::string> got;
    for (const auto& kv : items["properties"]) got.insert(kv.first.as<std::string>());
    if (got != expected) {
      fail(path, "a conditions list must have the metav1.Condition fields and no others");
    }
  }

  // The name to give a new type, or the name of an existing identical one (reuse).
  struct Naming {
    std::string name;
    bool reuse = false;
  };

  template <class Def>
  Naming name_type(const std::string& path, const std::string& suggested, const std::string& canon,
                   const std::vector<Def>& defs, const std::map<std::string, std::size_t>& by_name,
                   const std::map<std::string, std::size_t>& by_canonical) {
    if (auto mapped = mapped_name(path)) {
      if (auto it = by_name.find(*mapped); it != by_name.end()) {
        if (defs[it->second].canonical != canon) {
          fail(path, "named " + *mapped + " like " + defs[it->second].origin +
                         ", but the schemas differ in shape (properties, types, required, "
                         "enums or defaults)");
        }
        return {*mapped, true};
      }
      check_name_free(path, *mapped);
      return {*mapped, false};
    }
    if (auto it = by_canonical.find(canon); it != by_canonical.end()) {
      return {defs[it->second].name, true};
    }
    check_name_free(path, suggested);
    return {suggested, false};
  }

  void check_name_free(const std::string& path, const std::string& name) const {
    static const std::set<std::string> reserved = {"Condition", "ObjectMeta", "OwnerReference",
                                                   "DecodeError", "FieldPath"};
    if (struct_by_name_.contains(name) || enum_by_name_.contains(name) || reserved.contains(name) ||
        kind_names_.contains(name)) {
      fail(path, "the C++ name " + name + " is already taken; name this schema in the name map");
    }
  }

  TypeRef resolve_enum(const YAML::Node& s, const std::string& path, const std::string& suggested) {
    std::vector<std::string> values;
    for (const auto& v : s["enum"]) values.push_back(v.Scalar());
    std::string canon = "enum";
    for (const auto& v : values) canon += ":" + literal(v);
    Naming n = name_type(path, suggested, canon, enums_, enum_by_name_, enum_by_canonical_);
    if (n.reuse) return {TypeKind::kEnum, n.name, nullptr};
    EnumDef def;
    def.name = n.name;
    def.description = scalar_or(s["description"]);
    def.values = values;
    def.file = file_;
    def.canonical = canon;
    def.origin = kind_ + ":" + path;
    std::set<std::string> identifiers;
    for (const auto& v : values) {
      if (!identifiers.insert(pascal(v)).second || pascal(v).empty()) {
        fail(path, "enum values map to clashing C++ names");
      }
    }
    enum_by_name_[def.name] = enums_.size();
    enum_by_canonical_.emplace(canon, enums_.size());
    enums_.push_back(std::move(def));
    return {TypeKind::kEnum, n.name, nullptr};
  }

  TypeRef resolve_struct(const YAML::Node& s, const std::string& path,
                         const std::string& suggested) {
    const std::string canon = canonical(s);
    Naming n = name_type(path, suggested, canon, structs_, struct_by_name_, struct_by_canonical_);
    if (n.reuse) return {TypeKind::kStruct, n.name, nullptr};
    kind_names_.insert(n.name);  // reserved while the children are resolved
    StructDef def;
    def.name = n.name;
    def.description = scalar_or(s["description"]);
    def.file = file_;
    def.canonical = canon;
    def.origin = kind_ + ":" + path;
    std::set<std::string> required;
    for (const auto& r : s["required"]) required.insert(r.Scalar());
    std::set<std::string> cpp_names;
    for (const auto& kv : s["properties"]) {
      Field f;
      f.json_name = kv.first.as<std::string>();
      f.cpp_name = cpp_field_name(f.json_name);
      if (!cpp_names.insert(f.cpp_name).second) fail(path, "clashing C++ field names");
      f.required = required.contains(f.json_name);
      f.description = scalar_or(kv.second["description"]);
      if (const YAML::Node d = kv.second["default"]) f.default_value.reset(d);
      f.type = resolve(kv.second, join(path, f.json_name), n.name + pascal(f.json_name));
      def.fields.push_back(std::move(f));
    }
    for (const auto& r : required) {
      if (!s["properties"][r]) fail(path, "required property " + r + " is not defined");
    }
    kind_names_.erase(n.name);
    struct_by_name_[def.name] = structs_.size();
    struct_by_canonical_.emplace(canon, structs_.size());
    structs_.push_back(std::move(def));
    return {TypeKind::kStruct, n.name, nullptr};
  }

  // ---- emission ----

  static std::string cpp_type(const TypeRef& t) {
    switch (t.kind) {
      case TypeKind::kString:
        return "std::string";
      case TypeKind::kInt32:
        return "std::int32_t";
      case TypeKind::kInt64:
        return "std::int64_t";
      case TypeKind::kBool:
        return "bool";
      case TypeKind::kJson:
        return "nlohmann::json";
      case TypeKind::kArray:
        return "std::vector<" + cpp_type(*t.elem) + ">";
      case TypeKind::kMap:
        return "std::map<std::string, " + cpp_type(*t.elem) + ">";
      case TypeKind::kStruct:
      case TypeKind::kEnum:
        return t.name;
      case TypeKind::kConditions:
        return "std::vector<Condition>";
    }
    return {};
  }

  static bool is_container(const TypeRef& t) {
    return t.kind == TypeKind::kArray || t.kind == TypeKind::kMap ||
           t.kind == TypeKind::kConditions;
  }

  // Optional lists and maps are plain containers (empty = unset); other optionals are
  // std::optional.
  static std::string field_decl(const Field& f) {
    std::string type = cpp_type(f.type);
    if (f.required || is_container(f.type)) {
      bool value_init = f.type.kind == TypeKind::kInt32 || f.type.kind == TypeKind::kInt64 ||
                        f.type.kind == TypeKind::kBool || f.type.kind == TypeKind::kEnum;
      return type + " " + f.cpp_name + (value_init ? "{}" : "") + ";";
    }
    return "std::optional<" + type + "> " + f.cpp_name + ";";
  }

  std::optional<std::string> default_constant(const Field& f) const {
    if (!f.default_value || !f.default_value.IsScalar()) return std::nullopt;
    const std::string name = "k" + pascal(f.json_name) + "Default";
    const std::string& v = f.default_value.Scalar();
    switch (f.type.kind) {
      case TypeKind::kEnum:
        return "static constexpr " + f.type.name + " " + name + " = " + f.type.name + "::k" +
               pascal(v) + ";";
      case TypeKind::kString:
        return "static constexpr std::string_view " + name + " = " + literal(v) + ";";
      case TypeKind::kInt32:
      case TypeKind::kInt64:
        return "static constexpr " + cpp_type(f.type) + " " + name + " = " + v + ";";
      case TypeKind::kBool:
        return "static constexpr bool " + name + " = " + (v == "true" ? "true" : "false") + ";";
      default:
        return std::nullopt;
    }
  }

  // The files of types this file uses from earlier files.
  std::set<std::size_t> dependencies(std::size_t file) const {
    std::set<std::size_t> deps;
    std::function<void(const TypeRef&)> visit = [&](const TypeRef& t) {
      if (t.elem) visit(*t.elem);
      if (t.kind == TypeKind::kStruct) deps.insert(structs_[struct_by_name_.at(t.name)].file);
      if (t.kind == TypeKind::kEnum) deps.insert(enums_[enum_by_name_.at(t.name)].file);
    };
    for (const auto& s : structs_) {
      if (s.file != file) continue;
      for (const auto& f : s.fields) visit(f.type);
    }
    visit({TypeKind::kStruct, kinds_[file].spec_type, nullptr});
    if (!kinds_[file].status_type.empty()) {
      visit({TypeKind::kStruct, kinds_[file].status_type, nullptr});
    }
    deps.erase(file);
    return deps;
  }

  std::string header(std::size_t file) const {
    const KindDef& k = kinds_[file];
    std::ostringstream o;
    o << "// Generated by aura_api_codegen from the " << k.kind << " CRD (" << k.plural << "."
      << k.group << ").\n// Do not edit: change crds/ and rebuild.\n#pragma once\n\n"
      << "#include <array>\n#include <cstdint>\n#include <map>\n#include <optional>\n"
      << "#include <string>\n#include <string_view>\n#include <vector>\n\n"
      << "#include <nlohmann/json.hpp>\n\n"
      << "#include \"" << options_.include_prefix << "/codec.h\"\n"
      << "#include \"" << options_.include_prefix << "/condition.h\"\n"
      << "#include \"" << options_.include_prefix << "/object_meta.h\"\n";
    for (std::size_t dep : dependencies(file)) {
      o << "#include \"" << options_.include_prefix << "/" << kinds_[dep].file_stem
        << "_types.h\"\n";
    }
    o << "\nnamespace aura::api {\n";
    for (const auto& e : enums_) {
      if (e.file != file) continue;
      o << "\n" << comment(e.description, "") << "enum class " << e.name << " {\n";
      for (const auto& v : e.values) o << "  k" << pascal(v) << ",  // " << literal(v) << "\n";
      o << "};\n"
        << "inline constexpr std::array<" << e.name << ", " << e.values.size() << "> k" << e.name
        << "Values = {";
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        o << (i ? ", " : "") << e.name << "::k" << pascal(e.values[i]);
      }
      o << "};\n"
        << "std::string_view to_string(" << e.name << " v);\n"
        << "// Sets out and returns true when s is one of the values of the schema.\n"
        << "bool from_string(std::string_view s, " << e.name << "& out);\n"
        << "nlohmann::json to_json(" << e.name << " v);\n"
        << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << e.name
        << "& out,\n                                       const FieldPath& path);\n";
    }
    for (const auto& s : structs_) {
      if (s.file != file) continue;
      o << "\n" << comment(s.description, "") << "struct " << s.name << " {\n";
      for (const auto& f : s.fields) {
        o << comment(f.description, "  ") << "  " << field_decl(f) << "\n";
        if (auto d = default_constant(f)) o << "  " << *d << "\n";
      }
      o << "\n  bool operator==(const " << s.name << "&) const = default;\n};\n"
        << "nlohmann::json to_json(const " << s.name << "& v);\n"
        << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << s.name
        << "& out,\n                                       const FieldPath& path);\n";
    }
    o << "\n"
      << comment(k.description, "") << "struct " << k.kind << " {\n"
      << "  static constexpr std::string_view kGroup = " << literal(k.group) << ";\n"
      << "  static constexpr std::string_view kVersion = " << literal(k.version) << ";\n"
      << "  static constexpr std::string_view kApiVersion = " << literal(k.group + "/" + k.version)
      << ";\n"
      << "  static constexpr std::string_view kKind = " << literal(k.kind) << ";\n"
      << "  static constexpr std::string_view kListKind = " << literal(k.list_kind) << ";\n"
      << "  static constexpr std::string_view kPlural = " << literal(k.plural) << ";\n"
      << "  static constexpr std::string_view kSingular = " << literal(k.singular) << ";\n"
      << "  static constexpr bool kNamespaced = " << (k.namespaced ? "true" : "false") << ";\n\n"
      << "  ObjectMeta metadata;\n"
      << "  " << k.spec_type << " spec;\n";
    if (!k.status_type.empty()) {
      o << "  // Empty until the operator writes it; left out of the JSON while empty.\n"
        << "  " << k.status_type << " status;\n";
    }
    o << "\n  bool operator==(const " << k.kind << "&) const = default;\n};\n"
      << "// Always writes apiVersion, kind, metadata and spec.\n"
      << "nlohmann::json to_json(const " << k.kind << "& v);\n"
      << "// apiVersion and kind may be absent, but must match when present.\n"
      << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << k.kind
      << "& out,\n                                       const FieldPath& path);\n"
      << "\n}  // namespace aura::api\n";
    return o.str();
  }

  std::string source(std::size_t file) const {
    const KindDef& k = kinds_[file];
    std::ostringstream o;
    o << "// Generated by aura_api_codegen from the " << k.kind << " CRD (" << k.plural << "."
      << k.group << ").\n// Do not edit: change crds/ and rebuild.\n"
      << "#include \"" << options_.include_prefix << "/" << k.file_stem << "_types.h\"\n\n"
      << "namespace aura::api {\n";
    for (const auto& e : enums_) {
      if (e.file != file) continue;
      o << "\nstd::string_view to_string(" << e.name << " v) {\n  switch (v) {\n";
      for (const auto& v : e.values) {
        o << "    case " << e.name << "::k" << pascal(v) << ":\n      return " << literal(v)
          << ";\n";
      }
      o << "  }\n  return {};\n}\n\n"
        << "bool from_string(std::string_view s, " << e.name << "& out) {\n";
      for (const auto& v : e.values) {
        o << "  if (s == " << literal(v) << ") {\n    out = " << e.name << "::k" << pascal(v)
          << ";\n    return true;\n  }\n";
      }
      std::string supported;
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        supported += (i ? ", " : "") + literal(e.values[i]);
      }
      o << "  return false;\n}\n\n"
        << "nlohmann::json to_json(" << e.name << " v) { return std::string(to_string(v)); }\n\n"
        << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << e.name
        << "& out,\n                                       const FieldPath& path) {\n"
        << "  if (!j.is_string()) return type_error(path, \"string\", j);\n"
        << "  const auto& s = j.get_ref<const std::string&>();\n"
        << "  if (from_string(s, out)) return std::nullopt;\n"
        << "  return make_decode_error(path, \"Unsupported value: \\\"\" + s + \"\\\": supported "
           "values: \" "
        << literal(supported) << ");\n}\n";
    }
    for (const auto& s : structs_) {
      if (s.file != file) continue;
      o << "\nnlohmann::json to_json(const " << s.name << "& v) {\n"
        << "  nlohmann::json j = nlohmann::json::object();\n";
      for (const auto& f : s.fields) {
        o << "  detail::encode_" << (f.required ? "required" : "optional") << "(j, "
          << literal(f.json_name) << ", v." << f.cpp_name << ");\n";
      }
      o << "  return j;\n}\n\n"
        << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << s.name
        << "& out,\n                                       const FieldPath& path) {\n"
        << "  if (!j.is_object()) return type_error(path, \"object\", j);\n";
      for (const auto& f : s.fields) {
        o << "  if (auto e = detail::decode_" << (f.required ? "required" : "optional") << "(j, "
          << literal(f.json_name) << ", out." << f.cpp_name << ", path)) return e;\n";
      }
      o << "  return std::nullopt;\n}\n";
    }
    o << "\nnlohmann::json to_json(const " << k.kind << "& v) {\n"
      << "  nlohmann::json j = nlohmann::json::object();\n"
      << "  j[\"apiVersion\"] = std::string(" << k.kind << "::kApiVersion);\n"
      << "  j[\"kind\"] = std::string(" << k.kind << "::kKind);\n"
      << "  j[\"metadata\"] = to_json(v.metadata);\n"
      << "  j[\"spec\"] = to_json(v.spec);\n";
    if (!k.status_type.empty()) {
      o << "  if (!(v.status == " << k.status_type << "{})) j[\"status\"] = to_json(v.status);\n";
    }
    o << "  return j;\n}\n\n"
      << "std::optional<DecodeError> decode_into(const nlohmann::json& j, " << k.kind
      << "& out,\n                                       const FieldPath& path) {\n"
      << "  if (!j.is_object()) return type_error(path, \"object\", j);\n"
      << "  if (auto e = detail::check_type_meta(j, " << k.kind << "::kApiVersion, " << k.kind
      << "::kKind, path)) return e;\n"
      << "  if (auto e = detail::decode_optional(j, \"metadata\", out.metadata, path)) return e;\n"
      << "  if (auto e = detail::decode_required(j, \"spec\", out.spec, path)) return e;\n";
    if (!k.status_type.empty()) {
      o << "  if (auto e = detail::decode_optional(j, \"status\", out.status, path)) return e;\n";
    }
    o << "  return std::nullopt;\n}\n\n}  // namespace aura::api\n";
    return o.str();
  }

  const Options& options_;
  std::string kind_;
  std::size_t file_ = 0;
  std::vector<KindDef> kinds_;
  std::vector<StructDef> structs_;  // children before parents
  std::vector<EnumDef> enums_;
  std::map<std::string, std::size_t> struct_by_name_, enum_by_name_;
  std::map<std::string, std::size_t> struct_by_canonical_, enum_by_canonical_;
  std::set<std::string> kind_names_;
  std::set<std::string> used_names_;
};

}  // namespace

std::string snake_case(const std::string& pascal_name) {
  std::string out;
  for (std::size_t i = 0; i < pascal_name.size(); ++i) {
    const char c = pascal_name[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) {
      const char prev = pascal_name[i - 1];
      const bool next_lower = i + 1 < pascal_name.size() &&
                              std::islower(static_cast<unsigned char>(pascal_name[i + 1]));
      if (std::islower(static_cast<unsigned char>(prev)) ||
          std::isdigit(static_cast<unsigned char>(prev)) ||
          (std::isupper(static_cast<unsigned char>(prev)) && next_lower)) {
        out += '_';
      }
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::map<std::string, std::map<std::string, std::string>> parse_names(const YAML::Node& node) {
  std::map<std::string, std::map<std::string, std::string>> names;
  if (!node || node.IsNull()) return names;
  if (!node.IsMap()) throw CodegenError("name map: expected a map of kind -> path -> name");
  for (const auto& kind : node) {
    if (!kind.second.IsMap())
      throw CodegenError("name map: expected a map under " + kind.first.Scalar());
    for (const auto& entry : kind.second) {
      names[kind.first.Scalar()][entry.first.Scalar()] = entry.second.Scalar();
    }
  }
  return names;
}

std::vector<GeneratedFile> generate(const std::vector<YAML::Node>& crds, const Options& options) {
  try {
    return Generator(options).run(crds);
  } catch (const YAML::Exception& e) {
    throw CodegenError(std::string("malformed schema: ") + e.what());
  }
}

}  // namespace aura::api::codegen
