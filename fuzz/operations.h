// The operations the differential fuzzer knows. An input's first byte picks
// one (modulo their count); the rest decodes into that operation's case.
// Each operation has an entry here, with a spec type, its Serialize, a
// check and seeds (fuzz/gemm_case.h, conv_case.h, dq_gemm_case.h).
#ifndef LOWBIT_FUZZ_OPERATIONS_H_
#define LOWBIT_FUZZ_OPERATIONS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lowbit {
namespace fuzz {

struct Operation {
  const char* name;
  // Decodes and checks one input (aborts on a mismatch).
  void (*check)(const uint8_t* data, size_t size);
  // The seed corpus, each seed encoded without the operation byte.
  std::vector<std::vector<uint8_t>> (*seeds)();
};

const std::vector<Operation>& Operations();

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_OPERATIONS_H_
