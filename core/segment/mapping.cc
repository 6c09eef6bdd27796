#include "core/segment/mapping.h"

#include <utility>

#include "core/sys/sys.h"

namespace shmh {

Mapping::Mapping(Mapping&& other) noexcept
    : kind_(other.kind_), addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    (void)unmap();
    kind_ = other.kind_;
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Mapping::~Mapping() { (void)unmap(); }

Result<void> Mapping::unmap() {
  void* addr = std::exchange(addr_, nullptr);
  const std::size_t size = std::exchange(size_, 0);
  if (addr == nullptr) return {};
  return kind_ == Kind::kShmat ? sys::shmdt(addr) : sys::munmap(addr, size);
}

void* Mapping::release() noexcept {
  size_ = 0;
  return std::exchange(addr_, nullptr);
}

}  // namespace shmh
