// The GEMM tile epilogue, shared by every microkernel: the asymmetric-weight
// row correction, requantization in the operation's mode, and the store of
// MR rows x NV vectors of int32 accumulators. Written once on Highway; the
// portable kernels compile it per target through foreach_target.h, the
// hand-written ones for their translation unit's static target. So every
// kernel's outputs come from the same primitives (kernels/requant-inl.h).

#if defined(LOWBIT_KERNELS_GEMM_EPILOGUE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_EPILOGUE_INL_H_
#undef LOWBIT_KERNELS_GEMM_EPILOGUE_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_EPILOGUE_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/requant-inl.h"

// The epilogue's lambdas are part of each tile: a kernel file whose tiles
// share an instantiation (two inner loops, say) must not get them out of
// line, or every tile pays calls for each vector it stores.
#ifndef LOWBIT_LAMBDA_INLINE
#if defined(__GNUC__)
#define LOWBIT_LAMBDA_INLINE __attribute__((always_inline))
#else
#define LOWBIT_LAMBDA_INLINE
#endif
#endif

#ifndef LOWBIT_UNROLL
#if defined(__clang__)
#define LOWBIT_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define LOWBIT_UNROLL _Pragma("GCC unroll 32")
#else
#define LOWBIT_UNROLL
#endif
#endif
#ifndef LOWBIT_NO_UNROLL
#if defined(__clang__)
#define LOWBIT_NO_UNROLL _Pragma("clang loop unroll(disable)")
#elif defined(__GNUC__)
#define LOWBIT_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define LOWBIT_NO_UNROLL
#endif
#endif

HWY_BEFORE_NAMESPACE();
// AVX3_DL code is compiled with AVX512-VNNI (kernels/mul_add_pairs-inl.h),
// so kernels that use it can inline this header's functions and lambdas.
#if HWY_TARGET == HWY_AVX3_DL && !defined(__clang__) && defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

// Writes `count` (<= Lanes) results of one vector to dst.
template <typename T, class D, class V>
HWY_INLINE void StoreResults(D d32, V q, size_t count, T* dst) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  // AVX-512 narrows (vpmov[u]sdb, exact: q is already in range) and stores
  // under a mask in one instruction; no tail copies through a buffer.
  if constexpr (sizeof(V) == 64) {
    const __mmask16 mask =
        count >= 16 ? __mmask16{0xFFFF}
                    : static_cast<__mmask16>((1u << count) - 1);
    if constexpr (sizeof(T) == 4) {
      _mm512_mask_storeu_epi32(dst, mask, q.raw);
    } else if constexpr (hwy::IsSigned<T>()) {
      _mm512_mask_cvtsepi32_storeu_epi8(dst, mask, q.raw);
    } else {
      _mm512_mask_cvtusepi32_storeu_epi8(dst, mask, q.raw);
    }
    return;
  }
#endif
  const size_t lanes = hn::Lanes(d32);
  if constexpr (sizeof(T) == 4) {
    if (count == lanes) return hn::StoreU(q, d32, dst);
    HWY_ALIGN int32_t buf[HWY_MAX_BYTES / 4];
    hn::Store(q, d32, buf);
    std::memcpy(dst, buf, count * sizeof(T));
  } else {
    const hn::Rebind<T, D> dn;
    const auto narrow = hn::DemoteTo(dn, q);  // q is already in range
    if (count == lanes) return hn::StoreU(narrow, dn, dst);
    HWY_ALIGN T buf[HWY_MAX_BYTES / 4];
    hn::StoreU(narrow, dn, buf);
    std::memcpy(dst, buf, count * sizeof(T));
  }
}

template <size_t MR, size_t NV, typename T, class D, class V, class Requant>
HWY_INLINE void StoreTile(D d32, const V (&acc)[MR][NV], size_t nc, void* c,
                          size_t ldc, const Requant& requant) {
  const size_t lanes = hn::Lanes(d32);
  LOWBIT_UNROLL
  for (size_t m = 0; m < MR; ++m) {
    T* dst = static_cast<T*>(c) + m * ldc;
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      if (j * lanes >= nc) break;
      const size_t count = HWY_MIN(lanes, nc - j * lanes);
      StoreResults(d32, requant(acc[m][j], j), count, dst + j * lanes);
    }
  }
}

