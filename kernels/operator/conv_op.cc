// The convolution operator: validates the geometry, packs each group's
// weights as a GEMM (OHWI rows are the GEMM's W[n][k] with k = (ky, kx, c)),
// and runs each group as an indirect GEMM whose activation rows are the
// output pixels' patches, gathered one row at a time into the kernel's
// activation form (no im2col of the image). A 1x1, stride-1, unpadded
// convolution is a plain GEMM over the pixels. Depthwise convolution has its
// own kernels (kernels/dwconv/), which read the input through an
// indirection buffer of tap offsets built once per input shape; a channel
// multiplier M > 1 runs them on the input's channels repeated M times.
#include "kernels/operator/conv_op.h"

#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/dwconv/dwconv.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/conv_params.h"
#include "kernels/operator/dwconv16_op.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gather_pairs.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/guard.h"
#include "kernels/operator/scratch.h"
#include "kernels/operator/versioned.h"
#include "kernels/reference/conv.h"

struct lowbit_conv2d {
  lowbit_conv2d_params p{};  // geometry and types; pointers cleared
  size_t k = 0;              // kernel_height * kernel_width * Cg
  std::vector<lowbit_gemm_t> group_gemms;  // the GEMM path
  // The depthwise path: kernel, packed weights (dwconv.h), output stage,
  // a row of za for padded taps, and an id for per-thread shape caches.
  const lowbit::DwconvKernel* dw = nullptr;
  lowbit::AlignedVector<int32_t> dw_packed;
  size_t dw_cpad = 0;
  lowbit::OutputStage dw_stage;
  lowbit::AlignedVector<uint8_t> zero_row;
  // With a c4 row-run kernel (dw->base set): its packed form and output
  // stage in slot order (dwconv.h), and the base form's output stage from
  // channel C4 on, for the channels past the c4 blocks.
  lowbit::AlignedVector<int32_t> c4_packed;
  lowbit::OutputStage c4_stage;
  lowbit::GemmOutput tail_out{};
  uint64_t id = 0;
  // Symmetric (int8, int4) weights on the GEMM path: each tap's weight
  // sums over c,
  // [group][ky * kw + kx][n] with n in GemmPackedBias's layout (bias_count
  // per group), for the pixels whose padded kernel rows or columns are
  // skipped (SkippedTapsBias).
  size_t bias_count = 0;
  lowbit::AlignedVector<int32_t> tap_sums;
  // INT16 activations: group_gemms are 16-bit GEMMs, run on gathered
  // patches (RunConv16), or dw16 runs a depthwise convolution.
  bool wide = false;
  lowbit::Dw16* dw16 = nullptr;

  ~lowbit_conv2d() {
    for (lowbit_gemm_t g : group_gemms) lowbit_gemm_destroy(g);
    lowbit::DestroyDw16(dw16);
  }
};

namespace lowbit {
namespace {

// Group g's slice of the whole GEMM (GroupSlice). int4 weights count
// nibbles: a group starting in the middle of a byte is copied into
// `nibbles`, shifted to start on a byte.
lowbit_gemm_params SliceGroup(const lowbit_gemm_params& all, size_t g,
                              size_t ng, std::vector<uint8_t>* nibbles) {
  lowbit_gemm_params s = GroupSlice(all, g, ng);
  if (all.weight_type != LOWBIT_DTYPE_INT4) return s;
  const size_t first = g * ng * all.k;  // element
  const auto* w = static_cast<const uint8_t*>(all.weights);
  if (first % 2 == 0) {
    s.weights = w + first / 2;
    return s;
  }
  const size_t count = ng * all.k;
  nibbles->assign((count + 1) / 2, 0);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t v =
        static_cast<uint8_t>(WeightElement(all.weight_type, w, first + i)) &
        0xF;
    (*nibbles)[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v : v << 4);
  }
  s.weights = nibbles->data();
  return s;
}

// n bytes from src to dst, each XORed with flip (0 for a plain copy, 0x80
// to change between int8 and uint8).
inline void CopyFlipped(uint8_t* dst, const uint8_t* src, size_t n,
                        uint8_t flip) {
  if (flip == 0) {
    std::memcpy(dst, src, n);
    return;
  }
  size_t i = 0;
  const uint64_t flip8 = 0x0101010101010101ull * flip;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, src + i, 8);
    v ^= flip8;
    std::memcpy(dst + i, &v, 8);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ flip;
}

inline void Fill(uint8_t* dst, uint8_t value, size_t n) {
  if (n != 0) std::memset(dst, value, n);
}

// 16 bytes, the unit of the fast gather: GCC and clang lower it to one
// vector register where the target has them (SSE2, NEON) and to scalar
// code elsewhere.
typedef uint8_t Bytes16 __attribute__((vector_size(16)));

// ceil(n / 16) * 16 bytes from src to dst, each XORed with flip: reads and
// writes up to 15 bytes past n, which the caller has made safe.
inline void CopyFlippedOver(uint8_t* dst, const uint8_t* src, size_t n,
                            Bytes16 flip) {
  size_t i = 0;
  do {
    Bytes16 v;
    std::memcpy(&v, src + i, sizeof(v));
    v ^= flip;
    std::memcpy(dst + i, &v, sizeof(v));
    i += sizeof(v);
  } while (i < n);
}

// The fast path's reads and writes pass the bytes they need by less than
// this (its chunks are 16 or 32 bytes).
constexpr size_t kGatherOver = 32;

#if defined(__x86_64__) && defined(__GNUC__)
// The fast path's general case (pieces of any length) in 32-byte chunks,
// for CPUs with AVX2: this file is built for the baseline ISA, whose 16-byte
// chunks made the gather an eighth of rn50-3x3-56's time.
__attribute__((target("avx2"))) void FastPixelsAvx2(
    const uint8_t* px, size_t n, size_t pixel_step, uint8_t* dst,
    size_t dst_stride, size_t kh, size_t row_step, size_t pieces,
    size_t piece_step, size_t piece, size_t k, size_t pad_to, uint8_t flip) {
  const __m256i mask = _mm256_set1_epi8(static_cast<char>(flip));
  const __m256i zero = _mm256_setzero_si256();
  for (size_t i = 0; i < n; ++i, px += pixel_step, dst += dst_stride) {
    const uint8_t* row = px;
    uint8_t* d = dst;
    for (size_t ky = 0; ky < kh; ++ky, row += row_step) {
      const uint8_t* src = row;
      for (size_t j = 0; j < pieces; ++j, src += piece_step, d += piece) {
        size_t c = 0;
        do {
          const __m256i v = _mm256_loadu_si256(
              reinterpret_cast<const __m256i*>(src + c));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + c),
                              _mm256_xor_si256(v, mask));
          c += 32;
        } while (c < piece);
      }
    }
    for (size_t j = k; j < pad_to; j += 32) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + j), zero);
    }
  }
}
bool GatherAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}
#else
bool GatherAvx2() { return false; }
#endif

// Gathers output pixels' patches of one group: kernel_h x kernel_w taps of
// Cg channels, za for taps in the padding. The taps of a kernel row that
// fall inside the image form one range of kx; with unit dilation and
// pixels of exactly Cg channels that range is one contiguous copy.
struct Patches {
  const lowbit_conv2d_params* p;
  const uint8_t* input;  // at the group's first channel
  size_t in_stride;
  size_t in_h, in_w, out_h, out_w;
  uint8_t za;
  // The fast path (FastRun) copies pieces of `piece` bytes, `pieces` per
  // kernel row, 16 or 32 bytes at a time. Its reads stay below read_limit,
  // the end of the caller's input.
  // Taps inside the image: start row y0 <= y_last, start column x0 <=
  // x_last (false fast: the kernel's reach exceeds the image).
  const uint8_t* read_limit;
  size_t piece = 0, pieces = 0, piece_step = 0, row_step = 0, reach = 0;
  size_t y_last = 0, x_last = 0;
  bool fast = false;
  bool wide = false;  // pieces longer than 32 bytes in 32-byte chunks
  size_t row0 = 0;    // Gather's row i is output pixel row0 + i

