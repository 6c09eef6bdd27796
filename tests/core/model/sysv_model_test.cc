// The System V model against the kernel: a table of sequences, then seeded random sequences, each
// step executed on the real kernel (in the test's private IPC namespace, with small limits set) and
// on the model; every result and every live segment's IPC_STAT must agree. Calls by "another user"
// run in a child that drops to uid 65534 (root only). A disagreement prints the seed and step, and
// is fixed in the model — the kernel is the authority.
#include "core/model/sysv_model.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh::model {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr Limits kLimits{.shmmax = 16 * kPage, .shmall = 32, .shmmni = 6, .page_size = kPage, .memlock = 4 * kPage};
constexpr Caller kRoot{.uid = 0, .gid = 0, .cap_ipc_owner = true, .cap_sys_admin = true, .cap_ipc_lock = true};
constexpr Caller kOther{.uid = test::kOtherUid, .gid = test::kOtherGid};

enum class Op { kGet, kAt, kDt, kStat, kSet, kRmid, kLock, kUnlock };

struct Step {
  Op op = Op::kGet;
  bool other = false;  // made by uid 65534 instead of root
  key_t key = IPC_PRIVATE;
  std::uint64_t size = 0;
  int flags = 0;
  int target = 0;  // index into the handles (or attachments) made so far; out of range = invalid
  uid_t set_uid = 0;
  unsigned set_mode = 0600;
};

std::string describe(const Step& s) {
  static const char* const kNames[] = {"shmget",  "shmat",    "shmdt",    "IPC_STAT",
                                       "IPC_SET", "IPC_RMID", "SHM_LOCK", "SHM_UNLOCK"};
  std::ostringstream o;
  o << kNames[static_cast<int>(s.op)] << (s.other ? " as uid 65534" : " as root") << " key=0x" << std::hex << s.key
    << std::dec << " size=" << s.size << " flags=0" << std::oct << s.flags << std::dec << " target=" << s.target
    << " set_uid=" << s.set_uid << " set_mode=0" << std::oct << s.set_mode;
  return o.str();
}

// Runs steps on the kernel and on the model side by side.
class Differential {
 public:
  Differential() : model_(kLimits) {}
  ~Differential() {
    attachments_.clear();
    for (int id : kernel_ids_) (void)sys::shmctl(id, IPC_RMID, nullptr);
  }

  // "" when kernel and model agree on the step's result and on every segment afterwards.
  std::string run(const Step& s) {
    const int kernel_err = on_kernel(s);
    const Outcome m = on_model(s);
    if (kernel_err != m.err) {
      return describe(s) + ": kernel " + (kernel_err ? errno_name(kernel_err) : std::string("ok")) + ", model " +
             (m.err ? errno_name(m.err) : std::string("ok"));
    }
    return compare_all();
  }

 private:
  // An index into `v`, or nullopt when the step names one past the end (an invalid id on purpose).
  template <class V>
  static std::optional<std::size_t> index(const V& v, int target) {
    if (target < 0 || static_cast<std::size_t>(target) >= v.size()) return std::nullopt;
    return static_cast<std::size_t>(target);
  }
  int id_of(int target) const {
    const auto i = index(kernel_ids_, target);
    return i ? kernel_ids_[*i] : 0x7ffffff0;
  }
  long handle_of(int target) const {
    const auto i = index(handles_, target);
    return i ? handles_[*i] : 1'000'000;
  }

  // Executes the call on the kernel (as root here, or in a child as uid 65534); returns errno.
  int on_kernel(const Step& s) {
    if (s.other) {
      int new_id = -1;
      const auto exit = test::run_as_other_user([&]() -> ChildReport {
        (void)sys::setrlimit(RLIMIT_MEMLOCK, {kLimits.memlock, kLimits.memlock});
        const int err = kernel_call(s, &new_id);
        return ChildReport{err, std::to_string(new_id)};  // the id a shmget returned, for the parent
      });
      if (exit.signal != 0) return -1;
      if (exit.code == 0 && s.op == Op::kGet) record_id(std::stoi(exit.message));
      return exit.code;
    }
    int id = -1;
    const int err = kernel_call(s, &id);
    if (err == 0 && s.op == Op::kGet) record_id(id);
    return err;
  }

