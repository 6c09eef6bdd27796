/* spsc_ring_channel.c — an example shmharness channel plugin: one writer, one reader, in plain C.
 *
 * The shape most shared-memory channels have: a ring of fixed-size slots in a POSIX shared-memory
 * object, a `tail` only the writer advances and a `head` only the reader advances, no lock. A full
 * or empty ring is waited out on a futex (the other side's counter), with a "waiting" flag that the
 * other side checks after each publish, so a wake-up cannot be lost between "I saw empty" and "I sleep"
 * (a Dekker pair: see publish_then_check below for what orders it without a fence per message).
 * It declares what it is (shmh_channel.h flags): FIFO, shared memory, and neither MULTI_WRITER nor
 * MULTI_READER — so `shmharness stress` fits every phase of its campaign to one writer and one
 * reader per channel.
 *
 * What it does right, each a bug class the harness looks for:
 *  - Every index and length read from the segment is checked (the segment is shared: hostile).
 *  - A peer killed inside a call leaves the ring usable: the writer publishes a message by one
 *    store of `tail` after the copy, the reader releases one by one store of `head` after the copy;
 *    a kill before the store leaves the slot as it was, a kill after it leaves a whole message.
 *  - No pointer is stored in shared memory: slots are found from indices, in each process's own
 *    mapping (peers map the ring at different addresses).
 *  - Messages of any length 0..max_message, stored with their length.
 *
 * Build it on its own:  cc -shared -fPIC -I<prefix>/include spsc_ring_channel.c -o libmine.so
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <shmh_channel.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_MAGIC 0x474e495243505345ull /* "ESPCRING" */
#define RING_MAX_SLOTS (1u << 20)
#define RING_MAX_MESSAGE (1u << 24)

struct ring_header {
  uint64_t magic;
  uint32_t capacity;    /* slots */
  uint32_t max_message; /* bytes per slot, after its 4-byte length */
  /* The writer's line: messages published so far (wraps at 2^32; capacity < 2^31 keeps tail - head exact). */
  _Alignas(64) uint32_t tail;
  uint32_t reader_waiting; /* 1 while the reader may sleep on `tail` */
  /* The reader's line: messages released so far. */
  _Alignas(64) uint32_t head;
  uint32_t writer_waiting; /* 1 while the writer may sleep on `head` */
  /* then capacity slots of (uint32_t length, max_message bytes), each on its own cache lines */
};

struct shmh_channel {
  struct ring_header* ring;
  size_t mapped;
  char name[SHMH_ADDRESS_MAX];
  uint32_t capacity, max_message; /* our validated copy: the header's may change under us */
  /* The other side's counter as this process last read it (Lamport's ring with cached indices):
   * counters only grow, so a stale copy makes the ring look fuller (writer) or emptier (reader)
   * than it is, never the other way; the shared line is read again only when the copy says wait.
   * Without this, every call reads the line the other side is writing: a cache miss per message. */
  uint32_t seen_head, seen_tail;
  int unfenced; /* this process is registered for membarrier: its publish needs no fence (see below) */
};