  Patches(const lowbit_conv2d_params* params, const uint8_t* group_input,
          size_t stride, size_t ih, size_t iw, size_t oh, size_t ow,
          const uint8_t* limit)
      : p(params), input(group_input), in_stride(stride), in_h(ih), in_w(iw),
        out_h(oh), out_w(ow), za(static_cast<uint8_t>(params->input_zero_point)),
        read_limit(limit) {
    const size_t cg = p->group_input_channels;
    const bool contiguous = p->dilation_width == 1 && in_stride == cg;
    piece = contiguous ? p->kernel_width * cg : cg;
    pieces = contiguous ? 1 : p->kernel_width;
    piece_step = p->dilation_width * in_stride;
    row_step = p->dilation_height * in_w * in_stride;
    wide = piece > 32 && GatherAvx2();
    const size_t chunk = wide ? 32 : 16;
    // From a patch's first byte to the end of its last chunk's read.
    reach = (p->kernel_height - 1) * row_step + (pieces - 1) * piece_step +
            (piece + chunk - 1) / chunk * chunk;
    const size_t ext_h = (p->kernel_height - 1) * p->dilation_height;
    const size_t ext_w = (p->kernel_width - 1) * p->dilation_width;
    fast = ext_h < in_h && ext_w < in_w;
    if (fast) {
      y_last = in_h - 1 - ext_h;
      x_last = in_w - 1 - ext_w;
    }
  }

  // One pixel's patch at (b, oy, ox) to dst; returns the bytes written.
  size_t Patch(size_t b, size_t oy, size_t ox, uint8_t* dst,
               uint8_t flip) const {
    const size_t cg = p->group_input_channels;
    const size_t kw = p->kernel_width;
    const size_t dw = p->dilation_width;
    const uint8_t* image = input + b * in_h * in_w * in_stride;
    const uint8_t pad = za ^ flip;
    // Signed: taps before the first row or column.
    const int64_t y0 = int64_t(oy * p->stride_height) -
                       int64_t(p->padding_top);
    const int64_t x0 = int64_t(ox * p->stride_width) -
                       int64_t(p->padding_left);
    // kx in [kx0, kx1) reads inside the image.
    const int64_t w = int64_t(in_w);
    const int64_t step = int64_t(dw);
    size_t kx0, kx1;
    if (dw == 1) {  // no division for the common case
      kx0 = x0 >= 0 ? 0 : std::min<size_t>(kw, size_t(-x0));
      kx1 = x0 >= w ? 0 : std::min<size_t>(kw, size_t(w - x0));
    } else {
      kx0 = x0 >= 0 ? 0 : std::min<size_t>(kw, size_t((-x0 + step - 1) / step));
      kx1 = x0 >= w ? 0 : std::min<size_t>(kw, size_t((w - 1 - x0) / step + 1));
    }
    const bool contiguous = dw == 1 && in_stride == cg;
    uint8_t* const start = dst;
    for (size_t ky = 0; ky < p->kernel_height; ++ky) {
      const int64_t iy = y0 + int64_t(ky * p->dilation_height);
      if (iy < 0 || iy >= int64_t(in_h) || kx0 >= kx1) {
        Fill(dst, pad, kw * cg);
        dst += kw * cg;
        continue;
      }
      Fill(dst, pad, kx0 * cg);
      dst += kx0 * cg;
      const uint8_t* px = image + (size_t(iy) * in_w +
                                   size_t(x0 + int64_t(kx0 * dw))) *
                                      in_stride;
      if (contiguous) {
        CopyFlipped(dst, px, (kx1 - kx0) * cg, flip);
        dst += (kx1 - kx0) * cg;
      } else {
        for (size_t kx = kx0; kx < kx1; ++kx, dst += cg) {
          CopyFlipped(dst, px, cg, flip);
          px += dw * in_stride;
        }
      }
      Fill(dst, pad, (kw - kx1) * cg);
      dst += (kw - kx1) * cg;
    }
    return static_cast<size_t>(dst - start);
  }

  // kChunks > 0: one piece per kernel row, of at most kChunks x 16 bytes;
  // 0: any pieces. Everything in locals: the uint8_t stores may alias the
  // struct, and the compiler would reload it after each one.
  // kKh > 0: the kernel height, known at compile time.
  template <size_t kChunks, size_t kKh>
  void FastPixels(const uint8_t* px, size_t n, uint8_t* dst,
                  size_t dst_stride, Bytes16 flip, size_t pad_to) const {
    const size_t kh = kKh != 0 ? kKh : p->kernel_height;
    const size_t k = kh * p->kernel_width * p->group_input_channels;
    const size_t pixel_step = p->stride_width * in_stride;
    const size_t rs = row_step, ps = piece_step, len = piece, np = pieces;
    const Bytes16 zero = {};
    for (size_t i = 0; i < n; ++i, px += pixel_step, dst += dst_stride) {
      const uint8_t* row = px;
      uint8_t* d = dst;
      for (size_t ky = 0; ky < kh; ++ky, row += rs) {
        if (kChunks == 0) {
          const uint8_t* src = row;
          for (size_t j = 0; j < np; ++j, src += ps, d += len) {
            CopyFlippedOver(d, src, len, flip);
          }
        } else {
          for (size_t c = 0; c < kChunks; ++c) {
            Bytes16 v;
            std::memcpy(&v, row + 16 * c, sizeof(v));
            v ^= flip;
            std::memcpy(d + 16 * c, &v, sizeof(v));
          }
          d += len;
        }
      }
      if (k < pad_to) {
        for (size_t j = k; j < pad_to; j += 16) {
          std::memcpy(dst + j, &zero, sizeof(zero));
        }
      }
    }
  }

  // Patches of up to n pixels from (b, oy, ox) on along the output row, as
  // long as every tap is inside the image and every chunk's read stays
  // below read_limit; returns how many (0: the slow path takes this one).
  // Each patch is whole 16- or 32-byte copies then zeros up to pad_to, and
  // writes less than kGatherOver bytes past pad_to.
  size_t FastRun(size_t b, size_t oy, size_t ox, size_t n, uint8_t* dst,
                 size_t dst_stride, Bytes16 flip, size_t pad_to,
                 const PairGather* pairs) const {
    if (!fast) return 0;
    // Unsigned: a start in the padding wraps and fails the same test.
    const size_t y0 = oy * p->stride_height - p->padding_top;
    const size_t x0 = ox * p->stride_width - p->padding_left;
    if (y0 > y_last || x0 > x_last) return 0;
    n = std::min({n, out_w - ox, (x_last - x0) / p->stride_width + 1});
    const uint8_t* px = input + ((b * in_h + y0) * in_w + x0) * in_stride;
    const size_t avail = static_cast<size_t>(read_limit - px);
    if (avail < reach) return 0;
    n = std::min(n, (avail - reach) / (p->stride_width * in_stride) + 1);
    // First layers (C <= 4): 3x3 and 7x7 kernels in one or two chunks.
    const size_t kh = p->kernel_height;
    if (pairs != nullptr) {
      FastPairs(*pairs, px, n, p->stride_width * in_stride, row_step, dst,
                flip[0]);
    } else if (pieces == 1 && piece <= 16 && kh == 3) {
      FastPixels<1, 3>(px, n, dst, dst_stride, flip, pad_to);
    } else if (pieces == 1 && piece <= 16) {
      FastPixels<1, 0>(px, n, dst, dst_stride, flip, pad_to);
    } else if (pieces == 1 && piece <= 32 && kh == 7) {
      FastPixels<2, 7>(px, n, dst, dst_stride, flip, pad_to);
    } else if (pieces == 1 && piece <= 32) {
      FastPixels<2, 0>(px, n, dst, dst_stride, flip, pad_to);
    } else if (wide) {
#if defined(__x86_64__) && defined(__GNUC__)
      FastPixelsAvx2(px, n, p->stride_width * in_stride, dst, dst_stride, kh,
                     row_step, pieces, piece_step, piece,
                     kh * p->kernel_width * p->group_input_channels, pad_to,
                     flip[0]);
#endif
    } else {
      FastPixels<0, 0>(px, n, dst, dst_stride, flip, pad_to);
    }
    return n;
  }

