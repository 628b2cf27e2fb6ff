// Turns a fuzzer's bytes into parameters, and parameters back into bytes
// (for the seed corpus). Every value is a fixed-size little-endian integer
// mapped into its range by modulo. A case type describes its fields once,
// in a template over the two classes (`template <class IO> void
// Serialize(IO&, Case&)`), so writing a case and reading it back gives the
// same case; past the end of the input every read is 0.
#ifndef LOWBIT_FUZZ_FUZZ_READER_H_
#define LOWBIT_FUZZ_FUZZ_READER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lowbit {
namespace fuzz {

class Reader {
 public:
  static constexpr bool kReading = true;
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint64_t Bits(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      const uint64_t b = pos_ < size_ ? data_[pos_] : 0;
      ++pos_;
      v |= b << (8 * i);
    }
    return v;
  }
  // v in [lo, hi], from `bytes` bytes.
  template <typename T>
  void Range(T& v, int64_t lo, int64_t hi, int bytes = 1) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    v = static_cast<T>(lo + static_cast<int64_t>(Bits(bytes) % span));
  }
  void Raw32(int32_t& v) { v = static_cast<int32_t>(Bits(4)); }
  void Raw32(uint32_t& v) { v = static_cast<uint32_t>(Bits(4)); }
  void Raw32(float& f) {
    const uint32_t bits = static_cast<uint32_t>(Bits(4));
    static_assert(sizeof(f) == sizeof(bits), "32-bit float");
    __builtin_memcpy(&f, &bits, sizeof(f));
  }
  // The input after the fields (raw data fills use it).
  std::vector<uint8_t> Rest() const {
    if (pos_ >= size_) return {};
    return std::vector<uint8_t>(data_ + pos_, data_ + size_);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

class Writer {
 public:
  static constexpr bool kReading = false;
  void Bits(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
  }
  template <typename T>
  void Range(T& v, int64_t lo, int64_t /*hi*/, int bytes = 1) {
    Bits(static_cast<uint64_t>(static_cast<int64_t>(v) - lo), bytes);
  }
  void Raw32(int32_t& v) { Bits(static_cast<uint32_t>(v), 4); }
  void Raw32(uint32_t& v) { Bits(v, 4); }
  void Raw32(float& f) {
    uint32_t bits;
    __builtin_memcpy(&bits, &f, sizeof(f));
    Bits(bits, 4);
  }
  void Append(const std::vector<uint8_t>& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_FUZZ_READER_H_
