// The vector bodies of kernels/gemm16/epilogue16.h, compiled once per
// Highway target (epilogue16.cc). Each loop's tail is the same operations
// on one lane.
//
// The requantization (acc * rm + 2^(t-1)) >> t on int64 lanes without a
// 64-bit multiply or a signed variable shift: v = hi * 2^16 + lo with hi =
// v >> 16 (fits int32: |v| < 2^47) and lo in [0, 2^16), so v * rm = (hi *
// rm) * 2^16 + lo * rm from two 32x32 -> 64-bit multiplies (MulEven); the
// sum plus 2^62 lies in (0, 2^63 + 2^46), exact as uint64, where a
// logical shift by t and subtracting 2^62 >> t (exact: t < 62) give the
// arithmetic shift.
#if defined(LOWBIT_KERNELS_GEMM16_EPILOGUE16_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM16_EPILOGUE16_INL_H_
#undef LOWBIT_KERNELS_GEMM16_EPILOGUE16_INL_H_
#else
#define LOWBIT_KERNELS_GEMM16_EPILOGUE16_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/gemm16/epilogue16.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE hn::Vec<D> LoadPart(D d, const int32_t* part, int sh) {
  const hn::Rebind<int32_t, D> d32;
  return hn::ShiftLeftSame(hn::PromoteTo(d, hn::LoadU(d32, part)), sh);
}

template <class D>
HWY_INLINE void AddPartStep(D d, const int32_t* part, int sh, bool first,
                            int64_t* acc) {
  auto v = LoadPart(d, part, sh);
  if (!first) v = hn::Add(v, hn::LoadU(d, acc));
  hn::StoreU(v, d, acc);
}

void Gemm16AddPartImpl(const int32_t* part, size_t rows, size_t cols,
                       size_t stride, int sh, bool first, int64_t* acc) {
  const hn::ScalableTag<int64_t> d;
  const hn::CappedTag<int64_t, 1> d1;
  const size_t n = hn::Lanes(d);
  for (size_t i = 0; i < rows; ++i) {
    const int32_t* p = part + i * stride;
    int64_t* a = acc + i * stride;
    size_t j = 0;
    for (; j + n <= cols; j += n) AddPartStep(d, p + j, sh, first, a + j);
    for (; j < cols; ++j) AddPartStep(d1, p + j, sh, first, a + j);
  }
}

struct FinishArgs {
  const int64_t* acc;  // nullptr: none
  const int32_t* part;
  int sh;
  int64_t extra;
  const int64_t* bias;
  const int64_t* rm;
  const uint64_t* t;
  const uint64_t* round;
  const uint64_t* off;
  int64_t qmin, qmax;
  bool raw;
};

template <class D>
HWY_INLINE void FinishStep(D d, const FinishArgs& f, size_t j, void* out) {
  const hn::RebindToUnsigned<D> du;
  const hn::Repartition<int32_t, D> d32;
  auto v = LoadPart(d, f.part + j, f.sh);
  if (f.acc != nullptr) v = hn::Add(v, hn::LoadU(d, f.acc + j));
  v = hn::Add(v, hn::LoadU(d, f.bias + j));
  if (f.extra != 0) v = hn::Add(v, hn::Set(d, f.extra));
  if (f.raw) {
    hn::StoreU(v, d, static_cast<int64_t*>(out) + j);
    return;
  }
  const auto rm = hn::BitCast(d32, hn::LoadU(d, f.rm + j));
  const auto hi = hn::BitCast(d32, hn::ShiftRight<16>(v));
  const auto lo = hn::BitCast(d32, hn::And(v, hn::Set(d, 0xFFFF)));
  auto x = hn::ShiftLeft<16>(hn::BitCast(du, hn::MulEven(hi, rm)));
  x = hn::Add(x, hn::BitCast(du, hn::MulEven(lo, rm)));
  x = hn::Add(x, hn::LoadU(du, f.round + j));
  x = hn::Sub(hn::Shr(x, hn::LoadU(du, f.t + j)), hn::LoadU(du, f.off + j));
  auto q = hn::BitCast(d, x);
  q = hn::Min(hn::Max(q, hn::Set(d, f.qmin)), hn::Set(d, f.qmax));
  const hn::Rebind<uint16_t, D> d16u;
  const hn::Rebind<int16_t, D> d16;
  hn::StoreU(hn::BitCast(d16, hn::TruncateTo(d16u, hn::BitCast(du, q))), d16,
             static_cast<int16_t*>(out) + j);
}