  int kernel_call(const Step& s, int* new_id) {
    switch (s.op) {
      case Op::kGet: {
        auto id = sys::shmget(s.key, s.size, s.flags);
        if (!id) return id.error().err;
        *new_id = *id;
        return 0;
      }
      case Op::kAt: {
        auto p = sys::shmat(id_of(s.target), nullptr, s.flags);
        if (!p) return p.error().err;
        if (s.other) {
          (void)sys::shmdt(*p);  // a child's attachment ends with it: detach now
        } else {
          attachments_.emplace_back(Mapping::Kind::kShmat, *p, 0);
        }
        return 0;
      }
      case Op::kDt: {
        const auto i = index(attachments_, s.target);
        if (!i || !attachments_[*i].mapped()) return EINVAL;  // nothing attached at that "address"
        auto r = attachments_[*i].unmap();
        return r ? 0 : r.error().err;
      }
      case Op::kStat: {
        struct shmid_ds ds {};
        auto r = sys::shmctl(id_of(s.target), IPC_STAT, &ds);
        return r ? 0 : r.error().err;
      }
      case Op::kSet: {
        struct shmid_ds ds {};
        ds.shm_perm.uid = s.set_uid;
        ds.shm_perm.gid = s.set_uid;
        ds.shm_perm.mode = static_cast<unsigned short>(s.set_mode);
        auto r = sys::shmctl(id_of(s.target), IPC_SET, &ds);
        return r ? 0 : r.error().err;
      }
      case Op::kRmid: {
        auto r = sys::shmctl(id_of(s.target), IPC_RMID, nullptr);
        return r ? 0 : r.error().err;
      }
      case Op::kLock:
      case Op::kUnlock: {
        auto r = sys::shmctl(id_of(s.target), s.op == Op::kLock ? SHM_LOCK : SHM_UNLOCK, nullptr);
        return r ? 0 : r.error().err;
      }
    }
    return -1;
  }

  // A shmget that succeeded may return an id we already track (an existing key).
  void record_id(int id) {
    for (int known : kernel_ids_) {
      if (known == id) return;
    }
    kernel_ids_.push_back(id);
  }

  Outcome on_model(const Step& s) {
    const Caller& who = s.other ? kOther : kRoot;
    switch (s.op) {
      case Op::kGet: {
        Outcome o = model_.shmget(s.key, s.size, s.flags, who);
        if (o.ok() && std::find(handles_.begin(), handles_.end(), o.value) == handles_.end())
          handles_.push_back(o.value);
        return o;
      }
      case Op::kAt: {
        Outcome o = model_.shmat(handle_of(s.target), s.flags, who);
        if (o.ok() && s.other) return model_.shmdt(o.value);
        if (o.ok()) model_attachments_.push_back(o.value);
        return o;
      }
      case Op::kDt: {
        const auto i = index(model_attachments_, s.target);
        if (!i) return {0, EINVAL};
        return model_.shmdt(model_attachments_[*i]);
      }
      case Op::kStat:
        return model_.ipc_stat(handle_of(s.target), who, nullptr);
      case Op::kSet:
        return model_.ipc_set(handle_of(s.target), s.set_uid, s.set_uid, s.set_mode, who);
      case Op::kRmid:
        return model_.ipc_rmid(handle_of(s.target), who);
      case Op::kLock:
        return model_.shm_lock(handle_of(s.target), true, who);
      case Op::kUnlock:
        return model_.shm_lock(handle_of(s.target), false, who);
    }
    return {0, -1};
  }

  // Every segment the model thinks alive must be alive in the kernel with the same properties.
  std::string compare_all() const {
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      const auto m = model_.segment(handles_[i]);
      struct shmid_ds ds {};
      const bool alive = sys::shmctl(kernel_ids_[i], IPC_STAT, &ds).ok();
      if (alive != m.has_value()) {
        return "segment " + std::to_string(i) + ": kernel " + (alive ? "alive" : "gone") + ", model " +
               (m ? "alive" : "gone");
      }
      if (!alive) continue;
      std::ostringstream diff;
      if (ds.shm_segsz != m->size) diff << " size " << ds.shm_segsz << "/" << m->size;
      if ((ds.shm_perm.mode & 0777) != m->mode) diff << " mode " << (ds.shm_perm.mode & 0777) << "/" << m->mode;
      if (ds.shm_nattch != m->nattch) diff << " nattch " << ds.shm_nattch << "/" << m->nattch;
      if (((ds.shm_perm.mode & SHM_DEST) != 0) != m->dest) diff << " SHM_DEST";
      if (((ds.shm_perm.mode & SHM_LOCKED) != 0) != m->locked) diff << " SHM_LOCKED";
      if (ds.shm_perm.__key != m->key) diff << " key " << ds.shm_perm.__key << "/" << m->key;
      if (ds.shm_perm.uid != m->uid) diff << " uid " << ds.shm_perm.uid << "/" << m->uid;
      if (!diff.str().empty()) return "segment " + std::to_string(i) + " (kernel/model):" + diff.str();
    }
    return "";
  }

  SysvModel model_;
  std::vector<int> kernel_ids_;
  std::vector<long> handles_;
  std::vector<Mapping> attachments_;
  std::vector<long> model_attachments_;
};

class SysvModelVsKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::is_root()) GTEST_SKIP() << "the differential runs calls as root and as uid 65534";
  }
  test::ScopedShmLimit shmmax_{"shmmax", kLimits.shmmax};
  test::ScopedShmLimit shmall_{"shmall", kLimits.shmall};
  test::ScopedShmLimit shmmni_{"shmmni", kLimits.shmmni};
};

