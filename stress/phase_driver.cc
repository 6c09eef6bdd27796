#include "stress/phase_driver.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "stress/kill_culprits.h"
#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(5);
constexpr auto kProgressEvery = std::chrono::milliseconds(200);
constexpr auto kFreezeFor = std::chrono::milliseconds(20);
constexpr std::size_t kNamedKills = 3;  // a no-recovery finding names the last this many kills

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string format_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

class Driver final : public PeerControl {
 public:
  Driver(PeerGroup& group, const PeerBoard& board, const WorkloadEnv& env, const DriveConfig& config)
      : group_(group), board_(board), env_(env), config_(config) {
    for (const auto* p : perturbations()) {
      if (auto perturber = p->make(env.phase, env.seed)) perturbers_.push_back(std::move(perturber));
    }
  }

  [[nodiscard]] std::vector<PeerId> running_peers() const override { return group_.running_peers(); }

  bool kill_and_restart(PeerId victim) override {
    forget_pause(victim);                      // SIGKILL ends a stopped process too
    const sys::StopSite where = site(victim);  // read while it is still there (frozen, if aimed)
    auto pid = group_.kill(victim);
    if (!pid) return false;  // it ended on its own meanwhile
    ++out_.kills;
    note_kill(victim, *pid, where);
    if (config_.on_kill) config_.on_kill(victim);
    PeerRecord& rec = board_.record(victim.role, victim.index);
    rec.incarnation.fetch_add(1, std::memory_order_relaxed);
    start_peer(victim);
    return true;
  }

  bool pause(PeerId id, std::chrono::nanoseconds duration) override {
    const pid_t pid = stop_peer(id);
    if (pid <= 0) return false;
    paused_.push_back(Paused{.id = id, .pid = pid, .until = Clock::now() + duration});
    ++out_.pauses;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f ms", std::chrono::duration<double, std::milli>(duration).count());
    note_event(describe(id) + " (pid " + std::to_string(pid) + ") paused " + doing(id) + " for " + ms);
    return true;
  }

  [[nodiscard]] bool paused(PeerId id) const override {
    return std::ranges::find(paused_, id, &Paused::id) != paused_.end();
  }

  bool hold(PeerId id, Clock::time_point until, std::string_view why) override {
    const auto p = std::ranges::find(paused_, id, &Paused::id);
    if (p == paused_.end()) return false;
    p->until = until;
    note_event(describe(id) + " (pid " + std::to_string(p->pid) + ") " + std::string(why));
    return true;
  }

  [[nodiscard]] std::uint64_t progress(PeerId id) const override {
    return board_.record(id.role, id.index).progress.load(std::memory_order_relaxed);
  }

  [[nodiscard]] PeerOp current_op(PeerId id) const override {
    return static_cast<PeerOp>(board_.record(id.role, id.index).op.load(std::memory_order_relaxed));
  }