void Gemm16FinishImpl(const int64_t* acc, const int32_t* part, int sh,
                      size_t rows, size_t cols, size_t stride,
                      const int64_t* row_extra, const Gemm16Channels& ch,
                      int32_t qmin, int32_t qmax, bool raw, void* out,
                      size_t ldc) {
  const hn::ScalableTag<int64_t> d;
  const hn::CappedTag<int64_t, 1> d1;
  const size_t n = hn::Lanes(d);
  const size_t elem = raw ? sizeof(int64_t) : sizeof(int16_t);
  for (size_t i = 0; i < rows; ++i) {
    const FinishArgs f{acc != nullptr ? acc + i * stride : nullptr,
                       part + i * stride,
                       sh,
                       row_extra != nullptr ? row_extra[i] : 0,
                       ch.bias,
                       ch.rm,
                       ch.t,
                       ch.round,
                       ch.off,
                       qmin,
                       qmax,
                       raw};
    void* row = static_cast<uint8_t*>(out) + i * ldc * elem;
    size_t j = 0;
    for (; j + n <= cols; j += n) FinishStep(d, f, j, row);
    for (; j < cols; ++j) FinishStep(d1, f, j, row);
  }
}

// Channels 2h.. (p, b and o at channel 2h) of `rows` rows: the even
// channels' products from the even int32 lanes, the odd ones' from the odd
// lanes moved down, each (v * rm + round) >> t - off in uint64 as above,
// the odd results moved back up into their lanes; results fit int32 (t >=
// 15). The channels' parameters are loaded once for all rows: reloaded per
// row, with the tables' pointers read again after every store (which may
// alias them), they cost more than the arithmetic (pw-mnv2-56, K = 24).
template <class D32>
HWY_INLINE void FinishNarrowColumns(D32 d32, const int32_t* p, size_t rows,
                                    size_t stride, const int32_t* b,
                                    const Gemm16Pairs& ch, size_t h,
                                    int32_t qmin, int32_t qmax, int16_t* o,
                                    size_t ldc) {
  const hn::Repartition<uint64_t, D32> du;
  const hn::Repartition<int64_t, D32> d64;
  const hn::Rebind<int16_t, D32> d16;
  const auto bias = hn::LoadU(d32, b);
  const auto rm_even = hn::BitCast(d32, hn::LoadU(d64, ch.rm_even + h));
  const auto rm_odd = hn::BitCast(d32, hn::LoadU(d64, ch.rm_odd + h));
  const auto round_even = hn::LoadU(du, ch.round_even + h);
  const auto round_odd = hn::LoadU(du, ch.round_odd + h);
  const auto t_even = hn::LoadU(du, ch.t_even + h);
  const auto t_odd = hn::LoadU(du, ch.t_odd + h);
  const auto off_even = hn::LoadU(du, ch.off_even + h);
  const auto off_odd = hn::LoadU(du, ch.off_odd + h);
  const auto lo = hn::Set(d32, qmin);
  const auto hi = hn::Set(d32, qmax);
  for (size_t i = 0; i < rows; ++i, p += stride, o += ldc) {
    const auto v = hn::Add(hn::LoadU(d32, p), bias);
    const auto odd =
        hn::BitCast(d32, hn::ShiftRight<32>(hn::BitCast(d64, v)));
    auto xe = hn::Add(hn::BitCast(du, hn::MulEven(v, rm_even)), round_even);
    auto xo = hn::Add(hn::BitCast(du, hn::MulEven(odd, rm_odd)), round_odd);
    xe = hn::Sub(hn::Shr(xe, t_even), off_even);
    xo = hn::Sub(hn::Shr(xo, t_odd), off_odd);
    auto q = hn::OddEven(hn::BitCast(d32, hn::ShiftLeft<32>(xo)),
                         hn::BitCast(d32, xe));
    q = hn::Min(hn::Max(q, lo), hi);
    hn::StoreU(hn::DemoteTo(d16, q), d16, o);
  }
}

void Gemm16FinishNarrowImpl(const int32_t* part, const int32_t* bias,
                            size_t rows, size_t cols, size_t stride,
                            const Gemm16Pairs& ch, int32_t qmin, int32_t qmax,
                            int16_t* out, size_t ldc) {
  const hn::ScalableTag<int32_t> d;
  const hn::FixedTag<int32_t, 2> d2;  // one channel pair
  const size_t n = hn::Lanes(d);
  size_t j = 0;
  for (; j + n <= cols; j += n) {
    FinishNarrowColumns(d, part + j, rows, stride, bias + j, ch, j / 2, qmin,
                        qmax, out + j, ldc);
  }
  for (; j + 2 <= cols; j += 2) {
    FinishNarrowColumns(d2, part + j, rows, stride, bias + j, ch, j / 2, qmin,
                        qmax, out + j, ldc);
  }
  if (j < cols) {  // the last of an odd count: its pair's first lane
    const int32_t bv[2] = {bias[j], 0};
    for (size_t i = 0; i < rows; ++i) {
      const int32_t pv[2] = {part[i * stride + j], 0};
      int16_t pair[2];
      FinishNarrowColumns(d2, pv, 1, 0, bv, ch, j / 2, qmin, qmax, pair, 0);
      out[i * ldc + j] = pair[0];
    }
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
