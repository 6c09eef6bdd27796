#include "core/segment/guarded_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/sys/sys.h"

namespace shmh {
namespace {

std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

}  // namespace

Result<GuardedBuffer> GuardedBuffer::create(std::size_t size) {
  const std::size_t page = page_size();
  const std::size_t span = (size + page - 1) / page * page;
  auto mem = sys::mmap(nullptr, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!mem) return mem.error();
  auto* base = static_cast<std::byte*>(*mem);
  if (::mprotect(base + span, page, PROT_NONE) != 0) {
    const int err = errno;
    (void)sys::munmap(base, span + page);
    return sys_error(err, "mprotect", "the guard page after a receive buffer");
  }
  return GuardedBuffer(base, span, size);
}

GuardedBuffer::GuardedBuffer(GuardedBuffer&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      span_(std::exchange(other.span_, 0)),
      size_(std::exchange(other.size_, 0)) {}

GuardedBuffer& GuardedBuffer::operator=(GuardedBuffer&& other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    span_ = std::exchange(other.span_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

GuardedBuffer::~GuardedBuffer() { release(); }

void GuardedBuffer::release() noexcept {
  if (base_ != nullptr) (void)sys::munmap(base_, span_ + page_size());
  base_ = nullptr;
}

}  // namespace shmh
