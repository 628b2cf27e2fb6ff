// lowbit_q8_dwconv_ukernel_4x64c4__avx512vnni: depthwise 3x3 row runs on
// AVX512-VNNI, reading the c4 form (kernels/dwconv/dwconv.h). One column of
// the three kernel rows, 64 channels, becomes four vectors whose int32 lanes
// hold (row 0, row 1, row 2, 0) of one channel, by byte then word unpacks;
// one vpdpbusd per vector then does three exact MACs per lane, where the
// portable kernel's vpdpwssd does one. Each column serves every pixel of a
// step that reads it. Blocks of 32 channels put two pixels in one vector.
// Results leave through saturating packs, which restore the channel order
// the unpacks permuted: after the shared requantization (exact: the values
// are already in the output range), or in the fp32 mode before its lower
// clamp and zero point (arch/x86/fp32_narrow-inl.h).
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "arch/kernels.h"
#include "arch/x86/fp32_narrow_avx512-inl.h"
#include "hwy/highway.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/epilogue-inl.h"

#if HWY_TARGET != HWY_AVX3
#error "build this file with the AVX-512 flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

// Vectors of channels per step: each holds one pixel's 64 channels (kPV =
// 1) or two pixels' 32 (kPV = 2); kP vectors, kPV * kP pixels.
constexpr size_t kSteps = 4;

// The four c4 vectors of one column: lane bytes (r0, r1, r2, r3) per
// channel in slot order (dwconv.h); r3 is zero for one output row, the
// fourth input row for two.
HWY_INLINE void Quads(__m512i r0, __m512i r1, __m512i r2, __m512i r3,
                      __m512i (&t)[4]) {
  const __m512i u0 = _mm512_unpacklo_epi8(r0, r1);
  const __m512i u1 = _mm512_unpackhi_epi8(r0, r1);
  const __m512i v0 = _mm512_unpacklo_epi8(r2, r3);
  const __m512i v1 = _mm512_unpackhi_epi8(r2, r3);
  t[0] = _mm512_unpacklo_epi16(u0, v0);
  t[1] = _mm512_unpackhi_epi16(u0, v0);
  t[2] = _mm512_unpacklo_epi16(u1, v1);
  t[3] = _mm512_unpackhi_epi16(u1, v1);
}

// acc + quads . weights, the weights a memory operand: each is read once
// per vector rather than kept in registers across the step (the 12 or 24
// weight vectors would crowd out the accumulators and spill).
HWY_INLINE __m512i DotQuads(__m512i acc, __m512i quads, const int32_t* w) {
  asm("vpdpbusd %2, %1, %0"
      : "+v"(acc)
      : "v"(quads), "m"(*reinterpret_cast<const __m512i*>(w)));
  return acc;
}

// 64 bytes of one row at a column: one load for a 64-channel block; for a
// 32-channel one, two 32-byte halves (two pixels), the second `second`
// bytes on, or one load when that is the next 32 bytes (kAdjacent).
template <size_t kPV, bool kAdjacent>
HWY_INLINE __m512i LoadColumns(const uint8_t* at, size_t second) {
  if constexpr (kPV == 1 || kAdjacent) {
    (void)second;
    return _mm512_loadu_si512(at);
  } else {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    const __m256i hi =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + second));
    return _mm512_inserti64x4(_mm512_zextsi256_si512(lo), hi, 1);
  }
}

// The requantized bytes of one pixel's 64 channels (four vectors of
// accumulators in slot order) in channel order: the packs restore the
// order the unpacks permuted.
// Any mode: the shared requantizer, whose results are already in the
// output range, then exact packs.
template <class Requant>
struct RequantNarrow {
  const Requant& requant;
  bool u8;
  HWY_INLINE __m512i operator()(const __m512i (&acc)[4], size_t slot) const {
    __m512i q[4];
    LOWBIT_UNROLL
    for (size_t k = 0; k < 4; ++k) {
      q[k] = requant(hn::Vec512<int32_t>{acc[k]}, slot + 16 * k).raw;
    }
    const __m512i w01 = _mm512_packs_epi32(q[0], q[1]);
    const __m512i w23 = _mm512_packs_epi32(q[2], q[3]);
    return u8 ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
  }
};

