/* fragile_ring.c — test-only: a bounded MPMC ring (Vyukov's per-cell sequence numbers) in POSIX
 * shared memory that is correct under any load and any pause, but not built to survive a peer's
 * death: a writer killed between claiming a cell (the CAS on enqueue_pos) and publishing it (the
 * store of the cell's sequence) leaves a cell that readers wait on for ever, and a reader killed
 * between claiming and releasing one leaves a cell writers wait on once the ring wraps. The class
 * of most lock-free shared-memory queues.
 *
 *   built as broken_fragile-ring:           flags say nothing → the default campaign's aimed kills
 *                                           must find it: no-recovery (and stranded messages)
 *   built with FRAGILE_DECLARED (…-declared): SHMH_CHANNEL_NOT_CRASH_TOLERANT → the campaign skips
 *                                           its kills and every other phase must pass
 *
 * Waits poll with a backoff (yield, then 20 µs sleeps) until the deadline: no wake-up to lose.
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

#define FRAGILE_MAGIC 0x474e495247415246ull /* "FRAGRING" */

struct ring {
  uint64_t magic;
  uint32_t capacity, max_message;
  _Alignas(64) uint64_t enqueue_pos;
  _Alignas(64) uint64_t dequeue_pos;
  _Alignas(64) unsigned char cells[]; /* capacity cells of cell_size(max_message) */
};

struct cell {
  uint64_t seq; /* == pos: free for the writer of pos; == pos + 1: holds pos's message */
  uint32_t length;
  uint32_t unused;
  /* then max_message bytes */
};

struct shmh_channel {
  struct ring* ring;
  size_t mapped;
  char name[SHMH_ADDRESS_MAX];
  uint32_t capacity, max_message;
};

static int fail(shmh_error* err, int code, const char* fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    err->sys_errno = code == SHMH_ESYSTEM ? errno : 0;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

static size_t cell_size(uint32_t max_message) { return (sizeof(struct cell) + (size_t)max_message + 7u) & ~(size_t)7u; }
static struct cell* cell_at(struct shmh_channel* ch, uint64_t pos) {
  /* cells[] is 64-byte aligned and every cell size a multiple of 8: each cell is 8-byte aligned. */
  return (struct cell*)(void*)(ch->ring->cells + (size_t)(pos % ch->capacity) * cell_size(ch->max_message));
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One step of backoff; 0 once the deadline has passed. */
static int backoff(unsigned* round, int64_t deadline) {
  if (now_ns() >= deadline) return 0;
  if (++*round < 64) {
    sched_yield();
  } else {
    struct timespec nap = {0, 20000};
    nanosleep(&nap, NULL);
  }
  return 1;
}

static int map_ring(const char* name, int create, size_t size, struct shmh_channel** out, shmh_error* err) {
  int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) return fail(err, SHMH_ESYSTEM, "shm_open %s", name);
  if (create && ftruncate(fd, (off_t)size) != 0) {
    close(fd);
    shm_unlink(name);
    return fail(err, SHMH_ESYSTEM, "ftruncate");
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct ring)) {
    close(fd);
    return fail(err, SHMH_ECORRUPT, "%s is too small", name);
  }
  void* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return fail(err, SHMH_ESYSTEM, "mmap");
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) {
    munmap(p, (size_t)st.st_size);
    return fail(err, SHMH_ESYSTEM, "out of memory");
  }
  ch->ring = p;
  ch->mapped = (size_t)st.st_size;
  snprintf(ch->name, sizeof ch->name, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int fragile_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) {
  if (!config || !out || !address || config->capacity == 0 || config->capacity > (1u << 20) ||
      config->max_message == 0 || config->max_message > (1u << 24))
    return fail(err, SHMH_EINVAL, "bad geometry");
  char name[64];
  snprintf(name, sizeof name, "/shmh-fragile.%d.%ld", (int)getpid(), (long)random());
  struct shmh_channel* ch;
  int r = map_ring(name, 1, sizeof(struct ring) + (size_t)config->capacity * cell_size(config->max_message), &ch, err);
  if (r != SHMH_OK) return r;
  ch->capacity = ch->ring->capacity = config->capacity;
  ch->max_message = ch->ring->max_message = config->max_message;
  for (uint64_t i = 0; i < config->capacity; ++i) cell_at(ch, i)->seq = i;
  __atomic_store_n(&ch->ring->magic, FRAGILE_MAGIC, __ATOMIC_RELEASE);
  snprintf(address, SHMH_ADDRESS_MAX, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int fragile_open(const char* address, shmh_channel** out, shmh_error* err) {
  if (!address || !out || address[0] != '/' || strlen(address) >= 64) return fail(err, SHMH_EINVAL, "bad address");
  struct shmh_channel* ch;
  int r = map_ring(address, 0, 0, &ch, err);
  if (r != SHMH_OK) return r;
  const uint32_t cap = ch->ring->capacity, max = ch->ring->max_message;
  if (__atomic_load_n(&ch->ring->magic, __ATOMIC_ACQUIRE) != FRAGILE_MAGIC || cap == 0 || cap > (1u << 20) ||
      max == 0 || max > (1u << 24) || sizeof(struct ring) + (size_t)cap * cell_size(max) > ch->mapped) {
    munmap(ch->ring, ch->mapped);
    free(ch);
    return fail(err, SHMH_ECORRUPT, "not a ring");
  }
  ch->capacity = cap;
  ch->max_message = max;
  *out = ch;
  return SHMH_OK;
}

static int fragile_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!data && length)) return fail(err, SHMH_EINVAL, "null argument");
  if (length > ch->max_message) return fail(err, SHMH_ETOOBIG, "too big");
  const int64_t deadline = now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
  unsigned round = 0;
  for (;;) {
    uint64_t pos = __atomic_load_n(&ch->ring->enqueue_pos, __ATOMIC_RELAXED);
    struct cell* c = cell_at(ch, pos);
    const int64_t diff = (int64_t)(__atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) - pos);
    if (diff == 0) {
      if (!__atomic_compare_exchange_n(&ch->ring->enqueue_pos, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        continue;
      /* Claimed: a writer killed from here to the store below leaves the cell unpublished for ever. */
      c->length = (uint32_t)length;
      if (length) memcpy((unsigned char*)(c + 1), data, length);
      __atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
      return SHMH_OK;
    }
    if (diff < 0 && !backoff(&round, deadline)) return fail(err, SHMH_ETIMEOUT, "ring full");
  }
}

