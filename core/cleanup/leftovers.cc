#include "core/cleanup/leftovers.h"

#include <sys/shm.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/cleanup/sysvipc_table.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"

namespace shmh {
namespace {

std::string hex_key(key_t key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(key));
  return buf;
}

void judge_use(Leftover& l) {
  if (l.attached > 0) {
    l.in_use = true;
    l.reason = std::to_string(l.attached) + " process(es) attached";
  } else if (sys::process_alive(l.creator)) {
    l.in_use = true;
    l.reason = "creator pid " + std::to_string(l.creator) + " is running";
  } else {
    l.reason = "creator pid " + std::to_string(l.creator) + " is gone";
  }
}

}  // namespace

Result<std::vector<Leftover>> find_leftovers(const LeftoverSources& sources) {
  std::vector<Leftover> out;
  if (sources.sysv) {
    auto rows = read_sysvipc_shm();
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      if (!is_tagged_key(row.key)) continue;
      Leftover l{.kind = LeftoverKind::kSysv,
                 .name = "key " + hex_key(row.key) + " id " + std::to_string(row.shmid),
                 .key = row.key,
                 .shmid = row.shmid,
                 .bytes = row.size,
                 .creator = row.cpid,
                 .attached = row.nattch,
                 .in_use = false,
                 .reason = {}};
      judge_use(l);
      out.push_back(std::move(l));
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sources.dev_shm, ec)) {
    const std::string file = entry.path().filename().string();
    const auto creator = tagged_name_creator(file);
    // Regular files are POSIX objects; FIFOs are the `pipe` channel's.
    if (!creator || !(entry.is_regular_file(ec) || entry.is_fifo(ec))) continue;
    Leftover l;
    l.kind = LeftoverKind::kPosix;
    l.name = "/" + file;
    l.creator = *creator;
    l.bytes = entry.is_regular_file(ec) ? entry.file_size(ec) : 0;
    judge_use(l);
    out.push_back(std::move(l));
  }
  if (ec) return sys_error(ec.value(), "read directory", sources.dev_shm);
  return out;
}

Result<void> remove_leftover(const Leftover& leftover, const LeftoverSources& sources) {
  if (leftover.kind == LeftoverKind::kPosix) {
    const std::string path = sources.dev_shm + leftover.name;
    std::error_code ec;
    if (!std::filesystem::remove(path, ec)) return sys_error(ec ? ec.value() : ENOENT, "unlink", path);
    return {};
  }
  // The id may have been freed and reused since it was listed: only remove it if it still carries
  // the same tagged key.
  struct shmid_ds ds {};
  if (auto r = sys::shmctl(leftover.shmid, IPC_STAT, &ds); !r) return r.error();
  if (ds.shm_perm.__key != leftover.key) {
    return sys_error(EINVAL, "shmctl", "id " + std::to_string(leftover.shmid) + " now has another key");
  }
  if (auto r = sys::shmctl(leftover.shmid, IPC_RMID, nullptr); !r) return r.error();
  return {};
}

}  // namespace shmh
