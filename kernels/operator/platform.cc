#include "kernels/operator/platform.h"

#include <cpuinfo.h>

namespace lowbit {

size_t L2CacheBytes() {
  static const size_t bytes = [] {
    constexpr size_t kDefault = 256 * 1024;
    if (!cpuinfo_initialize()) return kDefault;
    const cpuinfo_cache* l2 = cpuinfo_get_l2_caches_count() != 0
                                  ? cpuinfo_get_l2_cache(0)
                                  : nullptr;
    if (l2 == nullptr || l2->size == 0) return kDefault;
    // A cache shared by several cores gives each of them a share.
    const size_t shared = l2->processor_count != 0 ? l2->processor_count : 1;
    return static_cast<size_t>(l2->size) / shared;
  }();
  return bytes;
}

}  // namespace lowbit
