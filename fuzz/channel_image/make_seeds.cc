// Writes the channel_image seed corpus: valid ring images (the geometry channel_image.cc uses)
// holding 0, 1, 3 and 8 framed messages of assorted sizes, one wrapped around, one with a claimed
// but unpublished slot. Run once after a ring layout change:
//
//   build/default/fuzz/channel_image_make_seeds fuzz/channel_image/corpus
#include <sys/mman.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/channel/ring/ring.h"
#include "core/framing/frame.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  auto geometry = shmh::ring::plan(8, 64);
  struct Seed {
    const char* name;
    int sends;
    int recvs;
  };
  const Seed seeds[] = {{"empty", 0, 0}, {"one", 1, 0}, {"three", 3, 0}, {"full", 8, 0}, {"wrapped", 11, 5}};
  for (const auto& seed : seeds) {
    std::vector<std::byte> memory(geometry->total_size);
    auto ring = shmh::ring::Ring::create(memory, *geometry);
    if (!ring) return 1;
    std::vector<std::byte> buf(64);
    for (int i = 0; i < seed.sends; ++i) {
      if (i >= 8 && seed.recvs > 0 && i - 8 < seed.recvs) (void)ring->recv(buf.data(), buf.size(), 0, nullptr);
      const std::size_t size = shmh::kFrameHeaderSize + static_cast<std::size_t>(i * 13) % 41;
      shmh::encode_frame(std::span(buf).first(size), 1, 0, static_cast<std::uint64_t>(i));
      (void)ring->send(buf.data(), size, 0, nullptr);
    }
    ring->detach();
    std::ofstream(std::string(argv[1]) + "/" + seed.name, std::ios::binary)
        .write(reinterpret_cast<const char*>(memory.data()), static_cast<std::streamsize>(memory.size()));
  }
  return 0;
}
