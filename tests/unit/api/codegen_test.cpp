// The generator's output for small schemas: the mapping rules of operator/api/codegen.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "operator/api/codegen/generator.h"

namespace aura::api::codegen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

YAML::Node crd(const std::string& kind, const std::string& spec_schema,
               const std::string& status_schema = "") {
  std::string text = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.io
  scope: Namespaced
  names:
    kind: )" + kind + R"(
    plural: )" + kind +
                     R"(s
    singular: x
  versions:
    - name: v1
      storage: true
      schema:
        openAPIV3Schema:
          description: A widget.
          type: object
          properties:
            spec:
)" + spec_schema;
  if (!status_schema.empty()) text += "            status:\n" + status_schema;
  return YAML::Load(text);
}

// Indents a schema written at column 0 to sit under "spec:" / "status:".
std::string at(const std::string& schema) {
  std::string out, line;
  std::istringstream in(schema);
  while (std::getline(in, line)) out += "              " + line + "\n";
  return out;
}

const std::string kWidgetSpec = at(R"(description: The desired widget.
type: object
required: [size, parts]
properties:
  color:
    description: The color.
    type: string
    enum: [red, dark-blue]
    default: red
  size:
    description: How big.
    type: integer
    format: int32
  weight:
    description: How heavy.
    type: integer
  private:
    description: A keyword as a field name.
    type: boolean
  labels:
    description: Labels.
    type: object
    additionalProperties:
      type: string
  parts:
    description: Parts.
    type: array
    items:
      type: object
      required: [name]
      properties:
        name:
          type: string
  extra:
    description: Anything.
    type: object
    x-kubernetes-preserve-unknown-fields: true
)");

const std::string kWidgetStatus = at(R"(type: object
properties:
  conditions:
    type: array
    items:
      type: object
      properties:
        type: {type: string}
        status: {type: string}
        observedGeneration: {type: integer}
        lastTransitionTime: {type: string}
        reason: {type: string}
        message: {type: string}
)");

std::string file(const std::vector<GeneratedFile>& files, const std::string& name) {
  for (const auto& f : files) {
    if (f.name == name) return f.content;
  }
  ADD_FAILURE() << "no file " << name;
  return {};
}

TEST(Codegen, MapsSchemaToStructs) {
  Options options;
  options.names["Widget"]["spec.parts[]"] = "WidgetPart";
  auto files = generate({crd("Widget", kWidgetSpec, kWidgetStatus)}, options);
  ASSERT_EQ(files.size(), 2u);
  const std::string h = file(files, "widget_types.h");
  EXPECT_THAT(h, HasSubstr("#include \"operator/api/codec.h\""));
  EXPECT_THAT(h, HasSubstr("enum class WidgetSpecColor {\n  kRed,  // \"red\"\n  kDarkBlue,  // "
                           "\"dark-blue\"\n};"));
  EXPECT_THAT(h, HasSubstr("struct WidgetPart {\n  std::string name;\n"));
  EXPECT_THAT(h, HasSubstr("struct WidgetSpec {\n  // The color.\n"
                           "  std::optional<WidgetSpecColor> color;\n"
                           "  static constexpr WidgetSpecColor kColorDefault = "
                           "WidgetSpecColor::kRed;\n"));
  EXPECT_THAT(h, HasSubstr("  std::int32_t size{};\n"));
  EXPECT_THAT(h, HasSubstr("  std::optional<std::int64_t> weight;\n"));
  EXPECT_THAT(h, HasSubstr("  std::optional<bool> private_;\n"));
  EXPECT_THAT(h, HasSubstr("  std::map<std::string, std::string> labels;\n"));
  EXPECT_THAT(h, HasSubstr("  std::vector<WidgetPart> parts;\n"));
  EXPECT_THAT(h, HasSubstr("  std::optional<nlohmann::json> extra;\n"));
  EXPECT_THAT(h, HasSubstr("struct WidgetStatus {\n  std::vector<Condition> conditions;\n"));
  EXPECT_THAT(h, HasSubstr("struct Widget {\n  static constexpr std::string_view kGroup = "
                           "\"example.io\";\n"));
  EXPECT_THAT(h, HasSubstr("static constexpr std::string_view kApiVersion = \"example.io/v1\";"));
  EXPECT_THAT(h, HasSubstr("  ObjectMeta metadata;\n  WidgetSpec spec;\n"));
  EXPECT_THAT(h, HasSubstr("nlohmann::json to_json(const WidgetSpec& v);"));
  EXPECT_THAT(h, HasSubstr("std::optional<DecodeError> decode_into(const nlohmann::json& j, "
                           "WidgetSpec& out,"));

  const std::string cpp = file(files, "widget_types.cpp");
  EXPECT_THAT(cpp, HasSubstr("detail::encode_optional(j, \"private\", v.private_);"));
  EXPECT_THAT(cpp, HasSubstr("detail::decode_required(j, \"size\", out.size, path)"));
  EXPECT_THAT(cpp, HasSubstr("supported values: \" \"\\\"red\\\", \\\"dark-blue\\\"\""));
}

