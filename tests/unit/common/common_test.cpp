#include <gtest/gtest.h>

#include "operator/common/base64.h"
#include "operator/common/clock.h"
#include "operator/common/process.h"
#include "operator/common/token_bucket.h"

namespace aura {
namespace {

TEST(Base64, RoundTripsAndUrlForm) {
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64url_encode_unpadded("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64_decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(base64_decode("a$b"));
}

TEST(Rfc3339, ParsesAndFormats) {
  auto t = parse_rfc3339("2026-11-25T13:00:53Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-25T13:00:53Z");
  auto m = parse_rfc3339("2026-11-25T13:00:53.123456Z");
  ASSERT_TRUE(m);
  EXPECT_EQ(format_rfc3339_micro(*m), "2026-11-25T13:00:53.123456Z");
  auto off = parse_rfc3339("2026-11-25T14:00:53+01:00");
  ASSERT_TRUE(off);
  EXPECT_EQ(*off, *t);
  EXPECT_FALSE(parse_rfc3339("2026-13-25T13:00:53Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}

TEST(TokenBucket, BurstThenWait) {
  TokenBucket b(10, 2);
  const auto now = TokenBucket::Clock::now();
  EXPECT_EQ(b.reserve(now).count(), 0);
  EXPECT_EQ(b.reserve(now).count(), 0);
  EXPECT_GT(b.reserve(now), std::chrono::milliseconds(50));
}

// An exec credential plugin must see the variables its kubeconfig sets, not the inherited ones of
// the same name (getenv() finds the first of two).
TEST(RunProcess, ExtraEnvironmentReplacesInheritedVariables) {
  auto r = run_process("/bin/sh", {"-c", "echo \"$HOME\"; env | grep -c '^HOME='"},
                       {{"HOME", "/plugin-home"}}, std::chrono::seconds(10));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->out, "/plugin-home\n1\n");
}

}  // namespace
}  // namespace aura
