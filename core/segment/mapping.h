// Mapping: one attachment of a shared-memory object into this process — a System V shmat or an
// mmap of a POSIX/memfd descriptor. Move-only; the destructor detaches (shmdt or munmap).
//
//   Result<Mapping> m = segment.attach();
//   std::memset(m->data(), 0, m->size());
//   m->unmap();  // explicit, to see the error; otherwise the destructor does it
#pragma once

#include <cstddef>
#include <span>

#include "core/result.h"

namespace shmh {

class Mapping {
 public:
  enum class Kind { kShmat, kMmap };

  Mapping() = default;
  // Takes ownership of an attachment made by sys::shmat (kShmat) or sys::mmap (kMmap).
  Mapping(Kind kind, void* addr, std::size_t size) noexcept : kind_(kind), addr_(addr), size_(size) {}
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  [[nodiscard]] bool mapped() const { return addr_ != nullptr; }
  [[nodiscard]] std::byte* data() const { return static_cast<std::byte*>(addr_); }
  // The usable size: the segment's size for shmat, the requested length for mmap.
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::span<std::byte> bytes() const { return {data(), size_}; }
  [[nodiscard]] Kind kind() const { return kind_; }

  // Detaches now. Afterwards mapped() is false whatever the result; calling it again is a no-op.
  Result<void> unmap();
  // Gives up ownership without detaching (the address stays mapped); returns the address.
  void* release() noexcept;

 private:
  Kind kind_ = Kind::kMmap;
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shmh
