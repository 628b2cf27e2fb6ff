// lowbit_info: what this build and this CPU offer, and what dispatch chose.
#include <cstdlib>
#include <string>

#include "hwy/targets.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/platform.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace {

std::string HighwayTargets(int64_t targets) {
  std::string s;
  for (int64_t bit = 1; bit != 0 && bit <= targets; bit <<= 1) {
    if ((targets & bit) == 0) continue;
    s += ' ';
    s += hwy::TargetName(bit);
  }
  return s;
}

std::string Report() {
  std::string s = std::string("lowbit ") + lowbit_version_string() + "\n";
  s += "cpu: " + CpuDescription() + "\n";
  // The targets the portable kernels were compiled for: one kernel each.
  int64_t compiled = 0;
  for (const GemmKernel* k : GemmKernels()) {
    if (k->requires == Isa::kHighway) compiled |= k->hwy_target;
  }
  int64_t supported = 0;
  for (const GemmKernel* k : GemmKernels()) {
    if (k->requires == Isa::kHighway && CpuSupports(*k)) {
      supported |= k->hwy_target;
    }
  }
  s += "highway targets compiled:" + HighwayTargets(compiled) + "\n";
  s += "highway targets supported:" + HighwayTargets(supported) + "\n";
  s += "gemm kernels, in priority order:\n";
  const GemmKernel& best = DefaultGemmKernel();
  for (const GemmKernel* k : GemmKernels()) {
    s += std::string("  ") + (k == &best ? "* " : "  ") + k->name +
         std::string(58 > std::char_traits<char>::length(k->name)
                         ? 58 - std::char_traits<char>::length(k->name)
                         : 1,
                     ' ') +
         "LOWBIT_ISA=" + k->family +
         (CpuSupports(*k) ? "" : "  (not supported by this CPU)") + "\n";
  }
  s += "int4-weight gemm kernels:\n";
  for (const GemmKernel* k : Int4GemmKernels()) {
    s += std::string("    ") + k->name +
         (CpuSupports(*k) ? "" : "  (not supported by this CPU)") + "\n";
  }
  s += "depthwise kernels:\n";
  for (const DwconvKernel* k : DwconvKernels()) {
    s += std::string("    ") + k->name +
         (CpuSupports(*k) ? "" : "  (not supported by this CPU)") + "\n";
  }
  const char* env = std::getenv("LOWBIT_ISA");
  s += std::string("LOWBIT_ISA: ") + (env != nullptr ? env : "(unset)") + "\n";
  std::string error;
  const GemmKernel* chosen = ChosenGemmKernel(&error);
  s += "operation q8 gemm (int8/uint8 GEMM, fully connected): " +
       (chosen != nullptr ? std::string(chosen->name) : "error: " + error) +
       "\n";
  if (chosen != nullptr) {
    s += "operation q8 x int4 gemm (int4 weights): " +
         std::string(Int4KernelFor(*chosen).name) + "\n";
    s += "operation q8 conv2d (NHWC, indirect GEMM): " +
         std::string(chosen->name) + "\n";
    s += "operation q8 depthwise conv2d: " +
         std::string(DwconvKernelFor(*chosen).name) + "\n";
  }
  return s;
}

}  // namespace
}  // namespace lowbit

extern "C" const char* lowbit_info(void) noexcept {
  try {
    static const std::string report = lowbit::Report();
    return report.c_str();
  } catch (...) {  // no exception leaves the C API
    return "lowbit_info: out of memory\n";
  }
}
