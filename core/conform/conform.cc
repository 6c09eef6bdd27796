#include "core/conform/conform.h"

#include <pwd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <utility>

#include "core/conform/pinned_cases.h"
#include "core/model/posix_differential.h"
#include "core/model/random_steps.h"
#include "core/model/sysv_differential.h"
#include "core/sandbox/sandbox.h"
#include "core/sys/sys.h"

namespace shmh::conform {
namespace {

constexpr int kSysvSequenceSteps = 30;
constexpr int kPosixSequenceSteps = 40;

// Who "another user" is, resolved in the parent.
struct OtherUser {
  bool available = false;
  uid_t uid = 65534;
  gid_t gid = 65534;
};

std::string answer(int err) { return err == 0 ? "ok" : errno_name(err); }

// --- transport: a child's deviations, written to a memfd the parent reads after it exits -------
// Fields are separated by US (0x1f), steps by GS (0x1d), deviations by RS (0x1e); no field the
// drivers write holds those bytes (names are printed through describe()'s escaping).

std::string encode(const Deviation& d) {
  std::string steps;
  for (const auto& s : d.steps) steps += s + '\x1d';
  const std::string* fields[] = {&d.api, &d.area,         &d.name,          &d.source,
                                 &steps, &d.linux_answer, &d.kernel_answer, &d.detail};
  std::string out;
  for (const std::string* f : fields) out += *f + '\x1f';
  return out + '\x1e';
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type from = 0;
  for (auto at = s.find(sep); at != std::string::npos; at = s.find(sep, from)) {
    out.push_back(s.substr(from, at - from));
    from = at + 1;
  }
  return out;
}

std::vector<Deviation> decode(const std::string& bytes) {
  std::vector<Deviation> out;
  for (const auto& record : split(bytes, '\x1e')) {
    auto f = split(record, '\x1f');
    if (f.size() != 8) continue;
    out.push_back({std::move(f[0]), std::move(f[1]), std::move(f[2]), std::move(f[3]), split(f[4], '\x1d'),
                   std::move(f[5]), std::move(f[6]), std::move(f[7])});
  }
  return out;
}

// Runs `body` in a fresh sandbox with the table's limits; what it writes to the fd it is given
// comes back. A child that fails (not a deviation: the sandbox, a crash) is the error.
Result<std::string> in_sandbox(std::uint64_t page, const std::function<std::string(int)>& body) {
  auto out = sys::memfd_create("shmharness-conform", MFD_CLOEXEC);
  if (!out) return out.error();
  const model::Limits sysv = sysv_limits(page);
  const model::PosixLimits posix = posix_limits(page);
  auto child = spawn_sandboxed(
      {.shmmax = sysv.shmmax, .shmall = sysv.shmall, .shmmni = sysv.shmmni, .dev_shm_bytes = posix.tmpfs_pages * page},
      [&]() -> ChildReport {
        sys::set_umask(posix.umask);
        return body(*out);
      });
  if (!child) {
    sys::close(*out);
    return child.error();
  }
  auto exit = child->wait();
  std::string bytes;
  char buf[4096];
  for (off_t at = 0;;) {
    auto n = sys::pread(*out, buf, sizeof buf, at);
    if (!n || *n == 0) break;
    bytes.append(buf, *n);
    at += static_cast<off_t>(*n);
  }
  sys::close(*out);
  if (!exit) return exit.error();
  if (!exit->ok()) return logic_error("conform", "a sandboxed run failed: " + exit->describe());
  return bytes;
}

// --- the pinned table -------------------------------------------------------------------------

// What a pinned case's sandbox writes when the differential skipped one of its setup steps (a
// write to kernel.shm_rmid_forced that a user namespace not owning the IPC namespace's sysctls
// refuses, on kernels before ipc sysctls were per-namespace-owned): the case is counted as refused.
constexpr const char* kRefusedStep = "\x1brefused";

template <class Differential, class Step>
Deviation check_case(Differential& d, const PinnedCase& c, const std::vector<Step>& steps) {
  Deviation dev{.api = c.is_sysv() ? "sysv" : "posix", .area = c.area, .name = c.name, .source = c.source};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    dev.steps.push_back(describe(steps[i]));
    const std::string diff = d.run(steps[i]);
    const model::StepErrors& e = d.last();
    const bool last = i + 1 == steps.size();
    if (!last && !e.ran) {  // the sandbox refused a setup step: the case says nothing here
      dev.detail = kRefusedStep;
      return dev;
    }
    if (last && !e.ran) {
      dev.detail = "the driver skipped the pinned call (a table error)";
      return dev;
    }
    if (last && (e.kernel != c.expected || e.model != c.expected)) {
      dev.linux_answer = answer(c.expected);
      dev.kernel_answer = answer(e.kernel);
      dev.detail = e.model != c.expected
                       ? "the model answers " + answer(e.model) + " (Linux: " + answer(c.expected) + ")"
                       : diff;
      return dev;
    }
    if (!diff.empty()) {  // a setup step, or the state after the pinned call
      dev.linux_answer = answer(e.model);
      dev.kernel_answer = answer(e.kernel);
      dev.detail = diff;
      return dev;
    }
  }
  return {};
}

// The case's deviation (encoded; "" when the machine answers as Linux), or why it could not run.
Result<std::string> run_pinned_case(const PinnedCase& c, std::uint64_t page, const OtherUser& other) {
  Deviation dev;
  if (c.is_sysv()) {
    std::optional<model::OtherUidPeer> peer;
    if (c.needs_other()) {
      auto started = model::OtherUidPeer::start(other.uid, other.gid, sysv_limits(page).memlock);
      if (!started) return started.error();
      peer = std::move(*started);
    }
    model::SysvDifferential d(sysv_limits(page), peer ? &*peer : nullptr);
    dev = check_case(d, c, c.sysv);
  } else {
    model::PosixDifferential d(posix_limits(page), other.uid, other.gid);
    dev = check_case(d, c, c.posix);
  }
  if (dev.detail == kRefusedStep) return std::string(kRefusedStep);
  return dev.steps.empty() ? std::string{} : encode(dev);
}

// --- random sequences -------------------------------------------------------------------------

// Replays `steps` on a fresh differential: the index of the first step that deviates, or -1.
template <class Make, class Step>
int first_deviation(const Make& make, const std::vector<Step>& steps, std::string* detail, model::StepErrors* errors) {
  auto d = make();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string diff = d->run(steps[i]);
    if (!diff.empty()) {
      if (detail != nullptr) *detail = std::move(diff);
      if (errors != nullptr) *errors = d->last();
      return static_cast<int>(i);
    }
  }
  return -1;
}

