#include "stress/flow/receive_stage.h"

#include <sys/mman.h>

#include <cerrno>

#include "core/check.h"
#include "core/sys/sys.h"

namespace shmh::stress {

Result<ReceiveStages> ReceiveStages::create(std::uint32_t readers, std::size_t msg_max) {
  if (readers == 0 || msg_max > kMaxMessage) {
    return sys_error(EINVAL, "receive stages", "needs readers and messages of at most 64 KiB");
  }
  ReceiveStages s;
  s.msg_max_ = msg_max;
  s.stride_ = msg_max == 0 ? 64 : (msg_max + 63) / 64 * 64;
  const std::size_t size = std::size_t{readers} * kSlots * s.stride_;
  auto mem = sys::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mem) return mem.error();
  s.memory_ = Mapping(Mapping::Kind::kMmap, *mem, size);
  return s;
}

std::span<std::byte> ReceiveStages::slot(std::uint32_t r, std::uint32_t i) const noexcept {
  const std::size_t at = (std::size_t{r} * kSlots + i) * stride_;
  SHMH_CHECK(memory_.mapped() && i < kSlots && at + stride_ <= memory_.size(), "receive stage slot out of range");
  return memory_.bytes().subspan(at, msg_max_);
}

}  // namespace shmh::stress
