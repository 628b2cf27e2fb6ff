#include "fuzz/conv_case.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/conv_op.h"
#include "kernels/reference/conv.h"

namespace lowbit {
namespace fuzz {
namespace {

struct Geometry {
  size_t groups = 0, cg = 0, ng = 0, batch = 0, in_h = 0, in_w = 0;
  size_t c_in = 0, c_out = 0, in_stride = 0, out_stride = 0;
  size_t out_h = 0, out_w = 0;
};

Geometry Decode(const ConvSpec& s) {
  Geometry g;
  g.groups = s.groups % (s.depthwise ? 71 : 7);
  g.cg = s.depthwise ? 1 : s.cg;
  g.ng = s.depthwise ? 1 + s.ng % 4 : s.ng;  // depthwise: multiplier 1..4
  g.batch = s.batch;
  g.in_h = s.in_h;
  g.in_w = s.in_w;
  g.c_in = g.groups * g.cg;
  g.c_out = g.groups * g.ng;
  const auto stride = [](size_t len, int extra) {
    return extra < 0 && len < static_cast<size_t>(-extra) ? 0 : len + extra;
  };
  g.in_stride = stride(g.c_in, s.in_extra);
  g.out_stride = stride(g.c_out, s.out_extra);
  if (s.kh > 0 && s.sh > 0 && s.dh > 0 && g.in_h > 0) {
    g.out_h = ref::ConvOutputSize(g.in_h, s.kh, s.sh, s.dh, s.pt, s.pb);
  }
  if (s.kw > 0 && s.sw > 0 && s.dw > 0 && g.in_w > 0) {
    g.out_w = ref::ConvOutputSize(g.in_w, s.kw, s.sw, s.dw, s.pl, s.pr);
  }
  return g;
}

// What the contract says of the geometry at pack time (lowbit.h).
void GeometryViolations(const ConvSpec& s, const Geometry& g,
                        std::vector<lowbit_status>* v) {
  if (s.kh == 0 || s.kw == 0) v->push_back(LOWBIT_ERROR_INVALID_SIZE);
  if (s.sh == 0 || s.sw == 0 || s.dh == 0 || s.dw == 0) {
    v->push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
  }
  if (g.groups == 0 || g.cg == 0 || g.ng == 0) {
    v->push_back(LOWBIT_ERROR_INVALID_SIZE);
  }
}

// The statuses a run may return; none: it must succeed.
std::vector<lowbit_status> RunViolations(const Geometry& g) {
  std::vector<lowbit_status> v;
  if (g.in_stride < g.c_in || g.out_stride < g.c_out) {
    v.push_back(LOWBIT_ERROR_INVALID_STRIDE);
  }
  if (g.out_h == 0 || g.out_w == 0) v.push_back(LOWBIT_ERROR_INVALID_SIZE);
  return v;
}

void RunAndCompare(const char* who, lowbit_conv2d_t conv, const Geometry& g,
                   const std::vector<uint8_t>& input,
                   const std::vector<uint8_t>& expected, size_t out_bytes,
                   const std::vector<lowbit_status>& run_violations,
                   struct pthreadpool* pool) {
  std::vector<uint8_t> out(out_bytes + 2 * kGuard, kCanary);
  const lowbit_status st =
      lowbit_conv2d_run(conv, g.batch, g.in_h, g.in_w, input.data(),
                        g.in_stride, out.data() + kGuard, g.out_stride, pool);
  if (!Allowed(st, run_violations)) {
    Die("%s: run returned %d (%s), the contract allows %zu statuses", who, st,
        lowbit_last_error(), run_violations.size());
  }
  const bool wrote = st == LOWBIT_OK && g.batch > 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const bool inside = i >= kGuard && i < kGuard + out_bytes;
    const uint8_t want = wrote && inside ? expected[i - kGuard] : kCanary;
    if (out[i] != want) {
      const long at = static_cast<long>(i) - static_cast<long>(kGuard);
      Die("%s: output byte %ld is %d, expected %d (pixel %ld)", who, at,
          out[i], want, g.out_stride ? at / long(g.out_stride) : 0);
    }
  }
}

}  // namespace

bool CheckConv(const ConvSpec& spec) {
  const Geometry g = Decode(spec);
  // The quantization of the equivalent GEMM: n = groups * Ng output
  // channels of k = kh * kw * Cg, dense OHWI weights.
  GemmSpec q = spec.quant;
  q.big_k = 0;
  q.m = 0;
  q.n = static_cast<uint16_t>(g.c_out);
  q.k = static_cast<uint16_t>(spec.kh * spec.kw * g.cg);
  q.lda_extra = q.ldw_extra = q.ldc_extra = 0;
  q.flags &= ~(GemmSpec::kFirstLayout | GemmSpec::kRawInt32);
  Built b = Build(q);
  const lowbit_gemm_params& gp = b.p;

  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = spec.kh;
  p.kernel_width = spec.kw;
  p.stride_height = spec.sh;
  p.stride_width = spec.sw;
  p.dilation_height = spec.dh;
  p.dilation_width = spec.dw;
  p.padding_top = spec.pt;
  p.padding_left = spec.pl;
  p.padding_bottom = spec.pb;
  p.padding_right = spec.pr;
  p.groups = g.groups;
  p.group_input_channels = g.cg;
  p.group_output_channels = g.ng;
  p.input_type = gp.input_type;
  p.weight_type = gp.weight_type;
  p.output_type = gp.output_type;
  p.requant = gp.requant;
  p.weights = gp.weights;
  p.bias = gp.bias;
  p.input_scale = gp.input_scale;
  p.input_zero_point = gp.input_zero_point;
  p.weight_scales = gp.weight_scales;
  p.weight_scale_count = gp.weight_scale_count;
  p.weight_zero_point = gp.weight_zero_point;
  p.output_scale = gp.output_scale;
  p.output_zero_point = gp.output_zero_point;
  p.output_min = gp.output_min;
  p.output_max = gp.output_max;
  p.requant_multipliers = gp.requant_multipliers;
  p.requant_shifts = gp.requant_shifts;
  p.requant_multiplier_count = gp.requant_multiplier_count;

  char text[640];
  std::snprintf(text, sizeof(text),
                "conv batch=%zu in=%zux%zu kernel=%dx%d stride=%dx%d "
                "dilation=%dx%d pad=%d,%d,%d,%d groups=%zu cg=%zu ng=%zu "
                "strides=%zu/%zu types=%d/%d/%d requant=%d za=%d zw=%d zo=%d "
                "scales=%g/%zu/%g mult=%zu clamp=[%d,%d] seed=%u",
                g.batch, g.in_h, g.in_w, spec.kh, spec.kw, spec.sh, spec.sw,
                spec.dh, spec.dw, spec.pt, spec.pl, spec.pb, spec.pr, g.groups,
                g.cg, g.ng, g.in_stride, g.out_stride, p.input_type,
                p.weight_type, p.output_type, p.requant, p.input_zero_point,
                p.weight_zero_point, p.output_zero_point, p.input_scale,
                p.weight_scale_count, p.output_scale,
                p.requant_multiplier_count, p.output_min, p.output_max,
                q.seed);
  g_case = text;

  std::vector<lowbit_status> violations;
  GeometryViolations(spec, g, &violations);
  const bool geometry_ok = violations.empty();
  if (geometry_ok) violations = ContractViolations(gp);
  const bool valid = violations.empty();
  const std::vector<lowbit_status> run_violations = RunViolations(g);

  // The input, and the reference's output at the caller's pixel stride.
  const size_t in_pixels = g.batch * g.in_h * g.in_w;
  std::mt19937 rng(q.seed ^ 0xC0);
  const std::vector<uint8_t> input = FillData(
      in_pixels == 0 ? 1
                     : (in_pixels - 1) * std::max(g.in_stride, g.c_in) +
                           g.c_in + 1,
      q.a_fill, p.input_type, p.input_zero_point, rng, q.raw_data);
  const size_t out_pixels = g.batch * g.out_h * g.out_w;
  const size_t out_bytes =
      out_pixels == 0 ? 1 : (out_pixels - 1) * g.out_stride + g.c_out + 1;
  std::vector<uint8_t> expected(out_bytes, kCanary);
  if (valid && run_violations.empty() && out_pixels > 0) {
    std::vector<uint8_t> dense(out_pixels * g.c_out);
    ref::Conv2d(p, g.batch, g.in_h, g.in_w, input.data(), g.in_stride,
                dense.data(), g.c_out);
    for (size_t i = 0; i < out_pixels; ++i) {
      std::memcpy(&expected[i * g.out_stride], &dense[i * g.c_out], g.c_out);
    }
  }

  const bool depthwise = g.groups > 1 && g.cg == 1;
  std::vector<const DwconvKernel*> dws = {nullptr};
  if (depthwise) {
    dws.clear();
    for (const DwconvKernel* dw : DwconvKernels()) {
      if (CpuSupports(*dw)) dws.push_back(dw);
    }
  }
  // int4 weights run on the kernels that read them (the depthwise ones
  // take them widened).
  const bool int4 = p.weight_type == LOWBIT_DTYPE_INT4;
  for (const GemmKernel* kernel : int4 ? Int4GemmKernels() : GemmKernels()) {
    if (!CpuSupports(*kernel)) continue;
    for (const DwconvKernel* dw : dws) {
      const char* who = dw != nullptr ? dw->name : kernel->name;
      lowbit_conv2d_t conv = nullptr;
      const auto pack = [&](lowbit_conv2d_t* h) {
        return PackConv2d(&p, *kernel, h, dw);
      };
      if (!PackChecked(who, violations, pack, &conv)) continue;
      RunAndCompare(who, conv, g, input, expected, out_bytes, run_violations,
                    nullptr);
      if (b.two_threads) {
        RunAndCompare(who, conv, g, input, expected, out_bytes,
                      run_violations, TwoThreads());
      }
      lowbit_conv2d_destroy(conv);
    }
    if (depthwise) break;  // the depthwise kernels ran above
  }
  lowbit_conv2d_t conv = nullptr;
  const lowbit_status st = lowbit_conv2d_pack(&p, &conv);
  if (!Allowed(st, violations)) {
    Die("lowbit_conv2d_pack returned %d (%s)", st, lowbit_last_error());
  }
  if (st == LOWBIT_OK) {
    RunAndCompare("lowbit_conv2d_run", conv, g, input, expected, out_bytes,
                  run_violations, TwoThreads());
    lowbit_conv2d_destroy(conv);
  }
  return valid;
}

std::vector<ConvSpec> ConvSeeds() {
  std::vector<ConvSpec> seeds;
  ConvSpec base;
  base.kh = base.kw = 3;
  base.sh = base.sw = base.dh = base.dw = 1;
  base.pt = base.pl = base.pb = base.pr = 1;
  base.groups = 1;
  base.cg = 5;
  base.ng = 7;
  base.batch = 1;
  base.in_h = 6;
  base.in_w = 7;
  base.quant.seed = 3;
  base.quant.flags = GemmSpec::kTwoThreads;
  for (uint8_t requant = 0; requant < 3; ++requant) {
    ConvSpec s = base;
    s.quant.requant = requant;
    seeds.push_back(s);
    s.depthwise = 1;
    s.groups = 19;
    s.ng = requant == 0 ? 0 : 7;  // multiplier 1, or 4
    s.quant.input_type = s.quant.weight_type = s.quant.output_type = 3;
    s.quant.za_mode = 3;
    s.quant.zw_mode = 2;
    seeds.push_back(s);
  }
  ConvSpec s = base;  // strided, dilated, asymmetric padding, groups
  s.kh = 5;
  s.sw = 2;
  s.dh = 2;
  s.pt = 4;
  s.pr = 0;
  s.groups = 3;
  s.in_extra = 4;
  s.out_extra = 3;
  s.batch = 2;
  seeds.push_back(s);
  s = base;  // 1x1: a plain GEMM
  s.kh = s.kw = 1;
  s.pt = s.pl = s.pb = s.pr = 0;
  seeds.push_back(s);
  s = base;  // bad geometry
  s.sh = 0;
  seeds.push_back(s);
  s = base;
  s.in_h = 1;
  s.pt = s.pb = 0;
  s.kh = 4;  // no output row
  seeds.push_back(s);
  s = base;
  s.in_extra = -1;
  seeds.push_back(s);
  // int4 weights: groups whose filters start mid-byte (Ng * K odd), the
  // extremes, depthwise (widened), a 1x1.
  s = base;
  s.quant.weight_type = 6;
  s.groups = 3;
  seeds.push_back(s);
  s.quant.a_fill = 2;
  s.quant.w_fill = 1;
  s.quant.requant = 1;
  s.groups = 1;
  s.cg = 16;  // read in place
  seeds.push_back(s);
  s = base;
  s.quant.weight_type = 6;
  s.quant.requant = 2;
  s.depthwise = 1;
  s.groups = 19;
  seeds.push_back(s);
  s = base;
  s.quant.weight_type = 6;
  s.kh = s.kw = 1;
  s.pt = s.pl = s.pb = s.pr = 0;
  seeds.push_back(s);
  return seeds;
}

}  // namespace fuzz
}  // namespace lowbit
