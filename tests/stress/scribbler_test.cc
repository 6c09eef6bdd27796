// The hostile workload's scribbler on private memory: it writes only inside its region, damages
// 1..4 places per episode, restores exactly what it wrote unless a peer wrote there since, and the
// same seed damages the same places.
#include "stress/scribbler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace shmh::stress {
namespace {

constexpr std::size_t kGuard = 64;

struct Image {
  std::vector<std::byte> all;
  explicit Image(std::size_t size) : all(size + 2 * kGuard) {
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = std::byte{static_cast<unsigned char>(i * 7 + 3)};
  }
  std::span<std::byte> region() { return std::span(all).subspan(kGuard, all.size() - 2 * kGuard); }
};

std::size_t differing(const std::vector<std::byte>& a, const std::vector<std::byte>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] != b[i] ? 1U : 0U;
  return n;
}

TEST(Scribbler, DamagesOnlyInsideItsRegionAndRestoresExactly) {
  for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{10000}}) {
    Image img(size);
    const auto original = img.all;
    Scribbler s(img.region(), {.capacity = 16, .max_message = 64}, 42);
    std::size_t changed_episodes = 0;
    for (int episode = 0; episode < 500; ++episode) {
      const std::size_t wrote = s.damage();
      EXPECT_GE(wrote, 1U);
      EXPECT_LE(wrote, 8 * Scribbler::kMostPlaces);
      EXPECT_TRUE(std::equal(img.all.begin(), img.all.begin() + kGuard, original.begin())) << "wrote before the region";
      EXPECT_TRUE(std::equal(img.all.end() - kGuard, img.all.end(), original.end() - kGuard)) << "wrote after it";
      EXPECT_LE(differing(img.all, original), wrote);
      changed_episodes += img.all != original ? 1U : 0U;
      s.restore();
      ASSERT_EQ(img.all, original) << "size " << size << ", episode " << episode << ": restore left damage";
    }
    EXPECT_GT(changed_episodes, 400U) << "most episodes change something (a few write the value that was there)";
    EXPECT_GE(s.places(), 500U);
  }
}

TEST(Scribbler, KeepsWhatAPeerWroteSinceAndTheSameSeedDamagesTheSamePlaces) {
  Image a(4096), b(4096);
  Scribbler sa(a.region(), {.capacity = 8, .max_message = 128}, 9);
  Scribbler sb(b.region(), {.capacity = 8, .max_message = 128}, 9);
  std::size_t kept = 0;
  for (int episode = 0; episode < 200; ++episode) {
    const auto before = a.all;
    (void)sa.damage();
    (void)sb.damage();
    ASSERT_EQ(a.all, b.all) << "episode " << episode;
    // A peer rewrites every damaged byte with a value of its own: restore must leave those alone.
    std::vector<std::size_t> peer_wrote;
    for (std::size_t i = 0; i < a.all.size(); ++i) {
      if (a.all[i] != before[i]) {
        a.all[i] = std::byte{0x5a};
        peer_wrote.push_back(i);
      }
    }
    sa.restore();
    sb.restore();
    for (const std::size_t i : peer_wrote) {
      EXPECT_EQ(a.all[i], std::byte{0x5a}) << "restore reverted a peer's write at " << i;
      kept += 1;
    }
    a.all = b.all;  // the same start for the next episode
  }
  EXPECT_GT(kept, 0U);
}

}  // namespace
}  // namespace shmh::stress
