#include "operator/common/ipv4_cidr.h"

#include <charconv>

namespace aura {

namespace {

std::optional<unsigned> parse_number(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace

CidrParse parse_ipv4_cidr(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return {std::nullopt, "must be an IPv4 CIDR such as 10.0.0.0/16"};
  auto prefix = parse_number(text.substr(slash + 1), 32);
  if (!prefix) return {std::nullopt, "the prefix length must be a number from 0 to 32"};
  std::string_view addr = text.substr(0, slash);
  std::uint32_t ip = 0;
  for (int i = 0; i < 4; ++i) {
    const auto dot = addr.find('.');
    if ((i < 3) == (dot == std::string_view::npos))
      return {std::nullopt, "must be an IPv4 CIDR such as 10.0.0.0/16"};
    auto octet = parse_number(addr.substr(0, dot), 255);
    if (!octet) return {std::nullopt, "must be an IPv4 CIDR such as 10.0.0.0/16"};
    ip = ip << 8 | *octet;
    addr = i < 3 ? addr.substr(dot + 1) : std::string_view{};
  }
  Ipv4Cidr c{ip, static_cast<int>(*prefix)};
  if ((ip & c.mask()) != ip)
    return {std::nullopt, "host bits must be zero (not a network address)"};
  return {c, {}};
}

std::string to_string(const Ipv4Cidr& c) {
  return std::to_string(c.network >> 24) + "." + std::to_string((c.network >> 16) & 255) + "." +
         std::to_string((c.network >> 8) & 255) + "." + std::to_string(c.network & 255) + "/" +
         std::to_string(c.prefix);
}

std::optional<Ipv4Cidr> sub_block(const Ipv4Cidr& c, int extra_bits, std::uint32_t index) {
  const int prefix = c.prefix + extra_bits;
  if (extra_bits < 0 || prefix > 32 || index >= (std::uint64_t{1} << extra_bits))
    return std::nullopt;
  return Ipv4Cidr{c.network | (prefix == 32 ? index : index << (32 - prefix)), prefix};
}

}  // namespace aura
