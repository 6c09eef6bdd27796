// RemoveIPC as systemd-logind applies it: logind.conf, then its drop-ins by name (/etc's copy of a
// name first), systemd's default yes, only for users above SYS_UID_MAX, only where logind runs; and
// the other traps and hints read_limits derives from a fixture root (THP for shmem, a pod).
#include "core/limits/remove_ipc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/limits/limits_snapshot.h"

namespace shmh {
namespace {

namespace fs = std::filesystem;

class RemoveIpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("shmh-removeipc-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "run/systemd/users");  // logind runs
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  [[nodiscard]] RemoveIpc read(std::uint32_t uid) const { return read_remove_ipc(root_.string() + "/", uid); }
  fs::path root_;
};

TEST_F(RemoveIpcTest, SystemdsDefaultIsYesForOrdinaryUsersOnly) {
  write("etc/systemd/logind.conf", "[Login]\n#RemoveIPC=yes\n");
  const RemoveIpc user = read(1000);
  EXPECT_TRUE(user.logind);
  EXPECT_TRUE(user.enabled);
  EXPECT_EQ(user.source, "systemd's default");
  EXPECT_TRUE(user.applies());
  EXPECT_FALSE(read(0).applies());    // root
  EXPECT_FALSE(read(999).applies());  // a system user (SYS_UID_MAX 999 when login.defs says nothing)
}

TEST_F(RemoveIpcTest, DropInsOverrideByNameAndEtcWinsForOneName) {
  write("etc/systemd/logind.conf", "[Login]\nRemoveIPC=yes\n");
  write("usr/lib/systemd/logind.conf.d/10-vendor.conf", "[Login]\nRemoveIPC=no\n");
  EXPECT_FALSE(read(1000).enabled);
  EXPECT_EQ(read(1000).source, "/usr/lib/systemd/logind.conf.d/10-vendor.conf");
  write("etc/systemd/logind.conf.d/10-vendor.conf", "[Login]\nRemoveIPC=yes\n");  // masks the vendor's
  EXPECT_TRUE(read(1000).enabled);
  write("run/systemd/logind.conf.d/20-later.conf", "# a comment\n[Login]\nRemoveIPC = off\n");
  EXPECT_FALSE(read(1000).enabled);
  EXPECT_EQ(read(1000).source, "/run/systemd/logind.conf.d/20-later.conf");
  write("etc/systemd/logind.conf.d/30-other-section.conf", "[Other]\nRemoveIPC=yes\n[Login]\nRemoveIPC=maybe\n");
  EXPECT_FALSE(read(1000).enabled) << "another section's key and a word that is not a boolean change nothing";
}

TEST_F(RemoveIpcTest, LoginDefsMovesTheSystemUserBoundAndNoLogindMeansNoTrap) {
  write("etc/login.defs", "# SYS_UID_MAX 500\nSYS_UID_MAX\t\t 1999\n");
  EXPECT_EQ(read(1500).sys_uid_max, 1999U);
  EXPECT_FALSE(read(1500).applies());
  EXPECT_TRUE(read(2000).applies());
  fs::remove_all(root_ / "run");
  EXPECT_FALSE(read(2000).applies()) << "without systemd-logind running nothing removes anything";
}

TEST_F(RemoveIpcTest, TheLimitsReportNamesTheTrapAndTheFix) {
  LimitsSources src;
  src.root = root_.string() + "/";
  src.sys = (root_ / "sys").string();  // no THP file: that trap is the next test's
  src.uid = 1000;
  auto snap = read_limits(src);
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  ASSERT_EQ(snap->traps.size(), 1U);
  EXPECT_NE(snap->traps[0].find("RemoveIPC=yes from systemd's default"), std::string::npos) << snap->traps[0];
  EXPECT_NE(snap->traps[0].find("RemoveIPC=no"), std::string::npos) << snap->traps[0];
  src.uid = 0;
  EXPECT_TRUE(read_limits(src)->traps.empty());
}

// The environment's other traps and hints, from the same fixture root (and a fixture /sys).
TEST_F(RemoveIpcTest, TransparentHugePagesForShmAndAKubernetesPodAreSaid) {
  write("sys/kernel/mm/transparent_hugepage/shmem_enabled", "never within_size advise [always] deny force\n");
  write("var/run/secrets/kubernetes.io/serviceaccount/token", "x");
  LimitsSources src;
  src.root = root_.string() + "/";
  src.sys = (root_ / "sys").string();
  src.uid = 0;
  auto snap = read_limits(src);
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  EXPECT_EQ(snap->thp_shmem, "always");
  ASSERT_EQ(snap->traps.size(), 1U);
  EXPECT_NE(snap->traps[0].find("shmem_enabled = always"), std::string::npos) << snap->traps[0];
  bool pod = false;
  for (const auto& h : snap->container_hints) pod = pod || h.find("emptyDir with medium: Memory") != std::string::npos;
  EXPECT_TRUE(pod);

  write("sys/kernel/mm/transparent_hugepage/shmem_enabled", "always within_size [advise] never deny force\n");
  snap = read_limits(src);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->thp_shmem, "advise");
  EXPECT_TRUE(snap->traps.empty()) << "advise maps huge pages only where asked";
}

}  // namespace
}  // namespace shmh