// The shortest sequence found by removing one step at a time while the replay still deviates
// (cut after the step that deviates).
template <class Make, class Step>
std::vector<Step> shrink(const Make& make, std::vector<Step> steps) {
  for (bool smaller = true; smaller;) {
    smaller = false;
    for (std::size_t i = 0; i + 1 < steps.size();) {
      std::vector<Step> trial = steps;
      trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(i));
      const int at = first_deviation(make, trial, nullptr, nullptr);
      if (at >= 0) {
        trial.resize(static_cast<std::size_t>(at) + 1);
        steps = std::move(trial);
        smaller = true;
      } else {
        ++i;
      }
    }
  }
  return steps;
}

struct SequenceTally {
  std::uint64_t sequences = 0;
  std::uint64_t steps = 0;
};

// Runs sequences until one deviates; that one is shrunk and written out. Returns the tally.
template <class Make, class Next>
SequenceTally run_sequences(const char* api, std::uint64_t count, std::uint64_t seed, int length, const Make& make,
                            const Next& next, int out) {
  SequenceTally tally;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::mt19937_64 rng(seed + i);
    auto d = make();
    std::vector<decltype(next(rng, *d))> steps;
    ++tally.sequences;
    for (int k = 0; k < length; ++k) {
      steps.push_back(next(rng, *d));
      ++tally.steps;
      std::string diff = d->run(steps.back());
      if (diff.empty()) continue;
      model::StepErrors e = d->last();
      d.reset();
      // Shrunk only if the whole sequence deviates again on a fresh replay; a machine whose answer
      // changes between replays keeps the sequence as it ran, and says so.
      if (std::string again; first_deviation(make, steps, &again, &e) >= 0) {
        steps = shrink(make, steps);
        (void)first_deviation(make, steps, &diff, &e);
      } else {
        diff += " (did not deviate again when replayed)";
      }
      Deviation dev{.api = api, .area = std::string(api) + "/sequence", .name = "seed " + std::to_string(seed + i)};
      for (const auto& s : steps) dev.steps.push_back(describe(s));
      dev.linux_answer = e.ran ? answer(e.model) : "";
      dev.kernel_answer = e.ran ? answer(e.kernel) : "";
      dev.detail = diff;
      (void)sys::write_all(out, encode(dev));
      return tally;
    }
  }
  return tally;
}

std::string tally_line(const SequenceTally& t) { return std::to_string(t.sequences) + " " + std::to_string(t.steps); }

Result<OtherUser> resolve_other(const ConformOptions& options) {
  OtherUser other;
  const bool root = ::geteuid() == 0;
  if (options.other_uid) {
    if (*options.other_uid == 0) return logic_error("--as-user", "must name a user other than root");
    if (!root) return logic_error("--as-user", "needs root (the calls are made after dropping to that user)");
    other.uid = *options.other_uid;
  }
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(other.uid, &entry, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    other.gid = found->pw_gid;
  }
  if (other.gid == 0) {
    return logic_error("--as-user", "uid " + std::to_string(other.uid) +
                                        " is in group 0 (root's): pick a user outside it, e.g. --as-user 65534");
  }
  other.available = root;
  return other;
}

}  // namespace