static int fail(shmh_error* err, int code, int sys, const char* fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    err->sys_errno = sys;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* Whole cache lines per slot: with 8-byte slots a 64-byte message's slot shares a line with the next
 * one, and the writer filling slot k+1 fights the reader copying slot k out of the same line. */
static size_t slot_size(uint32_t max_message) { return (sizeof(uint32_t) + (size_t)max_message + 63u) & ~(size_t)63u; }
static unsigned char* slot_at(struct shmh_channel* ch, uint32_t index) {
  return (unsigned char*)(ch->ring + 1) + (size_t)(index % ch->capacity) * slot_size(ch->max_message);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleeps while *word == seen, at most until `deadline` (CLOCK_MONOTONIC ns). Shared, not private:
 * the word is in memory other processes map. */
static void wait_while(uint32_t* word, uint32_t seen, int64_t deadline) {
  const int64_t left = deadline - now_ns();
  if (left <= 0) return;
  struct timespec rel = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
  (void)syscall(SYS_futex, word, FUTEX_WAIT, seen, &rel, NULL, 0);
}

static void wake(uint32_t* word) { (void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0); }

/* The wake-up is a Dekker pair: the publisher stores its counter then loads the other side's waiting
 * flag; the waiter stores its flag then loads the counter. x86 (and every other CPU) may let each load
 * pass its own earlier store, so without a full barrier between the two on BOTH sides each can miss the
 * other's store: the waiter sleeps on a message that is there and nobody wakes it (a lost wake-up).
 * A seq_cst fence on every publish costs this ring most of its speed (it waits for the payload's
 * cache lines), so the barrier is made asymmetric with membarrier(2): a process that registered for
 * MEMBARRIER_CMD_GLOBAL_EXPEDITED publishes with a compiler barrier only, and a waiter, before it
 * sleeps, runs MEMBARRIER_CMD_GLOBAL_EXPEDITED — a full barrier on every CPU running a registered
 * process (one not running has been through a context switch, itself a barrier). The rare side (about
 * to sleep) pays for both. Each process decides for itself: one that cannot register fences every
 * publish (correct with any peer); a waiter whose membarrier call fails does not sleep (it yields). */
static long membarrier_cmd(int cmd) { return syscall(SYS_membarrier, cmd, 0U, 0); }
static int register_membarrier(void) {
  const long offered = membarrier_cmd(MEMBARRIER_CMD_QUERY);
  const long needed = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
  return offered >= 0 && (offered & needed) == needed && membarrier_cmd(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
}
/* The publisher's half: `counter` = value (release), then is the other side waiting? */
static int publish_then_check(struct shmh_channel* ch, uint32_t* counter, uint32_t value, const uint32_t* waiting) {
  __atomic_store_n(counter, value, __ATOMIC_RELEASE);
  if (ch->unfenced) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the waiter's membarrier orders this CPU for us */
  } else {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
  }
  return __atomic_load_n(waiting, __ATOMIC_RELAXED) != 0;
}
/* The waiter's half, after it stored its flag: 1 when it may sleep (its later loads see every publish
 * that missed the flag), 0 when it must not (no membarrier here: it yields instead). */
static int barrier_before_sleep(void) {
  if (membarrier_cmd(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) return 1;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return 0;
}

/* How long a side spins on the other's counter before it sleeps on the futex: long enough to cover a
 * peer that is mid-call on the other core (a sleeping reader costs the writer a futex_wake and
 * itself tens of µs to wake, and then the two lock into waking each other at every message), short
 * enough never to burn a core when peers outnumber cores. */
#define SPIN_NS 20000
#define SPIN_CHECK_EVERY 64 /* looks between clock reads while spinning */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Messages in the ring from this side's view, or capacity + 1 when head and tail are inconsistent
 * (a hostile or corrupt segment). `fresh` reads the other side's counter from the segment. */
static uint32_t fill_as_writer(struct shmh_channel* ch, int fresh) {
  if (fresh) ch->seen_head = __atomic_load_n(&ch->ring->head, __ATOMIC_ACQUIRE);
  const uint32_t used = __atomic_load_n(&ch->ring->tail, __ATOMIC_RELAXED) - ch->seen_head;
  return used > ch->capacity ? ch->capacity + 1 : used;
}
static uint32_t fill_as_reader(struct shmh_channel* ch, int fresh) {
  if (fresh) ch->seen_tail = __atomic_load_n(&ch->ring->tail, __ATOMIC_ACQUIRE);
  const uint32_t used = ch->seen_tail - __atomic_load_n(&ch->ring->head, __ATOMIC_RELAXED);
  return used > ch->capacity ? ch->capacity + 1 : used;
}
/* 1 when this side may go on: room to send / a message to take, or — read fresh — an inconsistent
 * ring (the caller reports it). A copy that looks inconsistent is only stale (another handle moved
 * the counters meanwhile): read it again. */
static int has_room(struct shmh_channel* ch, int fresh) {
  const uint32_t used = fill_as_writer(ch, fresh);
  return used < ch->capacity || (fresh && used > ch->capacity);
}
static int has_message(struct shmh_channel* ch, int fresh) {
  const uint32_t used = fill_as_reader(ch, fresh);
  return (used != 0 && used <= ch->capacity) || (fresh && used > ch->capacity);
}

/* Waits until `ready` says the ring has what this side needs, or the deadline passes: a short spin,
 * then sleeps on the futex. `mine` is this side's waiting flag, `theirs` the other side's counter
 * (the futex word). Returns 1 when ready. */
static int wait_for(struct shmh_channel* ch, int (*ready)(struct shmh_channel*, int), uint32_t* mine, uint32_t* theirs,
                    int64_t timeout_ns) {
  if (ready(ch, 0) || ready(ch, 1)) return 1;
  if (timeout_ns <= 0) return 0;
  const int64_t start = now_ns();
  const int64_t deadline = start + timeout_ns;
  const int64_t spin_until = start + (timeout_ns < SPIN_NS ? timeout_ns : SPIN_NS);
  for (unsigned i = 1;; ++i) {
    if (ready(ch, 1)) return 1;
    cpu_relax();
    if (i % SPIN_CHECK_EVERY == 0 && now_ns() >= spin_until) break;
  }
  for (;;) {
    const uint32_t seen = __atomic_load_n(theirs, __ATOMIC_ACQUIRE);
    __atomic_store_n(mine, 1, __ATOMIC_RELAXED);
    const int may_sleep = barrier_before_sleep(); /* pairs with publish_then_check */
    if (ready(ch, 1)) break;
    if (now_ns() >= deadline) {
      __atomic_store_n(mine, 0, __ATOMIC_RELAXED);
      return ready(ch, 1);
    }
    if (may_sleep) {
      wait_while(theirs, seen, deadline);
    } else {
      sched_yield();
    }
  }
  __atomic_store_n(mine, 0, __ATOMIC_RELAXED);
  return 1;
}

static int map_ring(const char* name, int create, size_t size, mode_t mode, struct shmh_channel** out,
                    shmh_error* err) {
  int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), mode);
  if (fd < 0) return fail(err, SHMH_ESYSTEM, errno, "shm_open %s: %s", name, strerror(errno));
  if (create && ftruncate(fd, (off_t)size) != 0) {
    int e = errno;
    close(fd);
    shm_unlink(name);
    return fail(err, SHMH_ESYSTEM, e, "ftruncate: %s", strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct ring_header)) {
    close(fd);
    return fail(err, SHMH_ECORRUPT, 0, "%s is too small to be a ring", name);
  }
  void* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return fail(err, SHMH_ESYSTEM, errno, "mmap: %s", strerror(errno));
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) {
    munmap(p, (size_t)st.st_size);
    return fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  }
  ch->ring = p;
  ch->mapped = (size_t)st.st_size;
  ch->unfenced = register_membarrier();
  snprintf(ch->name, sizeof ch->name, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int ring_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) {
  if (!config || !out || !address) return fail(err, SHMH_EINVAL, 0, "null argument");
  if (config->capacity == 0 || config->capacity > RING_MAX_SLOTS || config->max_message == 0 ||
      config->max_message > RING_MAX_MESSAGE)
    return fail(err, SHMH_EINVAL, 0, "capacity 1..2^20 and max message 1..2^24 bytes");
  char name[64];
  snprintf(name, sizeof name, "/shmh-spsc.%d.%ld", (int)getpid(), (long)random());
  const size_t size = sizeof(struct ring_header) + (size_t)config->capacity * slot_size(config->max_message);
  struct shmh_channel* ch;
  int r = map_ring(name, 1, size, config->mode ? config->mode : 0600, &ch, err);
  if (r != SHMH_OK) return r;
  ch->ring->capacity = config->capacity;
  ch->ring->max_message = config->max_message;
  __atomic_store_n(&ch->ring->magic, RING_MAGIC, __ATOMIC_RELEASE);
  ch->capacity = config->capacity;
  ch->max_message = config->max_message;
  ch->seen_head = ch->seen_tail = 0;
  snprintf(address, SHMH_ADDRESS_MAX, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int ring_open(const char* address, shmh_channel** out, shmh_error* err) {
  if (!address || !out || address[0] != '/' || strlen(address) >= 64) return fail(err, SHMH_EINVAL, 0, "bad address");
  struct shmh_channel* ch;
  int r = map_ring(address, 0, 0, 0, &ch, err);
  if (r != SHMH_OK) return r;
  /* Validate the geometry once and keep our own copy. */
  const uint32_t cap = ch->ring->capacity, max = ch->ring->max_message;
  if (__atomic_load_n(&ch->ring->magic, __ATOMIC_ACQUIRE) != RING_MAGIC || cap == 0 || cap > RING_MAX_SLOTS ||
      max == 0 || max > RING_MAX_MESSAGE || sizeof(struct ring_header) + (size_t)cap * slot_size(max) > ch->mapped) {
    munmap(ch->ring, ch->mapped);
    free(ch);
    return fail(err, SHMH_ECORRUPT, 0, "%s is not a valid ring", address);
  }
  ch->capacity = cap;
  ch->max_message = max;
  ch->seen_head = __atomic_load_n(&ch->ring->head, __ATOMIC_ACQUIRE);
  ch->seen_tail = __atomic_load_n(&ch->ring->tail, __ATOMIC_ACQUIRE);
  *out = ch;
  return SHMH_OK;
}

static int ring_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!data && length)) return fail(err, SHMH_EINVAL, 0, "null argument");
  if (length > ch->max_message)
    return fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > max %u", length, ch->max_message);
  struct ring_header* r = ch->ring;
  if (!wait_for(ch, has_room, &r->writer_waiting, &r->head, timeout_ns)) {
    return fail(err, SHMH_ETIMEOUT, 0, "ring full");
  }
  if (fill_as_writer(ch, 0) > ch->capacity) return fail(err, SHMH_ECORRUPT, 0, "head and tail inconsistent");
  const uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED); /* only this writer stores it */
  unsigned char* slot = slot_at(ch, tail);
  const uint32_t len32 = (uint32_t)length;
  memcpy(slot, &len32, sizeof len32);
  if (length) memcpy(slot + sizeof len32, data, length);
  if (publish_then_check(ch, &r->tail, tail + 1, &r->reader_waiting)) wake(&r->tail); /* publish: one store */
  return SHMH_OK;
}

