/* shmh_channel.h — the channel plugin ABI of shmharness (C, installed with the project).
 *
 * A channel is anything that moves whole messages between processes: ours (the shared-memory
 * ring), an external library's (Boost.Interprocess message_queue), a pipe, or yours. shmharness
 * drives every channel through this table of functions, so a channel of your own builds as a
 * shared library and loads with `shmharness stress --channel path/to/libmine.so`, with no change to
 * the harness.
 *
 *   // mine.c — built with: cc -shared -fPIC mine.c -o libmine.so
 *   #include <shmh_channel.h>
 *   static const shmh_channel_vtable kMine = {SHMH_CHANNEL_ABI_VERSION, 0, "mine",
 *                                             mine_create, mine_open, mine_send, mine_recv,
 *                                             mine_close, mine_destroy, NULL};
 *   const shmh_channel_vtable* shmh_channel_entry(void) { return &kMine; }
 *
 * Contract for every function:
 *  - Never throws, never aborts on bad input, never prints. Returns SHMH_OK (0) or a negative
 *    shmh_status, and on failure fills `err` (when not NULL) with the code, errno (0 if none) and
 *    a one-line message.
 *  - Treats the shared state as hostile: a corrupt length, index or header is reported with
 *    SHMH_ECORRUPT, never trusted.
 *  - Timeouts are in nanoseconds: 0 tries once without waiting; a positive value waits at most
 *    that long. There is no "forever": the harness always bounds waits.
 *  - Handles are per process (or per thread in threads mode); a handle is used by one thread at a
 *    time.
 */
/* C naming on purpose (shmh_ prefix, SHMH_ constants, typedefs): C++ lint rules do not apply. */
/* NOLINTBEGIN(readability-identifier-naming, modernize-use-using) */
#ifndef SHMH_CHANNEL_H_
#define SHMH_CHANNEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2 added shared_bytes (optional). This shmharness loads plugins of ABI 1 and 2: a table of ABI 1
 * ends before shared_bytes, which is read only when abi_version >= 2. */
#define SHMH_CHANNEL_ABI_VERSION 2u
#define SHMH_CHANNEL_ABI_OLDEST 1u
#define SHMH_CHANNEL_ENTRY_SYMBOL "shmh_channel_entry"
#define SHMH_ADDRESS_MAX 256
#define SHMH_MESSAGE_MAX 256

/* Results: 0 or one of these negative codes. recv returns a length (>= 0) instead of SHMH_OK. */
typedef enum shmh_status {
  SHMH_OK = 0,
  SHMH_ETIMEOUT = -1, /* nothing to receive / no room to send within the timeout */
  SHMH_ETOOBIG = -2,  /* the message is longer than max_message, or than the receive buffer */
  SHMH_ECORRUPT = -3, /* the shared state is inconsistent: reported, not trusted */
  SHMH_ECLOSED = -4,  /* the channel was destroyed or closed by its peer */
  SHMH_ESYSTEM = -5,  /* a system call failed: see shmh_error.sys_errno */
  SHMH_EINVAL = -6    /* a bad argument (geometry, address, NULL handle) */
} shmh_status;

/* Where a shared-memory channel keeps its state; a channel without shared memory ignores it. */
typedef enum shmh_backend { SHMH_BACKEND_SYSV = 0, SHMH_BACKEND_POSIX = 1, SHMH_BACKEND_MEMFD = 2 } shmh_backend;

/* Capabilities a channel declares in shmh_channel_vtable.flags. */
#define SHMH_CHANNEL_FIFO_PER_WRITER 0x1u /* messages of one writer arrive in the order sent */
#define SHMH_CHANNEL_MULTI_WRITER 0x2u    /* several processes may send concurrently */
#define SHMH_CHANNEL_MULTI_READER 0x4u    /* several processes may receive concurrently */
#define SHMH_CHANNEL_SHARED_MEMORY 0x8u   /* data crosses through shared memory */
/* The channel is not built to survive a peer killed inside one of its calls (e.g. a writer that
 * dies between claiming a slot and publishing it stalls every reader). The stress campaign then
 * kills no peer and reports its kill phase as not applicable. A plugin built before this flag
 * existed (0) is killed like any other. */
#define SHMH_CHANNEL_NOT_CRASH_TOLERANT 0x10u

typedef struct shmh_error {
  int32_t code;      /* the shmh_status returned */
  int32_t sys_errno; /* errno of a failed system call, else 0 */
  char message[SHMH_MESSAGE_MAX];
} shmh_error;

typedef struct shmh_channel_config {
  uint32_t capacity;    /* messages the channel holds before send reports SHMH_ETIMEOUT, >= 1 */
  uint32_t max_message; /* longest message in bytes, >= 1 */
  uint32_t backend;     /* shmh_backend */
  uint32_t mode;        /* permission bits of shared objects; 0 means 0600 */
  const char* name;     /* a name hint (may be NULL): channels derive their object names from it */
} shmh_channel_config;

/* Counters a channel may expose; all zero when it has none. */
typedef struct shmh_channel_stats {
  uint64_t abandoned_sends; /* slots claimed by a writer that died before publishing, reclaimed */
  uint64_t abandoned_recvs; /* slots taken by a reader that died before releasing, reclaimed */
} shmh_channel_stats;

typedef struct shmh_channel shmh_channel; /* a channel's per-process handle, opaque */

typedef struct shmh_channel_vtable {
  uint32_t abi_version; /* SHMH_CHANNEL_ABI_VERSION */
  uint32_t flags;       /* SHMH_CHANNEL_* capabilities */
  const char* name;     /* short name for reports */

  /* Creates the shared state and a handle to it. Writes into `address` (SHMH_ADDRESS_MAX bytes,
   * NUL-terminated) the string other processes pass to open(). */
  int (*create)(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err);
  /* Opens a handle to state created elsewhere (another process, after fork or not). */
  int (*open)(const char* address, shmh_channel** out, shmh_error* err);
  /* Sends one message of `length` bytes (0 allowed). */
  int (*send)(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err);
  /* Receives one message into `buffer`; returns its length, or a negative shmh_status. A message
   * longer than `capacity` is SHMH_ETOOBIG and stays queued. */
  int64_t (*recv)(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err);
  /* Releases this handle (the shared state stays). Never fails. */
  void (*close)(shmh_channel* ch);
  /* Removes the shared state and releases the handle; for the creator's handle. */
  int (*destroy)(shmh_channel* ch, shmh_error* err);
  /* Optional (may be NULL): fills counters. */
  int (*stats)(shmh_channel* ch, shmh_channel_stats* out, shmh_error* err);
  /* Optional (may be NULL), ABI 2: the shared memory behind this handle — its first byte in this
   * process's mapping and its length — so the harness can play a hostile peer: the plugin_image
   * fuzz target rewrites bytes there between and during calls (the stress workload `hostile` from
   * a process of its own while peers run), and every answer must then be a
   * whole message no longer than the buffer, SHMH_ECORRUPT, a timeout or another documented
   * status; never a crash, a hang, or a read or write outside this memory or the caller's buffer. */
  int (*shared_bytes)(shmh_channel* ch, void** base, size_t* length, shmh_error* err);
} shmh_channel_vtable;

/* The one symbol a plugin exports. */
typedef const shmh_channel_vtable* (*shmh_channel_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMH_CHANNEL_H_ */
/* NOLINTEND(readability-identifier-naming, modernize-use-using) */