Result<ConformReport> run_conform(const ConformOptions& options) {
  auto other = resolve_other(options);
  if (!other) return other.error();
  auto kind = probe_sandbox();
  if (!kind) return kind.error();

  // Another user needs a real uid to drop to: root outside a user namespace.
  if (options.other_uid && *kind != SandboxKind::kPrivileged) {
    return logic_error("--as-user", "needs a privileged sandbox (root with CAP_SYS_ADMIN); this one is " +
                                        std::string(to_string(*kind)));
  }
  other->available = other->available && *kind == SandboxKind::kPrivileged;
  ConformReport report;
  report.sandbox = to_string(*kind);
  report.other_user = other->available;
  report.other_uid = other->uid;
  report.other_gid = other->gid;
  report.seed = options.seed;
  if (auto release = sys::read_file("/proc/sys/kernel/osrelease"); release) {
    report.kernel = *release;
    while (!report.kernel.empty() && report.kernel.back() == '\n') report.kernel.pop_back();
  }
  const std::uint64_t page = sys::page_size();

  for (const PinnedCase& c : pinned_cases(page, other->uid)) {
    AreaCount& area = report.areas[c.area];
    if (c.needs_other() && !other->available) {
      ++area.skipped;
      continue;
    }
    auto bytes = in_sandbox(page, [&](int out) -> std::string {
      auto dev = run_pinned_case(c, page, *other);
      if (!dev) return dev.error().message();
      if (!dev->empty()) (void)sys::write_all(out, *dev);
      return "";
    });
    if (!bytes) return logic_error("conform", c.area + " \"" + c.name + "\": " + bytes.error().message());
    if (*bytes == kRefusedStep) {
      ++area.refused;
      continue;
    }
    ++area.cases;
    ++report.pinned;
    for (auto& d : decode(*bytes)) {
      ++area.deviations;
      report.deviations.push_back(std::move(d));
    }
  }

  // Random sequences: System V, then POSIX and memfd, each in its own sandbox.
  const model::Limits sysv = sysv_limits(page);
  const model::PosixLimits posix = posix_limits(page);
  const uid_t ou = other->uid;
  const bool with_other = other->available;
  auto sysv_run = in_sandbox(page, [&](int out) -> std::string {
    std::optional<model::OtherUidPeer> peer;
    if (with_other) {
      auto started = model::OtherUidPeer::start(ou, other->gid, sysv.memlock);
      if (!started) return started.error().message();
      peer = std::move(*started);
    }
    model::OtherUidPeer* p = peer ? &*peer : nullptr;
    auto make = [&] { return std::make_unique<model::SysvDifferential>(sysv, p); };
    auto next = [&](std::mt19937_64& rng, const model::SysvDifferential& d) {
      model::SysvStep s = model::random_sysv_step(rng, sysv, static_cast<int>(d.segments()) + 2, ou);
      s.other = s.other && p != nullptr;
      return s;
    };
    const auto t = run_sequences("sysv", options.sequences, options.seed, kSysvSequenceSteps, make, next, out);
    (void)sys::write_all(out, "\x1c" + tally_line(t));
    return "";
  });
  if (!sysv_run) return sysv_run.error();
  auto posix_run = in_sandbox(page, [&](int out) -> std::string {
    auto make = [&] { return std::make_unique<model::PosixDifferential>(posix, ou, other->gid); };
    auto next = [&](std::mt19937_64& rng, const model::PosixDifferential& d) {
      model::PosixStep s =
          model::random_posix_step(rng, posix, static_cast<int>(d.fds()), static_cast<int>(d.mappings()));
      s.other = s.other && with_other;
      return s;
    };
    const auto t = run_sequences("posix", options.sequences, options.seed, kPosixSequenceSteps, make, next, out);
    (void)sys::write_all(out, "\x1c" + tally_line(t));
    return "";
  });
  if (!posix_run) return posix_run.error();

  // Each sequence child ends its output with FS (0x1c) and "sequences steps".
  auto take = [&](const std::string& bytes, std::uint64_t* sequences) {
    const auto fs = bytes.rfind('\x1c');
    for (auto& d : decode(bytes.substr(0, fs == std::string::npos ? bytes.size() : fs))) {
      report.deviations.push_back(std::move(d));
    }
    if (fs == std::string::npos) return;
    std::istringstream tally(bytes.substr(fs + 1));
    std::uint64_t steps = 0;
    tally >> *sequences >> steps;
    report.steps += steps;
  };
  take(*sysv_run, &report.sysv_sequences);
  take(*posix_run, &report.posix_sequences);
  return report;
}

}  // namespace shmh::conform