  static void Gather(const void* context, size_t i0, size_t rows,
                     uint8_t* dst, size_t dst_stride, uint8_t flip,
                     size_t pad_to) {
    const Patches& s = *static_cast<const Patches*>(context);
    Bytes16 flip16;
    std::memset(&flip16, flip, sizeof(flip16));
    // The fast path writes past a row into the next ones, which are
    // written afterwards; only into the rows of this call. Row r may take
    // it when r * dst_stride + pad_to + kGatherOver <= rows * dst_stride.
    size_t fast_rows = 0;
    if (dst_stride == pad_to) {
      const size_t over =
          (pad_to + kGatherOver + dst_stride - 1) / dst_stride;
      fast_rows = rows + 1 > over ? rows + 1 - over : 0;
    }
    // First layers on AVX-512 VBMI: two patches per byte permute.
    PairGather pair_gather;
    const PairGather* pairs = nullptr;
    if (s.fast && s.pieces == 1 && dst_stride == pad_to &&
        PairGatherAvailable() &&
        MakePairGather(s.p->kernel_height, s.piece,
                       s.p->stride_width * s.in_stride, pad_to,
                       &pair_gather)) {
      pairs = &pair_gather;
    }
    // Divide once, then step through (b, oy, ox).
    i0 += s.row0;
    size_t ox = i0 % s.out_w;
    size_t oy = (i0 / s.out_w) % s.out_h;
    size_t b = i0 / s.out_w / s.out_h;
    for (size_t r = 0; r < rows;) {
      size_t done = r < fast_rows ? s.FastRun(b, oy, ox, fast_rows - r, dst,
                                              dst_stride, flip16, pad_to,
                                              pairs)
                                  : 0;
      if (done == 0) {
        const size_t written = s.Patch(b, oy, ox, dst, flip);
        for (size_t j = written; j < pad_to; ++j) dst[j] = 0;
        done = 1;
      }
      r += done;
      dst += done * dst_stride;
      ox += done;  // a run stays inside one output row
      if (ox == s.out_w) {
        ox = 0;
        if (++oy == s.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
  }
};


lowbit_status OutputSize(const lowbit_conv2d& conv, size_t in_h, size_t in_w,
                         size_t* out_h, size_t* out_w, const char* fn) {
  return ConvOutputSizes(conv.p, in_h, in_w, out_h, out_w, fn);
}

std::atomic<uint64_t> g_next_conv_id{1};

// Tap offsets of one image's output pixels for the depthwise kernels,
// relative to the image's first byte (-1: the tap is in the padding). Built
// for the last shape each thread ran and reused while the shape repeats.
struct Indirection {
  uint64_t conv_id = 0;
  size_t in_h = 0, in_w = 0, in_stride = 0;
  ScratchArray<int64_t> offsets;
};

const int64_t* DwIndirection(const lowbit_conv2d& conv, size_t in_h,
                             size_t in_w, size_t in_stride, size_t out_h,
                             size_t out_w, const char* fn,
                             lowbit_status* status) {
  thread_local Indirection cache;
  if (cache.conv_id == conv.id && cache.in_h == in_h && cache.in_w == in_w &&
      cache.in_stride == in_stride) {
    return cache.offsets.data();
  }
  const lowbit_conv2d_params& p = conv.p;
  const size_t taps = p.kernel_height * p.kernel_width;
  size_t count = 0;
  size_t bytes = 0;
  if (!MulOk(out_h, out_w, &count) || !MulOk(count, taps, &count) ||
      !MulOk(count, sizeof(int64_t), &bytes) ||
      bytes > static_cast<size_t>(PTRDIFF_MAX) / 4) {
    *status = Fail(LOWBIT_ERROR_INVALID_SIZE,
                   "%s: the indirection buffer of %zu x %zu pixels overflows",
                   fn, out_h, out_w);
    return nullptr;
  }
  cache.conv_id = 0;
  if (!cache.offsets.Reserve(count)) {
    *status = Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                   "%s: cannot allocate an indirection buffer of %zu offsets",
                   fn, count);
    return nullptr;
  }
  int64_t* o = cache.offsets.data();
  for (size_t oy = 0; oy < out_h; ++oy) {
    for (size_t ox = 0; ox < out_w; ++ox) {
      const size_t y0 = oy * p.stride_height - p.padding_top;  // may wrap
      const size_t x0 = ox * p.stride_width - p.padding_left;
      for (size_t ky = 0; ky < p.kernel_height; ++ky) {
        const size_t iy = y0 + ky * p.dilation_height;
        for (size_t kx = 0; kx < p.kernel_width; ++kx) {
          const size_t ix = x0 + kx * p.dilation_width;
          *o++ = iy < in_h && ix < in_w
                     ? static_cast<int64_t>((iy * in_w + ix) * in_stride)
                     : -1;
        }
      }
    }
  }
  cache.conv_id = conv.id;
  cache.in_h = in_h;
  cache.in_w = in_w;
  cache.in_stride = in_stride;
  IndirectionBuildCount().fetch_add(1, std::memory_order_relaxed);
  return cache.offsets.data();
}

struct DwRun {
  const lowbit_conv2d* conv;
  const int64_t* offsets;
  const uint8_t* input;
  size_t image_bytes;  // in_h * in_w * in_stride
  size_t in_stride;
  uint8_t* output;
  size_t out_stride;
  size_t out_h, out_w;
  // Output columns [x_lo, x_hi) read only columns inside the image.
  size_t x_lo, x_hi;
};

// Output rows [row, row + rows) of all images (row = b * out_h + oy). For
// the geometries the kernels specialize, each row's border pixels and its
// run of inner pixels are separate kernel calls (row_run for the latter);
// otherwise consecutive rows of an image are one call, as their offsets and
// outputs follow each other.
void DwRows(void* context, size_t row, size_t rows) {
  const DwRun& r = *static_cast<const DwRun*>(context);
  const lowbit_conv2d& conv = *r.conv;
  const size_t taps = conv.p.kernel_height * conv.p.kernel_width;
  DwconvArgs a;
  a.kernel_w = conv.p.kernel_width;
  a.stride_w = conv.p.stride_width;
  a.dilation_w = conv.p.dilation_width;
  a.in_stride = r.in_stride;
  a.channels = conv.p.groups * conv.p.group_output_channels;
  a.taps = taps;
  a.zero_row = conv.zero_row.data();
  a.packed = conv.dw_packed.data();
  a.cpad = conv.dw_cpad;
  a.input_type = conv.p.input_type;
  a.out = &conv.dw_stage.out;
  a.out_stride = r.out_stride;
  a.row_run = false;  // these five are set per call
  a.pixels = 0;
  a.offsets = nullptr;
  a.image = nullptr;
  a.output = nullptr;
  const DwconvKernel& base = conv.dw->base != nullptr ? *conv.dw->base
                                                      : *conv.dw;
  const size_t c4 = conv.dw->base != nullptr ? DwconvC4Channels(a.channels)
                                             : 0;
  // The c4 kernel's channels [0, C4) and the base kernel's rest (tail):
  // each struct set up once, then only the fields that change from call to
  // call stored field by field (a whole-struct copy per call read across
  // those stores, which cannot forward: 3% of mnv1-dw-s2).
  DwconvArgs head = a, tail = a;
  if (c4 != 0) {
    head.channels = c4;
    head.packed = conv.c4_packed.data();
    head.cpad = DwconvC4Slots(a.channels);
    head.out = &conv.c4_stage.out;
    head.next_row = r.out_w;
    tail.channels = a.channels - c4;
    tail.zero_row += c4;
    tail.packed += c4;
    tail.out = &conv.tail_out;
  }
  // Rows i and i + 1 (pair) or row i alone, pixels [x0, x0 + pixels).
  const auto call = [&](size_t i, size_t x0, size_t pixels, bool run,
                        bool pair) {
    const size_t b = i / r.out_h;
    const size_t oy = i % r.out_h;
    const int64_t* offsets = r.offsets + (oy * r.out_w + x0) * taps;
    const uint8_t* image = r.input + b * r.image_bytes;
    uint8_t* output = r.output + (i * r.out_w + x0) * r.out_stride;
    if (c4 == 0) {
      a.row_run = run;
      a.pixels = pixels;
      a.offsets = offsets;
      a.image = image;
      a.output = output;
      return base.ukernel(a);
    }
    head.row_run = run;
    head.row_pair = pair;
    head.pixels = pixels;
    head.offsets = offsets;
    head.image = image;
    head.output = output;
    conv.dw->ukernel(head);
    if (c4 < a.channels) {
      tail.row_run = run;
      tail.pixels = pixels;
      tail.offsets = offsets;
      tail.image = image + c4;
      tail.output = output + c4;
      base.ukernel(tail);
      if (pair) {
        tail.offsets += r.out_w * taps;
        tail.output += r.out_w * r.out_stride;
        base.ukernel(tail);
      }
    }
  };
  const bool runs = DwconvRowRunSpecialized(a.kernel_w, a.stride_w,
                                            a.dilation_w) &&
                    r.x_hi > r.x_lo;
  // Row pairs share three of their four input rows (c4 kernels).
  const bool pairs = c4 != 0 && conv.p.stride_height == 1 &&
                     conv.p.dilation_height == 1;
  for (size_t i = row; i < row + rows;) {
    if (!runs) {
      const size_t n = std::min(row + rows - i, r.out_h - i % r.out_h);
      call(i, 0, n * r.out_w, false, false);
      i += n;
      continue;
    }
    const bool pair = pairs && i + 1 < row + rows &&
                      i % r.out_h + 1 < r.out_h;
    if (r.x_lo > 0) call(i, 0, r.x_lo, false, pair);
    if (r.x_hi < r.out_w) call(i, r.x_hi, r.out_w - r.x_hi, false, pair);
    call(i, r.x_lo, r.x_hi - r.x_lo, true, pair);
    i += pair ? 2 : 1;
  }
}

// Kernel positions of output position o (along one axis: kernel size k)
// in the padding: `before` before the image, `after` past it (a prefix
// and a suffix). None when every position is (nothing would be left to run).
void PaddedKernelRange(size_t k, size_t stride, size_t dilation, size_t pad,
                       size_t in, size_t o, size_t* before, size_t* after) {
  *before = *after = 0;
  for (size_t i = 0; i < k; ++i) {
    const size_t reach = o * stride + i * dilation;
    if (reach < pad) {
      ++*before;
    } else if (reach - pad >= in) {
      ++*after;
    }
  }
  if (*before + *after == k) *before = *after = 0;
}

// Kernel rows of output row oy in the padding: `top` before the image,
// `bottom` past it. None when the convolution keeps no tap sums.
void PaddedKernelRows(const lowbit_conv2d& conv, size_t in_h, size_t oy,
                      size_t* top, size_t* bottom) {
  const lowbit_conv2d_params& p = conv.p;
  PaddedKernelRange(p.kernel_height, p.stride_height, p.dilation_height,
                    p.padding_top, in_h, oy, top, bottom);
  if (conv.bias_count == 0) *top = *bottom = 0;
}

// The same for kernel columns of output column ox.
void PaddedKernelColumns(const lowbit_conv2d& conv, size_t in_w, size_t ox,
                         size_t* left, size_t* right) {
  const lowbit_conv2d_params& p = conv.p;
  PaddedKernelRange(p.kernel_width, p.stride_width, p.dilation_width,
                    p.padding_left, in_w, ox, left, right);
  if (conv.bias_count == 0) *left = *right = 0;
}

// The accumulators' start for pixels of group g that run only the taps
// (ky, kx) with ky in [ky0, ky1) and kx in [kx0, kx1): the packed bias plus
// what the others would have added reading the za row (za_form, the za
// byte in the kernel's activation form), modulo 2^32 like the kernel.
void SkippedTapsBias(const lowbit_conv2d& conv, size_t g, size_t ky0,
                     size_t ky1, size_t kx0, size_t kx1, int32_t za_form,
                     int32_t* bias) {
  const size_t kh = conv.p.kernel_height, kw = conv.p.kernel_width;
  const size_t nb = conv.bias_count;
  const int32_t* sums = conv.tap_sums.data() + g * kh * kw * nb;
  GemmPackedBias(conv.group_gemms[g], bias);
  for (size_t ky = 0; ky < kh; ++ky) {
    for (size_t kx = 0; kx < kw; ++kx) {
      if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1) continue;
      const int32_t* st = sums + (ky * kw + kx) * nb;
      for (size_t n = 0; n < nb; ++n) {
        bias[n] = static_cast<int32_t>(static_cast<uint32_t>(bias[n]) +
                                       static_cast<uint32_t>(za_form) *
                                           static_cast<uint32_t>(st[n]));
      }
    }
  }
}

// Output rows [oy0, end) share the padded kernel rows (top, bottom) of oy0.
size_t RowBandEnd(const lowbit_conv2d& conv, size_t in_h, size_t out_h,
                  size_t oy0, size_t* top, size_t* bottom) {
  PaddedKernelRows(conv, in_h, oy0, top, bottom);
  size_t oy1 = oy0 + 1;
  for (size_t t = 0, u = 0; oy1 < out_h; ++oy1) {
    PaddedKernelRows(conv, in_h, oy1, &t, &u);
    if (t != *top || u != *bottom) break;
  }
  return oy1;
}

// How an image of one group runs on the indirect kernels: bands of output
// rows with the same kernel rows in the padding (those rows skipped, their
// za terms moved into the bias), and with `columns` each output column
// outside [x_lo, x_hi) as a band of its own (one pixel per output row) that
// skips its padded kernel columns, the row bands then covering only
// [x_lo, x_hi). Columns are chosen when they make fewer tile passes (tiles
// of mr rows x taps) than whole rows do.
struct ConvPlan {
  size_t x_lo = 0, x_hi = 0;
  bool columns = false;
  size_t bands = 0;     // row bands, then column bands
  size_t skipping = 0;  // bands that skip taps (a bias of their own)
};

ConvPlan PlanBands(const lowbit_conv2d& conv, size_t in_h, size_t in_w,
                   size_t out_h, size_t out_w, size_t mr) {
  const size_t kh = conv.p.kernel_height, kw = conv.p.kernel_width;
  ConvPlan plan;
  plan.x_hi = out_w;
  size_t left = 0, right = 0;
  while (plan.x_lo < out_w) {
    PaddedKernelColumns(conv, in_w, plan.x_lo, &left, &right);
    if (left == 0) break;
    ++plan.x_lo;
  }
  while (plan.x_hi > plan.x_lo) {
    PaddedKernelColumns(conv, in_w, plan.x_hi - 1, &left, &right);
    if (right == 0) break;
    --plan.x_hi;
  }
  const size_t iw = plan.x_hi - plan.x_lo;
  size_t now = 0, split = 0, row_bands = 0, row_skipping = 0;
  for (size_t oy0 = 0, oy1 = 0; oy0 < out_h; oy0 = oy1) {
    size_t top = 0, bottom = 0;
    oy1 = RowBandEnd(conv, in_h, out_h, oy0, &top, &bottom);
    const size_t used = (kh - top - bottom) * kw;
    now += ((oy1 - oy0) * out_w + mr - 1) / mr * used;
    split += (oy1 - oy0) * ((iw + mr - 1) / mr) * used;
    ++row_bands;
    row_skipping += top + bottom > 0;
  }
  size_t column_skipping = 0;
  for (size_t ox = 0; ox < out_w; ++ox) {
    if (ox >= plan.x_lo && ox < plan.x_hi) continue;
    PaddedKernelColumns(conv, in_w, ox, &left, &right);
    split += (out_h + mr - 1) / mr * kh * (kw - left - right);
    column_skipping += left + right > 0;
  }
  plan.columns = kw > 1 && iw < out_w && split < now;
  if (!plan.columns) {
    plan.x_lo = 0;
    plan.x_hi = out_w;
  }
  plan.bands = (iw > 0 || !plan.columns ? row_bands : 0) +
               (plan.columns ? out_w - iw : 0);
  plan.skipping = (iw > 0 || !plan.columns ? row_skipping : 0) +
                  (plan.columns ? column_skipping : 0);
  return plan;
}

// The plan's bands of group g (whole: the image's taps), their biases at
// bias (bias_count each, one per skipping band). Returns their rows.
size_t FillBands(const lowbit_conv2d& conv, size_t g, size_t in_h,
                 size_t in_w, size_t out_h, size_t out_w,
                 const ConvPlan& plan, const GemmTapSource& whole,
                 int32_t za_form, GemmTapSource* bands, int32_t* bias) {
  const size_t kh = conv.p.kernel_height, kw = conv.p.kernel_width;
  const size_t width = plan.x_hi - plan.x_lo;
  size_t m = 0;
  GemmTapSource* band = bands;
  for (size_t oy0 = 0, oy1 = 0; oy0 < out_h && width > 0; oy0 = oy1) {
    size_t top = 0, bottom = 0;
    oy1 = RowBandEnd(conv, in_h, out_h, oy0, &top, &bottom);
    GemmTapSource& b = *band++ = whole;
    b.pixel0 = oy0 * out_w + plan.x_lo;
    b.rows = (oy1 - oy0) * width;
    if (top + bottom > 0) {
      SkippedTapsBias(conv, g, top, kh - bottom, 0, kw, za_form, bias);
      b.first_tap = top * kw;
      b.used_taps = (kh - top - bottom) * kw;
      b.bias = bias;
      bias += conv.bias_count;
    }
    if (width < out_w) {
      b.row_pixels = width;
      b.row_pitch = out_w;
    }
    m += b.rows;
  }
  for (size_t ox = 0; plan.columns && ox < out_w; ++ox) {
    if (ox >= plan.x_lo && ox < plan.x_hi) continue;
    size_t left = 0, right = 0;
    PaddedKernelColumns(conv, in_w, ox, &left, &right);
    GemmTapSource& b = *band++ = whole;
    b.pixel0 = ox;
    b.pixel_step = out_w;
    b.rows = out_h;
    if (left + right > 0) {
      SkippedTapsBias(conv, g, 0, kh, left, kw - right, za_form, bias);
      b.first_tap = left;
      b.run_taps = kw - left - right;
      b.used_taps = kh * b.run_taps;
      b.run_pitch = kw;
      b.bias = bias;
      bias += conv.bias_count;
    }
    m += b.rows;
  }
  return m;
}

// A depthwise multiplier M > 1 runs as multiplier 1 on C * M channels,
// channel c * M + j a copy of input channel c: one pass over the input
// into per-thread scratch, where the grouped GEMM path would run C GEMMs of
// N = M.
struct Expand {
  const uint8_t* in;
  size_t in_stride, channels, multiplier;
  uint8_t* out;
};

// kM > 0: the multiplier known at compile time (the compiler vectorizes
// the copies: 3x faster than the generic loop for M = 2).
template <size_t kM>
void ExpandPixels(void* context, size_t pixel, size_t pixels) {
  const Expand& e = *static_cast<const Expand*>(context);
  const size_t m = kM != 0 ? kM : e.multiplier;
  const size_t channels = e.channels, wide = channels * m;
  for (size_t i = pixel; i < pixel + pixels; ++i) {
    const uint8_t* src = e.in + i * e.in_stride;
    uint8_t* dst = e.out + i * wide;
    for (size_t c = 0; c < channels; ++c) {
      for (size_t j = 0; j < m; ++j) dst[c * m + j] = src[c];
    }
  }
}

lowbit_status RunDepthwise(const lowbit_conv2d& conv, size_t batch,
                           size_t in_h, size_t in_w, const void* input,
                           size_t in_stride, void* output, size_t out_stride,
                           size_t out_h, size_t out_w, pthreadpool_t pool,
                           const char* fn) {
  lowbit_status status = LOWBIT_OK;
  const int64_t* offsets = DwIndirection(conv, in_h, in_w, in_stride, out_h,
                                         out_w, fn, &status);
  if (offsets == nullptr) return status;
  // Inner output columns: ox * stride_w - pad_left >= 0 and its last tap,
  // + (kernel_w - 1) * dilation_w, < in_w.
  const lowbit_conv2d_params& p = conv.p;
  const size_t reach = (p.kernel_width - 1) * p.dilation_width;
  const size_t x_lo = std::min(
      out_w, (p.padding_left + p.stride_width - 1) / p.stride_width);
  size_t x_hi = 0;
  if (in_w + p.padding_left > reach) {
    x_hi = std::min(out_w,
                    (in_w - 1 + p.padding_left - reach) / p.stride_width + 1);
  }
  x_hi = std::max(x_hi, x_lo);
  DwRun r{&conv,
          offsets,
          static_cast<const uint8_t*>(input),
          in_h * in_w * in_stride,
          in_stride,
          static_cast<uint8_t*>(output),
          out_stride,
          out_h,
          out_w,
          x_lo,
          x_hi};
  const size_t rows = batch * out_h;
  const size_t threads =
      pool != nullptr ? pthreadpool_get_threads_count(pool) : 1;
  // A few tasks per thread, each a whole number of output rows, and even:
  // c4 kernels take rows in pairs.
  const size_t tile =
      (std::max<size_t>(2, rows / (8 * threads)) + 1) & ~size_t{1};
  pthreadpool_parallelize_1d_tile_1d(pool, DwRows, &r, rows, tile, 0);
  return Succeed();
}

// INT16 activations: each group's patches gathered (im2col, a padded tap
// reads 0), a bounded number of output pixels at a time, and its 16-bit
// GEMM on them, writing the group's channels of those pixels.
lowbit_status RunConv16(const lowbit_conv2d& conv, size_t batch, size_t in_h,
                        size_t in_w, size_t out_h, size_t out_w,
                        const int16_t* input, size_t in_stride,
                        int16_t* output, size_t out_stride,
                        pthreadpool_t pool, const char* fn) {
  const lowbit_conv2d_params& p = conv.p;
  const size_t cg = p.group_input_channels, ng = p.group_output_channels;
  const size_t k = conv.k;
  const size_t pixels = batch * out_h * out_w;
  if (!SpanOk(batch * in_h * in_w, p.groups * cg, in_stride, 2) ||
      !SpanOk(pixels, p.groups * ng, out_stride, 2)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: batch %zu of %zu x %zu pixels overflows size_t", fn,
                batch, in_h, in_w);
  }
  if (conv.dw16 != nullptr) {
    return RunDw16(*conv.dw16, batch, in_h, in_w, out_h, out_w, input,
                   in_stride, output, out_stride, pool, fn);
  }
  if (p.kernel_height == 1 && p.kernel_width == 1 && p.stride_height == 1 &&
      p.stride_width == 1 && p.padding_top == 0 && p.padding_left == 0 &&
      p.padding_bottom == 0 && p.padding_right == 0) {
    // A 1x1 convolution reads each input pixel as its row: no patches.
    for (size_t g = 0; g < p.groups; ++g) {
      const lowbit_status s =
          lowbit_gemm_run(conv.group_gemms[g], pixels, input + g * cg,
                          in_stride, output + g * ng, out_stride, pool);
      if (s != LOWBIT_OK) return s;
    }
    return Succeed();
  }
  // About 1 MiB of patches per GEMM call, at least a few row tiles.
  const size_t rows = std::min(pixels, std::max<size_t>(64, (1 << 19) / k));
  thread_local ScratchArray<int16_t> patches;
  if (!patches.Reserve(rows * k)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu patches",
                fn, rows);
  }
  for (size_t g = 0; g < p.groups; ++g) {
    for (size_t start = 0; start < pixels; start += rows) {
      const size_t count = std::min(rows, pixels - start);
      for (size_t i = 0; i < count; ++i) {
        const size_t pixel = start + i;
        const size_t b = pixel / (out_h * out_w);
        const size_t oy = pixel / out_w % out_h, ox = pixel % out_w;
        int16_t* dst = patches.data() + i * k;
        for (size_t ky = 0; ky < p.kernel_height; ++ky) {
          const int64_t iy = int64_t(oy * p.stride_height) -
                             int64_t(p.padding_top) +
                             int64_t(ky * p.dilation_height);
          for (size_t kx = 0; kx < p.kernel_width; ++kx, dst += cg) {
            const int64_t ix = int64_t(ox * p.stride_width) -
                               int64_t(p.padding_left) +
                               int64_t(kx * p.dilation_width);
            if (iy < 0 || iy >= int64_t(in_h) || ix < 0 ||
                ix >= int64_t(in_w)) {
              std::memset(dst, 0, cg * sizeof(int16_t));
              continue;
            }
            const size_t in_pixel =
                (b * in_h + size_t(iy)) * in_w + size_t(ix);
            std::memcpy(dst, input + in_pixel * in_stride + g * cg,
                        cg * sizeof(int16_t));
          }
        }
      }
      const lowbit_status s =
          lowbit_gemm_run(conv.group_gemms[g], count, patches.data(), k,
                          output + start * out_stride + g * ng, out_stride,
                          pool);
      if (s != LOWBIT_OK) return s;
    }
  }
  return Succeed();
}

