// Writes the seed corpus: make_seeds DIR -> DIR/<operation>-<index>, each
// file the operation byte followed by an encoded case.
#include <cstdio>
#include <string>

#include "fuzz/operations.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const auto& ops = lowbit::fuzz::Operations();
  for (size_t op = 0; op < ops.size(); ++op) {
    const auto seeds = ops[op].seeds();
    for (size_t i = 0; i < seeds.size(); ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "/%s-%03zu", ops[op].name, i);
      const std::string path = argv[1] + std::string(name);
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) {
        std::perror(path.c_str());
        return 1;
      }
      const unsigned char tag = static_cast<unsigned char>(op);
      std::fwrite(&tag, 1, 1, f);
      std::fwrite(seeds[i].data(), 1, seeds[i].size(), f);
      std::fclose(f);
    }
    std::printf("%s: %zu seeds\n", ops[op].name, seeds.size());
  }
  return 0;
}
