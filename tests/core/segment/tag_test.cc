#include "core/segment/tag.h"

#include <gtest/gtest.h>
#include <sys/ipc.h>
#include <unistd.h>

#include <set>

namespace shmh {
namespace {

TEST(Tag, RandomKeysAreTaggedAndVaried) {
  std::set<key_t> keys;
  for (int i = 0; i < 64; ++i) {
    const key_t k = random_tagged_key();
    EXPECT_TRUE(is_tagged_key(k));
    EXPECT_NE(k, IPC_PRIVATE);
    keys.insert(k);
  }
  EXPECT_GT(keys.size(), 32U) << "64 random keys should rarely collide";
}

TEST(Tag, OtherKeysAreNotOurs) {
  EXPECT_FALSE(is_tagged_key(IPC_PRIVATE));
  EXPECT_FALSE(is_tagged_key(0x12345678));
  EXPECT_FALSE(is_tagged_key(static_cast<key_t>(0x53490001)));
  EXPECT_TRUE(is_tagged_key(static_cast<key_t>(0x5348ffff)));
}

TEST(Tag, PosixNamesCarryTheCreator) {
  const std::string name = tagged_posix_name();
  ASSERT_EQ(name.front(), '/');
  auto pid = tagged_name_creator(name);
  ASSERT_TRUE(pid.has_value()) << name;
  EXPECT_EQ(*pid, ::getpid());
  EXPECT_EQ(tagged_name_creator(name.substr(1)), pid);
  EXPECT_NE(tagged_posix_name(), name);
}

TEST(Tag, ForeignNamesAreRejected) {
  for (const char* n : {"", "/", "shmh.", "shmh.12", "shmh.12.", "shmh..0123456789abcdef", "shmh.x.0123456789abcdef",
                        "shmh.12.0123456789ABCDEF", "shmh.12.0123456789abcde", "shmh.-3.0123456789abcdef",
                        "other.12.0123456789abcdef", "/pulse-shm-123", "shmh.12.0123456789abcdef0"}) {
    EXPECT_FALSE(tagged_name_creator(n).has_value()) << n;
  }
  EXPECT_EQ(tagged_name_creator("/shmh.42.0123456789abcdef"), 42);
}

}  // namespace
}  // namespace shmh
