#include "fuzz/operations.h"

#include "fuzz/conv_case.h"
#include "fuzz/dq_gemm_case.h"
#include "fuzz/fuzz_reader.h"
#include "fuzz/gemm16_case.h"
#include "fuzz/gemm_case.h"

namespace lowbit {
namespace fuzz {
namespace {

template <class Spec, bool (*Check)(const Spec&)>
void Decode(const uint8_t* data, size_t size) {
  Reader reader(data, size);
  Spec spec;
  Serialize(reader, spec);
  Check(spec);
}

template <class Spec, std::vector<Spec> (*Seeds)()>
std::vector<std::vector<uint8_t>> Encode() {
  std::vector<std::vector<uint8_t>> out;
  for (Spec spec : Seeds()) {
    Writer writer;
    Serialize(writer, spec);
    out.push_back(writer.bytes());
  }
  return out;
}

}  // namespace

const std::vector<Operation>& Operations() {
  static const std::vector<Operation> ops = {
      {"gemm", &Decode<GemmSpec, &CheckGemm>, &Encode<GemmSpec, &GemmSeeds>},
      {"conv", &Decode<ConvSpec, &CheckConv>, &Encode<ConvSpec, &ConvSeeds>},
      {"dq", &Decode<DqSpec, &CheckDqGemm>, &Encode<DqSpec, &DqSeeds>},
      {"g16", &Decode<Gemm16Spec, &CheckGemm16>,
       &Encode<Gemm16Spec, &Gemm16Seeds>},
  };
  return ops;
}

}  // namespace fuzz
}  // namespace lowbit