// The fp32 mode through fp32_narrow-inl.h: the unpacks' slot order
// is the packs' order, so Bytes leaves the channels in order.
struct DwFp32Narrow {
  Fp32Narrow<Avx512Narrow> narrow;
  HWY_INLINE __m512i operator()(const __m512i (&acc)[4], size_t slot) const {
    return narrow.Bytes(narrow.Round(acc[0], slot),
                        narrow.Round(acc[1], slot + 16),
                        narrow.Round(acc[2], slot + 32),
                        narrow.Round(acc[3], slot + 48));
  }
};

// Calls body(narrow) with the narrower for `out`'s mode; the mode is chosen
// here, once, outside the caller's loop.
template <class Body>
HWY_INLINE void WithNarrow(const GemmOutput& out, const Body& body) {
  if (out.requant == LOWBIT_REQUANT_FP32) {
    return body(DwFp32Narrow{Fp32Narrow<Avx512Narrow>(out)});
  }
  const hn::ScalableTag<int32_t> d32;
  const bool u8 = out.type == LOWBIT_DTYPE_UINT8;
  WithRequantizer(d32, out, [&](const auto& requant) LOWBIT_LAMBDA_INLINE {
    using R = std::remove_reference_t<decltype(requant)>;
    body(RequantNarrow<R>{requant, u8});
  });
}

// One block's view of a run, in locals: the stores through uint8_t
// pointers may alias anything in memory, and would make the compiler
// reload each field after every store.
struct BlockArgs {
  const uint8_t* row[4];  // input row r at the block's first channel
  size_t step[4];         // bytes per column (0: a padding row of za)
  const int32_t* block;  // the block's packed bias and quads (dwconv.h)
  uint8_t* out;  // pixel 0 at the block's first channel
  size_t out_stride;
  size_t out_next;  // bytes from the first output row to the second
  const GemmOutput* stage;
  size_t slot;
  uint8_t flip;  // 0x80 for int8 input (to the unsigned side), else 0
  // Single pixels (Step's kTaps): input row r's column kx at taps[3 r +
  // kx], at the block's first channel (row and step unused).
  const uint8_t* const* taps;
};

// Everything of block `slot` but its input rows, whose first output pixel
// is at `out`.
BlockArgs BlockAt(const DwconvArgs& a, size_t slot, uint8_t* out) {
  BlockArgs b;
  b.block = a.packed + slot / kDwconvC4Block * kDwconvC4BlockInts;
  b.out = out;
  b.out_stride = a.out_stride;
  b.out_next = a.next_row * a.out_stride;
  b.stage = a.out;
  b.slot = slot;
  b.flip = a.input_type == LOWBIT_DTYPE_INT8 ? 0x80 : 0;
  b.taps = nullptr;
  return b;
}

// kR output rows (1 or 2) x kP vectors x 4 of one block, pixels p0.. of
// the run. Vector v holds pixels q0 = p0 + kPV * v and q1 = q0 + 1 (kPV =
// 2; with kOdd the second half repeats q0 and is not stored). Vector v at
// kernel column kx reads column q0 * S + kx in its first half, q1 * S + kx
// in its second: key v * kPV * S + kx relative to p0 * S, and equal keys
// share one set of quads. With two output rows the quads hold four input
// rows, and each serves both: the first row's weights in bytes 0-2, the
// second's in bytes 1-3.
// kTaps: one pixel whose columns are read through b.taps (the border
// pixels, whose padded columns read the za row), no copy of its patch.
template <size_t kR, size_t kPV, size_t kP, size_t S, bool kOdd,
          bool kInside, bool kAdjacent, bool kTaps = false, class WithNarrowFn>
