#include "core/model/queue_model.h"

#include <algorithm>

#include "core/channel/shmh_channel.h"

namespace shmh::model {

QueueModel::QueueModel(const Config& config)
    : config_(config), writers_(std::max(config.writers, 1U)), oldest_(std::max(config.writers, 1U), 0) {}

const char* QueueModel::status_name(std::int64_t rc) {
  if (rc >= 0) return "a message";
  switch (rc) {
    case SHMH_ETIMEOUT:
      return "ETIMEOUT";
    case SHMH_ETOOBIG:
      return "ETOOBIG";
    case SHMH_ECORRUPT:
      return "ECORRUPT";
    case SHMH_ECLOSED:
      return "ECLOSED";
    case SHMH_ESYSTEM:
      return "ESYSTEM";
    case SHMH_EINVAL:
      return "EINVAL";
    default:
      return "an undocumented status";
  }
}

std::string QueueModel::describe(const Delivered& d) const {
  return "writer " + std::to_string(d.writer) + " seq " + std::to_string(d.seq);
}

std::vector<QueueModel::Delivered> QueueModel::candidates() const {
  std::vector<Delivered> out;
  for (std::uint32_t w = 0; w < writers_.size(); ++w) {
    for (std::uint64_t s = oldest_[w]; s < writers_[w].size(); ++s) {
      if (writers_[w][s].delivered) continue;
      out.push_back({w, s});
      if (config_.fifo_per_writer) break;
    }
  }
  return out;
}

std::uint32_t QueueModel::smallest_next() const {
  std::uint32_t n = 0;
  bool any = false;
  for (const Delivered& d : candidates()) {
    const std::uint32_t len = writers_[d.writer][d.seq].length;
    n = any ? std::min(n, len) : len;
    any = true;
  }
  return n;
}

std::uint32_t QueueModel::largest_next() const {
  std::uint32_t n = 0;
  for (const Delivered& d : candidates()) n = std::max(n, writers_[d.writer][d.seq].length);
  return n;
}

std::optional<QueueModel::Delivered> QueueModel::identify_empty() const {
  std::optional<Delivered> again;
  const auto& mine = writers_[0];
  for (std::uint64_t s = 0; s < mine.size(); ++s) {
    if (mine[s].length != 0) continue;
    if (!mine[s].delivered) return Delivered{0, s};
    if (!again) again = Delivered{0, s};
  }
  return again;
}

std::string QueueModel::sent(std::uint32_t writer, std::uint32_t length, int status) {
  const std::string what = "a send of " + std::to_string(length) + " bytes by writer " + std::to_string(writer);
  if (length > config_.max_message) {
    if (status == SHMH_ETOOBIG) return "";
    return what + " (> max_message " + std::to_string(config_.max_message) + ") answered " + status_name(status) +
           " instead of ETOOBIG";
  }
  switch (status) {
    case SHMH_OK:
      writers_.at(writer).push_back({.length = length});
      ++queued_;
      return "";
    case SHMH_ETIMEOUT:
      if (queued_ >= config_.capacity) return "";
      return what + " timed out with " + std::to_string(queued_) + " message(s) queued, below the capacity of " +
             std::to_string(config_.capacity);
    default:
      return what + " answered " + status_name(status) + " (" + std::to_string(queued_) + " queued, capacity " +
             std::to_string(config_.capacity) + ", max_message " + std::to_string(config_.max_message) + ")";
  }
}

std::string QueueModel::received(std::size_t buffer, std::int64_t rc, const std::optional<Delivered>& who) {
  const std::string what = "a receive into " + std::to_string(buffer) + " bytes";
  const std::string held = std::to_string(queued_) + " message(s) queued";
  if (rc == SHMH_ETIMEOUT) return queued_ == 0 ? "" : what + " timed out with " + held;
  if (rc == SHMH_ETOOBIG) {
    if (queued_ == 0) return what + " answered ETOOBIG on an empty channel";
    if (largest_next() > buffer) return "";
    return what + " answered ETOOBIG, but every message that may come next fits (the longest is " +
           std::to_string(largest_next()) + " bytes)";
  }
  if (rc < 0) return what + " answered " + status_name(rc) + " (" + held + ")";
  if (static_cast<std::uint64_t>(rc) > buffer) {
    return what + " returned a length of " + std::to_string(rc) + " bytes: beyond the buffer";
  }
  if (!who)
    return what + " delivered " + std::to_string(rc) + " bytes that are no message any writer sent (" + held + ")";
  const Delivered d = *who;
  if (d.writer >= writers_.size() || d.seq >= writers_[d.writer].size()) {
    return what + " delivered " + describe(d) + ", which was never queued";
  }
  Sent& s = writers_[d.writer][d.seq];
  if (s.delivered) return what + " delivered " + describe(d) + " a second time";
  if (config_.fifo_per_writer) {
    std::uint64_t oldest = oldest_[d.writer];
    while (oldest < writers_[d.writer].size() && writers_[d.writer][oldest].delivered) ++oldest;
    if (oldest != d.seq) {
      return what + " delivered " + describe(d) + " before seq " + std::to_string(oldest) +
             " of the same writer (the channel declares FIFO per writer)";
    }
  }
  s.delivered = true;
  --queued_;
  auto& oldest = oldest_[d.writer];
  while (oldest < writers_[d.writer].size() && writers_[d.writer][oldest].delivered) ++oldest;
  return "";
}

}  // namespace shmh::model
