#include "core/segment/fd_object.h"

#include <utility>

#include "core/sys/sys.h"

namespace shmh {

FdObject::FdObject(FdObject&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FdObject& FdObject::operator=(FdObject&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FdObject::~FdObject() { close(); }

void FdObject::close() noexcept {
  if (fd_ >= 0) sys::close(std::exchange(fd_, -1));
}

Result<void> FdObject::truncate(std::size_t size) const { return sys::ftruncate(fd_, static_cast<off_t>(size)); }

Result<void> FdObject::allocate(std::size_t offset, std::size_t length) const {
  return sys::fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(length));
}

Result<struct stat> FdObject::stat() const { return sys::fstat(fd_); }

Result<std::size_t> FdObject::size() const {
  auto st = stat();
  if (!st) return st.error();
  return static_cast<std::size_t>(st->st_size);
}

Result<std::size_t> FdObject::write_at(std::uint64_t offset, std::span<const std::byte> data) const {
  return sys::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
}

Result<std::size_t> FdObject::read_at(std::uint64_t offset, std::span<std::byte> buffer) const {
  return sys::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset));
}

Result<void> FdObject::add_seals(int seals) const { return sys::add_seals(fd_, seals); }

Result<int> FdObject::seals() const { return sys::get_seals(fd_); }

Result<void> FdObject::chmod(mode_t mode) const { return sys::fchmod(fd_, mode); }

Result<Mapping> FdObject::map(const MapOptions& options) const {
  std::size_t length = options.length;
  if (length == 0) {
    auto sz = size();
    if (!sz) return sz.error();
    length = *sz;  // may still be 0: mmap answers EINVAL, which is the kernel's word on it
  }
  auto p = sys::mmap(options.addr, length, options.prot, options.flags, fd_, options.offset);
  if (!p) return p.error();
  return Mapping(Mapping::Kind::kMmap, *p, length);
}

}  // namespace shmh
