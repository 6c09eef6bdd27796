// PosixDifferential: runs POSIX shm and memfd calls on the real kernel and on PosixModel side by
// side and says where they disagree — the engine of the posix_api fuzz target and of the model's
// kernel tests. The kernel side goes through the core's PosixSegment, MemfdSegment and FdObject,
// so the fuzzer drives the code the harness runs on. After every step it compares each open object's fstat (size, mode,
// owner, link count, blocks), seals and the bytes of the object the step touched, and the tmpfs blocks in use. Steps
// marked `other` run with the filesystem ids of another user (setfsuid: no fork needed).
//
//   shmh::model::PosixDifferential d(limits, 65534, 65534);
//   if (auto diff = d.run(step); !diff.empty()) report(diff);  // "shm_open(...) as root: kernel ok, model EACCES"
//
// Precondition: /dev/shm is a private tmpfs of limits.tmpfs_pages pages used by nobody else (a
// sandbox), the process is single-threaded while a step runs, and `other` steps need root.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/posix_model.h"
#include "core/segment/fd_object.h"
#include "core/segment/mapping.h"

namespace shmh::model {

// kOpen with O_CREAT and a length is PosixSegment::create with a size (shm_open + ftruncate, the
// name removed again when ftruncate fails); kMemfd with a length or with_mode likewise (memfd_create
// + fchmod + ftruncate); kOpenTagged is PosixSegment::create_tagged (a fresh /shmh.<pid>.<hex>);
// kReopen is MemfdSegment::open_peer on this process (open /proc/self/fd/N); kMmap with length 0
// is FdObject::map of the whole object.
enum class PosixOp {
  kOpen,
  kUnlink,
  kMemfd,
  kClose,
  kTruncate,
  kSeal,
  kPwrite,
  kMmap,
  kMunmap,
  kStore,
  kLoad,
  kFallocate,
  kChmod,
  kOpenTagged,
  kReopen,
  kCount
};

struct PosixStep {
  PosixOp op = PosixOp::kOpen;
  bool other = false;  // made with another user's filesystem ids
  std::string name;
  std::int64_t length = 0;   // ftruncate length, mmap length, pwrite length
  std::uint64_t offset = 0;  // mmap offset, pwrite offset, store/load offset in the mapping
  int prot = 0;              // mmap
  int flags = 0;             // oflag, memfd flags, mmap flags, or the seals to add
  unsigned mode = 0600;      // shm_open
  int target = 0;            // index into the fds (or mappings) made so far; past the end = a bad fd
  std::uint8_t byte = 0;     // pwrite / store
  bool with_mode = false;    // memfd: fchmod to `mode` after creation
};

// Names where shm_open / shm_unlink / memfd_create answer differently: plain, no slash, several
// slashes, empty, "/", an inner slash, "." and "..", NAME_MAX, the 256-259 byte window glibc passes
// and the kernel refuses, one glibc refuses, and one past memfd's 249-byte limit.
const std::vector<std::string>& edge_names();

// "shm_open name="/a" flags=0102 mode=0600 as root".
std::string describe(const PosixStep& step);

class PosixDifferential {
 public:
  PosixDifferential(const PosixLimits& limits, uid_t other_uid, gid_t other_gid);
  ~PosixDifferential();  // unmaps, closes and unlinks everything it made on the kernel
  PosixDifferential(const PosixDifferential&) = delete;
  PosixDifferential& operator=(const PosixDifferential&) = delete;

  // "" when kernel and model agree on the step's result and on every open object afterwards.
  std::string run(const PosixStep& step);
  // What the last run() got from each side (`ran` false when it skipped the step).
  [[nodiscard]] const StepErrors& last() const { return last_; }
  // Compares every readable object's bytes (the per-step check covers the object stepped on).
  [[nodiscard]] std::string compare_contents() const;

  [[nodiscard]] std::size_t fds() const { return kernel_fds_.size(); }
  [[nodiscard]] std::size_t mappings() const { return maps_.size(); }

 private:
  int on_kernel(const PosixStep& s, long* value);
  Outcome on_model(const PosixStep& s);
  [[nodiscard]] std::string compare_fd(std::size_t i, bool contents) const;
  [[nodiscard]] std::string compare_all(int touched_fd) const;
  [[nodiscard]] const FdObject& fd_at(int target) const;
  [[nodiscard]] long model_fd_at(int target) const;

  PosixLimits limits_;
  PosixCaller root_;
  PosixCaller other_;
  PosixModel model_;
  std::uint64_t baseline_used_ = 0;   // bytes in use on /dev/shm before the first step
  std::vector<FdObject> kernel_fds_;  // not valid() once closed
  std::vector<long> model_fds_;
  std::vector<Mapping> maps_;  // unmapped ones stay, not mapped()
  std::vector<long> model_maps_;
  std::vector<std::string> created_;  // names the kernel accepted with O_CREAT
  std::string tagged_name_;           // the name the last kOpenTagged got
  StepErrors last_;
};

}  // namespace shmh::model
