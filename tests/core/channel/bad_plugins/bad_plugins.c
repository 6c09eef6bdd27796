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
#endif