  [[nodiscard]] std::optional<Frozen> freeze(PeerId id) override {
    const pid_t pid = stop_peer(id);
    if (pid <= 0) return std::nullopt;
    // Stopping takes an IPI and the peer's return to user space (later if it is in an uninterruptible
    // sleep): poll for the stop report, bounded. Peers are the runner's children.
    const auto give_up = Clock::now() + kFreezeFor;
    while (Clock::now() < give_up) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WSTOPPED | WNOHANG) == 0 && info.si_pid == pid) {
        return Frozen{.op = current_op(id), .site = sys::stop_site(pid)};
      }
      std::this_thread::yield();
    }
    (void)::kill(pid, SIGCONT);
    return std::nullopt;
  }

  [[nodiscard]] sys::StopSite site(PeerId id) const override {
    const pid_t pid = board_.record(id.role, id.index).pid.load();
    return pid > 0 ? sys::stop_site(pid) : sys::StopSite::kUnknown;
  }

  void thaw(PeerId id) override {
    const pid_t pid = board_.record(id.role, id.index).pid.load();
    if (pid > 0) (void)::kill(pid, SIGCONT);
  }

  // SIGSTOPs a running, unpaused peer; its pid, or 0 when it was not stopped. The record's pid is
  // the one the runner stored when it forked the peer: still bounds-checked, since a SIGSTOP of
  // pid 0 or -1 would stop the runner's whole group.
  pid_t stop_peer(PeerId id) {
    if (!group_.running(id) || paused(id)) return 0;
    const pid_t pid = board_.record(id.role, id.index).pid.load();
    if (pid <= 0 || ::kill(pid, SIGSTOP) != 0) return 0;
    return pid;
  }

  DriveOutcome run() {
    start_ = Clock::now();
    out_.start_ns = monotonic_ns();
    last_progress_at_ = start_;
    last_report_ = start_;
    for (std::uint32_t i = 0; i < board_.writers(); ++i) start_peer({Role::kWriter, i});
    for (std::uint32_t i = 0; i < board_.readers(); ++i) start_peer({Role::kReader, i});

    const auto deadline = start_ + env_.phase.duration;
    // 1. Run: until the time is up, the writers have met their quota, or something ends it.
    while (!ended_ && Clock::now() < deadline && group_.any_running(Role::kWriter) && !fail_fast_now()) {
      tick(/*perturb=*/true);
    }
    // 2. Every pause ends; writers stop; 3. readers drain what is queued and stop. Under the watchdog.
    resume(Clock::time_point::max());
    board_.set_stop_writing();
    while (!ended_ && group_.any_running(Role::kWriter)) tick(false);
    // The writers ran until the last one's own stamp of its end, not this loop's tick that saw it gone.
    out_.active_seconds =
        static_cast<double>(writers_end_ns(board_, out_.start_ns, monotonic_ns()) - out_.start_ns) / 1e9;
    board_.set_writers_done();
    while (!ended_ && group_.any_running(Role::kReader)) tick(false);
    if (ended_) {
      resume(Clock::time_point::max());
      out_.aborted = !out_.interrupted;
      board_.set_aborted();
      (void)group_.wait(std::nullopt, std::chrono::milliseconds(500));
      // Whoever did not end within the grace time is killed — and accounted like any kill: a
      // writer's message in flight is in doubt, a reader's in recv may be gone.
      for (const PeerId id : group_.kill_all(&out_.stuck_threads)) {
        if (config_.on_kill) config_.on_kill(id);
      }
    }
    group_.poll();
    // A peer that died on its own left what it held as a kill would: accounted the same way (a
    // crashed reader's received, unchecked messages are checked, not counted as stranded).
    if (config_.on_kill) {
      for (const auto& end : group_.ends()) config_.on_kill(end.id);
    }
    for (std::uint32_t i = 0; i < board_.writers(); ++i) out_.doing.push_back(doing({Role::kWriter, i}));
    for (std::uint32_t i = 0; i < board_.readers(); ++i) out_.doing.push_back(doing({Role::kReader, i}));
    const std::string where = group_.ends().empty() ? "" : describe_mappings(board_);
    for (const auto& end : group_.ends()) {
      out_.findings.push_back(Finding{.kind = FindingKind::kPeerCrash,
                                      .phase = env_.phase.name,
                                      .detail = describe(end.id) + " (pid " + std::to_string(end.pid) + ") " +
                                                end.exit.describe() +
                                                (where.empty() ? "" : "; peers mapped the channel at " + where),
                                      .t_s = ended_at_});
    }
    out_.seconds = seconds_since(start_);
    timeline_.close(point(out_.seconds, board_.total_progress()));
    out_.timeline = timeline_.take();
    out_.runner_rss_anon_kib = rss_anon_kib();
    if (env_.options.mode == PeerMode::kProcesses) {
      for (std::uint32_t i = 0; i < board_.writers(); ++i)
        out_.peers_rss_anon_kib += board_.writer(i).rss_anon_kib.load();
      for (std::uint32_t i = 0; i < board_.readers(); ++i)
        out_.peers_rss_anon_kib += board_.reader(i).rss_anon_kib.load();
    }
    return std::move(out_);
  }

 private:
  // --fail-fast: a peer has reported a problem (what will be the phase's finding): stop sending,
  // drain and audit as at the end of the phase, so the finding is accounted like any other.
  [[nodiscard]] bool fail_fast_now() const { return env_.options.fail_fast && out_.first_problem_t_s >= 0; }

  [[nodiscard]] std::vector<PeerStat> peer_stats() const {
    std::vector<PeerStat> out;
    auto add = [&](PeerId id) {
      const PeerRecord& rec = board_.record(id.role, id.index);
      out.push_back(PeerStat{.peer = describe(id),
                             .pid = rec.pid.load(std::memory_order_relaxed),
                             .incarnation = rec.incarnation.load(std::memory_order_relaxed),
                             .progress = rec.progress.load(std::memory_order_relaxed),
                             .doing = doing(id)});
    };
    for (std::uint32_t i = 0; i < board_.writers(); ++i) add({Role::kWriter, i});
    for (std::uint32_t i = 0; i < board_.readers(); ++i) add({Role::kReader, i});
    return out;
  }

  // Notes when a peer first reported a problem (the time the report marks the phase's findings at).
  void watch_problems() {
    if (out_.first_problem_t_s >= 0) return;
    bool any = false;
    for (std::uint32_t i = 0; i < board_.writers() && !any; ++i) any = board_.writer(i).first_problem_set.load() != 0;
    for (std::uint32_t i = 0; i < board_.readers() && !any; ++i) any = board_.reader(i).first_problem_set.load() != 0;
    if (any) out_.first_problem_t_s = seconds_since(start_);
  }

  [[nodiscard]] TimelinePoint point(double t_s, std::uint64_t operations) const {
    return TimelinePoint{.t_s = t_s, .operations = operations, .kills = out_.kills, .pauses = out_.pauses};
  }

  void start_peer(PeerId id) {
    if (auto s = group_.start(id); !s) {
      out_.findings.push_back(Finding{.kind = FindingKind::kSetup,
                                      .phase = env_.phase.name,
                                      .detail = "cannot start " + describe(id) + ": " + s.error().message(),
                                      .t_s = seconds_since(start_)});
      ended_ = true;
    }
  }

  void tick(bool perturb) {
    std::this_thread::sleep_for(kTick);
    ++ticks_;
    group_.poll();
    const auto now = Clock::now();
    if (env_.observer.interrupted()) {
      out_.interrupted = true;
      ended_ = true;
      return;
    }
    // A peer died on its own (a signal, a sanitizer, a failed open): that is the phase's finding,
    // and what it held leaves the channel suspect — end the phase now, as after a stall, instead
    // of waiting the watchdog out.
    if (!group_.ends().empty()) {
      ended_ = true;
      ended_at_ = seconds_since(start_);
      return;
    }
    resume(now);
    watch_peers(now);
    watch_problems();
    const std::uint64_t progress = board_.total_progress();
    timeline_.offer(point(std::chrono::duration<double>(now - start_).count(), progress));
    // A paused peer may hold what everyone else waits for: no progress then is the pause's doing,
    // not a stall. The watchdog's clock starts again once every pause has ended.
    if (!paused_.empty()) {
      last_progress_at_ = now;
      last_progress_tick_ = ticks_;
    }
    if (progress != last_progress_) {
      last_progress_ = progress;
      last_progress_at_ = now;
      last_progress_tick_ = ticks_;
    } else if (now - last_progress_at_ >= env_.options.watchdog) {
      report_stall(now);
      ended_ = true;
      return;
    }
    if (config_.every_call_progresses && paused_.empty()) {
      if (const auto stuck = one_stuck(now)) {
        report_stuck(*stuck, now);
        ended_ = true;
        return;
      }
    }
    if (perturb) {
      for (auto& p : perturbers_) p->tick(*this, now);
    }
    if (now - last_report_ >= kProgressEvery) {
      const double dt = std::chrono::duration<double>(now - last_report_).count();
      ProgressSnapshot snap;
      snap.ops_per_s =
          dt > 0 && progress >= reported_progress_ ? static_cast<double>(progress - reported_progress_) / dt : 0;
      last_report_ = now;
      reported_progress_ = progress;
      snap.phase = env_.phase.name;
      snap.phase_index = env_.phase_index;
      snap.phases = env_.phases;
      snap.elapsed_s = env_.run_elapsed_s + seconds_since(start_);
      snap.total_s = env_.run_total_s;
      snap.operations = progress;
      for (std::uint32_t i = 0; i < board_.readers(); ++i) snap.bytes += board_.reader(i).bytes.load();
      snap.kills = out_.kills;
      snap.findings = out_.findings.size();
      if (env_.observer.wants_peers()) snap.peers = peer_stats();
      env_.observer.progress(snap);
    }
  }

  // Per peer: when its (operation, argument, progress) last changed — how long it has been stuck.
  struct Watch {
    std::uint32_t op = 0;
    std::uint64_t arg = 0;
    std::uint64_t progress = 0;
    std::int32_t pid = 0;
    Clock::time_point since;
  };
  Watch& watch_of(PeerId id) {
    const std::size_t i = id.role == Role::kWriter ? id.index : board_.writers() + id.index;
    if (watches_.size() <= i) watches_.resize(std::size_t{board_.writers()} + board_.readers());
    return watches_[i];
  }
  void watch_peers(Clock::time_point now) {
    for (std::uint32_t i = 0; i < board_.writers() + board_.readers(); ++i) {
      const PeerId id = i < board_.writers() ? PeerId{Role::kWriter, i} : PeerId{Role::kReader, i - board_.writers()};
      const PeerRecord& rec = board_.record(id.role, id.index);
      Watch& w = watch_of(id);
      const Watch seen{.op = rec.op.load(std::memory_order_relaxed),
                       .arg = rec.op_arg.load(std::memory_order_relaxed),
                       .progress = rec.progress.load(std::memory_order_relaxed),
                       .pid = rec.pid.load(std::memory_order_relaxed),
                       .since = now};
      if (w.since == Clock::time_point{} || seen.op != w.op || seen.arg != w.arg || seen.progress != w.progress ||
          seen.pid != w.pid) {
        w = seen;
      }
    }
  }

  // A running peer whose (operation, argument, progress) has not changed for the watchdog's time.
  std::optional<PeerId> one_stuck(Clock::time_point now) {
    for (const PeerId id : group_.running_peers()) {
      const Watch& w = watch_of(id);
      if (w.since != Clock::time_point{} && now - w.since >= env_.options.watchdog &&
          static_cast<PeerOp>(w.op) != PeerOp::kDone) {
        return id;
      }
    }
    return std::nullopt;
  }

  void report_stuck(PeerId id, Clock::time_point now) {
    const PeerRecord& rec = board_.record(id.role, id.index);
    const auto op = static_cast<PeerOp>(rec.op.load(std::memory_order_relaxed));
    out_.findings.push_back(
        Finding{.kind = FindingKind::kStall,
                .phase = env_.phase.name,
                .detail = describe(id) + " (pid " + std::to_string(rec.pid.load()) + ") has been in " + to_string(op) +
                          describe_arg(id, rec) + " for " +
                          format_seconds(std::chrono::duration<double>(now - watch_of(id).since).count()) +
                          " while the others went on: a call that does not keep its timeout (" +
                          std::to_string(env_.phase.op_timeout_ns / 1'000'000) + " ms)",
                .t_s = std::chrono::duration<double>(now - start_).count()});
  }

  struct Paused {
    PeerId id;
    pid_t pid = 0;
    Clock::time_point until;
  };

  // SIGCONTs every pause that ends by `now`.
  void resume(Clock::time_point now) {
    for (auto it = paused_.begin(); it != paused_.end();) {
      if (it->until <= now) {
        (void)::kill(it->pid, SIGCONT);
        it = paused_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void forget_pause(PeerId id) {
    if (const auto it = std::ranges::find(paused_, id, &Paused::id); it != paused_.end()) paused_.erase(it);
  }

  // What the victim was doing when it died (its record is frozen once it is reaped), for a
  // no-recovery finding.
  struct Kill {
    std::uint64_t tick = 0;  // the watchdog's sample whose perturbations killed it (kill_culprits.h)
    std::string what;        // "writer 1 (pid 812) killed inside send of seq 81234 at 2.31 s"
  };
  void note_kill(PeerId id, pid_t pid, sys::StopSite where) {
    const PeerRecord& rec = board_.record(id.role, id.index);
    std::string what = describe(id) + " (pid " + std::to_string(pid) + ") killed " + doing(id);
    if (where == sys::StopSite::kUserCode) what += " (in its own code)";
    if (where == sys::StopSite::kSyscall) what += " (in a system call)";
    const auto now = Clock::now();
    note_event(what + "; restarted as incarnation " + std::to_string(rec.incarnation.load() + 1));
    what += " at " + format_seconds(std::chrono::duration<double>(now - start_).count());
    kills_.push_back(Kill{.tick = ticks_, .what = std::move(what)});
  }

  // " of seq 17" for a writer in send (the workload's describe_op), else "".
  std::string describe_arg(PeerId id, const PeerRecord& rec) const {
    if (!config_.describe_op) return {};
    const std::string arg = config_.describe_op(id, rec);
    return arg.empty() ? arg : " " + arg;
  }

  // What a peer is doing, from its record: "inside send of seq 17" (a channel call, with the
  // workload's argument), "in verify", or "finished".
  std::string doing(PeerId id) const {
    const PeerRecord& rec = board_.record(id.role, id.index);
    const auto op = static_cast<PeerOp>(rec.op.load(std::memory_order_relaxed));
    if (op == PeerOp::kDone) return "finished";
    if (!inside_channel_call(op)) return std::string("in ") + to_string(op);
    return std::string("inside ") + to_string(op) + describe_arg(id, rec);
  }

  // The last kEvents kills and pauses are kept for the findings' context.
  void note_event(std::string what) {
    static constexpr std::size_t kEvents = 64;
    if (out_.events.size() == kEvents) out_.events.erase(out_.events.begin());
    out_.events.push_back(PhaseEvent{.t_s = seconds_since(start_), .what = std::move(what)});
  }

  void report_stall(Clock::time_point now) {
    std::string who;
    for (const PeerId id : group_.running_peers()) {
      const PeerRecord& rec = board_.record(id.role, id.index);
      const auto op = static_cast<PeerOp>(rec.op.load(std::memory_order_relaxed));
      const Watch& w = watch_of(id);
      if (!who.empty()) who += "; ";
      who += describe(id) + " (pid " + std::to_string(rec.pid.load()) + ") in " + to_string(op) + describe_arg(id, rec);
      if (w.since != Clock::time_point{})
        who += " for " + format_seconds(std::chrono::duration<double>(now - w.since).count());
    }
    const std::string stuck = who.empty() ? std::string("no peer running") : who;
    const double idle = std::chrono::duration<double>(now - last_progress_at_).count();
    // A kill before progress stopped: the channel did not recover from a peer's death. Up to
    // kNamedKills of them are named, latest first (stress/kill_culprits.h).
    std::vector<std::uint64_t> ticks;
    ticks.reserve(kills_.size());
    for (const Kill& k : kills_) ticks.push_back(k.tick);
    std::string culprits;
    std::size_t named = 0;
    for (const std::size_t i :
         culprit_kills(ticks, last_progress_tick_, /*progress_seen=*/last_progress_ != 0, kNamedKills)) {
      culprits += (culprits.empty() ? "" : "; ") + kills_[i].what;
      ++named;
    }
    if (named > 0) {
      out_.findings.push_back(
          Finding{.kind = FindingKind::kNoRecovery,
                  .phase = env_.phase.name,
                  .detail = culprits + (named > 1 ? " (the latest kills first)" : "") + "; nothing moved for " +
                            format_seconds(idle) + " since (" + std::to_string(out_.kills) +
                            " kill(s) in the phase); stuck: " + stuck +
                            ". A channel not built to survive a peer's death: declare SHMH_CHANNEL_NOT_CRASH_TOLERANT "
                            "or pass --no-kill",
                  .t_s = std::chrono::duration<double>(now - start_).count()});
      return;
    }
    out_.findings.push_back(Finding{.kind = FindingKind::kStall,
                                    .phase = env_.phase.name,
                                    .detail = "no progress for " + format_seconds(idle) + ": " + stuck,
                                    .t_s = std::chrono::duration<double>(now - start_).count()});
  }

  PeerGroup& group_;
  const PeerBoard& board_;
  const WorkloadEnv& env_;
  const DriveConfig& config_;
  std::vector<std::unique_ptr<Perturber>> perturbers_;
  std::vector<Paused> paused_;
  DriveOutcome out_;
  PhaseTimeline timeline_;
  bool ended_ = false;
  double ended_at_ = -1;     // when a peer's own death ended the phase
  std::vector<Kill> kills_;  // in order
  Clock::time_point start_, last_progress_at_, last_report_;
  std::uint64_t last_progress_ = 0;       // the total progress last seen (0: nothing has moved yet)
  std::uint64_t reported_progress_ = 0;   // at the last progress report
  std::uint64_t ticks_ = 0;               // the watchdog's samples so far
  std::uint64_t last_progress_tick_ = 0;  // the sample that last saw progress (or a pause)
  std::vector<Watch> watches_;
};

}  // namespace

void take_drive(DriveOutcome& drive, PhaseOutcome& out) {
  out.interrupted = drive.interrupted;
  out.findings = std::move(drive.findings);
  out.result.ran = true;
  out.result.seconds = drive.seconds;
  out.result.active_seconds = drive.active_seconds;
  out.result.kills = drive.kills;
  out.result.restarts = drive.kills;  // every kill restarts its victim
  out.result.pauses = drive.pauses;
  out.result.runner_rss_anon_kib = drive.runner_rss_anon_kib;
  out.result.peers_rss_anon_kib = drive.peers_rss_anon_kib;
  out.result.timeline = std::move(drive.timeline);
  out.result.events = drive.events;  // copied: attach_history reads them after this
}

DriveOutcome drive_phase(PeerGroup& group, const PeerBoard& board, const WorkloadEnv& env, const DriveConfig& config) {
  if (env.options.pin_cpus) group.pin_to_cpus();
  return Driver(group, board, env, config).run();
}

}  // namespace shmh::stress
