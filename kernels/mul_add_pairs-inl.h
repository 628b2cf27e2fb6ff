// sum0 + the int16 pair products of a and b, exact in int32: Highway's
// ReorderWidenMulAccumulate (vpmaddwd + vpaddd on x86, smlal on NEON), and
// on AVX3_DL the fused AVX512-VNNI vpdpwssd (about 1.2x faster in the GEMM
// kernel), which Highway 1.0.3 does not use.
//
// Highway requires AVX512-VNNI at run time for AVX3_DL, but its compile
// attribute string names only avxvnni: GCC adds the EVEX form to the
// target's pragma (every includer must do the same before its kernels, or
// inlining fails); clang would take only one of two target attributes, so
// there the instruction is stated in assembly.
#if defined(LOWBIT_KERNELS_MUL_ADD_PAIRS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_MUL_ADD_PAIRS_INL_H_
#undef LOWBIT_KERNELS_MUL_ADD_PAIRS_INL_H_
#else
#define LOWBIT_KERNELS_MUL_ADD_PAIRS_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
#if HWY_TARGET == HWY_AVX3_DL && !defined(__clang__) && defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

template <class D32, class V16, class V32>
HWY_INLINE V32 MulAddPairs(D32 d32, V16 a, V16 b, V32 sum0, V32& sum1) {
#if HWY_TARGET == HWY_AVX3_DL
  (void)d32;
  (void)sum1;
#if defined(__clang__) || defined(LOWBIT_DPWSSD_ASM)
  __m512i sum = sum0.raw;
  asm("vpdpwssd %2, %1, %0" : "+v"(sum) : "v"(a.raw), "v"(b.raw));
  return V32{sum};
#else
  return V32{_mm512_dpwssd_epi32(sum0.raw, a.raw, b.raw)};
#endif
#else
  return hn::ReorderWidenMulAccumulate(d32, a, b, sum0, sum1);
#endif
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
