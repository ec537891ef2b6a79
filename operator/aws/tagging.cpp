#include "operator/aws/tagging.h"

#include "operator/aws/paginate.h"

namespace aura::aws {

Result<std::vector<TaggedResource>> TaggingClient::get_resources(
    const std::vector<TagFilter>& filters, const std::vector<std::string>& resource_types) {
  std::vector<TaggedResource> all;
  auto pages = for_each_page([&](const std::string& token) -> Result<std::string> {
    nlohmann::json body = {{"TagFilters", nlohmann::json::array()}, {"ResourcesPerPage", 100}};
    for (const auto& f : filters) {
      nlohmann::json jf = {{"Key", f.key}};
      if (!f.values.empty()) jf["Values"] = f.values;
      body["TagFilters"].push_back(jf);
    }
    if (!resource_types.empty()) body["ResourceTypeFilters"] = resource_types;
    if (!token.empty()) body["PaginationToken"] = token;
    auto r = client_->json_rpc("GetResources", "ResourceGroupsTaggingAPI_20170126", body);
    if (!r) return std::unexpected(r.error());
    if (r->contains("ResourceTagMappingList") && (*r)["ResourceTagMappingList"].is_array()) {
      for (const auto& m : (*r)["ResourceTagMappingList"]) {
        TaggedResource res{m.value("ResourceARN", ""), {}};
        if (m.contains("Tags") && m["Tags"].is_array())
          for (const auto& t : m["Tags"]) res.tags[t.value("Key", "")] = t.value("Value", "");
        all.push_back(std::move(res));
      }
    }
    return r->value("PaginationToken", std::string());
  });
  if (!pages) return std::unexpected(pages.error());
  return all;
}

}  // namespace aura::aws
