#include "stress/flow/kill_accounting.h"

namespace shmh::stress {

void account_flow_kill(Flow& flow, PeerId id) {
  if (id.role == Role::kWriter) {
    SendCursor& cursor = flow.send_cursor(id.index);
    const std::uint64_t inflight = cursor.in_flight.load();
    const std::uint64_t next = cursor.next_seq.load();
    // Bounds-checked: the cursor is memory a dying process wrote.
    if (inflight != kNoSequence && inflight >= next && inflight < flow.ledger.capacity()) {
      flow.sends.in_doubt[id.index].push_back(inflight);
      cursor.next_seq.store(inflight + 1);
    }
    cursor.in_flight.store(kNoSequence);
    return;
  }
  ReceiveCursor& cursor = flow.receive_cursor(id.index);
  const std::uint32_t lane = flow.lane_of(id.index);
  switch (cursor.get()) {
    case ReceiveStep::kPending:
      // Intact and identified, maybe not yet recorded: record it (a duplicate mark is harmless;
      // an identity out of range is refused by the ledger).
      (void)flow.ledger.mark(lane, cursor.pending_writer.load(), cursor.pending_sequence.load());
      break;
    case ReceiveStep::kInRecv:
      ++flow.sends.reader_kills_receiving[lane];  // inside recv: one message may have gone with it
      break;
    case ReceiveStep::kIdle:
    default:  // a torn or garbage step: nothing is allowed for it
      break;
  }
  cursor.set(ReceiveStep::kIdle);
}

}  // namespace shmh::stress
