// The convolution operator of the bare-metal build: lowbit.h's conv2d
// functions on one core. Packing allocates once (malloc); runs allocate
// nothing. Depthwise convolutions (groups = input channels, Cg = 1) run on
// a depthwise kernel over bands of padded input rows; the others gather
// each tile of output pixels' patches (im2col) and run the group's GEMM on
// them, or, for 1x1 convolutions with stride 1 and no padding, run it on
// the input pixels where they are.
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/bare/copy-inl.h"
#include "kernels/bare/gemm_bare.h"
#include "kernels/bare/mcu_kernel.h"
#include "kernels/gemm/layout.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/conv_params.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm_params.h"
#include "kernels/operator/versioned.h"
#include "kernels/reference/gemm16.h"

namespace {
constexpr size_t kTilePixels = 8;  // output pixels per gathered tile
}  // namespace

struct lowbit_conv2d {
  lowbit_conv2d_params p;  // geometry and types; the pointers cleared
  size_t k;                // kernel_h * kernel_w * Cg
  size_t n;                // groups * Ng
  lowbit_gemm_t* gemms;    // one per group, or null (depthwise)
  // Depthwise:
  const lowbit::McuDwKernel* dw;
  const uint8_t* dw_packed;
  lowbit::DwWeights weights;  // dw_packed's form
  const int32_t* fast;        // McuDwArgs::fast, or null
  const int8_t* pair_weights;  // McuDwArgs::pair_weights, or null
  bool right_shifts;           // McuDwArgs::right_shifts
  lowbit::GemmOutput out;
  void* dw_block;  // the allocation holding dw_packed and out's arrays
  // INT16 activations, depthwise: per output channel the int64 bias, the
  // int16 weights (W), TFLite's multiplier and shift (Dw16Row).
  bool wide;
  const int64_t* dw16_bias;
  const int16_t* dw16_weights;
  const int32_t* dw16_multiplier;
  const int32_t* dw16_shift;
};

