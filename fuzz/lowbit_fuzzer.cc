// libFuzzer entry point: the differential fuzzer (fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "fuzz/operations.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& ops = lowbit::fuzz::Operations();
  ops[data[0] % ops.size()].check(data + 1, size - 1);
  return 0;
}
