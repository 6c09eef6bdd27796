/* fuzz_broken_ring.c — test-only channels for the plugin_ops fuzz target: a plain one-writer,
 * one-reader ring in POSIX shared memory with one deliberate bug each, each a bug class that
 * shows only in a particular sequence of operations (tests/fuzz/plugin_ops_test.cc):
 *
 *   BROKEN_FUZZ=0  base                the ring without a bug: plugin_ops must not flag it
 *   BROKEN_FUZZ=1  toobig-drops        a receive into a buffer too small for the next message
 *                                      releases its slot, then reports SHMH_ETOOBIG: the
 *                                      message the ABI says stays queued is gone      → lost
 *   BROKEN_FUZZ=2  reopen-duplicates   the reader releases slots lazily (its head is published
 *                                      every 4 receives, to save stores) and close does not
 *                                      publish it: a reader that reopens, or dies, is handed
 *                                      again what it already received               → duplicated
 *   BROKEN_FUZZ=3  reorders-when-full  a send to a full ring parks the message in an overflow
 *                                      slot instead of timing out, and the reader takes the
 *                                      overflow slot first                           → reordered
 *   BROKEN_FUZZ=4  trusts-length       a receive believes the length stored in the slot: a
 *                                      hostile peer's length copies past the caller's buffer
 *                                      and reads past the ring (plugin_image)  → SIGSEGV / ASan
 *   BROKEN_FUZZ=5  returns-stored-length  a slot length above max_message (only a hostile peer
 *                                      writes one) is clamped for the copy but returned as is:
 *                                      the caller is told of bytes it never got and reads past
 *                                      its buffer (the hostile stress workload) → bad-answer
 *
 * Every kind exposes its shared memory (shared_bytes, ABI 2) for plugin_image's hostile peer.
 *
 * Waits spin with sched_yield until the deadline (the fuzz target makes one call at a time).
 * Never installed, never used outside the tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <shmh_channel.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef BROKEN_FUZZ
#define BROKEN_FUZZ 0
#endif

#define MAGIC 0x7a7a7566676e6972ull
#define MAX_SLOTS 4096u
#define MAX_MESSAGE (1u << 20)
#define LAZY_RELEASE 4u /* BROKEN_FUZZ 2 */

struct header {
  uint64_t magic;
  uint32_t capacity, max_message;
  uint32_t tail, head;      /* messages published / released so far */
  uint32_t overflow_full;   /* BROKEN_FUZZ 3: 1 while the overflow slot holds a message */
  uint32_t overflow_length; /* its length; its bytes follow the last slot */
};

struct shmh_channel {
  struct header* h;
  size_t mapped;
  char name[SHMH_ADDRESS_MAX];
  uint32_t capacity, max_message;
  uint32_t head; /* BROKEN_FUZZ 2: this reader's head, published every LAZY_RELEASE receives */
};