namespace lowbit {
namespace {

size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }

bool PointwiseInPlace(const lowbit_conv2d_params& p) {
  return p.kernel_height == 1 && p.kernel_width == 1 &&
         p.stride_height == 1 && p.stride_width == 1 && p.padding_top == 0 &&
         p.padding_left == 0 && p.padding_bottom == 0 && p.padding_right == 0;
}

size_t PaddedWidth(const lowbit_conv2d_params& p, size_t in_w) {
  return p.padding_left + in_w + p.padding_right;
}

void Destroy(lowbit_conv2d* c) {
  if (c == nullptr) return;
  if (c->gemms != nullptr) {
    for (size_t g = 0; g < c->p.groups; ++g) lowbit_gemm_destroy(c->gemms[g]);
  }
  std::free(c->dw_block);
  std::free(c);  // the gemms array shares the handle's block
}

// Depthwise weights (McuDwArgs::packed) and requantization arrays in one
// allocation: int8 weights in 16 taps when the planar kernel may run them,
// int16 W - zw otherwise.
lowbit_status PackDepthwise(const lowbit_gemm_params& all,
                            lowbit_conv2d* c, const char* fn) {
  const size_t channels = all.n, taps = all.k;
  const bool fp32 = all.requant == LOWBIT_REQUANT_FP32;
  const bool int8_weights = all.weight_type == LOWBIT_DTYPE_INT8;
  const McuDwKernel* kernel = c->dw;
  const bool ok = kernel->weights == DwWeights::kTaps16
                      ? taps <= 16 && int8_weights
                      : kernel->accepts == nullptr || kernel->accepts(c->p);
  if (!ok) kernel = &kQ8DwconvScalar;
  c->dw = kernel;
  c->weights = kernel->weights;
  size_t weight_bytes = channels * taps * 2;
  if (c->weights == DwWeights::kTaps16) weight_bytes = channels * 16;
  if (c->weights == DwWeights::kPairs4) {
    weight_bytes = (channels + 3) / 4 * taps * 8;
  }
  const size_t param_bytes = channels * (fp32 ? 4 : 8);
  const size_t packed_bytes = channels * 4 + Align8(weight_bytes);
  const size_t fast_bytes = fp32 ? 0 : channels * 12;
  const lowbit_conv2d_params& p = c->p;
  const bool pairs = c->weights == DwWeights::kTaps16 &&
                     p.group_output_channels == 1 && p.stride_width == 1 &&
                     p.dilation_width == 1 &&
                     p.kernel_height * (p.kernel_width + 1) <= 16;
  const size_t pair_bytes = pairs ? channels * 32 : 0;
  uint8_t* memory = static_cast<uint8_t*>(
      std::calloc(1, Align8(param_bytes) + packed_bytes + fast_bytes +
                         pair_bytes));
  if (memory == nullptr) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate the packed weights", fn);
  }
  float* scale = reinterpret_cast<float*>(memory);
  int32_t* multiplier = reinterpret_cast<int32_t*>(memory);
  int32_t* shift = multiplier + channels;
  const lowbit_status s = ComputeRequant(all, scale, multiplier, shift, fn);
  if (s != LOWBIT_OK) {
    std::free(memory);
    return s;
  }
  uint8_t* packed = memory + Align8(param_bytes);
  int32_t* bias = reinterpret_cast<int32_t*>(packed);
  uint8_t* weights = packed + channels * 4;
  // The band holds A in the kInt8 form: A - za = A_s - za_s.
  const int32_t za_s =
      FormatZeroPoint(ActFormat::kInt8, all.input_type, all.input_zero_point);
  // The fast fixed-point path (McuDwArgs::fast): right shifts only, and
  // |bias| + max|A - za| * sum|W - zw| below 2^30 in every channel.
  const int64_t max_a = all.input_type == LOWBIT_DTYPE_UINT8
                            ? (all.input_zero_point > 127
                                   ? all.input_zero_point
                                   : 255 - all.input_zero_point)
                            : (all.input_zero_point > -1
                                   ? all.input_zero_point + 128
                                   : 127 - all.input_zero_point);
  bool fast = all.requant == LOWBIT_REQUANT_FIXEDPOINT;
  for (size_t o = 0; o < channels; ++o) {
    uint32_t acc = all.bias != nullptr ? static_cast<uint32_t>(all.bias[o]) : 0;
    int64_t bound = all.bias != nullptr ? (all.bias[o] < 0 ? -int64_t{all.bias[o]} : all.bias[o]) : 0;
    for (size_t t = 0; t < taps; ++t) {
      const int32_t w = WeightElement(all.weight_type, all.weights,
                                      o * taps + t) -
                        all.weight_zero_point;
      bound += max_a * (w < 0 ? -w : w);
      const int16_t w16 = static_cast<int16_t>(w);
      if (c->weights == DwWeights::kTaps16) {
        weights[o * 16 + t] = static_cast<uint8_t>(w);
      } else if (c->weights == DwWeights::kPairs4) {
        const size_t lane = (o % 2) * 2 + (o % 4) / 2;
        std::memcpy(weights + (((o / 4) * taps + t) * 4 + lane) * 2, &w16, 2);
      } else {
        std::memcpy(weights + (o * taps + t) * 2, &w16, 2);
      }
      acc -= static_cast<uint32_t>(za_s) * static_cast<uint32_t>(w);
    }
    bias[o] = static_cast<int32_t>(acc);
    fast = fast && bound < (int64_t{1} << 30) && shift[o] < 0 &&
           (int64_t{1} << (-shift[o] - 1)) +
                   (all.output_zero_point < 0 ? -int64_t{all.output_zero_point}
                                              : all.output_zero_point) *
                       (int64_t{1} << -shift[o]) <
               (int64_t{1} << 30);
  }
  c->right_shifts = !fp32 && all.requant == LOWBIT_REQUANT_FIXEDPOINT;
  for (size_t o = 0; o < channels && c->right_shifts; ++o) {
    c->right_shifts = shift[o] < 0;
  }
  c->pair_weights = nullptr;
  if (pairs) {
    int8_t* pw = reinterpret_cast<int8_t*>(packed + packed_bytes + fast_bytes);
    const size_t kh = p.kernel_height, kw = p.kernel_width, cols = kw + 1;
    for (size_t o = 0; o < channels; ++o) {
      const int8_t* wo = reinterpret_cast<const int8_t*>(weights) + o * 16;
      for (size_t ky = 0; ky < kh; ++ky) {
        for (size_t kx = 0; kx < kw; ++kx) {
          pw[o * 32 + ky * cols + kx] = wo[ky * kw + kx];
          pw[o * 32 + 16 + ky * cols + kx + 1] = wo[ky * kw + kx];
        }
      }
    }
    c->pair_weights = pw;
  }
  c->fast = nullptr;
  if (fast) {
    int32_t* f = reinterpret_cast<int32_t*>(packed + packed_bytes);
    for (size_t o = 0; o < channels; ++o) {
      f[3 * o] = multiplier[o];
      f[3 * o + 1] = static_cast<int32_t>(
          (int64_t{1} << (-shift[o] - 1)) +
          int64_t{all.output_zero_point} * (int64_t{1} << -shift[o]));
      f[3 * o + 2] = -shift[o];
    }
    c->fast = f;
  }
  c->dw_packed = packed;
  c->out = GemmOutput{all.requant, all.output_type, fp32 ? scale : nullptr,
                      fp32 ? nullptr : multiplier, fp32 ? nullptr : shift,
                      all.output_zero_point, all.output_min, all.output_max};
  c->dw_block = memory;
  c->gemms = nullptr;
  return LOWBIT_OK;
}