static int64_t fragile_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!buffer && capacity)) return fail(err, SHMH_EINVAL, "null argument");
  const int64_t deadline = now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
  unsigned round = 0;
  for (;;) {
    uint64_t pos = __atomic_load_n(&ch->ring->dequeue_pos, __ATOMIC_RELAXED);
    struct cell* c = cell_at(ch, pos);
    const int64_t diff = (int64_t)(__atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) - (pos + 1));
    if (diff == 0) {
      const uint32_t length = c->length;
      if (length <= ch->max_message && length > capacity) return fail(err, SHMH_ETOOBIG, "buffer too small");
      if (!__atomic_compare_exchange_n(&ch->ring->dequeue_pos, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        continue;
      /* Claimed: a reader killed from here to the store below leaves the cell taken for ever. */
      const uint32_t checked = c->length; /* read once more after the claim: it is hostile */
      const int bad = checked > ch->max_message || checked > capacity;
      if (!bad && checked) memcpy(buffer, (unsigned char*)(c + 1), checked);
      __atomic_store_n(&c->seq, pos + ch->capacity, __ATOMIC_RELEASE);
      if (bad) return fail(err, SHMH_ECORRUPT, "cell length %u", checked);
      return (int64_t)checked;
    }
    if (diff < 0 && !backoff(&round, deadline)) return fail(err, SHMH_ETIMEOUT, "ring empty");
  }
}

static void fragile_close(shmh_channel* ch) {
  if (!ch) return;
  munmap(ch->ring, ch->mapped);
  free(ch);
}

static int fragile_destroy(shmh_channel* ch, shmh_error* err) {
  if (!ch) return fail(err, SHMH_EINVAL, "null handle");
  char name[SHMH_ADDRESS_MAX];
  snprintf(name, sizeof name, "%s", ch->name);
  fragile_close(ch);
  if (shm_unlink(name) != 0) return fail(err, SHMH_ESYSTEM, "shm_unlink %s", name);
  return SHMH_OK;
}

#ifdef FRAGILE_DECLARED
#define FRAGILE_FLAGS SHMH_CHANNEL_NOT_CRASH_TOLERANT
#define FRAGILE_NAME "fragile-ring-declared"
#else
#define FRAGILE_FLAGS 0u
#define FRAGILE_NAME "fragile-ring"
#endif

static const shmh_channel_vtable kFragile = {SHMH_CHANNEL_ABI_VERSION,
                                             SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER |
                                                 SHMH_CHANNEL_MULTI_READER | SHMH_CHANNEL_SHARED_MEMORY | FRAGILE_FLAGS,
                                             FRAGILE_NAME,
                                             fragile_create,
                                             fragile_open,
                                             fragile_send,
                                             fragile_recv,
                                             fragile_close,
                                             fragile_destroy,
                                             NULL};

const shmh_channel_vtable* shmh_channel_entry(void) { return &kFragile; }