static int fail(shmh_error* err, int code, const char* fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    err->sys_errno = 0;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static size_t slot_size(uint32_t max) { return sizeof(uint32_t) + max; }
static unsigned char* slot(struct shmh_channel* ch, uint32_t index) {
  return (unsigned char*)(ch->h + 1) + (size_t)(index % ch->capacity) * slot_size(ch->max_message);
}
static unsigned char* overflow(struct shmh_channel* ch) {
  return slot(ch, 0) + (size_t)ch->capacity * slot_size(ch->max_message);
}
static size_t total_size(uint32_t capacity, uint32_t max) {
  return sizeof(struct header) + (capacity + 1u) * slot_size(max);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint32_t head_of(struct shmh_channel* ch) {
  return BROKEN_FUZZ == 2 ? ch->head : __atomic_load_n(&ch->h->head, __ATOMIC_ACQUIRE);
}

static int map(const char* name, int create, size_t size, struct shmh_channel** out, shmh_error* err) {
  int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) return fail(err, SHMH_ESYSTEM, "shm_open %s: %s", name, strerror(errno));
  struct stat st;
  if ((create && ftruncate(fd, (off_t)size) != 0) || fstat(fd, &st) != 0 ||
      (size_t)st.st_size < sizeof(struct header)) {
    close(fd);
    if (create) shm_unlink(name);
    return fail(err, SHMH_ESYSTEM, "%s: cannot size or stat it", name);
  }
  void* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return fail(err, SHMH_ESYSTEM, "mmap: %s", strerror(errno));
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) {
    munmap(p, (size_t)st.st_size);
    return fail(err, SHMH_ESYSTEM, "out of memory");
  }
  ch->h = p;
  ch->mapped = (size_t)st.st_size;
  snprintf(ch->name, sizeof ch->name, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int b_create(const shmh_channel_config* c, shmh_channel** out, char* address, shmh_error* err) {
  if (!c || !out || !address || c->capacity == 0 || c->capacity > MAX_SLOTS || c->max_message == 0 ||
      c->max_message > MAX_MESSAGE)
    return fail(err, SHMH_EINVAL, "bad geometry");
  char name[64];
  snprintf(name, sizeof name, "/shmh-fuzz-broken.%d.%ld", (int)getpid(), (long)random());
  struct shmh_channel* ch;
  int r = map(name, 1, total_size(c->capacity, c->max_message), &ch, err);
  if (r != SHMH_OK) return r;
  ch->h->capacity = ch->capacity = c->capacity;
  ch->h->max_message = ch->max_message = c->max_message;
  __atomic_store_n(&ch->h->magic, MAGIC, __ATOMIC_RELEASE);
  snprintf(address, SHMH_ADDRESS_MAX, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int b_open(const char* address, shmh_channel** out, shmh_error* err) {
  if (!address || !out || address[0] != '/' || strlen(address) >= 64) return fail(err, SHMH_EINVAL, "bad address");
  struct shmh_channel* ch;
  int r = map(address, 0, 0, &ch, err);
  if (r != SHMH_OK) return r;
  const uint32_t cap = ch->h->capacity, max = ch->h->max_message;
  if (__atomic_load_n(&ch->h->magic, __ATOMIC_ACQUIRE) != MAGIC || cap == 0 || cap > MAX_SLOTS || max == 0 ||
      max > MAX_MESSAGE || total_size(cap, max) > ch->mapped) {
    munmap(ch->h, ch->mapped);
    free(ch);
    return fail(err, SHMH_ECORRUPT, "%s is not a valid ring", address);
  }
  ch->capacity = cap;
  ch->max_message = max;
  ch->head = __atomic_load_n(&ch->h->head, __ATOMIC_ACQUIRE);
  *out = ch;
  return SHMH_OK;
}

/* Spins (yielding) until ready() or the deadline. */
static int wait_until(struct shmh_channel* ch, int (*ready)(struct shmh_channel*), int64_t timeout_ns) {
  if (ready(ch)) return 1;
  const int64_t deadline = now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
  while (now_ns() < deadline) {
    sched_yield();
    if (ready(ch)) return 1;
  }
  return 0;
}
static int has_room(struct shmh_channel* ch) {
  return __atomic_load_n(&ch->h->tail, __ATOMIC_RELAXED) - __atomic_load_n(&ch->h->head, __ATOMIC_ACQUIRE) <
         ch->capacity;
}
static int has_message(struct shmh_channel* ch) {
  if (BROKEN_FUZZ == 3 && __atomic_load_n(&ch->h->overflow_full, __ATOMIC_ACQUIRE)) return 1;
  return __atomic_load_n(&ch->h->tail, __ATOMIC_ACQUIRE) != head_of(ch);
}

static int b_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!data && length)) return fail(err, SHMH_EINVAL, "null argument");
  if (length > ch->max_message)
    return fail(err, SHMH_ETOOBIG, "message of %zu bytes > max %u", length, ch->max_message);
  const uint32_t len32 = (uint32_t)length;
  if (!wait_until(ch, has_room, timeout_ns)) {
    if (BROKEN_FUZZ == 3 && !__atomic_load_n(&ch->h->overflow_full, __ATOMIC_ACQUIRE)) {
      memcpy(overflow(ch), &len32, sizeof len32);
      if (length) memcpy(overflow(ch) + sizeof len32, data, length);
      __atomic_store_n(&ch->h->overflow_full, 1, __ATOMIC_RELEASE);
      return SHMH_OK;
    }
    return fail(err, SHMH_ETIMEOUT, "ring full");
  }
  const uint32_t tail = __atomic_load_n(&ch->h->tail, __ATOMIC_RELAXED);
  memcpy(slot(ch, tail), &len32, sizeof len32);
  if (length) memcpy(slot(ch, tail) + sizeof len32, data, length);
  __atomic_store_n(&ch->h->tail, tail + 1, __ATOMIC_RELEASE);
  return SHMH_OK;
}

static void release(struct shmh_channel* ch, uint32_t head) {
  if (BROKEN_FUZZ == 2) {
    ch->head = head + 1;
    if (ch->head % LAZY_RELEASE == 0) __atomic_store_n(&ch->h->head, ch->head, __ATOMIC_RELEASE);
    return;
  }
  __atomic_store_n(&ch->h->head, head + 1, __ATOMIC_RELEASE);
}

static int64_t b_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!buffer && capacity)) return fail(err, SHMH_EINVAL, "null argument");
  if (!wait_until(ch, has_message, timeout_ns)) return fail(err, SHMH_ETIMEOUT, "ring empty");
  if (BROKEN_FUZZ == 3 && __atomic_load_n(&ch->h->overflow_full, __ATOMIC_ACQUIRE)) {
    uint32_t len32;
    memcpy(&len32, overflow(ch), sizeof len32);
    if (len32 > ch->max_message) return fail(err, SHMH_ECORRUPT, "overflow length %u", len32);
    if (len32 > capacity) return fail(err, SHMH_ETOOBIG, "message of %u bytes > buffer of %zu", len32, capacity);
    if (len32) memcpy(buffer, overflow(ch) + sizeof len32, len32);
    __atomic_store_n(&ch->h->overflow_full, 0, __ATOMIC_RELEASE);
    return (int64_t)len32;
  }
  const uint32_t head = head_of(ch);
  uint32_t len32;
  memcpy(&len32, slot(ch, head), sizeof len32);
  if (BROKEN_FUZZ == 4) {
    memcpy(buffer, slot(ch, head) + sizeof len32, len32); /* the bug: len32 is the peer's word */
    release(ch, head);
    return (int64_t)len32;
  }
  if (BROKEN_FUZZ == 5 && len32 > ch->max_message) {
    const size_t copied = capacity < ch->max_message ? capacity : ch->max_message;
    if (copied) memcpy(buffer, slot(ch, head) + sizeof len32, copied);
    release(ch, head);
    return (int64_t)len32; /* the bug: the stored length, not what was copied */
  }
  if (len32 > ch->max_message) {
    release(ch, head);
    return fail(err, SHMH_ECORRUPT, "slot length %u > max %u", len32, ch->max_message);
  }
  if (len32 > capacity) {
    if (BROKEN_FUZZ == 1) release(ch, head);
    return fail(err, SHMH_ETOOBIG, "message of %u bytes > buffer of %zu", len32, capacity);
  }
  if (len32) memcpy(buffer, slot(ch, head) + sizeof len32, len32);
  release(ch, head);
  return (int64_t)len32;
}