// INT16 depthwise: int64 bias, int16 weights, multipliers and shifts.
lowbit_status PackDepthwise16(const lowbit_gemm_params& all, lowbit_conv2d* c,
                              const char* fn) {
  const size_t channels = all.n, taps = all.k;
  const size_t bytes = channels * 8 + Align8(channels * taps * 2) +
                       channels * 8;
  uint8_t* memory = static_cast<uint8_t*>(std::calloc(1, bytes));
  if (memory == nullptr) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate the packed weights", fn);
  }
  int64_t* bias = reinterpret_cast<int64_t*>(memory);
  int16_t* weights = reinterpret_cast<int16_t*>(memory + channels * 8);
  int32_t* multiplier = reinterpret_cast<int32_t*>(
      memory + channels * 8 + Align8(channels * taps * 2));
  int32_t* shift = multiplier + channels;
  const lowbit_status s = ComputeRequant(all, nullptr, multiplier, shift, fn);
  if (s != LOWBIT_OK) {
    std::free(memory);
    return s;
  }
  for (size_t o = 0; o < channels; ++o) {
    bias[o] = all.bias64 != nullptr ? all.bias64[o]
              : all.bias != nullptr ? all.bias[o]
                                    : 0;
    for (size_t t = 0; t < taps; ++t) {
      weights[o * taps + t] = static_cast<int16_t>(
          WeightElement(all.weight_type, all.weights, o * taps + t));
    }
  }
  c->dw_block = memory;
  c->dw16_bias = bias;
  c->dw16_weights = weights;
  c->dw16_multiplier = multiplier;
  c->dw16_shift = shift;
  c->gemms = nullptr;
  return LOWBIT_OK;
}

const McuDwKernel& BestDwKernel() {
  size_t count = 0;
  return *McuDwKernels(&count)[0];
}

lowbit_status Pack(const lowbit_conv2d_params* params, lowbit_conv2d_t* conv,
                   const char* fn) {
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
  const bool wide = p.input_type == LOWBIT_DTYPE_INT16;
  const lowbit_gemm_params all = AsGemm(p, n, k);
  status = wide ? ValidateGemm16(all, fn) : ValidateGemmParams(all, fn);
  if (status != LOWBIT_OK) return status;
  const bool depthwise = p.groups > 1 && p.group_input_channels == 1;
  size_t bytes = Align8(sizeof(lowbit_conv2d));
  if (!depthwise) bytes += p.groups * sizeof(lowbit_gemm_t);
  uint8_t* memory = static_cast<uint8_t*>(std::calloc(1, bytes));
  if (memory == nullptr) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate", fn);
  }
  lowbit_conv2d* c = new (memory) lowbit_conv2d{};
  c->p = p;
  c->p.weights = nullptr;
  c->p.bias = nullptr;
  c->p.weight_scales = nullptr;
  c->p.requant_multipliers = nullptr;
  c->p.requant_shifts = nullptr;
  c->k = k;
  c->n = n;
  c->wide = wide;
  if (depthwise && wide) {
    status = PackDepthwise16(all, c, fn);
    if (status != LOWBIT_OK) {
      std::free(memory);
      return status;
    }
    *conv = c;
    return Succeed();
  }
  if (depthwise) {
    c->dw = &BestDwKernel();
    status = PackDepthwise(all, c, fn);
    if (status != LOWBIT_OK) {
      std::free(memory);
      return status;
    }
    *conv = c;
    return Succeed();
  }
  c->p.bias64 = nullptr;
  c->gemms = reinterpret_cast<lowbit_gemm_t*>(memory +
                                              Align8(sizeof(lowbit_conv2d)));
  for (size_t g = 0; g < p.groups; ++g) {
    lowbit_gemm_params slice = GroupSlice(all, g, p.group_output_channels);
    // INT4 weights count nibbles: a group starting in the middle of a byte
    // is copied, shifted onto a byte, for its packing.
    uint8_t* nibbles = nullptr;
    if (all.weight_type == LOWBIT_DTYPE_INT4) {
      const size_t first = g * p.group_output_channels * k;
      const auto* w = static_cast<const uint8_t*>(all.weights);
      if (first % 2 == 0) {
        slice.weights = w + first / 2;
      } else {
        const size_t count = p.group_output_channels * k;
        nibbles = static_cast<uint8_t*>(std::calloc(1, (count + 1) / 2));
        if (nibbles == nullptr) {
          Destroy(c);
          return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate", fn);
        }
        for (size_t i = 0; i < count; ++i) {
          const uint8_t v = static_cast<uint8_t>(
              WeightElement(LOWBIT_DTYPE_INT4, w, first + i) & 0xF);
          nibbles[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v : v << 4);
        }
        slice.weights = nibbles;
      }
    }
    status = lowbit_gemm_pack(&slice, &c->gemms[g]);
    std::free(nibbles);
    if (status != LOWBIT_OK) {
      Destroy(c);
      return status;
    }
  }
  *conv = c;
  return Succeed();
}