lowbit_status Run(const lowbit_conv2d* conv, size_t batch, size_t in_h,
                  size_t in_w, const void* input, size_t in_stride,
                  void* output, size_t out_stride, pthreadpool_t pool) {
  const char* fn = "lowbit_conv2d_run";
  if (conv == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: conv is NULL", fn);
  }
  const lowbit_conv2d_params& p = conv->p;
  const size_t c_in = p.groups * p.group_input_channels;
  const size_t c_out = p.groups * p.group_output_channels;
  if (in_stride < c_in || out_stride < c_out) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: input pixel stride %zu < %zu channels or output pixel "
                "stride %zu < %zu channels",
                fn, in_stride, c_in, out_stride, c_out);
  }
  size_t out_h = 0, out_w = 0;
  const lowbit_status size = OutputSize(*conv, in_h, in_w, &out_h, &out_w, fn);
  if (size != LOWBIT_OK) return size;
  if (batch == 0) return Succeed();
  if (input == nullptr || output == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                input == nullptr ? "input" : "output");
  }
  size_t in_pixels = 0, out_pixels = 0;
  if (!MulOk(batch, in_h, &in_pixels) || !MulOk(in_pixels, in_w, &in_pixels) ||
      !MulOk(batch, out_h, &out_pixels) ||
      !MulOk(out_pixels, out_w, &out_pixels) ||
      !SpanOk(in_pixels, c_in, in_stride, 1) ||
      !SpanOk(out_pixels, c_out, out_stride, 1)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: batch %zu of %zu x %zu pixels overflows size_t", fn,
                batch, in_h, in_w);
  }
  if (conv->wide) {
    return RunConv16(*conv, batch, in_h, in_w, out_h, out_w,
                     static_cast<const int16_t*>(input), in_stride,
                     static_cast<int16_t*>(output), out_stride, pool, fn);
  }
  if (conv->dw != nullptr && p.group_output_channels > 1) {
    thread_local ScratchArray<uint8_t> expanded;
    size_t bytes = 0;
    if (!MulOk(in_pixels, c_out, &bytes) || !expanded.Reserve(bytes)) {
      return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                  "%s: cannot allocate %zu pixels of %zu channels for the "
                  "depthwise multiplier",
                  fn, in_pixels, c_out);
    }
    Expand e{static_cast<const uint8_t*>(input), in_stride, c_in,
             p.group_output_channels, expanded.data()};
    const size_t m = p.group_output_channels;
    pthreadpool_parallelize_1d_tile_1d(
        pool,
        m == 2 ? ExpandPixels<2> : m == 4 ? ExpandPixels<4> : ExpandPixels<0>,
        &e, in_pixels, std::max<size_t>(1, 4096 / c_out), 0);
    return RunDepthwise(*conv, batch, in_h, in_w, expanded.data(), c_out,
                        output, out_stride, out_h, out_w, pool, fn);
  }
  if (conv->dw != nullptr) {
    return RunDepthwise(*conv, batch, in_h, in_w, input, in_stride, output,
                        out_stride, out_h, out_w, pool, fn);
  }
  const bool pointwise = p.kernel_height == 1 && p.kernel_width == 1 &&
                         p.stride_height == 1 && p.stride_width == 1 &&
                         p.padding_top == 0 && p.padding_left == 0 &&
                         p.padding_bottom == 0 && p.padding_right == 0;
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  // The end of the caller's input: the last pixel's last channel.
  const uint8_t* in_end = in + (in_pixels - 1) * in_stride + c_in;
  // Kernels that read rows in place through tap offsets (GemmTapSource)
  // take one image at a time, on the depthwise path's offsets.
  const GemmKernel& kernel = GemmKernelOf(conv->group_gemms[0]);
  const size_t kr = kernel.layout.kr;
  const size_t cg = p.group_input_channels;
  if (!pointwise && kernel.ukernel_indirect != nullptr && cg % kr == 0 &&
      cg / kr >= kMinTapGroups) {
    lowbit_status status = LOWBIT_OK;
    const int64_t* offsets = DwIndirection(*conv, in_h, in_w, in_stride,
                                           out_h, out_w, fn, &status);
    if (offsets == nullptr) return status;
    const size_t image_in = in_h * in_w * in_stride;
    const size_t image_out = out_h * out_w * out_stride;
    const size_t kh = p.kernel_height, kw = p.kernel_width;
    const size_t taps_all = kh * kw;
    // za as the kernel reads it from the za row (its activation form).
    const int32_t za_form = static_cast<uint8_t>(
        p.input_zero_point ^ FormatFlip(kernel.layout.act, p.input_type));
    thread_local ScratchArray<GemmTapSource> bands;
    thread_local ScratchArray<int32_t> band_bias;
    // Every group's GEMM runs the same kernel (one Ng), so one plan of
    // bands serves all groups and images.
    const size_t mr = kernel.indirect_mr;
    ConvPlan plan;
    if (mr != 0) {
      plan = PlanBands(*conv, in_h, in_w, out_h, out_w, mr);
      if (!bands.Reserve(plan.bands) ||
          !band_bias.Reserve(std::max<size_t>(plan.skipping, 1) *
                             conv->bias_count)) {
        return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                    "%s: cannot allocate %zu bands of %zu bias values", fn,
                    plan.bands, conv->bias_count);
      }
    }
    for (size_t b = 0; b < batch; ++b) {
      for (size_t g = 0; g < p.groups; ++g) {
        lowbit_gemm_t gemm = conv->group_gemms[g];
        const uint8_t* group_in = in + b * image_in + g * cg;
        Patches patches(&p, group_in, in_stride, in_h, in_w, out_h, out_w,
                        in_end);
        uint8_t* group_out =
            out + b * image_out + g * p.group_output_channels;
        const GemmTapSource whole{offsets, taps_all, group_in,
                                  conv->zero_row.data()};
        if (mr == 0 || !GemmReadsTaps(gemm, whole)) {
          // Gathered rows: every tap, one GEMM over the image.
          const GemmRowSource src{&Patches::Gather, &patches, &whole};
          const lowbit_status s =
              RunGemm(gemm, out_h * out_w, group_in, in_stride, &src,
                      group_out, out_stride, GemmOutputOf(gemm), 1, pool, fn);
          if (s != LOWBIT_OK) return s;
          continue;
        }
        const size_t m = FillBands(*conv, g, in_h, in_w, out_h, out_w, plan,
                                   whole, za_form, bands.data(),
                                   band_bias.data());
        const GemmRowSource src{&Patches::Gather, &patches, bands.data(),
                                plan.bands};
        const lowbit_status s =
            RunGemm(gemm, m, group_in, in_stride, &src, group_out, out_stride,
                    GemmOutputOf(gemm), 1, pool, fn);
        if (s != LOWBIT_OK) return s;
      }
    }
    return Succeed();
  }
  for (size_t g = 0; g < p.groups; ++g) {
    lowbit_gemm_t gemm = conv->group_gemms[g];
    const uint8_t* group_in = in + g * p.group_input_channels;
    uint8_t* group_out = out + g * p.group_output_channels;
    const Patches patches(&p, group_in, in_stride, in_h, in_w, out_h, out_w,
                          in_end);
    const GemmRowSource src{&Patches::Gather, &patches};
    const lowbit_status s =
        RunGemm(gemm, out_pixels, group_in, in_stride,
                pointwise ? nullptr : &src, group_out, out_stride,
                GemmOutputOf(gemm), 1, pool, fn);
    if (s != LOWBIT_OK) return s;
  }
  return Succeed();
}

}  // namespace

