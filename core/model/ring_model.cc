#include "core/model/ring_model.h"

#include <algorithm>

namespace shmh::model {

bool RingModel::slot_free(bool may_wait) {
  if (head_ < slots_) return true;
  auto prev = held_.find(head_ - slots_);  // the position that used this slot one lap ago
  if (prev == held_.end()) return true;
  // Held by a dead reader: a writer that sleeps once finds it and takes the slot back.
  if (prev->second.state == State::kDeadRecv && may_wait && !closed_) {
    held_.erase(prev);
    ++abandoned_recvs_;
    return true;
  }
  return false;
}

RingModel::Answer RingModel::send(const Message& m, bool may_wait) {
  if (m.length > max_message_) return Answer::kTooBig;
  if (!slot_free(may_wait)) return closed_ ? Answer::kClosed : Answer::kTimeout;
  held_[head_++] = {State::kPublished, m};
  return Answer::kOk;
}

bool RingModel::send_killed_after_claim() {
  if (!slot_free(false)) return false;
  held_[head_++] = {State::kDeadSend, {}};
  return true;
}

RingModel::Answer RingModel::recv(std::size_t capacity, bool may_wait, Message* out) {
  for (;;) {
    if (tail_ == head_) return closed_ ? Answer::kClosed : Answer::kTimeout;
    auto it = held_.find(tail_);
    if (it->second.state == State::kDeadSend) {
      // A dead writer's hole: a reader that sleeps marks it abandoned, releases it and goes on. A
      // call whose timeout allows one sleep reclaims one hole; at the next it times out.
      if (!may_wait) return Answer::kTimeout;
      may_wait = false;
      ++abandoned_sends_;
      held_.erase(it);
      ++tail_;
      continue;
    }
    if (it->second.message.length > capacity) return Answer::kTooBig;  // stays queued
    *out = it->second.message;
    held_.erase(it);
    ++tail_;
    return Answer::kOk;
  }
}

bool RingModel::recv_killed_after_claim() {
  if (tail_ == head_) return false;
  auto it = held_.find(tail_);
  if (it->second.state != State::kPublished) return false;  // a zero-timeout reader does not skip holes
  it->second.state = State::kDeadRecv;
  ++tail_;
  return true;
}

std::uint64_t RingModel::queued() const {
  return static_cast<std::uint64_t>(
      std::count_if(held_.begin(), held_.end(), [](const auto& p) { return p.second.state == State::kPublished; }));
}

}  // namespace shmh::model