// Bytes of Band's tables after its slots.
size_t BandTableBytes(const lowbit_conv2d_params& p) {
  return p.kernel_height * (sizeof(size_t) + sizeof(void*));
}

// Whether this shape runs on the planar kernel (else on the plain-C one).
bool Planar(const lowbit_conv2d& c, size_t in_w) {
  return c.dw->planar_rows != 0 &&
         c.dw->supports(c.p, PaddedWidth(c.p, in_w));
}

// Padded input rows a planar band of `rows` output rows reads.
size_t BandRows(const lowbit_conv2d_params& p, size_t rows) {
  return (rows - 1) * p.stride_height +
         (p.kernel_height - 1) * p.dilation_height + 1;
}

lowbit_status WorkspaceSize(const lowbit_conv2d& c, size_t batch,
                            size_t in_h, size_t in_w, size_t* bytes,
                            const char* fn) {
  size_t out_h = 0, out_w = 0;
  lowbit_status s = ConvOutputSizes(c.p, in_h, in_w, &out_h, &out_w, fn);
  if (s != LOWBIT_OK) return s;
  const lowbit_conv2d_params& p = c.p;
  if (c.dw16_bias != nullptr) {  // reads the input where it is
    *bytes = 0;
    return LOWBIT_OK;
  }
  if (c.dw != nullptr) {
    size_t band = 0;
    const size_t rows = Planar(c, in_w)
                            ? BandRows(p, out_h < c.dw->planar_rows
                                              ? out_h
                                              : c.dw->planar_rows)
                            : p.kernel_height;
    if (!MulOk(PaddedWidth(p, in_w), p.groups, &band) ||
        !MulOk(band, rows, &band) || !AddOk(band, 64, &band)) {
      return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: the band overflows", fn);
    }
    // The slack: a planar kernel's last gathers of a row run up to 3
    // pixels and 16 taps past it, the DSP kernel's last 4 channels up to 3
    // bytes; NHWC bands keep their slot tables after it.
    *bytes = Align8(band);
    // After an NHWC band its slot tables, after a planar one a pixel of za.
    *bytes += Planar(c, in_w) ? Align8(p.groups) : BandTableBytes(p);
    return LOWBIT_OK;
  }
  size_t pixels = 0;
  if (!MulOk(batch, out_h, &pixels) || !MulOk(pixels, out_w, &pixels)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: batch overflows", fn);
  }
  size_t gemm_bytes = 0;
  if (PointwiseInPlace(p)) {
    s = lowbit_gemm_workspace_size(c.gemms[0], pixels, &gemm_bytes);
    *bytes = gemm_bytes;
    return s;
  }
  s = lowbit_gemm_workspace_size(c.gemms[0], kTilePixels, &gemm_bytes);
  *bytes = Align8(kTilePixels * c.k * (c.wide ? 2 : 1)) + gemm_bytes;
  return s;
}

// One output row of a depthwise convolution: its band of kernel_h padded
// input rows (kInt8 form, za where the padding is), then the kernel.
// A depthwise kernel's arguments but for its band (set by the caller).
McuDwArgs DwArgs(const lowbit_conv2d& c, size_t out_w, void* out,
                 size_t out_stride) {
  const lowbit_conv2d_params& p = c.p;
  McuDwArgs args{};
  args.in_channels = p.groups;
  args.multiplier = p.group_output_channels;
  args.kernel_h = p.kernel_height;
  args.kernel_w = p.kernel_width;
  args.stride_w = p.stride_width;
  args.dilation_w = p.dilation_width;
  args.out_w = out_w;
  args.packed = c.dw_packed;
  args.weights = c.weights;
  args.fast = c.fast;
  args.pair_weights = c.pair_weights;
  args.right_shifts = c.right_shifts;
  args.out = &c.out;
  args.c = out;
  args.c_pixel_stride = out_stride;
  return args;
}

