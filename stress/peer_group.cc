#include "stress/peer_group.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <exception>
#include <utility>

#include "core/check.h"

namespace shmh::stress {

std::string describe(PeerId id) { return std::string(to_string(id.role)) + " " + std::to_string(id.index); }

PeerGroup::PeerGroup(PeerMode mode, const PeerBoard& board, Body body)
    : mode_(mode), board_(board), body_(std::move(body)) {
  slots_.reserve(std::size_t{board.writers()} + board.readers());
}

PeerGroup::~PeerGroup() {
  (void)kill_all(nullptr);
  for (auto& s : slots_) {
    if (s.thread && s.thread->joinable()) {
      if (s.thread_done->load()) {
        s.thread->join();
      } else {
        s.thread->detach();  // stuck in a channel that ignores its timeouts: nothing else is possible
      }
    }
  }
}

PeerGroup::Slot* PeerGroup::find(PeerId id) {
  for (auto& s : slots_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const PeerGroup::Slot* PeerGroup::find(PeerId id) const { return const_cast<PeerGroup*>(this)->find(id); }

void PeerGroup::pin_to_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  cpus_.clear();
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return;
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus_.push_back(static_cast<int>(cpu));
  }
}

int PeerGroup::cpu_of(PeerId id) const {
  if (cpus_.empty()) return -1;
  const std::size_t place = id.role == Role::kWriter ? id.index : std::size_t{board_.writers()} + id.index;
  return cpus_[place % cpus_.size()];
}

namespace {

// Pins the calling thread (a peer process's only one, or a peer thread) to `cpu`; "" when done.
std::string pin_self(int cpu) {
  if (cpu < 0) return {};
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (::sched_setaffinity(0, sizeof set, &set) == 0) return {};
  return "--pin-cpus: " + sys_error(errno, "sched_setaffinity", "CPU " + std::to_string(cpu)).message();
}

}  // namespace

Result<void> PeerGroup::start(PeerId id) {
  Slot* s = find(id);
  if (s == nullptr) {
    slots_.push_back(Slot{.id = id, .process = {}, .thread = {}, .thread_report = {}, .thread_done = {}});
    s = &slots_.back();
  }
  SHMH_CHECK(!s->process.running() && !s->thread, "peer started twice");
  PeerRecord& rec = board_.record(id.role, id.index);
  rec.finished.store(0, std::memory_order_relaxed);
  rec.ended_ns.store(0, std::memory_order_relaxed);
  rec.begin(PeerOp::kStarting);
  const int cpu = cpu_of(id);
  if (mode_ == PeerMode::kProcesses) {
    auto child = ChildProcess::spawn([this, id, cpu]() -> ChildReport {
      // The terminal's Ctrl-C reaches the whole process group; the runner alone decides.
      std::signal(SIGINT, SIG_IGN);   // NOLINT(concurrency-mt-unsafe): a fresh single-threaded child
      std::signal(SIGTERM, SIG_IGN);  // NOLINT(concurrency-mt-unsafe)
      board_.record(id.role, id.index).pid.store(static_cast<std::int32_t>(::getpid()), std::memory_order_relaxed);
      if (auto why = pin_self(cpu); !why.empty()) return ChildReport{1, why};
      return body_(id);
    });
    if (!child) return child.error();
    rec.pid.store(static_cast<std::int32_t>(child->pid()), std::memory_order_relaxed);
    s->process = std::move(*child);
    return {};
  }
  s->thread_report = std::make_shared<ChildReport>();
  s->thread_done = std::make_shared<std::atomic<bool>>(false);
  rec.pid.store(static_cast<std::int32_t>(::getpid()), std::memory_order_relaxed);
  s->thread =
      std::make_unique<std::thread>([body = body_, id, cpu, &rec, report = s->thread_report, done = s->thread_done] {
        // The thread's own id, so the watchdog names which thread is stuck.
        rec.pid.store(static_cast<std::int32_t>(::gettid()), std::memory_order_relaxed);
        try {
          if (auto why = pin_self(cpu); !why.empty()) {
            *report = ChildReport{1, why};
          } else {
            *report = body(id);
          }
        } catch (const std::exception& e) {
          *report = ChildReport{3, std::string("exception: ") + e.what()};
        }
        done->store(true, std::memory_order_release);
      });
  return {};
}

void PeerGroup::reap(Slot& s, ChildExit exit) {
  board_.record(s.id.role, s.id.index).begin(PeerOp::kDone);
  if (!exit.ok())
    ends_.push_back(
        PeerEnd{.id = s.id, .pid = board_.record(s.id.role, s.id.index).pid.load(), .exit = std::move(exit)});
}

Result<pid_t> PeerGroup::kill(PeerId id) {
  Slot* s = find(id);
  if (mode_ != PeerMode::kProcesses) return sys_error(EINVAL, "kill", "threads cannot be killed");
  if (s == nullptr || !s->process.running()) return sys_error(ESRCH, "kill", describe(id) + " is not running");
  const pid_t pid = s->process.pid();
  if (auto k = s->process.kill(SIGKILL); !k) return k.error();
  auto exit = s->process.wait();
  if (!exit) return exit.error();
  if (exit->signal != SIGKILL) {
    reap(*s, std::move(*exit));  // it ended on its own just before: keep how
    return sys_error(ESRCH, "kill", describe(id) + " had already ended");
  }
  return pid;
}

void PeerGroup::poll() {
  for (auto& s : slots_) {
    if (s.process.running()) {
      auto exit = s.process.try_wait();
      if (exit && *exit) reap(s, std::move(**exit));
    } else if (s.thread && s.thread_done->load(std::memory_order_acquire)) {
      s.thread->join();
      s.thread.reset();
      ChildExit exit;
      exit.code = s.thread_report->code;
      exit.message = s.thread_report->message;
      reap(s, std::move(exit));
    }
  }
}

bool PeerGroup::running(PeerId id) const {
  const Slot* s = find(id);
  return s != nullptr && (s->process.running() || s->thread != nullptr);
}

bool PeerGroup::any_running(Role role) const {
  for (const auto& s : slots_) {
    if (s.id.role == role && (s.process.running() || s.thread != nullptr)) return true;
  }
  return false;
}

std::vector<PeerId> PeerGroup::running_peers() const {
  std::vector<PeerId> out;
  for (const auto& s : slots_) {
    if (s.process.running() || s.thread != nullptr) out.push_back(s.id);
  }
  return out;
}

bool PeerGroup::wait(std::optional<Role> role, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    poll();
    bool any = false;
    for (const auto& s : slots_) {
      if ((!role || s.id.role == *role) && (s.process.running() || s.thread != nullptr)) any = true;
    }
    if (!any) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::vector<PeerId> PeerGroup::kill_all(std::size_t* stuck_threads) {
  std::vector<PeerId> killed;
  std::size_t stuck = 0;
  for (auto& s : slots_) {
    if (s.process.running()) {
      (void)s.process.kill(SIGKILL);
      if (auto exit = s.process.wait(); exit && exit->signal == SIGKILL) {
        killed.push_back(s.id);
      } else if (exit) {
        reap(s, std::move(*exit));  // it ended on its own just before
      }
    }
    if (s.thread && !s.thread_done->load()) ++stuck;
  }
  poll();
  if (stuck_threads != nullptr) *stuck_threads = stuck;
  return killed;
}

}  // namespace shmh::stress