HWY_INLINE void Step(const BlockArgs& b, size_t p0,
                     const WithNarrowFn& with_narrow) {
  static_assert(!kOdd || (kP == 1 && kPV == 2), "an odd pixel is one vector");
  static_assert(!kTaps || (kP == 1 && S == 1 && (kPV == 1 || kOdd)),
                "taps are one pixel's");
  static_assert(!kAdjacent || (kPV == 2 && S == 1 && !kOdd && kInside),
                "adjacent halves are consecutive 32-byte pixels");
  // Opaque to the optimizer at every step: otherwise it hoists the bias
  // and weight addresses out of the pixel loop into registers of their
  // own, and spills them.
  const int32_t* block = b.block;
  asm("" : "+r"(block));
  __m512i acc[kR][kP][4];
  LOWBIT_UNROLL
  for (size_t r = 0; r < kR; ++r) {
    LOWBIT_UNROLL
    for (size_t v = 0; v < kP; ++v) {
      LOWBIT_UNROLL
      for (size_t k = 0; k < 4; ++k) {
        acc[r][v][k] = _mm512_loadu_si512(block + 16 * k);
      }
    }
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(b.flip));
  constexpr size_t kKeys = (kP - 1) * kPV * S + 3;
  // Each row's column at the current key, stepped one column a key. The
  // barrier below keeps them four registers: left alone, the compiler
  // derives a pointer for every row and key and spills them.
  constexpr size_t kRows = 3 + (kR - 1);
  const uint8_t* at[kRows];
  size_t second[kRows];
  LOWBIT_UNROLL
  for (size_t i = 0; i < kRows; ++i) {
    // Inside (every kernel row in the image) one column step serves all:
    // a register each saved, which the pointer arithmetic needs.
    const size_t step = kTaps ? 0 : kInside ? b.step[0] : b.step[i];
    at[i] = kTaps ? b.taps[3 * i] : b.row[i] + p0 * S * step;
    second[i] = kOdd ? 0 : S * step;
  }
  LOWBIT_UNROLL
  for (size_t key = 0; key < kKeys; ++key) {
    bool used = false;
    LOWBIT_UNROLL
    for (size_t kx = 0; kx < 3; ++kx) {
      used |= key >= kx && (key - kx) % (kPV * S) == 0 &&
              (key - kx) / (kPV * S) < kP;
    }
    if (key > 0) {
      LOWBIT_UNROLL
      for (size_t i = 0; i < kRows; ++i) {
        if constexpr (kTaps) {
          at[i] = b.taps[3 * i + key];
        } else {
          at[i] += kInside ? b.step[0] : b.step[i];
        }
        asm("" : "+r"(at[i]));
      }
    }
    if (!used) continue;
    // The second half: pixel q0 + 1's column, or q0's again for the odd
    // last pixel (kOdd steps are one vector).
    __m512i r[4];
    LOWBIT_UNROLL
    for (size_t i = 0; i < kRows; ++i) {
      r[i] = LoadColumns<kPV, kAdjacent>(at[i], second[i]);
      r[i] = _mm512_xor_si512(r[i], flip);
    }
    if constexpr (kR == 1) r[3] = _mm512_setzero_si512();
    __m512i t[4];
    Quads(r[0], r[1], r[2], r[3], t);
    LOWBIT_UNROLL
    for (size_t kx = 0; kx < 3; ++kx) {
      if (key < kx || (key - kx) % (kPV * S) != 0 ||
          (key - kx) / (kPV * S) >= kP) {
        continue;
      }
      const size_t v = (key - kx) / (kPV * S);
      LOWBIT_UNROLL
      for (size_t row = 0; row < kR; ++row) {
        LOWBIT_UNROLL
        for (size_t k = 0; k < 4; ++k) {
          acc[row][v][k] = DotQuads(acc[row][v][k], t[k],
                                    block + (1 + 3 * row + kx) * 64 + 16 * k);
        }
      }
    }
  }
  // Requantize, pack back to channel order, store.
  with_narrow([&](const auto& narrow) LOWBIT_LAMBDA_INLINE {
    LOWBIT_UNROLL
    for (size_t row = 0; row < kR; ++row) {
      LOWBIT_UNROLL
      for (size_t v = 0; v < kP; ++v) {
        const __m512i bytes = narrow(acc[row][v], b.slot);
        uint8_t* dst = b.out + row * b.out_next + (p0 + kPV * v) * b.out_stride;
        if constexpr (kPV == 1) {
          _mm512_storeu_si512(dst, bytes);
        } else {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                              _mm512_castsi512_si256(bytes));
          if (!kOdd || v + 1 < kP) {
            _mm256_storeu_si256(
                reinterpret_cast<__m256i*>(dst + b.out_stride),
                _mm512_extracti64x4_epi64(bytes, 1));
          }
        }
      }
    }
  });
}

