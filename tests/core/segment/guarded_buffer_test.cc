// GuardedBuffer: every byte of the buffer is usable, and the first byte past its end faults — in
// a child, which must die of it (a write past a receive buffer can never land silently).
#include "core/segment/guarded_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/process/child_process.h"

namespace shmh {
namespace {

TEST(GuardedBuffer, EveryByteIsUsableAndTheNextOneFaults) {
  for (const std::size_t size : {std::size_t{1}, std::size_t{100}, std::size_t{4096}, std::size_t{5000}}) {
    auto buf = GuardedBuffer::create(size);
    ASSERT_TRUE(buf.ok()) << buf.error().message();
    auto bytes = buf->bytes();
    ASSERT_EQ(bytes.size(), size);
    std::fill(bytes.begin(), bytes.end(), std::byte{0x5a});
    EXPECT_EQ(buf->last(1).data(), bytes.data() + size - 1);
    auto child = ChildProcess::spawn([&bytes]() -> ChildReport {
      volatile std::byte* past = bytes.data() + bytes.size();
      *past = std::byte{1};
      return "the byte after the buffer was writable";
    });
    ASSERT_TRUE(child.ok());
    auto ended = child->wait();
    ASSERT_TRUE(ended.ok());
    // SIGSEGV; under a sanitizer its report ends the child (exit 1, or SIGABRT with abort_on_error).
    EXPECT_FALSE(ended->ok()) << "size " << size;
    EXPECT_EQ(ended->message, "") << "size " << size << ": " << ended->describe();
  }
}

TEST(GuardedBuffer, AnEmptyBufferAndAMovedOneAreFine) {
  auto empty = GuardedBuffer::create(0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bytes().empty());
  auto a = GuardedBuffer::create(64);
  ASSERT_TRUE(a.ok());
  GuardedBuffer b = std::move(*a);
  EXPECT_EQ(b.bytes().size(), 64U);
  b.bytes()[63] = std::byte{7};
  b = std::move(*empty);
  EXPECT_TRUE(b.bytes().empty());
}

}  // namespace
}  // namespace shmh
