#include "core/channel/adapters/pipe_channel.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <new>
#include <string>

#include "core/channel/adapters/pending_message.h"
#include "core/channel/channel_error.h"
#include "core/segment/tag.h"

namespace shmh {
namespace {

constexpr std::string_view kPrefix = "pipe@";
constexpr std::size_t kFrameHeader = sizeof(std::uint32_t);  // a length word: 0-byte messages need one
constexpr std::size_t kMaxPayload = PIPE_BUF - kFrameHeader;

using Clock = std::chrono::steady_clock;

struct PipeHandle {
  int fd = -1;
  std::string path;
  std::size_t max_message = kMaxPayload;  // from the address: the creator's configured limit
  PendingMessage pending{PIPE_BUF};
};

PipeHandle* cast(shmh_channel* ch) { return reinterpret_cast<PipeHandle*>(ch); }

int open_fifo(const std::string& path, std::size_t max_message, PipeHandle** out, shmh_error* err) {
  // O_RDWR: a FIFO opened for both never blocks in open and never reports EOF, so any number of
  // writers and readers may come and go. O_DIRECT: packet mode, one write = one read.
  const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) return channel_fail(err, SHMH_ESYSTEM, errno, "open %s: %s", path.c_str(), errno_label(errno));
  struct stat st {};
  if (::fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
    ::close(fd);
    return channel_fail(err, SHMH_EINVAL, 0, "%s is not a FIFO", path.c_str());
  }
  if (::fcntl(fd, F_SETFL, O_NONBLOCK | O_DIRECT) == -1) {
    const int e = errno;
    ::close(fd);
    return channel_fail(err, SHMH_ESYSTEM, e, "packet mode (O_DIRECT) on %s: %s", path.c_str(), errno_label(e));
  }
  auto* h = new (std::nothrow) PipeHandle{fd, path, max_message};
  if (h == nullptr) {
    ::close(fd);
    return channel_fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  }
  *out = h;
  return SHMH_OK;
}

// Waits until fd is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
  const int r = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
  return r > 0;
}

Clock::time_point deadline_after(std::int64_t timeout_ns) {
  return Clock::now() + std::chrono::nanoseconds(std::min<std::int64_t>(timeout_ns, 86'400'000'000'000LL));
}

int pipe_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) noexcept {
  if (config == nullptr || out == nullptr || address == nullptr)
    return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  if (config->max_message == 0 || config->max_message > kMaxPayload) {
    return channel_fail(err, SHMH_EINVAL, 0, "pipe messages are 1..%zu bytes (PIPE_BUF less a length word)",
                        kMaxPayload);
  }
  if (config->capacity == 0) return channel_fail(err, SHMH_EINVAL, 0, "capacity must be at least 1");
  const std::string path = "/dev/shm" + tagged_posix_name();
  if (::mkfifo(path.c_str(), config->mode == 0 ? 0600 : config->mode) == -1) {
    return channel_fail(err, SHMH_ESYSTEM, errno, "mkfifo %s: %s", path.c_str(), errno_label(errno));
  }
  PipeHandle* h = nullptr;
  if (const int r = open_fifo(path, config->max_message, &h, err); r != SHMH_OK || h == nullptr) {
    ::unlink(path.c_str());
    return r != SHMH_OK ? r : channel_fail(err, SHMH_ESYSTEM, 0, "no handle");
  }
  // In packet mode each message takes one pipe buffer (a page): capacity messages need that many.
  // The kernel rounds up to a power of two; unprivileged users are capped by fs.pipe-max-size.
  const long want = static_cast<long>(config->capacity) * ::sysconf(_SC_PAGESIZE);
  if (::fcntl(h->fd, F_SETPIPE_SZ, want) == -1) {
    const int e = errno;
    ::close(h->fd);
    ::unlink(path.c_str());
    delete h;
    return channel_fail(err, SHMH_EINVAL, e, "a pipe of %u messages needs %ld bytes: %s (see fs.pipe-max-size)",
                        config->capacity, want, errno_label(e));
  }
  // The address carries the message limit, so every handle enforces the creator's configuration.
  const std::string addr = std::string(kPrefix) + std::to_string(config->max_message) + "@" + path;
  std::memcpy(address, addr.c_str(), addr.size() + 1);
  *out = reinterpret_cast<shmh_channel*>(h);
  return SHMH_OK;
}

