#include "kernels/operator/platform.h"

#include <cpuinfo.h>

#if defined(__linux__) && defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace lowbit {
namespace {

bool Initialized() {
  static const bool ok = cpuinfo_initialize();
  return ok;
}

size_t CacheShare(const cpuinfo_cache* cache, size_t fallback) {
  if (cache == nullptr || cache->size == 0) return fallback;
  // A cache shared by several cores gives each of them a share.
  const size_t shared = cache->processor_count != 0 ? cache->processor_count
                                                    : 1;
  return static_cast<size_t>(cache->size) / shared;
}

// Debian's cpuinfo predates its i8mm query; Linux reports it in HWCAP2.
[[maybe_unused]] bool HasArmI8mm() {
#if defined(__linux__) && defined(__aarch64__)
  constexpr unsigned long kHwcap2I8mm = 1ul << 13;
  return (getauxval(AT_HWCAP2) & kHwcap2I8mm) != 0;
#else
  return false;
#endif
}

}  // namespace

size_t L1CacheBytes() {
  static const size_t bytes = [] {
    constexpr size_t kDefault = 32 * 1024;
    if (!Initialized() || cpuinfo_get_l1d_caches_count() == 0) return kDefault;
    return CacheShare(cpuinfo_get_l1d_cache(0), kDefault);
  }();
  return bytes;
}

size_t L2CacheBytes() {
  static const size_t bytes = [] {
    constexpr size_t kDefault = 256 * 1024;
    if (!Initialized() || cpuinfo_get_l2_caches_count() == 0) return kDefault;
    return CacheShare(cpuinfo_get_l2_cache(0), kDefault);
  }();
  return bytes;
}

bool CpuHasIsa(Isa isa) {
  if (isa == Isa::kHighway) return true;
  if (!Initialized()) return false;
  switch (isa) {
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
    case Isa::kAvx2:
      return cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() &&
             cpuinfo_has_x86_bmi2() && cpuinfo_has_x86_f16c();
    case Isa::kAvx512Vnni:
      return cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
             cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_avx512vl() &&
             cpuinfo_has_x86_avx512vnni();
#endif
#if CPUINFO_ARCH_ARM
    case Isa::kNeon:  // what the armhf build's -mfpu=neon-vfpv4 assumes
      return cpuinfo_has_arm_neon() && cpuinfo_has_arm_neon_fma();
#endif
#if CPUINFO_ARCH_ARM64
    case Isa::kNeon:
      return cpuinfo_has_arm_neon();
    case Isa::kNeonDot:
      return cpuinfo_has_arm_neon_dot();
    case Isa::kNeonI8mm:
      return HasArmI8mm();
#endif
    default:
      return false;
  }
}

std::string CpuDescription() {
  if (!Initialized()) return "unknown (cpuinfo failed to initialize)";
  std::string s;
  const cpuinfo_package* package = cpuinfo_get_package(0);
  s += package != nullptr && package->name[0] != '\0' ? package->name
                                                       : "unnamed CPU";
  s += ", " + std::to_string(cpuinfo_get_cores_count()) + " cores, L1d " +
       std::to_string(L1CacheBytes() / 1024) + " KiB, L2 " +
       std::to_string(L2CacheBytes() / 1024) + " KiB per core\nfeatures:";
  struct Feature {
    const char* name;
    bool has;
  };
  const Feature features[] = {
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
      {"sse4.1", cpuinfo_has_x86_sse4_1()},
      {"avx2", cpuinfo_has_x86_avx2()},
      {"fma3", cpuinfo_has_x86_fma3()},
      {"avx512f", cpuinfo_has_x86_avx512f()},
      {"avx512bw", cpuinfo_has_x86_avx512bw()},
      {"avx512vl", cpuinfo_has_x86_avx512vl()},
      {"avx512vnni", cpuinfo_has_x86_avx512vnni()},
#elif CPUINFO_ARCH_ARM64 || CPUINFO_ARCH_ARM
      {"neon", cpuinfo_has_arm_neon()},
      {"dotprod", cpuinfo_has_arm_neon_dot()},
      {"i8mm", HasArmI8mm()},
      {"sve", cpuinfo_has_arm_sve()},
#endif
      {nullptr, false}};
  for (const Feature* f = features; f->name != nullptr; ++f) {
    s += ' ';
    if (!f->has) s += '-';
    s += f->name;
  }
  return s;
}

}  // namespace lowbit