std::atomic<size_t>& IndirectionBuildCount() {
  static std::atomic<size_t> count{0};
  return count;
}

namespace {

// The c4 form (dwconv.h) next to the base form PackDepthwise has built:
// bias' there, less flip * sum W; weight quads; the output stage's
// per-channel arrays permuted into slot order.
void PackC4(const lowbit_gemm_params& all, lowbit_conv2d* c) {
  const size_t channels = all.n;
  const size_t slots = DwconvC4Slots(channels);
  const int64_t flip = all.input_type == LOWBIT_DTYPE_INT8 ? 128 : 0;
  const auto* w = static_cast<const int8_t*>(all.weights);  // [C][3][3]
  c->c4_packed.assign(slots / kDwconvC4Block * kDwconvC4BlockInts, 0);
  for (size_t slot = 0; slot < slots; ++slot) {
    const size_t ch = DwconvC4SlotChannel(channels, slot);
    int64_t sum = 0;
    for (size_t t = 0; t < 9; ++t) sum += w[ch * 9 + t];
    int32_t* block = c->c4_packed.data() +
                     slot / kDwconvC4Block * kDwconvC4BlockInts;
    const size_t s = slot % kDwconvC4Block;
    block[s] = static_cast<int32_t>(static_cast<uint32_t>(
        int64_t{c->dw_packed[ch]} - flip * sum));
    for (size_t kx = 0; kx < 3; ++kx) {
      const uint32_t quad = uint32_t{static_cast<uint8_t>(w[ch * 9 + kx])} |
                            uint32_t{static_cast<uint8_t>(w[ch * 9 + 3 + kx])}
                                << 8 |
                            uint32_t{static_cast<uint8_t>(w[ch * 9 + 6 + kx])}
                                << 16;
      block[(1 + kx) * kDwconvC4Block + s] = static_cast<int32_t>(quad);
      block[(4 + kx) * kDwconvC4Block + s] = static_cast<int32_t>(quad << 8);
    }
  }
  const OutputStage& base = c->dw_stage;
  OutputStage& stage = c->c4_stage;
  const auto permute = [&](const auto& from, auto* to) {
    to->clear();
    if (from.empty()) return;
    to->resize(slots);
    for (size_t slot = 0; slot < slots; ++slot) {
      (*to)[slot] = from[DwconvC4SlotChannel(channels, slot)];
    }
  };
  permute(base.scale, &stage.scale);
  permute(base.multiplier, &stage.multiplier);
  permute(base.shift, &stage.shift);
  stage.out = base.out;
  stage.out.scale = stage.scale.data();
  stage.out.multiplier = stage.multiplier.data();
  stage.out.shift = stage.shift.data();
  const size_t c4 = DwconvC4Channels(channels);
  c->tail_out = base.out;
  if (!base.scale.empty()) c->tail_out.scale = base.scale.data() + c4;
  if (!base.multiplier.empty()) {
    c->tail_out.multiplier = base.multiplier.data() + c4;
  }
  if (!base.shift.empty()) c->tail_out.shift = base.shift.data() + c4;
}

// Depthwise packing (dwconv.h).
lowbit_status PackDepthwise(const lowbit_gemm_params& all,
                            const DwconvKernel& dw, lowbit_conv2d* c,
                            const char* fn) {
  const size_t channels = all.n;
  const size_t taps = all.k;
  const size_t cpad = (channels + kDwconvChannelAlign - 1) /
                      kDwconvChannelAlign * kDwconvChannelAlign;
  const lowbit_status s = MakeOutputStage(all, cpad, &c->dw_stage, fn);
  if (s != LOWBIT_OK) return s;
  c->dw = &dw;
  c->dw_cpad = cpad;
  c->dw_packed.assign((taps + 1) * cpad, 0);
  const bool u8 = all.weight_type == LOWBIT_DTYPE_UINT8;
  for (size_t ch = 0; ch < channels; ++ch) {
    int64_t bias = all.bias != nullptr ? all.bias[ch] : 0;
    for (size_t t = 0; t < taps; ++t) {
      const size_t i = ch * taps + t;
      const int32_t w =
          (u8 ? static_cast<const uint8_t*>(all.weights)[i]
              : static_cast<const int8_t*>(all.weights)[i]) -
          all.weight_zero_point;
      c->dw_packed[(t + 1) * cpad + ch] =
          static_cast<int32_t>(static_cast<uint16_t>(w));  // dwconv.h
      bias -= int64_t{all.input_zero_point} * w;
    }
    // Exact modulo 2^32, as the kernel's int32 arithmetic.
    c->dw_packed[ch] = static_cast<int32_t>(static_cast<uint32_t>(bias));
  }
  c->zero_row.assign(channels, static_cast<uint8_t>(all.input_zero_point));
  if (dw.base != nullptr) PackC4(all, c);
  return LOWBIT_OK;
}

}  // namespace

