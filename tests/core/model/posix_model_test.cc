// The POSIX shm / memfd model against the kernel: a table of sequences, then seeded random
// sequences, each step executed on the real kernel (on the test's private tmpfs /dev/shm, 16 pages)
// and on the model; every result, every open object's fstat, seals and bytes, and the tmpfs blocks
// in use must agree. "Another user" is setfsuid 65534 (root only; otherwise those steps run as
// self). A disagreement prints the seed and the steps, and is fixed in the model.
#include "core/model/posix_model.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/memfd.h>
#include <sys/mman.h>

#include <random>
#include <string>
#include <vector>

#include "core/model/posix_differential.h"
#include "core/model/random_steps.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh::model {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr PosixLimits kLimits{.page_size = kPage, .tmpfs_pages = 16, .umask = 022};

using Op = PosixOp;
using Step = PosixStep;

class PosixModelVsKernel : public ::testing::Test {
 protected:
  void SetUp() override { sys::set_umask(kLimits.umask); }
  test::ScopedDevShmSize dev_shm_{kLimits.tmpfs_pages * kPage};
  const bool other_ = test::is_root();  // setfsuid needs CAP_SETUID
};

void run_sequence(PosixDifferential& d, const std::vector<Step>& steps, const std::string& label) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string mismatch = d.run(steps[i]);
    ASSERT_TRUE(mismatch.empty()) << label << " step " << i << ": " << mismatch;
  }
  ASSERT_EQ(d.compare_contents(), "") << label;
}