static void b_close(shmh_channel* ch) {
  if (!ch) return;
  munmap(ch->h, ch->mapped);
  free(ch);
}

static int b_destroy(shmh_channel* ch, shmh_error* err) {
  if (!ch) return fail(err, SHMH_EINVAL, "null handle");
  char name[SHMH_ADDRESS_MAX];
  snprintf(name, sizeof name, "%s", ch->name);
  b_close(ch);
  if (shm_unlink(name) != 0) return fail(err, SHMH_ESYSTEM, "shm_unlink %s: %s", name, strerror(errno));
  return SHMH_OK;
}

static int b_shared_bytes(shmh_channel* ch, void** base, size_t* length, shmh_error* err) {
  if (!ch || !base || !length) return fail(err, SHMH_EINVAL, "null argument");
  *base = ch->h;
  *length = ch->mapped;
  return SHMH_OK;
}

static const shmh_channel_vtable kBroken = {SHMH_CHANNEL_ABI_VERSION,
                                            SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_SHARED_MEMORY,
                                            "fuzz-broken-ring",
                                            b_create,
                                            b_open,
                                            b_send,
                                            b_recv,
                                            b_close,
                                            b_destroy,
                                            NULL,
                                            b_shared_bytes};

const shmh_channel_vtable* shmh_channel_entry(void) { return &kBroken; }