lowbit_status PackConv2d(const lowbit_conv2d_params* params,
                         const GemmKernel& kernel, lowbit_conv2d_t* conv,
                         const DwconvKernel* dwconv, bool prefer_narrow) {
  const char* fn = "lowbit_conv2d_pack";
  if (conv == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: conv is NULL", fn);
  }
  if (params == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  lowbit_conv2d_params p;
  lowbit_status status = ReadVersioned(params, kConvParamsMinSize, &p, fn);
  if (status != LOWBIT_OK) return status;
  size_t k = 0, n = 0;
  status = ValidateGeometry(p, &k, &n, fn);
  if (status != LOWBIT_OK) return status;
  const lowbit_gemm_params all = AsGemm(p, n, k);
  const bool wide = p.input_type == LOWBIT_DTYPE_INT16;
  // 16-bit GEMMs validate themselves (PackGemm, per group).
  status = wide ? LOWBIT_OK : ValidateGemmParams(all, fn);
  if (status != LOWBIT_OK) return status;
  auto c = std::make_unique<lowbit_conv2d>();
  c->wide = wide;
  c->p = p;
  c->p.weights = nullptr;
  c->p.bias = nullptr;
  c->p.weight_scales = nullptr;
  c->p.requant_multipliers = nullptr;
  c->p.requant_shifts = nullptr;
  c->k = k;
  c->id = g_next_conv_id.fetch_add(1);
  if (wide && Dw16Supported(p)) {
    status = PackDw16(p, all, &c->dw16, fn);
    if (status != LOWBIT_OK) return status;
    *conv = c.release();
    return Succeed();
  }
  if (!wide && p.groups > 1 && p.group_input_channels == 1) {
    // The depthwise kernels hold each weight as a 16-bit lane (dwconv.h),
    // whatever its type: int4 weights are widened to int8 for them.
    std::vector<int8_t> widened;
    lowbit_gemm_params dw_all = all;
    lowbit_conv2d_params dw_p = p;
    if (all.weight_type == LOWBIT_DTYPE_INT4) {
      widened.resize(n * k);
      for (size_t i = 0; i < n * k; ++i) {
        widened[i] =
            static_cast<int8_t>(WeightElement(all.weight_type, all.weights, i));
      }
      dw_all.weight_type = dw_p.weight_type = LOWBIT_DTYPE_INT8;
      dw_all.weights = widened.data();
    }
    status = PackDepthwise(
        dw_all,
        DwconvKernelUsed(
            dwconv != nullptr ? *dwconv : DwconvKernelFor(kernel), dw_p),
        c.get(), fn);
    if (status != LOWBIT_OK) return status;
    *conv = c.release();
    return Succeed();
  }
  c->group_gemms.reserve(p.groups);
  std::vector<uint8_t> nibbles;
  for (size_t g = 0; g < p.groups; ++g) {
    const lowbit_gemm_params slice =
        SliceGroup(all, g, p.group_output_channels, &nibbles);
    lowbit_gemm_t gemm = nullptr;
    status = PackGemm(&slice, kernel, &gemm, fn, prefer_narrow);
    if (status != LOWBIT_OK) return status;
    c->group_gemms.push_back(gemm);
  }
  if (wide) {
    *conv = c.release();
    return Succeed();
  }
  // What a padded tap reads on the indirect path (GemmTapSource::zero).
  c->zero_row.assign(p.group_input_channels,
                     static_cast<uint8_t>(p.input_zero_point));
  const size_t taps = p.kernel_height * p.kernel_width;
  if (p.weight_type != LOWBIT_DTYPE_UINT8 && taps > 1) {
    const size_t nb = GemmPackedBiasCount(c->group_gemms[0]);
    const size_t ng = p.group_output_channels, cg = p.group_input_channels;
    c->bias_count = nb;
    c->tap_sums.assign(p.groups * taps * nb, 0);
    for (size_t g = 0; g < p.groups; ++g) {
      for (size_t n = 0; n < ng; ++n) {
        for (size_t t = 0; t < taps; ++t) {
          const size_t first = ((g * ng + n) * taps + t) * cg;
          int32_t sum = 0;
          for (size_t i = 0; i < cg; ++i) {
            sum += WeightElement(p.weight_type, p.weights, first + i);
          }
          c->tap_sums[(g * taps + t) * nb + n] = sum;
        }
      }
    }
  }
  *conv = c.release();
  return Succeed();
}

}  // namespace lowbit

