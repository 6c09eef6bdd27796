#include "core/cleanup/sysvipc_table.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/segment/sysv_segment.h"

namespace shmh {
namespace {

// The header and a line as kernel 6.x prints them (ipc/shm.c sysvipc_shm_proc_show).
constexpr const char* kSample =
    "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime"
    "      ctime                   rss                  swap\n"
    "1397227537          3  1600               1048576  1234  1240      2     0     0     0     0 1700000000 "
    "1700000001 1700000002                  4096                     0\n"
    "         0          4   600                  4096   999     0      0  1000  1000  1000  1000          0 "
    "0 1700000003                     0                     0\n"
    "-559038737          5   666                     1    77    77      0     0     0     0     0          0 "
    "0 1700000003                     0                     0\n";

TEST(SysvipcTable, ParsesColumnsByName) {
  auto rows = parse_sysvipc_shm(kSample);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 3U);
  const auto& r = (*rows)[0];
  EXPECT_EQ(r.key, 1397227537);
  EXPECT_EQ(r.shmid, 3);
  EXPECT_EQ(r.perms, 01600U);  // octal, with SHM_DEST
  EXPECT_EQ(r.size, 1048576U);
  EXPECT_EQ(r.cpid, 1234);
  EXPECT_EQ(r.lpid, 1240);
  EXPECT_EQ(r.nattch, 2U);
  EXPECT_EQ((*rows)[1].uid, 1000U);
  EXPECT_EQ((*rows)[2].key, static_cast<key_t>(0xdeadbeef));
}

TEST(SysvipcTable, EmptyTableHasOnlyAHeader) {
  auto rows = parse_sysvipc_shm("       key      shmid perms size cpid lpid nattch uid\n");
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
}

TEST(SysvipcTable, RejectsMissingColumnsAndGarbage) {
  EXPECT_FALSE(parse_sysvipc_shm(""));
  auto no_nattch = parse_sysvipc_shm("key shmid perms size cpid lpid uid\n1 2 600 4096 1 1 0\n");
  ASSERT_FALSE(no_nattch);
  EXPECT_NE(no_nattch.error().detail.find("nattch"), std::string::npos);
  auto bad = parse_sysvipc_shm("key shmid perms size cpid lpid nattch uid\n1 2 600 4O96 1 1 0 0\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_sysvipc_shm("key shmid perms size cpid lpid nattch uid\n1 2 600 4096 1 1 0\n"))
      << "a short line must not be read as zeros";
  EXPECT_FALSE(parse_sysvipc_shm("key shmid perms size cpid lpid nattch uid\n1 2 689 4096 1 1 0 0\n"))
      << "perms is octal";
}

TEST(SysvipcTable, TheKernelTableShowsARealSegment) {
  auto seg = SysvSegment::create({.key = 0x1234, .size = 8192, .mode = 0640});
  ASSERT_TRUE(seg) << seg.error().message();
  auto map = seg->attach();
  ASSERT_TRUE(map);
  auto rows = read_sysvipc_shm();
  ASSERT_TRUE(rows) << rows.error().message();
  auto it = std::find_if(rows->begin(), rows->end(), [&](const auto& r) { return r.shmid == seg->id(); });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->key, 0x1234);
  EXPECT_EQ(it->size, 8192U);
  EXPECT_EQ(it->perms & 0777, 0640U);
  EXPECT_EQ(it->nattch, 1U);
  EXPECT_EQ(it->cpid, ::getpid());
}

}  // namespace
}  // namespace shmh
