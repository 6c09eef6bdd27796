#include "stress/flow/kill_accounting.h"

#include <algorithm>

#include "stress/flow/receive_check.h"

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
  const ReceiveStep step = cursor.get();
  const std::uint32_t step_slot = cursor.slot();
  switch (step) {
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
      // Inside recv: one message may have gone with it — unless recv had returned and the message
      // is staged (checked below).
      if (step_slot < ReceiveStages::kSlots && !flow.stages.empty() && cursor.staged[step_slot].load() != 0) break;
      ++flow.sends.reader_kills_receiving[lane];
      // Its history ends with the receive it died in (whose message it was, nobody can tell).
      rec.recorder.record(kRecv, FlightOutcome::kPending, rec.incarnation.load(), 0, kUnknownWriter, kUnknownSeq, 0);
      break;
    case ReceiveStep::kIdle:
    default:  // a torn or garbage step: nothing is allowed for it
      break;
  }
  // Messages it received but had not checked: checked here, as it would have, oldest first (the
  // one its last recv went into is the newest; the pending one, handled above, is skipped). Sizes
  // are bounded: the cursor is memory a dying process wrote.
  if (!flow.stages.empty()) {
    const std::uint32_t newest = step_slot < ReceiveStages::kSlots ? step_slot : 1;
    for (const std::uint32_t i : {newest ^ 1U, newest}) {
      const std::uint32_t staged = cursor.staged[i].exchange(0);
      if (staged == 0 || (step == ReceiveStep::kPending && step_slot == i)) continue;
      const std::span<const std::byte> bytes = flow.stages.slot(id.index, i);
      const std::size_t size = std::min<std::size_t>(staged - 1, bytes.size());
      const Received got = check_received(flow, rec, nullptr, id.index, lane, bytes.first(size));
      rec.recorder.record(kRecv, got.outcome, rec.incarnation.load(), static_cast<std::uint32_t>(size), got.writer,
                          got.sequence, got.t_ns);
      if (got.outcome == FlightOutcome::kOk) PeerRecord::add(rec.ok, 1);
      rec.done_one(size);
    }
  }
  cursor.set(ReceiveStep::kIdle);
}

}  // namespace shmh::stress