// The NHWC band of a depthwise run: kernel_h slots of one padded input row
// each, reused while the rows repeat (a stride 1 run loads one row per
// output row). slot_row[s] is the padded row slot s holds (SIZE_MAX: none),
// rows[ky] the slot the current output row's tap ky reads.
struct Band {
  uint8_t* slots;
  size_t* slot_row;
  const int8_t** rows;
};

Band BandIn(uint8_t* workspace, const lowbit_conv2d_params& p,
            size_t band_stride) {
  Band b;
  b.slots = workspace;
  uint8_t* tables = workspace + Align8(p.kernel_height * band_stride + 64);
  b.slot_row = reinterpret_cast<size_t*>(tables);
  b.rows = reinterpret_cast<const int8_t**>(tables +
                                            p.kernel_height * sizeof(size_t));
  for (size_t s = 0; s < p.kernel_height; ++s) b.slot_row[s] = SIZE_MAX;
  return b;
}

void LoadPaddedRow(const lowbit_conv2d_params& p, const uint8_t* image,
                   size_t in_h, size_t in_w, size_t in_stride, size_t iy,
                   uint8_t* row) {
  const size_t channels = p.groups;
  const size_t band_stride = PaddedWidth(p, in_w) * channels;
  const uint8_t flip = FormatFlip(ActFormat::kInt8, p.input_type);
  const uint8_t pad = static_cast<uint8_t>(p.input_zero_point) ^ flip;
  if (iy < p.padding_top || iy >= p.padding_top + in_h) {
    bare::FillBytes(row, pad, band_stride);
    return;
  }
  bare::FillBytes(row, pad, p.padding_left * channels);
  const uint8_t* src = image + (iy - p.padding_top) * in_w * in_stride;
  uint8_t* dst = row + p.padding_left * channels;
  if (in_stride == channels) {
    bare::CopyBytes(dst, src, in_w * channels, flip);
  } else {
    for (size_t x = 0; x < in_w; ++x) {
      bare::CopyBytes(dst + x * channels, src + x * in_stride, channels,
                      flip);
    }
  }
  bare::FillBytes(row + (p.padding_left + in_w) * channels, pad,
                  p.padding_right * channels);
}

// One output row of a depthwise convolution on an NHWC kernel: the band's
// rows for it (kInt8 form, za where the padding is), then the kernel.
void DepthwiseRow(const lowbit_conv2d& c, const uint8_t* image, size_t in_h,
                  size_t in_w, size_t in_stride, size_t oy, size_t out_w,
                  const Band& band, void* out_row, size_t out_stride) {
  const lowbit_conv2d_params& p = c.p;
  const size_t channels = p.groups;
  const size_t padded_w = PaddedWidth(p, in_w);
  const size_t band_stride = padded_w * channels;
  const size_t kh = p.kernel_height;
  const size_t first = oy * p.stride_height;
  auto needed = [&](size_t row) {
    return row >= first && (row - first) % p.dilation_height == 0 &&
           (row - first) / p.dilation_height < kh;
  };
  for (size_t ky = 0; ky < kh; ++ky) {
    const size_t iy = first + ky * p.dilation_height;
    size_t slot = SIZE_MAX;
    for (size_t s = 0; s < kh && slot == SIZE_MAX; ++s) {
      if (band.slot_row[s] == iy) slot = s;
    }
    if (slot == SIZE_MAX) {  // a slot this output row does not read
      for (size_t s = 0; s < kh && slot == SIZE_MAX; ++s) {
        if (band.slot_row[s] == SIZE_MAX || !needed(band.slot_row[s])) slot = s;
      }
      LoadPaddedRow(p, image, in_h, in_w, in_stride, iy,
                    band.slots + slot * band_stride);
      band.slot_row[slot] = iy;
    }
    band.rows[ky] =
        reinterpret_cast<const int8_t*>(band.slots + slot * band_stride);
  }
  McuDwArgs args = DwArgs(c, out_w, out_row, out_stride);
  args.band = band.rows[0];
  args.band_rows = band.rows;
  args.band_stride = band_stride;
  // Planar kernels run here only for the geometries they leave out.
  (c.dw->planar_rows != 0 ? kQ8DwconvScalar : *c.dw).run(args);
}

