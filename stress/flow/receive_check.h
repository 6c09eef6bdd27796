// The check of one received message: its bytes are hostile (another process wrote them, maybe
// a dying or buggy one). The frame is verified (core/framing), its identity bounds-checked, its
// arrival marked in the delivery ledger (duplicates), its order checked per writer (FIFO channels)
// and, for sampled sequences, its latency recorded. Problems count in the reader's record, with
// the first one's text. The per-message path allocates nothing: texts are built for a problem only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stress/flow/flow.h"

namespace shmh::stress {

// The reader index of the runner's own final drain (no per-reader order, no cursor).
inline constexpr std::uint32_t kDrainReader = ~std::uint32_t{0};

// What the check made of a message, for the reader's flight recorder.
struct Received {
  FlightOutcome outcome = FlightOutcome::kOk;
  std::uint32_t writer = kUnknownWriter;
  std::uint64_t sequence = 0;
  std::uint64_t t_ns = 0;  // the clock read for the latency sample, else 0
};

// Where and when a message was received, for its check.
struct ReceivedAt {
  std::uint32_t slot = 0;     // the reader's stage slot it is in (receive_stage.h), for its cursor
  std::uint64_t time_ns = 0;  // when recv returned it (monotonic), for a latency sample; 0: now
};

// Checks `message`, received by `reader` (or kDrainReader) on `lane`, into `rec`: a problem is
// counted there (corrupt, duplicated, ...), an intact message is not (the caller counts its `ok`s,
// a reader in batches). With `cursor`, the reader's ReceiveCursor is moved to kPending (about
// `at.slot`) once the message is known intact. At the reader's first problem, a copy of the flight
// recorder of the writer the message names (or seems to) is requested in rec.snapshot.
Received check_received(const Flow& flow, PeerRecord& rec, ReceiveCursor* cursor, std::uint32_t reader,
                        std::uint32_t lane, std::span<const std::byte> message, ReceivedAt at = {});

// For an intact frame whose sequence is a multiple of kStampEvery: its send-to-receive latency
// into rec.latency, received at `received_ns` (0: now); that time (the flight recorder's), or 0
// when the frame carries no stamp.
std::uint64_t latency_sample(const Flow& flow, PeerRecord& rec, std::span<const std::byte> message,
                             std::uint64_t received_ns);

// A snapshot the reader asked for at its first problem (rec.snapshot.requested()): copied once the
// writer has recorded a few operations past the message (or the reader waited long enough), or at
// once with `now` (the reader is ending).
void take_requested_snapshot(const Flow& flow, PeerRecord& rec, bool now);

}  // namespace shmh::stress
