/* broken_channel.c — test-only channels with one deliberate bug each, built from the example
 * locked queue (examples/locked_queue) wrapped in a layer that misbehaves. The stress runner must
 * catch each with exit 1 and the right finding kind (tests/stress/broken_channel_test.cc):
 *
 *   BROKEN_KIND=1  drop                 every 500th send returns OK and sends nothing        → lost
 *   BROKEN_KIND=2  publish-before-copy  payloads go through a shared arena; the descriptor is
 *                                       published before the payload is copied in             → corrupt
 *   BROKEN_KIND=3  corrupt              every 500th send flips one byte                        → corrupt
 *   BROKEN_KIND=4  duplicate            every 500th send is sent twice                         → duplicated
 *   BROKEN_KIND=5  deadlock-after-kill  sends hold a process-shared mutex that is not robust:
 *                                       a writer killed holding it blocks every other writer  → stall
 *   BROKEN_KIND=6  crash                send dereferences NULL                                 → exit 2
 *                                                                                   (preflight)
 *   BROKEN_KIND=7  hang                 the 2000th send of a handle never returns, whatever its
 *                                       timeout                                     → stall
 *   BROKEN_KIND=8  steal-on-timeout     sends stage the message in the arena under a send lock; a
 *                                       sender that waits 300 ms for the lock takes its holder for
 *                                       dead and takes the lock over: right for a dead holder (kills
 *                                       pass), wrong for a paused one, which resumes and sends what
 *                                       is staged now                → duplicated / lost (pauses)
 *   BROKEN_KIND=9  pointer-in-shm       payloads go through the shared arena, and the message carries
 *                                       the sender's absolute address of its arena slot: right while
 *                                       every peer maps the arena at the same address     → peer-crash
 *                                                                    (SIGSEGV) or corrupt
 *   BROKEN_KIND=10 zero-means-nothing   recv takes a 0-byte message for "nothing there" and drops it
 *                                                                                          → lost
 *   BROKEN_KIND=11 lost-wakeup          recv tries, then reads the doorbell it sleeps on: a send (which
 *                                       rings the bell) in between is missed, and a wait that times
 *                                       out reports a timeout                        → lost-wakeup
 *
 * Never installed, never used outside the tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
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

const shmh_channel_vtable* locked_queue_entry(void); /* the example's entry, renamed at build */

#define EVERY 500u
#define ARENA_SLOTS 4096u

struct arena {
  pthread_mutex_t lock; /* KIND 5: deliberately not robust */
  uint64_t next_slot;   /* KIND 2 */
  uint32_t max_message;
  uint32_t steal_lock;    /* KIND 8: 1 while a sender holds it */
  uint64_t lock_since;    /* KIND 8: when the holder took it (CLOCK_MONOTONIC ns), 0 when free */
  uint64_t staged_length; /* KIND 8: the staged message's length (in slot 0) */
  uint32_t bell;          /* KIND 11: rung (incremented, futex-woken) by every send */
  /* then ARENA_SLOTS slots of max_message bytes (KIND 2; KIND 8 stages in slot 0) */
};

struct shmh_channel {
  shmh_channel* inner;
  struct arena* arena;
  size_t mapped;
  char arena_name[SHMH_ADDRESS_MAX];
  uint64_t sends; /* this handle's sends: which ones misbehave */
  unsigned char* scratch;
};

static const shmh_channel_vtable* inner(void) { return locked_queue_entry(); }

static int fail(shmh_error* err, int code, const char* what) {
  if (err) {
    err->code = code;
    err->sys_errno = errno;
    snprintf(err->message, sizeof err->message, "%s", what);
  }
  return code;
}

static size_t arena_size(uint32_t max_message) { return sizeof(struct arena) + (size_t)ARENA_SLOTS * max_message; }

static int map_arena(struct shmh_channel* ch, const char* address, int create, uint32_t max_message, shmh_error* err) {
  snprintf(ch->arena_name, sizeof ch->arena_name, "%.200s.arena", address);
  int fd = shm_open(ch->arena_name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) return fail(err, SHMH_ESYSTEM, "shm_open arena");
  if (create && ftruncate(fd, (off_t)arena_size(max_message)) != 0) {
    close(fd);
    return fail(err, SHMH_ESYSTEM, "ftruncate arena");
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return fail(err, SHMH_ESYSTEM, "fstat arena");
  }
  void* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return fail(err, SHMH_ESYSTEM, "mmap arena");
  ch->arena = p;
  ch->mapped = (size_t)st.st_size;
  if (create) {
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&ch->arena->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    ch->arena->max_message = max_message;
  }
  if (ch->arena->max_message == 0 || arena_size(ch->arena->max_message) > ch->mapped)
    return fail(err, SHMH_ECORRUPT, "bad arena");
  ch->scratch = malloc(ch->arena->max_message + 16u);
  return ch->scratch ? SHMH_OK : fail(err, SHMH_ESYSTEM, "out of memory");
}