TEST(Codegen, ReusesIdenticalShapesAndChecksNamedCopies) {
  const std::string ref = at(R"(type: object
required: [ref]
properties:
  ref:
    description: A reference.
    type: object
    properties:
      name: {type: string, maxLength: 10}
)");
  // Same shape, other description and validation: the same C++ type.
  const std::string ref2 = at(R"(type: object
required: [ref]
properties:
  ref:
    description: Another reference.
    type: object
    x-kubernetes-validations: [{rule: self == oldSelf}]
    properties:
      name: {type: string, maxLength: 20}
  count:
    type: integer
)");
  Options options;
  options.names["A"]["spec.ref"] = "Ref";
  auto files = generate({crd("A", ref), crd("B", ref2)}, options);
  const std::string b = file(files, "b_types.h");
  EXPECT_THAT(b, HasSubstr("#include \"operator/api/a_types.h\""));
  EXPECT_THAT(b, HasSubstr("struct BSpec {\n  // Another reference.\n  Ref ref;\n"));
  EXPECT_THAT(b, Not(HasSubstr("struct Ref ")));

  // A named copy whose shape differs fails the build.
  const std::string ref3 = at(R"(type: object
properties:
  ref:
    type: object
    properties:
      name: {type: string}
      extra: {type: string}
)");
  options.names["B"]["spec.ref"] = "Ref";
  try {
    generate({crd("A", ref), crd("B", ref3)}, options);
    FAIL() << "expected CodegenError";
  } catch (const CodegenError& e) {
    EXPECT_THAT(e.what(), HasSubstr("B: spec.ref: named Ref like A:spec.ref, but the schemas "
                                    "differ in shape"));
  }
}

TEST(Codegen, RefusesWhatItCannotMap) {
  auto expect_error = [](const std::string& spec, const std::string& fragment,
                         Options options = {}) {
    try {
      generate({crd("W", at(spec))}, options);
      ADD_FAILURE() << "expected CodegenError containing " << fragment;
    } catch (const CodegenError& e) {
      EXPECT_THAT(e.what(), HasSubstr(fragment));
    }
  };
  expect_error("type: object\nproperties:\n  q: {x-kubernetes-int-or-string: true}\n",
               "W: spec.q: x-kubernetes-int-or-string is not supported");
  expect_error("type: object\nproperties:\n  q: {type: number}\n", "unsupported type \"number\"");
  expect_error("type: object\nproperties:\n  q: {type: object}\n", "spec.q: object without");
  expect_error("type: object\nrequired: [nope]\nproperties:\n  q: {type: string}\n",
               "required property nope is not defined");
  Options options;
  options.names["W"]["spec.missing"] = "Missing";
  expect_error("type: object\nproperties:\n  q: {type: string}\n",
               "W:spec.missing (Missing) matches no object or enum schema", options);
}

TEST(Codegen, SnakeCase) {
  EXPECT_EQ(snake_case("AIJob"), "ai_job");
  EXPECT_EQ(snake_case("EphemeralCluster"), "ephemeral_cluster");
  EXPECT_EQ(snake_case("NodePool"), "node_pool");
  EXPECT_EQ(snake_case("EC2NodeClass"), "ec2_node_class");
}

}  // namespace
}  // namespace aura::api::codegen