// Output rows [oy, oy + rows) of a depthwise convolution on the planar
// kernel: each input channel's padded rows as a plane (McuDwArgs), then
// the kernel.
void DepthwisePlanar(const lowbit_conv2d& c, const uint8_t* image,
                     size_t in_h, size_t in_w, size_t in_stride, size_t oy,
                     size_t rows, size_t out_w, uint8_t* band, void* out_rows,
                     size_t out_stride) {
  const lowbit_conv2d_params& p = c.p;
  const size_t channels = p.groups;
  const size_t padded_w = PaddedWidth(p, in_w);
  const size_t band_rows = BandRows(p, rows);
  const size_t plane = band_rows * padded_w;
  const uint8_t flip = FormatFlip(ActFormat::kInt8, p.input_type);
  // A pixel of za after the band: what the padding reads.
  uint8_t* pad_pixel = band + Align8(channels * plane);
  bare::FillBytes(pad_pixel, static_cast<uint8_t>(p.input_zero_point),
                  channels);
  for (size_t r = 0; r < band_rows; ++r) {
    const size_t iy = oy * p.stride_height + r;  // padded coordinates
    const bool inside = iy >= p.padding_top && iy < p.padding_top + in_h;
    bare::TransposeRow(
        band + r * padded_w, plane,
        inside ? image + (iy - p.padding_top) * in_w * in_stride : nullptr,
        in_stride, in_w, p.padding_left, p.padding_right, pad_pixel,
        channels, flip);
  }
  McuDwArgs args = DwArgs(c, out_w, out_rows, out_stride);
  args.band = reinterpret_cast<const int8_t*>(band);
  args.band_stride = padded_w;
  args.band_rows = nullptr;
  args.rows = rows;
  args.plane_stride = plane;
  args.padded_w = padded_w;
  args.stride_h = p.stride_height;
  args.dilation_h = p.dilation_height;
  args.c_row_stride = out_w * out_stride;
  c.dw->run(args);
}

// Output pixels [first, first + count) of one image, group g: each pixel's
// patch (K = kernel_h * kernel_w * Cg raw input bytes, za in the padding).
void GatherPatches(const lowbit_conv2d& c, const uint8_t* image, size_t in_h,
                   size_t in_w, size_t in_stride, size_t out_w, size_t first,
                   size_t count, size_t g, uint8_t* rows, size_t elem) {
  const lowbit_conv2d_params& p = c.p;
  const size_t cg = p.group_input_channels * elem;  // bytes
  // za for 8-bit activations; 16-bit ones are symmetric (0).
  const uint8_t za = static_cast<uint8_t>(p.input_zero_point);
  in_stride *= elem;
  for (size_t i = 0; i < count; ++i) {
    const size_t oy = (first + i) / out_w, ox = (first + i) % out_w;
    uint8_t* dst = rows + i * c.k * elem;
    for (size_t ky = 0; ky < p.kernel_height; ++ky) {
      const size_t iy = oy * p.stride_height + ky * p.dilation_height;
      const bool row_in = iy >= p.padding_top && iy < p.padding_top + in_h;
      for (size_t kx = 0; kx < p.kernel_width; ++kx, dst += cg) {
        const size_t ix = ox * p.stride_width + kx * p.dilation_width;
        if (!row_in || ix < p.padding_left || ix >= p.padding_left + in_w) {
          bare::FillBytes(dst, za, cg);
          continue;
        }
        bare::CopyBytes(dst,
                        image + ((iy - p.padding_top) * in_w +
                                 (ix - p.padding_left)) * in_stride + g * cg,
                        cg, 0);
      }
    }
  }
}

// INT16 depthwise convolution of one image, in C: taps in the padding
// read 0; TFLite's int64 requantization.
void Depthwise16(const lowbit_conv2d& c, const int16_t* image, size_t in_h,
                 size_t in_w, size_t in_stride, size_t out_h, size_t out_w,
                 int16_t* out, size_t out_stride) {
  const lowbit_conv2d_params& p = c.p;
  const size_t m = p.group_output_channels, channels = c.n;
  const size_t taps = p.kernel_height * p.kernel_width;
  for (size_t oy = 0; oy < out_h; ++oy) {
    for (size_t ox = 0; ox < out_w; ++ox) {
      for (size_t o = 0; o < channels; ++o) {
        int64_t acc = c.dw16_bias[o];
        const int16_t* w = c.dw16_weights + o * taps;
        for (size_t ky = 0; ky < p.kernel_height; ++ky) {
          const size_t iy = oy * p.stride_height + ky * p.dilation_height;
          if (iy < p.padding_top || iy >= p.padding_top + in_h) continue;
          for (size_t kx = 0; kx < p.kernel_width; ++kx) {
            const size_t ix = ox * p.stride_width + kx * p.dilation_width;
            if (ix < p.padding_left || ix >= p.padding_left + in_w) continue;
            const int16_t x =
                image[((iy - p.padding_top) * in_w + (ix - p.padding_left)) *
                          in_stride +
                      o / m];
            acc += int64_t{x} * w[ky * p.kernel_width + kx];
          }
        }
        out[(oy * out_w + ox) * out_stride + o] =
            static_cast<int16_t>(ref::RequantizeInt64(
                acc, c.dw16_multiplier[o], c.dw16_shift[o], p.output_min,
                p.output_max));
      }
    }
  }
}