static int broken_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) {
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) return fail(err, SHMH_ESYSTEM, "out of memory");
  shmh_channel_config c = *config;
  c.max_message += 16; /* room for KIND 2's descriptors */
  int r = inner()->create(&c, &ch->inner, address, err);
  if (r == SHMH_OK) r = map_arena(ch, address, 1, config->max_message, err);
  if (r != SHMH_OK) {
    if (ch->inner) inner()->destroy(ch->inner, NULL);
    free(ch);
    return r;
  }
  *out = ch;
  return SHMH_OK;
}

static int broken_open(const char* address, shmh_channel** out, shmh_error* err) {
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) return fail(err, SHMH_ESYSTEM, "out of memory");
  int r = inner()->open(address, &ch->inner, err);
  if (r == SHMH_OK) r = map_arena(ch, address, 0, 0, err);
  if (r != SHMH_OK) {
    if (ch->inner) inner()->close(ch->inner);
    free(ch);
    return r;
  }
  *out = ch;
  return SHMH_OK;
}

#if BROKEN_KIND == 8
#define STEAL_NS 300000000LL /* "a holder this slow must be dead" */
static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#endif

#if BROKEN_KIND == 5
static struct timespec deadline_after(int64_t ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += (time_t)(ns / 1000000000);
  ts.tv_nsec += (long)(ns % 1000000000);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec += 1;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}
#endif

static int broken_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) {
  const uint64_t n = ++ch->sends;
#if BROKEN_KIND == 1
  if (n % EVERY == 0) return SHMH_OK; /* the bug: reported sent, never queued */
  return inner()->send(ch->inner, data, length, timeout_ns, err);
#elif BROKEN_KIND == 2
  (void)n;
  if (length > ch->arena->max_message) return fail(err, SHMH_ETOOBIG, "too big");
  uint64_t slot = __atomic_fetch_add(&ch->arena->next_slot, 1, __ATOMIC_RELAXED) % ARENA_SLOTS;
  uint64_t desc[2] = {slot, length};
  int r = inner()->send(ch->inner, desc, sizeof desc, timeout_ns, err); /* the bug: published first */
  if (r != SHMH_OK) return r;
  sched_yield();
  memcpy((unsigned char*)(ch->arena + 1) + slot * ch->arena->max_message, data, length);
  return SHMH_OK;
#elif BROKEN_KIND == 3
  if (n % EVERY == 0 && length > 0) {
    memcpy(ch->scratch, data, length);
    ch->scratch[length / 2] ^= 0x20; /* the bug: one byte flipped in transit */
    return inner()->send(ch->inner, ch->scratch, length, timeout_ns, err);
  }
  return inner()->send(ch->inner, data, length, timeout_ns, err);
#elif BROKEN_KIND == 4
  int r = inner()->send(ch->inner, data, length, timeout_ns, err);
  if (r == SHMH_OK && n % EVERY == 0) (void)inner()->send(ch->inner, data, length, timeout_ns, NULL); /* the bug */
  return r;
#elif BROKEN_KIND == 5
  (void)n;
  struct timespec deadline = deadline_after(timeout_ns > 0 ? timeout_ns : 1);
  int l = pthread_mutex_timedlock(&ch->arena->lock, &deadline);
  if (l == ETIMEDOUT) return fail(err, SHMH_ETIMEOUT, "send lock busy");
  if (l != 0) return fail(err, SHMH_ESYSTEM, "pthread_mutex_timedlock");
  int r = inner()->send(ch->inner, data, length, timeout_ns, err);
  usleep(200); /* the window a kill lands in; the bug: nobody can unlock after a holder dies */
  pthread_mutex_unlock(&ch->arena->lock);
  return r;
#elif BROKEN_KIND == 6
  (void)n;
  (void)data;
  (void)length;
  (void)timeout_ns;
  (void)err;
  volatile int* nowhere = NULL;
  return *nowhere; /* the bug */
#elif BROKEN_KIND == 7
  if (n == 2000) {
    for (;;) pause(); /* the bug: the timeout is ignored */
  }
  return inner()->send(ch->inner, data, length, timeout_ns, err);
#elif BROKEN_KIND == 8
  (void)n;
  struct arena* a = ch->arena;
  if (length > a->max_message) return fail(err, SHMH_ETOOBIG, "too big");
  const int64_t start = now_ns();
  for (;;) {
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&a->steal_lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) break;
    const int64_t since = (int64_t)__atomic_load_n(&a->lock_since, __ATOMIC_ACQUIRE);
    if (since != 0 && now_ns() - since > STEAL_NS) break; /* the bug: a slow holder is not a dead one */
    if (now_ns() - start >= timeout_ns) return fail(err, SHMH_ETIMEOUT, "send lock busy");
    sched_yield();
  }
  __atomic_store_n(&a->lock_since, (uint64_t)now_ns(), __ATOMIC_RELEASE);
  unsigned char* staging = (unsigned char*)(a + 1);
  memcpy(staging, data, length);
  __atomic_store_n(&a->staged_length, (uint64_t)length, __ATOMIC_RELAXED);
  usleep(200); /* the window a pause lands in */
  const uint64_t staged = __atomic_load_n(&a->staged_length, __ATOMIC_RELAXED);
  int r = inner()->send(ch->inner, staging, staged <= a->max_message ? staged : 0, timeout_ns, err);
  __atomic_store_n(&a->lock_since, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&a->steal_lock, 0, __ATOMIC_RELEASE);
  return r;
