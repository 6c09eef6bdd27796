/* locked_queue_channel.c — an example shmharness channel plugin, in plain C.
 *
 * A user's channel in the form shmharness loads with `--channel path/to/libshmh_example_channel.so`:
 * a bounded queue of messages in a POSIX shared-memory object, guarded by a process-shared, robust
 * pthread mutex; a full or empty queue is waited out by sleeping outside the lock in short slices.
 * (Not with process-shared condition variables: glibc's condvar has an internal lock that is not
 * robust, so a peer SIGKILLed inside pthread_cond_signal/wait leaves every other peer blocked for
 * ever — `shmharness stress --kill` finds exactly that in a condvar version.) It shows the whole ABI
 * (shmh_channel.h): create/open by address, timeouts, SHMH_ETOOBIG that leaves the message queued,
 * treating the shared state as hostile (every index and length is checked), and recovery when a
 * peer dies holding the lock (EOWNERDEAD → pthread_mutex_consistent).
 *
 * Build it on its own:  cc -shared -fPIC -I<prefix>/include locked_queue_channel.c -o libmine.so
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <shmh_channel.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAGIC 0x5545555158414d45ull /* "EXAMQUEU" */

struct queue_header {
  uint64_t magic;
  uint32_t capacity;
  uint32_t max_message;
  uint64_t total_size;
  pthread_mutex_t lock;
  uint64_t head; /* next message to receive */
  uint64_t count;
  /* then capacity slots of (uint32_t length, max_message bytes) */
};

struct shmh_channel {
  struct queue_header* q;
  size_t mapped;
  char name[SHMH_ADDRESS_MAX];
  uint32_t capacity, max_message; /* our validated copy */
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

static size_t slot_size(uint32_t max_message) { return (sizeof(uint32_t) + max_message + 7u) & ~(size_t)7u; }
static unsigned char* slot_at(struct shmh_channel* ch, uint64_t index) {
  return (unsigned char*)(ch->q + 1) + (size_t)(index % ch->capacity) * slot_size(ch->max_message);
}

static struct timespec deadline_after(int64_t timeout_ns) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (timeout_ns > 86400LL * 1000000000LL) timeout_ns = 86400LL * 1000000000LL;
  ts.tv_sec += (time_t)(timeout_ns / 1000000000LL);
  ts.tv_nsec += (long)(timeout_ns % 1000000000LL);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec += 1;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* Locks, repairing the lock if its holder died (the queue's counters are still consistent: every
 * update below is done in one step under the lock). */
static int lock_queue(struct shmh_channel* ch, shmh_error* err) {
  int r = pthread_mutex_lock(&ch->q->lock);
  if (r == EOWNERDEAD) r = pthread_mutex_consistent(&ch->q->lock);
  return r == 0 ? SHMH_OK : fail(err, SHMH_ESYSTEM, r, "pthread_mutex_lock: %s", strerror(r));
}

/* Waits for the queue to change: releases the lock, sleeps a slice (doubling from 2 µs to 1 ms),
 * takes the lock again. Returns 0, or ETIMEDOUT once the deadline has passed (lock held either way). */
static int wait_a_slice(struct shmh_channel* ch, long* slice_ns, const struct timespec* deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
    return ETIMEDOUT;
  pthread_mutex_unlock(&ch->q->lock);
  struct timespec nap = {0, *slice_ns};
  nanosleep(&nap, NULL);
  if (*slice_ns < 1000000L) *slice_ns *= 2;
  int r = pthread_mutex_lock(&ch->q->lock);
  if (r == EOWNERDEAD) pthread_mutex_consistent(&ch->q->lock);
  return 0;
}

static int map_queue(const char* name, int create, size_t size, mode_t mode, struct shmh_channel** out,
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
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct queue_header)) {
    close(fd);
    return fail(err, SHMH_ECORRUPT, 0, "%s is too small to be a queue", name);
  }
  void* p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return fail(err, SHMH_ESYSTEM, errno, "mmap: %s", strerror(errno));
  struct shmh_channel* ch = calloc(1, sizeof *ch);
  if (!ch) {
    munmap(p, (size_t)st.st_size);
    return fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  }
  ch->q = p;
  ch->mapped = (size_t)st.st_size;
  snprintf(ch->name, sizeof ch->name, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int queue_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) {
  if (!config || !out || !address) return fail(err, SHMH_EINVAL, 0, "null argument");
  if (config->capacity == 0 || config->capacity > (1u << 20) || config->max_message == 0 ||
      config->max_message > (1u << 24))
    return fail(err, SHMH_EINVAL, 0, "capacity 1..2^20 and max message 1..2^24 bytes");
  char name[64];
  snprintf(name, sizeof name, "/shmh-example.%d.%ld", (int)getpid(), (long)random());
  size_t size = sizeof(struct queue_header) + (size_t)config->capacity * slot_size(config->max_message);
  struct shmh_channel* ch;
  int r = map_queue(name, 1, size, config->mode ? config->mode : 0600, &ch, err);
  if (r != SHMH_OK) return r;
  struct queue_header* q = ch->q;
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&q->lock, &ma);
  pthread_mutexattr_destroy(&ma);
  q->capacity = config->capacity;
  q->max_message = config->max_message;
  q->total_size = size;
  __atomic_store_n(&q->magic, QUEUE_MAGIC, __ATOMIC_RELEASE);
  ch->capacity = config->capacity;
  ch->max_message = config->max_message;
  snprintf(address, SHMH_ADDRESS_MAX, "%s", name);
  *out = ch;
  return SHMH_OK;
}