int pipe_open(const char* address, shmh_channel** out, shmh_error* err) noexcept {
  if (address == nullptr || out == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  const std::string_view a = address;
  const auto at = a.find('@', kPrefix.size());
  std::size_t max_message = 0;
  if (a.substr(0, kPrefix.size()) != kPrefix || at == std::string_view::npos || at + 1 >= a.size() ||
      std::from_chars(a.data() + kPrefix.size(), a.data() + at, max_message).ptr != a.data() + at || max_message == 0 ||
      max_message > kMaxPayload) {
    return channel_fail(err, SHMH_EINVAL, 0, "not a pipe address (pipe@<max>@<fifo>): %s", address);
  }
  PipeHandle* h = nullptr;
  const int r = open_fifo(std::string(a.substr(at + 1)), max_message, &h, err);
  if (r == SHMH_OK) *out = reinterpret_cast<shmh_channel*>(h);
  return r;
}

int pipe_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (data == nullptr && length != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  PipeHandle* h = cast(ch);
  if (length > h->max_message) {
    return channel_fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > max %zu", length, h->max_message);
  }
  auto word = static_cast<std::uint32_t>(length);
  struct iovec iov[2] = {{&word, sizeof word}, {const_cast<void*>(data), length}};
  const auto deadline = deadline_after(timeout_ns);
  for (;;) {
    const ssize_t n = ::writev(h->fd, iov, length == 0 ? 1 : 2);
    if (n == static_cast<ssize_t>(kFrameHeader + length)) return SHMH_OK;
    if (n >= 0) return channel_fail(err, SHMH_ECORRUPT, 0, "short write of %zd bytes into a packet pipe", n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return channel_fail(err, SHMH_ESYSTEM, errno, "write: %s", errno_label(errno));
    if (timeout_ns <= 0 || !wait_ready(h->fd, POLLOUT, deadline))
      return channel_fail(err, SHMH_ETIMEOUT, 0, "pipe full");
  }
}

int64_t pipe_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (buffer == nullptr && capacity != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  PipeHandle* h = cast(ch);
  if (h->pending.held()) return h->pending.redeliver(buffer, capacity, err);
  const auto deadline = deadline_after(timeout_ns);
  for (;;) {
    const ssize_t n = ::read(h->fd, h->pending.buffer(), h->pending.buffer_size());
    if (n > 0) {
      // The frame came from another process: check it before trusting its length word.
      std::uint32_t word = 0;
      if (static_cast<std::size_t>(n) < kFrameHeader)
        return channel_fail(err, SHMH_ECORRUPT, 0, "packet of %zd bytes", n);
      std::memcpy(&word, h->pending.buffer(), sizeof word);
      if (word != static_cast<std::size_t>(n) - kFrameHeader) {
        return channel_fail(err, SHMH_ECORRUPT, 0, "length word %u but packet of %zd bytes", word, n);
      }
      std::memmove(h->pending.buffer(), h->pending.buffer() + kFrameHeader, word);
      return h->pending.deliver(word, buffer, capacity, err);
    }
    if (n == 0) return channel_fail(err, SHMH_ECLOSED, 0, "pipe closed");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return channel_fail(err, SHMH_ESYSTEM, errno, "read: %s", errno_label(errno));
    if (timeout_ns <= 0 || !wait_ready(h->fd, POLLIN, deadline))
      return channel_fail(err, SHMH_ETIMEOUT, 0, "pipe empty");
  }
}

void pipe_close(shmh_channel* ch) noexcept {
  PipeHandle* h = cast(ch);
  if (h == nullptr) return;
  ::close(h->fd);
  delete h;
}

int pipe_destroy(shmh_channel* ch, shmh_error* err) noexcept {
  if (ch == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null handle");
  const std::string path = cast(ch)->path;
  pipe_close(ch);
  if (::unlink(path.c_str()) == -1)
    return channel_fail(err, SHMH_ESYSTEM, errno, "unlink %s: %s", path.c_str(), errno_label(errno));
  return SHMH_OK;
}

constexpr shmh_channel_vtable kPipeVtable = {
    SHMH_CHANNEL_ABI_VERSION,
    SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER,
    "pipe",
    pipe_create,
    pipe_open,
    pipe_send,
    pipe_recv,
    pipe_close,
    pipe_destroy,
    nullptr};

}  // namespace

const shmh_channel_vtable* pipe_channel() { return &kPipeVtable; }

}  // namespace shmh