#elif BROKEN_KIND == 9
  (void)n;
  if (length > ch->arena->max_message) return fail(err, SHMH_ETOOBIG, "too big");
  uint64_t slot = __atomic_fetch_add(&ch->arena->next_slot, 1, __ATOMIC_RELAXED) % ARENA_SLOTS;
  unsigned char* at = (unsigned char*)(ch->arena + 1) + slot * ch->arena->max_message;
  memcpy(at, data, length);
  uint64_t desc[2] = {(uint64_t)(uintptr_t)at, length}; /* the bug: an address, valid only in this process */
  return inner()->send(ch->inner, desc, sizeof desc, timeout_ns, err);
#elif BROKEN_KIND == 10
  (void)n;
  return inner()->send(ch->inner, data, length, timeout_ns, err);
#elif BROKEN_KIND == 11
  (void)n;
  int r = inner()->send(ch->inner, data, length, timeout_ns, err);
  if (r == SHMH_OK) {
    __atomic_add_fetch(&ch->arena->bell, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &ch->arena->bell, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
  }
  return r;
#else
#error "BROKEN_KIND must be 1..11"
#endif
}

static int64_t broken_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) {
#if BROKEN_KIND == 2
  uint64_t desc[2];
  int64_t n = inner()->recv(ch->inner, desc, sizeof desc, timeout_ns, err);
  if (n < 0) return n;
  if (n != (int64_t)sizeof desc || desc[0] >= ARENA_SLOTS || desc[1] > ch->arena->max_message)
    return fail(err, SHMH_ECORRUPT, "bad descriptor");
  if (desc[1] > capacity) return fail(err, SHMH_ETOOBIG, "buffer too small");
  memcpy(buffer, (unsigned char*)(ch->arena + 1) + desc[0] * ch->arena->max_message, desc[1]);
  return (int64_t)desc[1];
#elif BROKEN_KIND == 9
  uint64_t desc[2];
  int64_t n = inner()->recv(ch->inner, desc, sizeof desc, timeout_ns, err);
  if (n < 0) return n;
  if (n != (int64_t)sizeof desc || desc[1] > ch->arena->max_message) return fail(err, SHMH_ECORRUPT, "bad descriptor");
  if (desc[1] > capacity) return fail(err, SHMH_ETOOBIG, "buffer too small");
  memcpy(buffer, (const void*)(uintptr_t)desc[0], desc[1]); /* the bug: the sender's address */
  return (int64_t)desc[1];
#elif BROKEN_KIND == 11
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int64_t n = inner()->recv(ch->inner, buffer, capacity, 0, err);
    if (n != SHMH_ETIMEOUT || timeout_ns <= 0) return n;
    for (volatile int spin = 0; spin < 1000; ++spin) {
    }                                                                    /* the window, widened without a syscall */
    uint32_t seen = __atomic_load_n(&ch->arena->bell, __ATOMIC_SEQ_CST); /* the bug: read after the try */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = timeout_ns - ((int64_t)(now.tv_sec - start.tv_sec) * 1000000000LL + (now.tv_nsec - start.tv_nsec));
    if (left <= 0) return fail(err, SHMH_ETIMEOUT, "nothing within the timeout");
    struct timespec rel = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
    if (syscall(SYS_futex, &ch->arena->bell, FUTEX_WAIT, seen, &rel, NULL, 0) != 0 && errno == ETIMEDOUT)
      return fail(err, SHMH_ETIMEOUT, "nothing within the timeout");
  }
#elif BROKEN_KIND == 10
  int64_t n = inner()->recv(ch->inner, buffer, capacity, timeout_ns, err);
  if (n == 0) return fail(err, SHMH_ETIMEOUT, "nothing there"); /* the bug: length 0 taken for "no message" */
  return n;
#else
  return inner()->recv(ch->inner, buffer, capacity, timeout_ns, err);
#endif
}

static void broken_close(shmh_channel* ch) {
  if (!ch) return;
  inner()->close(ch->inner);
  munmap(ch->arena, ch->mapped);
  free(ch->scratch);
  free(ch);
}

static int broken_destroy(shmh_channel* ch, shmh_error* err) {
  char name[SHMH_ADDRESS_MAX];
  snprintf(name, sizeof name, "%s", ch->arena_name);
  int r = inner()->destroy(ch->inner, err);
  munmap(ch->arena, ch->mapped);
  free(ch->scratch);
  free(ch);
  shm_unlink(name);
  return r;
}

static const shmh_channel_vtable kBroken = {
    SHMH_CHANNEL_ABI_VERSION,
    SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER | SHMH_CHANNEL_SHARED_MEMORY,
    "broken",
    broken_create,
    broken_open,
    broken_send,
    broken_recv,
    broken_close,
    broken_destroy,
    NULL};

const shmh_channel_vtable* shmh_channel_entry(void) { return &kBroken; }