lowbit_status Run(const lowbit_conv2d* c, size_t batch, size_t in_h,
                  size_t in_w, const void* input, size_t input_stride,
                  void* output, size_t output_stride, void* workspace,
                  size_t workspace_bytes, const char* fn) {
  if (c == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: conv is NULL", fn);
  }
  const lowbit_conv2d_params& p = c->p;
  const size_t in_channels = p.groups * p.group_input_channels;
  if (input_stride < in_channels || output_stride < c->n) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: input stride %zu < %zu channels or output stride %zu < "
                "%zu channels", fn, input_stride, in_channels, output_stride,
                c->n);
  }
  size_t need = 0;
  lowbit_status s = WorkspaceSize(*c, batch, in_h, in_w, &need, fn);
  if (s != LOWBIT_OK) return s;
  if (batch == 0) return Succeed();
  if (input == nullptr || output == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                input == nullptr ? "input" : "output");
  }
  size_t out_h = 0, out_w = 0;
  ConvOutputSizes(p, in_h, in_w, &out_h, &out_w, fn);
  size_t pixels_in = 0, pixels_out = 0;
  if (!MulOk(batch * in_h, in_w, &pixels_in) ||
      !SpanOk(pixels_in, in_channels, input_stride, c->wide ? 2 : 1) ||
      !MulOk(batch * out_h, out_w, &pixels_out) ||
      !SpanOk(pixels_out, c->n, output_stride, c->wide ? 2 : 1)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: the tensors overflow", fn);
  }
  if (workspace_bytes < need || (need != 0 && workspace == nullptr) ||
      reinterpret_cast<uintptr_t>(workspace) % 8 != 0) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: the workspace (%zu bytes, 8-byte aligned) must hold %zu "
                "(lowbit_conv2d_workspace_size)", fn,
                workspace == nullptr ? size_t{0} : workspace_bytes, need);
  }
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  uint8_t* ws = static_cast<uint8_t*>(workspace);
  const size_t elem = c->wide ? 2 : 1;  // bytes per activation, in and out
  const size_t image_in = in_h * in_w * input_stride * elem;
  const size_t image_out = out_h * out_w * output_stride * elem;
  if (c->dw16_bias != nullptr) {
    for (size_t b = 0; b < batch; ++b) {
      Depthwise16(*c, reinterpret_cast<const int16_t*>(in + b * image_in),
                  in_h, in_w, input_stride, out_h, out_w,
                  reinterpret_cast<int16_t*>(out + b * image_out),
                  output_stride);
    }
    return Succeed();
  }
  if (c->dw != nullptr && Planar(*c, in_w)) {
    const size_t step = c->dw->planar_rows;
    for (size_t b = 0; b < batch; ++b) {
      for (size_t oy = 0; oy < out_h; oy += step) {
        const size_t rows = out_h - oy < step ? out_h - oy : step;
        DepthwisePlanar(*c, in + b * image_in, in_h, in_w, input_stride, oy,
                        rows, out_w, ws,
                        out + b * image_out + oy * out_w * output_stride,
                        output_stride);
      }
    }
    return Succeed();
  }
  if (c->dw != nullptr) {
    const size_t band_stride = PaddedWidth(p, in_w) * p.groups;
    for (size_t b = 0; b < batch; ++b) {
      const Band band = BandIn(ws, p, band_stride);
      for (size_t oy = 0; oy < out_h; ++oy) {
        DepthwiseRow(*c, in + b * image_in, in_h, in_w, input_stride, oy,
                     out_w, band,
                     out + b * image_out + oy * out_w * output_stride,
                     output_stride);
      }
    }
    return Succeed();
  }
  const size_t ng = p.group_output_channels, cg = p.group_input_channels;
  if (PointwiseInPlace(p)) {
    for (size_t g = 0; g < p.groups; ++g) {
      s = RunGemmBare(c->gemms[g], pixels_out, in + g * cg * elem,
                      input_stride, out + g * ng * elem, output_stride, false,
                      ws, need, fn);
      if (s != LOWBIT_OK) return s;
    }
    return Succeed();
  }
  uint8_t* rows = ws;
  uint8_t* gemm_ws = ws + Align8(kTilePixels * c->k * elem);
  const size_t gemm_bytes = need - Align8(kTilePixels * c->k * elem);
  const size_t per_image = out_h * out_w;
  for (size_t b = 0; b < batch; ++b) {
    for (size_t first = 0; first < per_image; first += kTilePixels) {
      const size_t count =
          per_image - first < kTilePixels ? per_image - first : kTilePixels;
      for (size_t g = 0; g < p.groups; ++g) {
        GatherPatches(*c, in + b * image_in, in_h, in_w, input_stride, out_w,
                      first, count, g, rows, elem);
        s = RunGemmBare(
            c->gemms[g], count, rows, c->k,
            out + b * image_out + (first * output_stride + g * ng) * elem,
            output_stride, false, gemm_ws, gemm_bytes, fn);
        if (s != LOWBIT_OK) return s;
      }
    }
  }
  return Succeed();
}

}  // namespace
}  // namespace lowbit