// Every pixel of the run for one block: steps of kSteps vectors (fewer for
// two rows, whose accumulators are twice as many), then halving steps; a
// 32-channel block's last odd pixel alone.
template <size_t kR, size_t kPV, size_t S, bool kInside, bool kAdjacent>
HWY_NOINLINE void Block(const BlockArgs& args, size_t pixels) {
  const BlockArgs b = args;
  constexpr size_t kP = kR == 1 ? kSteps : 2;
  // The steps of pixels [p, pixels), largest first; each step's epilogue
  // gets its narrower through with_narrow(body).
  const auto steps = [&](const auto& with_narrow) LOWBIT_LAMBDA_INLINE {
    size_t p = 0;
    for (; p + kP * kPV <= pixels; p += kP * kPV) {
      Step<kR, kPV, kP, S, false, kInside, kAdjacent>(b, p, with_narrow);
    }
    if constexpr (kP > 2) {
      if (p + 2 * kPV <= pixels) {
        Step<kR, kPV, 2, S, false, kInside, kAdjacent>(b, p, with_narrow);
        p += 2 * kPV;
      }
    }
    if (p + kPV <= pixels) {
      Step<kR, kPV, 1, S, false, kInside, kAdjacent>(b, p, with_narrow);
      p += kPV;
    }
    if constexpr (kPV == 2) {
      if (p < pixels) {
        Step<kR, kPV, 1, S, true, kInside, false>(b, p, with_narrow);
      }
    }
  };
  // The output constants set up once for the whole run, or per step where
  // two rows of 64-channel accumulators leave no registers to keep them in
  // (each measured faster on the shapes of bench-shapes.md).
  if constexpr (kR == 1 || kPV == 2) {
    WithNarrow(*b.stage, [&](const auto& narrow) LOWBIT_LAMBDA_INLINE {
      steps([&](const auto& body) LOWBIT_LAMBDA_INLINE { body(narrow); });
    });
  } else {
    steps([&](const auto& body) LOWBIT_LAMBDA_INLINE {
      WithNarrow(*b.stage, body);
    });
  }
}

template <size_t kR, size_t S>
void Run(const DwconvArgs& a) {
  const size_t c4 = DwconvC4Channels(a.channels);
  for (size_t c0 = 0, slot = 0; c0 < c4; slot += kDwconvC4Block) {
    BlockArgs b = BlockAt(a, slot, a.output + c0);
    bool inside = true;
    for (size_t i = 0; i < 4; ++i) {
      // Input row i: the first output row's kernel row i, or the second's
      // kernel row 2 (pixel 0's tap (ky, 0) in both).
      const int64_t offset = i < 3 ? a.offsets[i * 3]
                             : kR == 2 ? a.offsets[a.next_row * 9 + 6]
                                       : 0;
      b.row[i] = (offset < 0 ? a.zero_row : a.image + offset) + c0;
      b.step[i] = offset < 0 ? 0 : a.in_stride;
      inside &= offset >= 0;
    }
    if (c4 - c0 >= 64) {
      if (inside) {
        Block<kR, 1, S, true, false>(b, a.pixels);
      } else {
        Block<kR, 1, S, false, false>(b, a.pixels);
      }
      c0 += 64;
    } else {
      // Two pixels of 32 channels side by side (MobileNet's first
      // depthwise layer): one load for both halves.
      if (S == 1 && inside && a.in_stride == 32) {
        Block<kR, 2, S, true, S == 1>(b, a.pixels);
      } else if (inside) {
        Block<kR, 2, S, true, false>(b, a.pixels);
      } else {
        Block<kR, 2, S, false, false>(b, a.pixels);
      }
      c0 += 32;
    }
  }
}