TEST_F(PosixModelVsKernel, Names) {
  PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
  run_sequence(d,
               {{.op = Op::kOpen, .name = "", .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/", .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/a/b", .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/" + std::string(255, 'n'), .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/" + std::string(256, 'n'), .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/a", .flags = O_CREAT | O_EXCL | O_RDWR},
                {.op = Op::kOpen, .name = "a", .flags = O_CREAT | O_EXCL | O_RDWR},
                {.op = Op::kOpen, .name = "//a", .flags = O_RDONLY},
                {.op = Op::kOpen, .name = std::string("/b\0c", 4), .flags = O_CREAT | O_RDWR},
                {.op = Op::kOpen, .name = "/b", .flags = O_RDONLY},
                {.op = Op::kOpen, .name = ".", .flags = O_RDONLY},
                {.op = Op::kOpen, .name = "..", .flags = O_RDONLY},
                {.op = Op::kOpen, .name = ".", .flags = O_RDWR},
                {.op = Op::kOpen, .name = ".", .flags = O_CREAT | O_RDONLY},
                {.op = Op::kOpen, .name = "..", .flags = O_CREAT | O_EXCL | O_RDWR},
                {.op = Op::kOpen, .name = ".", .flags = O_TRUNC | O_RDONLY},
                {.op = Op::kTruncate, .length = kPage, .target = 5},
                {.op = Op::kMmap, .length = kPage, .prot = PROT_READ, .flags = MAP_SHARED, .target = 5},
                {.op = Op::kUnlink, .name = "."},
                {.op = Op::kUnlink, .name = "/a/b"},
                {.op = Op::kUnlink, .name = "///a"},
                {.op = Op::kUnlink, .name = "/a"}},
               "names");
}

TEST_F(PosixModelVsKernel, PermissionsAndOwners) {
  PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
  run_sequence(d,
               {{.op = Op::kOpen, .name = "/p", .flags = O_CREAT | O_RDWR, .mode = 0600},
                {.op = Op::kOpen, .other = other_, .name = "/p", .flags = O_RDONLY},
                {.op = Op::kOpen, .name = "/q", .flags = O_CREAT | O_RDWR, .mode = 0666},  // umask: 0644
                {.op = Op::kOpen, .other = other_, .name = "/q", .flags = O_RDONLY},
                {.op = Op::kOpen, .other = other_, .name = "/q", .flags = O_RDWR},
                {.op = Op::kOpen, .other = other_, .name = "/q", .flags = O_TRUNC | O_RDONLY},
                {.op = Op::kOpen, .other = other_, .name = "/q", .flags = O_CREAT | O_RDONLY},
                {.op = Op::kUnlink, .other = other_, .name = "/q"},
                {.op = Op::kOpen, .other = other_, .name = "/r", .flags = O_CREAT | O_RDONLY, .mode = 0},
                {.op = Op::kTruncate, .length = 1, .target = 4},
                {.op = Op::kPwrite, .length = 1, .target = 4, .byte = 7},
                {.op = Op::kOpen, .name = "/r", .flags = O_RDWR | O_TRUNC},
                {.op = Op::kPwrite, .length = 3, .offset = 10, .target = 5, .byte = 9},
                {.op = Op::kMemfd, .other = other_, .name = "m", .flags = MFD_CLOEXEC},
                {.op = Op::kUnlink, .name = "/r"},
                {.op = Op::kUnlink, .name = "/r"}},
               "permissions");
}

TEST_F(PosixModelVsKernel, SealsAndMappings) {
  PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
  run_sequence(
      d,
      {{.op = Op::kMemfd, .name = "s", .flags = MFD_ALLOW_SEALING},
       {.op = Op::kTruncate, .length = 2 * kPage, .target = 0},
       {.op = Op::kMmap, .length = 2 * kPage, .prot = PROT_READ | PROT_WRITE, .flags = MAP_SHARED, .target = 0},
       {.op = Op::kMmap, .length = 2 * kPage, .prot = PROT_READ | PROT_WRITE, .flags = MAP_PRIVATE, .target = 0},
       {.op = Op::kStore, .offset = 5, .target = 0, .byte = 1},
       {.op = Op::kLoad, .offset = 5, .target = 1},
       {.op = Op::kStore, .offset = 6, .target = 1, .byte = 2},
       {.op = Op::kLoad, .offset = 6, .target = 0},
       {.op = Op::kLoad, .offset = 5, .target = 1},
       {.op = Op::kStore, .offset = 5, .target = 0, .byte = 3},
       {.op = Op::kLoad, .offset = 5, .target = 1},  // its own copy now: still 1
       {.op = Op::kSeal, .flags = F_SEAL_WRITE, .target = 0},
       {.op = Op::kMunmap, .target = 0},
       {.op = Op::kSeal, .flags = F_SEAL_WRITE, .target = 0},
       {.op = Op::kMmap, .length = kPage, .prot = PROT_READ | PROT_WRITE, .flags = MAP_SHARED, .target = 0},
       {.op = Op::kMmap, .length = kPage, .prot = PROT_READ, .flags = MAP_SHARED, .target = 0},
       {.op = Op::kPwrite, .length = 1, .target = 0, .byte = 4},
       {.op = Op::kTruncate, .length = 0, .target = 0},  // private copies beyond the end go
       {.op = Op::kTruncate, .length = 2 * kPage, .target = 0},
       {.op = Op::kLoad, .offset = 6, .target = 1},
       {.op = Op::kSeal, .flags = F_SEAL_SHRINK | F_SEAL_SEAL, .target = 0},
       {.op = Op::kTruncate, .length = kPage, .target = 0},
       {.op = Op::kSeal, .flags = F_SEAL_GROW, .target = 0},
       {.op = Op::kMemfd, .name = "x", .flags = kMfdNoexecSeal},
       {.op = Op::kSeal, .flags = F_SEAL_GROW, .target = 1},
       {.op = Op::kTruncate, .length = kPage, .target = 1},
       {.op = Op::kMemfd, .name = "e", .flags = MFD_ALLOW_SEALING | kMfdExec},
       {.op = Op::kSeal, .flags = kSealExec, .target = 2},
       {.op = Op::kPwrite, .length = 1, .target = 2, .byte = 1},
       {.op = Op::kMemfd, .name = "d", .flags = 0},
       {.op = Op::kSeal, .flags = F_SEAL_GROW, .target = 3},
       {.op = Op::kMemfd, .name = "bad", .flags = kMfdExec | kMfdNoexecSeal},
       {.op = Op::kMemfd, .name = std::string(250, 'm')},
       {.op = Op::kMemfd, .name = std::string(249, 'm')},
       {.op = Op::kMmap, .length = kPage, .offset = 1, .prot = PROT_READ, .flags = MAP_SHARED, .target = 3},
       {.op = Op::kMmap, .length = 0, .prot = PROT_READ, .flags = MAP_SHARED, .target = 3},
       {.op = Op::kMmap, .length = kPage, .prot = PROT_READ, .flags = MAP_SHARED, .target = 9}},
      "seals");
}

// The core's creation paths: a sized create (ftruncate after shm_open; a read-only one fails and
// leaves no name), a tagged create, a memfd made with a size and a mode; fchmod by owner and not,
// F_SEAL_EXEC against x bits; posix_fallocate to the last block and one past it.
TEST_F(PosixModelVsKernel, CreationChmodAndFallocate) {
  PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
  run_sequence(
      d,
      {{.op = Op::kOpen, .name = "/s", .length = 3 * kPage, .flags = O_CREAT | O_RDWR, .mode = 0640},
       {.op = Op::kOpen, .name = "/r", .length = kPage, .flags = O_CREAT | O_RDONLY},
       {.op = Op::kOpen, .name = "/r", .flags = O_RDONLY},
       {.op = Op::kOpenTagged, .length = 2 * kPage, .mode = 0600},
       {.op = Op::kMemfd, .name = "m", .length = kPage, .flags = kMfdNoexecSeal, .mode = 0600, .with_mode = true},
       {.op = Op::kMemfd, .name = "x", .flags = kMfdNoexecSeal, .mode = 0700, .with_mode = true},
       {.op = Op::kChmod, .mode = 0600, .target = 0},
       {.op = Op::kChmod, .other = other_, .mode = 0666, .target = 0},
       {.op = Op::kChmod, .mode = 0755, .target = 2},
       {.op = Op::kChmod, .mode = 0644, .target = 2},
       {.op = Op::kFallocate, .length = 0, .target = 0},
       {.op = Op::kFallocate, .length = 4 * kPage, .target = 0},
       {.op = Op::kFallocate, .length = static_cast<std::int64_t>(kLimits.tmpfs_pages * kPage), .target = 1},
       {.op = Op::kFallocate, .length = static_cast<std::int64_t>(10 * kPage), .offset = kPage, .target = 1},
       {.op = Op::kFallocate, .length = 3, .offset = 5 * kPage, .target = 2}},
      "creation");
}

TEST_F(PosixModelVsKernel, FullTmpfs) {
  PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
  std::vector<Step> steps = {{.op = Op::kOpen, .name = "/f", .flags = O_CREAT | O_RDWR},
                             {.op = Op::kTruncate, .length = 64 * kPage, .target = 0}};
  for (std::uint64_t p = 0; p < kLimits.tmpfs_pages + 1; ++p) {
    steps.push_back({.op = Op::kPwrite, .length = 8, .offset = p * kPage + kPage - 4, .target = 0, .byte = 1});
  }
  steps.push_back({.op = Op::kMmap, .length = 8 * kPage, .prot = PROT_READ, .flags = MAP_PRIVATE, .target = 0});
  steps.push_back({.op = Op::kLoad, .offset = 20 * kPage, .target = 0});  // would SIGBUS: not executed
  steps.push_back({.op = Op::kTruncate, .length = kPage, .target = 0});
  steps.push_back({.op = Op::kPwrite, .length = 1, .offset = 3 * kPage, .target = 0, .byte = 2});
  run_sequence(d, steps, "full tmpfs");
}

TEST_F(PosixModelVsKernel, RandomSequences) {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    std::mt19937_64 rng(seed);
    PosixDifferential d(kLimits, test::kOtherUid, test::kOtherGid);
    std::string history;
    for (int i = 0; i < 40; ++i) {
      Step s = random_posix_step(rng, kLimits, static_cast<int>(d.fds()), static_cast<int>(d.mappings()));
      s.other = s.other && other_;
      history += "  " + std::to_string(i) + ": " + describe(s) + "\n";
      const std::string mismatch = d.run(s);
      ASSERT_TRUE(mismatch.empty()) << "seed " << seed << " step " << i << ": " << mismatch << "\nsteps:\n" << history;
    }
    ASSERT_EQ(d.compare_contents(), "") << "seed " << seed << "\nsteps:\n" << history;
  }
}

