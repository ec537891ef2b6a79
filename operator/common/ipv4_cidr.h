#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aura {

// An IPv4 CIDR block in canonical form (no host bits set).
struct Ipv4Cidr {
  std::uint32_t network = 0;
  int prefix = 0;

  std::uint32_t mask() const { return prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix); }
  std::uint32_t last() const { return network | ~mask(); }
  bool contains(const Ipv4Cidr& inner) const {
    return inner.prefix >= prefix && (inner.network & mask()) == network;
  }
  bool overlaps(const Ipv4Cidr& other) const {
    return network <= other.last() && other.network <= last();
  }
};

// Parses "a.b.c.d/n" strictly: four decimal octets without leading zeros, a prefix 0..32, and no
// host bits set. The error is a short reason for a field error.
struct CidrParse {
  std::optional<Ipv4Cidr> cidr;
  std::string error;
};
CidrParse parse_ipv4_cidr(std::string_view text);

// "a.b.c.d/n".
std::string to_string(const Ipv4Cidr& cidr);
// Block `index` of `cidr` split into 2^`extra_bits` equal blocks; nullopt when out of range or
// smaller than /32.
std::optional<Ipv4Cidr> sub_block(const Ipv4Cidr& cidr, int extra_bits, std::uint32_t index);

}  // namespace aura