TEST_F(SysvModelVsKernel, Table) {
  const std::vector<std::vector<Step>> table = {
      // size bounds, then shmall, then shmmni
      {{.op = Op::kGet, .size = 0, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax + 1, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = 1, .flags = IPC_CREAT | 0600}},
      // keys: ENOENT, EEXIST, larger size EINVAL before EACCES, permission bits only as requested
      {{.op = Op::kGet, .key = 0x100, .size = kPage, .flags = 0600},
       {.op = Op::kGet, .key = 0x100, .size = kPage, .flags = IPC_CREAT | 0640},
       {.op = Op::kGet, .key = 0x100, .size = kPage, .flags = IPC_CREAT | IPC_EXCL | 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = 2 * kPage, .flags = 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = kPage, .flags = 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = kPage, .flags = 0},
       {.op = Op::kAt, .other = true, .target = 0},
       {.op = Op::kStat, .other = true, .target = 0},
       {.op = Op::kSet, .other = true, .target = 0},
       {.op = Op::kRmid, .other = true, .target = 0}},
      // IPC_RMID while attached: SHM_DEST, key released, attach by id still works, gone at last detach
      {{.op = Op::kGet, .key = 0x200, .size = kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kAt, .target = 0},
       {.op = Op::kRmid, .target = 0},
       {.op = Op::kGet, .key = 0x200, .size = kPage, .flags = 0600},
       {.op = Op::kAt, .target = 0},
       {.op = Op::kDt, .target = 0},
       {.op = Op::kDt, .target = 0},
       {.op = Op::kDt, .target = 1},
       {.op = Op::kStat, .target = 0}},
      // ownership moves with IPC_SET; memlock for an unprivileged owner
      {{.op = Op::kGet, .size = 8 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kSet, .target = 0, .set_uid = test::kOtherUid, .set_mode = 0600},
       {.op = Op::kAt, .other = true, .target = 0},
       {.op = Op::kLock, .other = true, .target = 0},
       {.op = Op::kGet, .size = 2 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kSet, .target = 1, .set_uid = test::kOtherUid, .set_mode = 0400},
       {.op = Op::kLock, .other = true, .target = 1},
       {.op = Op::kAt, .other = true, .flags = SHM_RDONLY, .target = 1},
       {.op = Op::kAt, .other = true, .target = 1},
       {.op = Op::kUnlock, .other = true, .target = 1},
       {.op = Op::kLock, .target = 0},
       {.op = Op::kRmid, .other = true, .target = 0}},
  };
  for (std::size_t t = 0; t < table.size(); ++t) {
    Differential d;
    for (std::size_t i = 0; i < table[t].size(); ++i) {
      const std::string mismatch = d.run(table[t][i]);
      ASSERT_TRUE(mismatch.empty()) << "sequence " << t << " step " << i << ": " << mismatch;
    }
  }
}

Step random_step(std::mt19937_64& rng, int handles) {
  constexpr key_t kKeys[] = {IPC_PRIVATE, 0x100, 0x101};
  constexpr std::uint64_t kSizes[] = {0, 1, kPage, kPage + 1, 3 * kPage, kLimits.shmmax, kLimits.shmmax + 1};
  constexpr int kModes[] = {0600, 0640, 0644, 0666, 0400, 0, 0606};
  auto pick = [&](auto n) { return static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(n)); };
  Step s;
  s.op = static_cast<Op>(pick(8));
  s.other = pick(4) == 0;
  s.key = kKeys[pick(3)];
  s.size = kSizes[pick(7)];
  s.flags = kModes[pick(7)] | (pick(3) != 0 ? IPC_CREAT : 0) | (pick(4) == 0 ? IPC_EXCL : 0);
  if (s.op == Op::kAt) s.flags = pick(3) == 0 ? SHM_RDONLY : 0;
  if (s.op == Op::kDt) s.other = false;  // attachments belong to this process: only it can detach them
  s.target = static_cast<int>(pick(static_cast<unsigned>(handles + 1)));  // sometimes one past the end
  s.set_uid = pick(2) == 0 ? 0 : test::kOtherUid;
  s.set_mode = static_cast<unsigned>(kModes[pick(7)]);
  return s;
}

TEST_F(SysvModelVsKernel, RandomSequences) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    Differential d;
    int created = 0;
    std::string history;
    for (int i = 0; i < 30; ++i) {
      const Step s = random_step(rng, created + 2);
      history += "  " + std::to_string(i) + ": " + describe(s) + "\n";
      const std::string mismatch = d.run(s);
      ASSERT_TRUE(mismatch.empty()) << "seed " << seed << " step " << i << ": " << mismatch << "\nsteps:\n" << history;
      if (s.op == Op::kGet) ++created;
    }
  }
}

}  // namespace
}  // namespace shmh::model
