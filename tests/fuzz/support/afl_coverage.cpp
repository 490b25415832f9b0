// Coverage for AFL++ from g++'s own instrumentation. Debian 12's afl++ 4.04c ships a GCC
// plugin built against gcc 12.2.0-14, and gcc 12.2.0-14+deb12u1 refuses to load it
// ("GCC and plugin have incompatible versions"); Debian's clang 14 cannot compile hokan
// (libstdc++ 12's <expected> needs concepts it lacks). So fuzz builds compile with
// -fsanitize-coverage=trace-pc, which calls the function below at the start of every
// basic block, and this turns the calls into AFL's classic edge map: a hash of the block's
// address (relative to this binary, so ASLR does not move it) XOR the previous block's.
// afl-compiler-rt.o does the rest (fork server, shared-memory map, persistent loop).
// Compiled without -fsanitize-coverage: instrumenting this function would recurse.
#include <cstdint>

extern "C" {
extern uint8_t* __afl_area_ptr;
// AFL's previous-location register; its persistent loop zeroes it before each input.
extern __thread uint32_t __afl_prev_loc[];

[[gnu::no_sanitize_address, gnu::no_sanitize_undefined]] void __sanitizer_cov_trace_pc() {
  constexpr uint32_t kMapMask = (1u << 16) - 1;  // AFL's default map: 64 KiB
  const auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0)) -
                  reinterpret_cast<uintptr_t>(&__sanitizer_cov_trace_pc);
  const auto location = static_cast<uint32_t>((pc * 0x9E3779B97F4A7C15ull) >> 40) & kMapMask;
  ++__afl_area_ptr[location ^ __afl_prev_loc[0]];
  __afl_prev_loc[0] = location >> 1;
}
}
