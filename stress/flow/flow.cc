#include "stress/flow/flow.h"

namespace shmh::stress {

Result<std::unique_ptr<Flow>> make_flow(const Phase& phase, const StressOptions& options, std::uint64_t seed,
                                        const ChannelSource& source, Topology topology, bool fifo) {
  auto board = PeerBoard::create(phase.writers, phase.readers);
  if (!board) return board.error();
  board->init_states<SendCursor, ReceiveCursor>();
  const std::uint32_t lanes = lanes_for(topology, phase.readers);
  auto ledger = DeliveryLedger::create(lanes, phase.writers);
  if (!ledger) return ledger.error();
  auto flow = std::unique_ptr<Flow>(new Flow{.phase = phase,
                                             .options = options,
                                             .seed = seed,
                                             .source = source,
                                             .topology = topology,
                                             .vtable = source.vtable,
                                             .fifo = fifo,
                                             .exclusive_lanes = topology == Topology::kBroadcast || phase.readers == 1,
                                             .channels = {},
                                             .addresses = {},
                                             .board = std::move(*board),
                                             .ledger = std::move(*ledger),
                                             .sends = {},
                                             .frames = FrameChecker(seed, phase.msg_max)});
  flow->sends.in_doubt.resize(phase.writers);
  flow->sends.reader_kills_receiving.resize(lanes);
  return flow;
}

}  // namespace shmh::stress
