/* Deliberately broken channel plugins: each is built as its own library (selected with
 * -DBAD_PLUGIN_KIND=n) so the loader's error for each defect can be tested. */
#include <shmh_channel.h>

#if BAD_PLUGIN_KIND == 1 /* wrong ABI version */
static const shmh_channel_vtable kTable = {SHMH_CHANNEL_ABI_VERSION + 1, 0, "future", 0, 0, 0, 0, 0, 0, 0};
const shmh_channel_vtable* shmh_channel_entry(void) { return &kTable; }
#elif BAD_PLUGIN_KIND == 2 /* entry returns NULL */
const shmh_channel_vtable* shmh_channel_entry(void) { return 0; }
#elif BAD_PLUGIN_KIND == 3 /* a required function is missing */
static int64_t recv_only(shmh_channel* ch, void* b, size_t c, int64_t t, shmh_error* e) {
  (void)ch;
  (void)b;
  (void)c;
  (void)t;
  (void)e;
  return SHMH_ETIMEOUT;
}
static const shmh_channel_vtable kTable = {SHMH_CHANNEL_ABI_VERSION, 0, "half", 0, 0, 0, recv_only, 0, 0, 0};
const shmh_channel_vtable* shmh_channel_entry(void) { return &kTable; }
#elif BAD_PLUGIN_KIND == 4 /* no entry symbol at all */
int not_the_entry(void) { return 42; }
#elif BAD_PLUGIN_KIND == 5 /* not bad: a plugin built against ABI 1, whose table ends before shared_bytes */
struct abi1_vtable {
  uint32_t abi_version, flags;
  const char* name;
  int (*create)(const shmh_channel_config*, shmh_channel**, char*, shmh_error*);
  int (*open)(const char*, shmh_channel**, shmh_error*);
  int (*send)(shmh_channel*, const void*, size_t, int64_t, shmh_error*);
  int64_t (*recv)(shmh_channel*, void*, size_t, int64_t, shmh_error*);
  void (*close)(shmh_channel*);
  int (*destroy)(shmh_channel*, shmh_error*);
  int (*stats)(shmh_channel*, shmh_channel_stats*, shmh_error*);
};
static int c1(const shmh_channel_config* c, shmh_channel** o, char* a, shmh_error* e) {
  (void)c, (void)o, (void)a, (void)e;
  return SHMH_ESYSTEM;
}
static int o1(const char* a, shmh_channel** o, shmh_error* e) {
  (void)a, (void)o, (void)e;
  return SHMH_ESYSTEM;
}
static int s1(shmh_channel* ch, const void* d, size_t n, int64_t t, shmh_error* e) {
  (void)ch, (void)d, (void)n, (void)t, (void)e;
  return SHMH_ETIMEOUT;
}
static int64_t r1(shmh_channel* ch, void* b, size_t c, int64_t t, shmh_error* e) {
  (void)ch, (void)b, (void)c, (void)t, (void)e;
  return SHMH_ETIMEOUT;
}
static void x1(shmh_channel* ch) { (void)ch; }
static int d1(shmh_channel* ch, shmh_error* e) {
  (void)ch, (void)e;
  return SHMH_OK;
}
static const struct abi1_vtable kTable = {1, 0, "abi-1", c1, o1, s1, r1, x1, d1, 0};
const shmh_channel_vtable* shmh_channel_entry(void) { return (const shmh_channel_vtable*)(const void*)&kTable; }
#endif
