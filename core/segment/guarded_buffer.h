// GuardedBuffer: private memory whose last byte is followed by a PROT_NONE page, so a write (or
// read) past its end faults at once instead of landing in the heap — what a receive buffer handed
// to an untrusted channel needs (the plugin_image fuzz target, the hostile stress workload).
//
//   auto buf = shmh::GuardedBuffer::create(msg_max);   // buf->bytes().size() == msg_max
//   ch.recv(buf->bytes(), timeout);                      // a copy past msg_max: SIGSEGV
#pragma once

#include <cstddef>
#include <span>

#include "core/result.h"

namespace shmh {

class GuardedBuffer {
 public:
  // `size` bytes (0 allowed) ending where the guard page begins. Errors: mmap, mprotect.
  static Result<GuardedBuffer> create(std::size_t size);

  GuardedBuffer() = default;
  GuardedBuffer(GuardedBuffer&& other) noexcept;
  GuardedBuffer& operator=(GuardedBuffer&& other) noexcept;
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  ~GuardedBuffer();

  // All of it: its end is the guard page.
  [[nodiscard]] std::span<std::byte> bytes() const { return {base_ + span_ - size_, size_}; }
  // The last `n` (≤ size) bytes: a smaller buffer that ends at the guard page too.
  [[nodiscard]] std::span<std::byte> last(std::size_t n) const { return bytes().last(n); }

 private:
  GuardedBuffer(std::byte* base, std::size_t span, std::size_t size) : base_(base), span_(span), size_(size) {}
  void release() noexcept;

  std::byte* base_ = nullptr;  // the mapping: span_ usable bytes, then the guard page
  std::size_t span_ = 0;       // size_ rounded up to pages
  std::size_t size_ = 0;
};

}  // namespace shmh