static int64_t ring_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!buffer && capacity)) return fail(err, SHMH_EINVAL, 0, "null argument");
  struct ring_header* r = ch->ring;
  if (!wait_for(ch, has_message, &r->reader_waiting, &r->tail, timeout_ns)) {
    return fail(err, SHMH_ETIMEOUT, 0, "ring empty");
  }
  if (fill_as_reader(ch, 0) > ch->capacity) return fail(err, SHMH_ECORRUPT, 0, "head and tail inconsistent");
  const uint32_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED); /* only this reader stores it */
  const unsigned char* slot = slot_at(ch, head);
  uint32_t len32;
  memcpy(&len32, slot, sizeof len32);
  if (len32 > ch->max_message) {
    /* drop the bad slot so the ring moves on */
    if (publish_then_check(ch, &r->head, head + 1, &r->writer_waiting)) wake(&r->head);
    return fail(err, SHMH_ECORRUPT, 0, "slot length %u > max %u", len32, ch->max_message);
  }
  if (len32 > capacity) return fail(err, SHMH_ETOOBIG, 0, "message of %u bytes > buffer of %zu", len32, capacity);
  if (len32) memcpy(buffer, slot + sizeof len32, len32);
  if (publish_then_check(ch, &r->head, head + 1, &r->writer_waiting)) wake(&r->head); /* release: one store */
  return (int64_t)len32;
}

