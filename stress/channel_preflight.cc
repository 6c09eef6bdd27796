#include "stress/channel_preflight.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string_view>
#include <vector>

#include "core/channel/channel.h"
#include "core/framing/frame.h"
#include "core/process/child_process.h"
#include "core/sys/sys.h"

namespace shmh::stress {
namespace {

constexpr const char* kSteps[] = {"start", "create", "open", "send", "recv", "destroy", "done"};

}  // namespace

Result<void> preflight_channel(const shmh_channel_vtable& vtable, const shmh_channel_config& config,
                               std::chrono::milliseconds timeout) {
  // Which step the child is in, in memory the parent still reads after a crash.
  auto page = sys::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!page) return page.error();
  auto* step = new (*page) std::atomic<int>(0);
  // The child's stderr goes to a memfd: a sanitizer's crash report must not flood the user's
  // terminal (the error stays one line), but its headline is worth quoting.
  auto log = sys::memfd_create("shmh-preflight-stderr", MFD_CLOEXEC);
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    if (log) ::dup2(*log, STDERR_FILENO);
    step->store(1);
    auto ch = Channel::create(vtable, config);
    if (!ch) return "create: " + ch.error().message();
    step->store(2);
    auto peer = Channel::open(vtable, ch->address());
    if (!peer) return "open " + ch->address() + ": " + peer.error().message();
    std::vector<std::byte> frame(config.max_message < kFrameHeaderSize ? kFrameHeaderSize : config.max_message);
    encode_frame(frame, 1, 0, 0);
    step->store(3);
    if (peer->send(frame, 1'000'000'000) != SHMH_OK) return std::string("send: ") + peer->last_error().message;
    step->store(4);
    std::vector<std::byte> back(frame.size());
    const std::int64_t n = ch->recv(back, 1'000'000'000);
    if (n < 0) return std::string("recv: ") + ch->last_error().message;
    if (static_cast<std::size_t>(n) != frame.size() || back != frame) {
      return "a message sent through the channel came back different (" + std::to_string(n) + " of " +
             std::to_string(frame.size()) + " bytes)";
    }
    step->store(5);
    peer->close();
    if (auto d = ch->destroy(); !d) return "destroy: " + d.error().message();
    step->store(6);
    return {};
  });
  if (!child) {
    (void)sys::munmap(*page, 4096);
    return child.error();
  }
  auto exit = child->wait(timeout);
  std::string out;
  const int at = step->load();
  const char* where = kSteps[at >= 0 && at <= 6 ? at : 0];
  if (!exit) {
    (void)child->kill(SIGKILL);
    (void)child->wait();
    out = std::string("hung in ") + where + " for " + std::to_string(timeout.count()) + " ms";
  } else if (exit->signal != 0) {
    out = std::string("crashed in ") + where + " (SIG" +
          (sigabbrev_np(exit->signal) ? sigabbrev_np(exit->signal) : "?") + ")";
  } else if (!exit->ok()) {
    out = exit->message.empty() ? "failed in " + std::string(where) : exit->message;
  }
  if (log) {
    if (!out.empty()) {
      char text[4096];
      auto n = sys::pread(*log, text, sizeof text - 1, 0);
      const std::string_view got(text, n ? *n : 0);
      // "==123==ERROR: AddressSanitizer: SEGV on unknown address ..." and the like.
      const auto headline = got.find("ERROR: ");
      if (headline != std::string_view::npos) {
        const auto end = got.find('\n', headline);
        const auto len = (end == std::string_view::npos ? got.size() : end) - headline - 7;
        out += " — " + std::string(got.substr(headline + 7, std::min<std::size_t>(len, 160)));
      }
    }
    sys::close(*log);
  }
  (void)sys::munmap(*page, 4096);
  if (out.empty()) return {};
  // A create that failed on its own (no crash, no hang): the caller may try a smaller geometry.
  return logic_error(at == 1 && exit && exit->signal == 0 ? "preflight create" : "preflight", out);
}

}  // namespace shmh::stress