extern "C" {

lowbit_status lowbit_conv2d_pack(const lowbit_conv2d_params* params,
                                 lowbit_conv2d_t* conv) noexcept {
  return lowbit::Pack(params, conv, "lowbit_conv2d_pack");
}

lowbit_status lowbit_conv2d_output_size(lowbit_conv2d_t conv, size_t in_h,
                                        size_t in_w, size_t* out_h,
                                        size_t* out_w) noexcept {
  const char* fn = "lowbit_conv2d_output_size";
  if (conv == nullptr || out_h == nullptr || out_w == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  size_t h = 0, w = 0;
  const lowbit_status s =
      lowbit::ConvOutputSizes(conv->p, in_h, in_w, &h, &w, fn);
  if (s != LOWBIT_OK) return s;
  *out_h = h;
  *out_w = w;
  return lowbit::Succeed();
}

lowbit_status lowbit_conv2d_workspace_size(lowbit_conv2d_t conv, size_t batch,
                                           size_t in_h, size_t in_w,
                                           size_t* bytes) noexcept {
  const char* fn = "lowbit_conv2d_workspace_size";
  if (conv == nullptr || bytes == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                        conv == nullptr ? "conv" : "bytes");
  }
  const lowbit_status s =
      lowbit::WorkspaceSize(*conv, batch, in_h, in_w, bytes, fn);
  return s == LOWBIT_OK ? lowbit::Succeed() : s;
}

lowbit_status lowbit_conv2d_run_workspace(
    lowbit_conv2d_t conv, size_t batch, size_t in_h, size_t in_w,
    const void* input, size_t input_stride, void* output,
    size_t output_stride, void* workspace, size_t workspace_bytes) noexcept {
  return lowbit::Run(conv, batch, in_h, in_w, input, input_stride, output,
                     output_stride, workspace, workspace_bytes,
                     "lowbit_conv2d_run_workspace");
}

lowbit_status lowbit_conv2d_run(lowbit_conv2d_t conv, size_t batch,
                                size_t in_h, size_t in_w, const void* input,
                                size_t input_stride, void* output,
                                size_t output_stride,
                                struct pthreadpool* threadpool) noexcept {
  const char* fn = "lowbit_conv2d_run";
  if (threadpool != nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: the bare-metal build has no thread pool", fn);
  }
  size_t need = 0;
  if (conv != nullptr &&
      lowbit::WorkspaceSize(*conv, batch, in_h, in_w, &need, fn) ==
          LOWBIT_OK &&
      need != 0 && batch != 0) {
    return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                        "%s: bare metal allocates nothing when it runs: this "
                        "shape needs a workspace "
                        "(lowbit_conv2d_run_workspace)", fn);
  }
  return lowbit::Run(conv, batch, in_h, in_w, input, input_stride, output,
                     output_stride, nullptr, 0, fn);
}

const char* lowbit_conv2d_kernel_name(lowbit_conv2d_t conv) noexcept {
  if (conv == nullptr) return "";
  if (conv->dw != nullptr) return conv->dw->name;
  if (conv->dw16_bias != nullptr) return "lowbit_q16_dwconv_ukernel__scalar";
  return lowbit_gemm_kernel_name(conv->gemms[0]);
}

void lowbit_conv2d_destroy(lowbit_conv2d_t conv) noexcept {
  lowbit::Destroy(conv);
}

}  // extern "C"