// Calls body(requant) once, where requant(x, i) requantizes vector x with
// the channel parameters from index i on. The mode is chosen here, once,
// outside the caller's loop; the tile epilogue and the requantization test
// hook both go through it.
template <class D, class Body>
HWY_INLINE void WithRequantizer(D d32, const GemmOutput& out,
                                const Body& body) {
  using V = hn::Vec<D>;
  const hn::RebindToFloat<D> df;
  const RequantConsts<D> k(d32, out.zero_point, out.qmin, out.qmax);
  // Local copies: the caller's int8 stores may alias `out`, which would
  // make the compiler reload its pointers for every vector.
  const float* scale = out.scale;
  const int32_t* multiplier = out.multiplier;
  const int32_t* shift = out.shift;
  switch (out.requant) {
    case LOWBIT_REQUANT_FP32:
      return body([&](V x, size_t i) LOWBIT_LAMBDA_INLINE {
        return RequantizeFp32(d32, x, hn::LoadU(df, scale + i), k);
      });
    case LOWBIT_REQUANT_FIXEDPOINT:
      return body([&](V x, size_t i) LOWBIT_LAMBDA_INLINE {
        return RequantizeFixedpoint(d32, x, hn::LoadU(d32, multiplier + i),
                                    hn::LoadU(d32, shift + i), k);
      });
    case LOWBIT_REQUANT_FIXEDPOINT_SINGLE:
      return body([&](V x, size_t i) LOWBIT_LAMBDA_INLINE {
        return RequantizeFixedpointSingle(
            d32, x, hn::LoadU(d32, multiplier + i), hn::LoadU(d32, shift + i),
            k);
      });
  }
}

template <size_t MR, size_t NV, typename T, class D, class V>
HWY_INLINE void RequantizeAndStore(D d32, const V (&acc)[MR][NV],
                                   const GemmOutput& out, size_t n0,
                                   size_t nc, void* c, size_t ldc) {
  const size_t lanes = hn::Lanes(d32);
  WithRequantizer(d32, out, [&](const auto& requant) LOWBIT_LAMBDA_INLINE {
    StoreTile<MR, NV, T>(d32, acc, nc, c, ldc,
                         [&](V x, size_t j) LOWBIT_LAMBDA_INLINE {
      return requant(x, n0 + j * lanes);
    });
  });
}

// The whole epilogue of a tile whose accumulators hold bias' + sum A W'.
template <size_t MR, size_t NV, class D, class V>
HWY_INLINE void FinishTile(D d32, V (&acc)[MR][NV], const int32_t* row_offset,
                           const GemmOutput& out, size_t n0, size_t nc,
                           void* c, size_t ldc) {
  if (row_offset != nullptr) {
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      const V offset = hn::Set(d32, row_offset[m]);
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) acc[m][j] = hn::Sub(acc[m][j], offset);
    }
  }
  if (out.requant == kRawInt32) {
    StoreTile<MR, NV, int32_t>(d32, acc, nc, c, ldc,
                               [](V x, size_t) LOWBIT_LAMBDA_INLINE {
                                 return x;
                               });
  } else if (out.type == LOWBIT_DTYPE_UINT8) {
    RequantizeAndStore<MR, NV, uint8_t>(d32, acc, out, n0, nc, c, ldc);
  } else {
    RequantizeAndStore<MR, NV, int8_t>(d32, acc, out, n0, nc, c, ldc);
  }
}

// FinishTile for accumulators held in raw intrinsic vectors (the
// hand-written kernels).
template <size_t MR, size_t NV, class D, typename RawV>
HWY_INLINE void FinishRawTile(D d32, const RawV (&raw)[MR][NV],
                              const int32_t* row_offset, const GemmOutput& out,
                              size_t n0, size_t nc, void* c, size_t ldc) {
  hn::Vec<D> acc[MR][NV];
  LOWBIT_UNROLL
  for (size_t m = 0; m < MR; ++m) {
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) acc[m][j] = hn::Vec<D>{raw[m][j]};
  }
  FinishTile<MR, NV>(d32, acc, row_offset, out, n0, nc, c, ldc);
}

// The epilogue's requantization applied to n loose values (the test hook
// behind GemmKernel::requantize).
template <class D>
HWY_INLINE void RequantizeValues(D d32, const GemmOutput& out,
                                 const int32_t* acc, size_t n, int32_t* q) {
  const size_t lanes = hn::Lanes(d32);
  WithRequantizer(d32, out, [&](const auto& requant) {
    HWY_ALIGN int32_t in[HWY_MAX_BYTES / 4];
    HWY_ALIGN int32_t res[HWY_MAX_BYTES / 4];
    for (size_t i = 0; i < n; i += lanes) {
      const size_t count = HWY_MIN(lanes, n - i);
      hn::Store(hn::Zero(d32), d32, in);
      std::memcpy(in, acc + i, count * sizeof(int32_t));
      hn::Store(requant(hn::Load(d32, in), i), d32, res);
      std::memcpy(q + i, res, count * sizeof(int32_t));
    }
  });
}

// GemmKernel::requantize of a kernel that uses full vectors of this target.
inline void RequantizeFullVectors(const GemmOutput& out,
                                         const int32_t* acc, size_t n,
                                         int32_t* q) {
  RequantizeValues(hn::ScalableTag<int32_t>(), out, acc, n, q);
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_GEMM_EPILOGUE_INL_H_