extern "C" {

lowbit_status lowbit_conv2d_pack(const lowbit_conv2d_params* params,
                                 lowbit_conv2d_t* conv) noexcept {
  return lowbit::Guarded("lowbit_conv2d_pack", [&] {
    std::string error;
    const lowbit::GemmKernel* kernel = lowbit::ChosenGemmKernel(&error);
    if (kernel == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED, "lowbit_conv2d_pack: %s",
                          error.c_str());
    }
    return lowbit::PackConv2d(params, *kernel, conv, nullptr,
                              /*prefer_narrow=*/true);
  });
}

lowbit_status lowbit_conv2d_output_size(lowbit_conv2d_t conv, size_t in_h,
                                        size_t in_w, size_t* out_h,
                                        size_t* out_w) noexcept {
  const char* fn = "lowbit_conv2d_output_size";
  if (conv == nullptr || out_h == nullptr || out_w == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  size_t h = 0, w = 0;
  const lowbit_status s = lowbit::OutputSize(*conv, in_h, in_w, &h, &w, fn);
  if (s != LOWBIT_OK) return s;
  *out_h = h;
  *out_w = w;
  return lowbit::Succeed();
}

lowbit_status lowbit_conv2d_run(lowbit_conv2d_t conv, size_t batch,
                                size_t in_h, size_t in_w, const void* input,
                                size_t input_stride, void* output,
                                size_t output_stride,
                                struct pthreadpool* threadpool) noexcept {
  return lowbit::Guarded("lowbit_conv2d_run", [&] {
    return lowbit::Run(conv, batch, in_h, in_w, input, input_stride, output,
                       output_stride, threadpool);
  });
}

lowbit_status lowbit_conv2d_workspace_size(lowbit_conv2d_t conv, size_t batch,
                                           size_t in_h, size_t in_w,
                                           size_t* bytes) noexcept {
  (void)batch, (void)in_h, (void)in_w;
  if (conv == nullptr || bytes == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER,
                        "lowbit_conv2d_workspace_size: %s is NULL",
                        conv == nullptr ? "conv" : "bytes");
  }
  *bytes = 0;  // hosted runs keep their own scratch
  return lowbit::Succeed();
}

lowbit_status lowbit_conv2d_run_workspace(
    lowbit_conv2d_t conv, size_t batch, size_t in_h, size_t in_w,
    const void* input, size_t input_stride, void* output,
    size_t output_stride, void* workspace, size_t workspace_bytes) noexcept {
  (void)workspace, (void)workspace_bytes;
  return lowbit_conv2d_run(conv, batch, in_h, in_w, input, input_stride,
                           output, output_stride, nullptr);
}

const char* lowbit_conv2d_kernel_name(lowbit_conv2d_t conv) noexcept {
  if (conv == nullptr) return "";
  if (conv->dw != nullptr) return conv->dw->name;
  if (conv->dw16 != nullptr) return "lowbit_q16_dwconv_ukernel__hwy";
  return conv->group_gemms.empty()
             ? ""
             : lowbit_gemm_kernel_name(conv->group_gemms[0]);
}

void lowbit_conv2d_destroy(lowbit_conv2d_t conv) noexcept { delete conv; }

}  // extern "C"