static void ring_close(shmh_channel* ch) {
  if (!ch) return;
  munmap(ch->ring, ch->mapped);
  free(ch);
}

static int ring_destroy(shmh_channel* ch, shmh_error* err) {
  if (!ch) return fail(err, SHMH_EINVAL, 0, "null handle");
  char name[SHMH_ADDRESS_MAX];
  snprintf(name, sizeof name, "%s", ch->name);
  ring_close(ch);
  if (shm_unlink(name) != 0) return fail(err, SHMH_ESYSTEM, errno, "shm_unlink %s: %s", name, strerror(errno));
  return SHMH_OK;
}

/* The ring's shared memory, for the harness's hostile-peer checks (shmharness fuzz channel): every
 * index and length read from it above is checked, so rewriting any of it is reported, never trusted. */
static int ring_shared_bytes(shmh_channel* ch, void** base, size_t* length, shmh_error* err) {
  if (!ch || !base || !length) return fail(err, SHMH_EINVAL, 0, "null argument");
  *base = ch->ring;
  *length = ch->mapped;
  return SHMH_OK;
}

static const shmh_channel_vtable kSpscRing = {SHMH_CHANNEL_ABI_VERSION,
                                              SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_SHARED_MEMORY,
                                              "spsc-ring",
                                              ring_create,
                                              ring_open,
                                              ring_send,
                                              ring_recv,
                                              ring_close,
                                              ring_destroy,
                                              NULL,
                                              ring_shared_bytes};

const shmh_channel_vtable* shmh_channel_entry(void) { return &kSpscRing; }
