// Defaults for the sanitizer runtimes this test binary may be built with:
// an allocation no address space can hold (Api.HugeBatchIsAStatus) returns
// NULL, so the library's out-of-memory path runs instead of ASan aborting.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1";
}
extern "C" const char* __tsan_default_options() {
  return "allocator_may_return_null=1";
}
