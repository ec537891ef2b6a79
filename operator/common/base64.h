#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aura {

std::string base64_encode(std::string_view data);
// Unpadded base64url, as EKS bearer tokens use.
std::string base64url_encode_unpadded(std::string_view data);
// Accepts standard and url alphabets, padded or not, and ignores whitespace (PEM and kubeconfig
// data fields are sometimes wrapped). nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace aura