// Kernels before 6.3 do not know MFD_EXEC, MFD_NOEXEC_SEAL or F_SEAL_EXEC (EINVAL): the model
// follows the running kernel's version (the differential sets memfd_exec from it), so conform on
// Debian 12's stock 6.1 does not call a version difference a deviation. This machine's kernel is
// newer, so the old answers are checked on the model alone.
TEST(PosixModel, BeforeLinux63TheMemfdExecFlagsAreUnknown) {
  const PosixCaller root{.privileged = true};
  for (const bool exec : {false, true}) {
    PosixModel m({.page_size = kPage, .tmpfs_pages = 16, .umask = 022, .memfd_exec = exec});
    EXPECT_EQ(m.memfd_create("m", kMfdExec, root).err, exec ? 0 : EINVAL) << exec;
    EXPECT_EQ(m.memfd_create("m", kMfdNoexecSeal, root).err, exec ? 0 : EINVAL) << exec;
    const Outcome fd = m.memfd_create("m", MFD_ALLOW_SEALING, root);
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(m.add_seals(fd.value, kSealExec).err, exec ? 0 : EINVAL) << exec;
    EXPECT_EQ(m.add_seals(fd.value, F_SEAL_GROW).err, 0) << exec;
  }
}

}  // namespace
}  // namespace shmh::model