// Pixels outside row runs (borders, tiny images), one at a time (or one
// per row of a pair): per block, one step reads each tap where it is (the
// za row for a tap in the padding) through BlockArgs::taps. Input row 3 of
// a pair is the second output row's kernel row 2. (A copy of each patch
// into a buffer laid out as a run's rows cost more than the steps on it.)
template <size_t kR>
HWY_NOINLINE void Pixels(const DwconvArgs& a) {
  const size_t c4 = DwconvC4Channels(a.channels);
  constexpr size_t kTapCount = 3 * (3 + kR - 1);
  const uint8_t* tap[12];
  for (size_t p = 0; p < a.pixels; ++p) {
    const int64_t* offsets = a.offsets + p * 9;
    const uint8_t* base[12];
    for (size_t t = 0; t < kTapCount; ++t) {
      const int64_t offset =
          t < 9 ? offsets[t] : offsets[a.next_row * 9 + t - 3];
      base[t] = offset < 0 ? a.zero_row : a.image + offset;
    }
    for (size_t c0 = 0, slot = 0; c0 < c4; slot += kDwconvC4Block) {
      BlockArgs b = BlockAt(a, slot, a.output + p * a.out_stride + c0);
      for (size_t t = 0; t < kTapCount; ++t) tap[t] = base[t] + c0;
      b.taps = tap;
      const auto with_narrow = [&](const auto& body) LOWBIT_LAMBDA_INLINE {
        WithNarrow(*a.out, body);
      };
      if (c4 - c0 >= 64) {
        Step<kR, 1, 1, 1, false, true, false, true>(b, 0, with_narrow);
        c0 += 64;
      } else {
        Step<kR, 2, 1, 1, true, true, false, true>(b, 0, with_narrow);
        c0 += 32;
      }
    }
  }
}

// Channels [0, C4) of a 3x3 kernel: row runs (DwconvArgs::row_run) and
// single pixels, of one output row or a pair. The input type is a run-time
// XOR mask and the output type a run-time pack choice: as template
// parameters each doubled the instantiations (compile time, sanitizer
// builds above all) for no measurable speed.
void Q8Dwconv4x64c4(const DwconvArgs& args) {
  // No local copy of the struct the caller has just written: copying it
  // whole reads across the caller's field stores, which cannot forward
  // (8% of mnv1-dw-s2's 112 calls per run). Run and Pixels copy what their
  // loops use into locals (BlockArgs), where output stores cannot alias it.
  const DwconvArgs& a = args;
  if (!a.row_run) return a.row_pair ? Pixels<2>(a) : Pixels<1>(a);
  if (a.row_pair) {  // stride 1 vertically; horizontally 1 or 2
    return a.stride_w == 1 ? Run<2, 1>(a) : Run<2, 2>(a);
  }
  return a.stride_w == 1 ? Run<1, 1>(a) : Run<1, 2>(a);
}

}  // namespace
}  // namespace HWY_NAMESPACE

const DwconvUkernelFn kQ8Dwconv4x64c4Avx512VnniUkernel =
    &HWY_NAMESPACE::Q8Dwconv4x64c4;

}  // namespace lowbit