static int queue_open(const char* address, shmh_channel** out, shmh_error* err) {
  if (!address || !out || address[0] != '/' || strlen(address) >= 64) return fail(err, SHMH_EINVAL, 0, "bad address");
  struct shmh_channel* ch;
  int r = map_queue(address, 0, 0, 0, &ch, err);
  if (r != SHMH_OK) return r;
  /* Validate the geometry once and keep our own copy: the header is shared, so hostile. */
  struct queue_header* q = ch->q;
  uint32_t cap = q->capacity, max = q->max_message;
  if (__atomic_load_n(&q->magic, __ATOMIC_ACQUIRE) != QUEUE_MAGIC || cap == 0 || cap > (1u << 20) || max == 0 ||
      max > (1u << 24) || sizeof(struct queue_header) + (size_t)cap * slot_size(max) > ch->mapped) {
    munmap(ch->q, ch->mapped);
    free(ch);
    return fail(err, SHMH_ECORRUPT, 0, "%s is not a valid queue", address);
  }
  ch->capacity = cap;
  ch->max_message = max;
  *out = ch;
  return SHMH_OK;
}

static int queue_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!data && length)) return fail(err, SHMH_EINVAL, 0, "null argument");
  if (length > ch->max_message)
    return fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > max %u", length, ch->max_message);
  struct timespec deadline = deadline_after(timeout_ns);
  int r = lock_queue(ch, err);
  if (r != SHMH_OK) return r;
  struct queue_header* q = ch->q;
  long slice = 2000;
  while (q->count >= ch->capacity) {
    if (q->count > ch->capacity) {
      pthread_mutex_unlock(&q->lock);
      return fail(err, SHMH_ECORRUPT, 0, "count > capacity");
    }
    if (timeout_ns <= 0 || wait_a_slice(ch, &slice, &deadline) == ETIMEDOUT) {
      pthread_mutex_unlock(&q->lock);
      return fail(err, SHMH_ETIMEOUT, 0, "queue full");
    }
  }
  unsigned char* slot = slot_at(ch, q->head + q->count);
  uint32_t len32 = (uint32_t)length;
  memcpy(slot, &len32, sizeof len32);
  if (length) memcpy(slot + sizeof len32, data, length);
  q->count += 1;
  pthread_mutex_unlock(&q->lock);
  return SHMH_OK;
}

static int64_t queue_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) {
  if (!ch || (!buffer && capacity)) return fail(err, SHMH_EINVAL, 0, "null argument");
  struct timespec deadline = deadline_after(timeout_ns);
  int r = lock_queue(ch, err);
  if (r != SHMH_OK) return r;
  struct queue_header* q = ch->q;
  long slice = 2000;
  while (q->count == 0) {
    if (timeout_ns <= 0 || wait_a_slice(ch, &slice, &deadline) == ETIMEDOUT) {
      pthread_mutex_unlock(&q->lock);
      return fail(err, SHMH_ETIMEOUT, 0, "queue empty");
    }
  }
  unsigned char* slot = slot_at(ch, q->head);
  uint32_t len32;
  memcpy(&len32, slot, sizeof len32);
  if (len32 > ch->max_message) {
    q->head += 1; /* drop the bad slot so the queue moves on */
    q->count -= 1;
    pthread_mutex_unlock(&q->lock);
    return fail(err, SHMH_ECORRUPT, 0, "slot length %u > max %u", len32, ch->max_message);
  }
  if (len32 > capacity) {
    pthread_mutex_unlock(&q->lock);
    return fail(err, SHMH_ETOOBIG, 0, "message of %u bytes > buffer of %zu", len32, capacity);
  }
  if (len32) memcpy(buffer, slot + sizeof len32, len32);
  q->head += 1;
  q->count -= 1;
  pthread_mutex_unlock(&q->lock);
  return (int64_t)len32;
}

static void queue_close(shmh_channel* ch) {
  if (!ch) return;
  munmap(ch->q, ch->mapped);
  free(ch);
}

static int queue_destroy(shmh_channel* ch, shmh_error* err) {
  if (!ch) return fail(err, SHMH_EINVAL, 0, "null handle");
  char name[SHMH_ADDRESS_MAX];
  snprintf(name, sizeof name, "%s", ch->name);
  queue_close(ch);
  if (shm_unlink(name) != 0) return fail(err, SHMH_ESYSTEM, errno, "shm_unlink %s: %s", name, strerror(errno));
  return SHMH_OK;
}

static const shmh_channel_vtable kLockedQueue = {
    SHMH_CHANNEL_ABI_VERSION,
    SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER | SHMH_CHANNEL_SHARED_MEMORY,
    "locked-queue",
    queue_create,
    queue_open,
    queue_send,
    queue_recv,
    queue_close,
    queue_destroy,
    NULL};

const shmh_channel_vtable* shmh_channel_entry(void) { return &kLockedQueue; }
