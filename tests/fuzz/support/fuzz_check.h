// What the fuzz targets share: a check that ends the process on a broken property (so
// AFL records a crash and the replay test fails, in any build type, NDEBUG or not), and
// a cursor that takes the options a target reads from the front of its input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: fuzz property broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace hokan::fuzz {

// Reads option bytes off the front of an input; past the end every read gives 0, so any
// input, even an empty one, is a valid test case.
class Input {
 public:
  Input(const uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | byte();
    return v;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace hokan::fuzz
