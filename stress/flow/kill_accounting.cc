#include "stress/flow/kill_accounting.h"

namespace shmh::stress {

void account_flow_kill(Flow& flow, PeerId id) {
  if (id.role == Role::kWriter) {
    SendCursor& cursor = flow.send_cursor(id.index);
    PeerRecord& rec = flow.board.writer(id.index);
    const SendCursorNow now = flow.cursor_now(id.index);  // in_flight: kUnknownSeq unless inside send
    const std::uint64_t inflight = now.in_flight;
    // Bounds-checked: the cursor is memory a dying process wrote.
    if (inflight != kUnknownSeq && inflight >= now.next_seq && inflight < flow.ledger.capacity()) {
      flow.sends.in_doubt[id.index].push_back(inflight);
      cursor.next_seq.store(inflight + 1);
      // Its recorder implies the sends below next_seq as returned: this one did not return.
      rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kSend), FlightOutcome::kPending, rec.incarnation.load(),
                          flow.size_of(id.index, inflight), id.index, inflight, 0);
    }
    return;
  }
  ReceiveCursor& cursor = flow.receive_cursor(id.index);
  PeerRecord& rec = flow.board.reader(id.index);
  const std::uint32_t lane = flow.lane_of(id.index);
  constexpr auto kRecv = static_cast<std::uint8_t>(PeerOp::kRecv);
  switch (cursor.get()) {
    case ReceiveStep::kPending: {
      // Intact and identified, maybe not yet recorded: record it (a duplicate mark is harmless;
      // an identity out of range is refused by the ledger), in its flight recorder too.
      const std::uint32_t writer = cursor.pending_writer.load();
      const std::uint64_t seq = cursor.pending_sequence.load();
      const auto newest = rec.recorder.last(1);
      const bool recorded = !newest.empty() && newest[0].op == kRecv && newest[0].writer == writer &&
                            newest[0].seq == (seq & kUnknownSeq);  // killed after recording it
      if (flow.ledger.mark(lane, writer, seq) != Mark::kOutOfRange && !recorded) {
        rec.recorder.record(kRecv, FlightOutcome::kOk, rec.incarnation.load(), flow.size_of(writer, seq), writer, seq,
                            0);
      }
      break;
    }
    case ReceiveStep::kInRecv:
      ++flow.sends.reader_kills_receiving[lane];  // inside recv: one message may have gone with it
      // Its history ends with the receive it died in (whose message it was, nobody can tell).
      rec.recorder.record(kRecv, FlightOutcome::kPending, rec.incarnation.load(), 0, kUnknownWriter, kUnknownSeq, 0);
      break;
    case ReceiveStep::kIdle:
    default:  // a torn or garbage step: nothing is allowed for it
      break;
  }
  cursor.set(ReceiveStep::kIdle);
}

}  // namespace shmh::stress
