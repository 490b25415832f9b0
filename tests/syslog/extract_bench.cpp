// CPU per message of parse() and extract(), before (legacy_extract.cpp, the extractor of
// commit 13be969) and after, on the lines the ingest bench sends (bench/gen-varied.awk:
// nginx access, key=value applications, sshd/PAM, sudo, cron, systemd, UFW) and on the
// recall corpus (tests/syslog/recall: many more forms, more addresses per line).
// Not a pass/fail test: run it and compare.
//   cmake --build build --target extract_bench && build/tests/syslog/extract_bench
//   EXTRACT_BENCH_N=200000 build/tests/syslog/extract_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "legacy_extract.h"
#include "syslog/addresses.h"
#include "syslog/extract.h"
#include "syslog/parser.h"

namespace hokan::syslog {
namespace {

const ParseContext& context() {
  static const auto utc = core::TimeZone::utc();
  static const ParseContext c{1'795'132'800'000'000, utc.get()};
  return c;
}

// N lines of bench/gen-varied.awk, as bench/ingest makes them (fixed seed).
std::vector<std::string> varied_lines() {
  const char* n = std::getenv("EXTRACT_BENCH_N");
  const std::string command = std::string("LC_ALL=C TZ=UTC awk -v N=") + (n ? n : "100000") +
                              " -v SEED=42 -v FROM=1795046400 -v TO=1795132800 -f " +
                              HOKAN_GEN_VARIED;
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return lines;
  char buffer[8192];
  while (std::fgets(buffer, sizeof buffer, pipe)) {
    std::string line(buffer);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(std::move(line));
  }
  pclose(pipe);
  return lines;
}

std::vector<std::string> corpus_lines() {
  std::vector<std::string> lines;
  for (const auto& entry : std::filesystem::directory_iterator(HOKAN_RECALL_DIR)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#' && !line.starts_with("=>"))
        lines.push_back(line.starts_with('<') ? line : "<13>" + line);
  }
  return lines;
}

const std::vector<std::string>& lines_of(int set) {
  static const std::vector<std::string> varied = varied_lines();
  static const std::vector<std::string> corpus = corpus_lines();
  return set == 0 ? varied : corpus;
}

const std::vector<Message>& messages_of(int set) {
  static std::vector<Message> parsed[2];
  if (parsed[set].empty())
    for (const auto& line : lines_of(set)) parsed[set].push_back(parse(line, context()));
  return parsed[set];
}

void label(benchmark::State& state, std::size_t n) {
  state.SetLabel(state.range(0) == 0 ? "gen-varied" : "recall corpus");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["ns/msg"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Parse(benchmark::State& state) {
  const auto& lines = lines_of(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const auto& line : lines) benchmark::DoNotOptimize(parse(line, context()));
  label(state, lines.size());
}

void BM_ExtractBefore(benchmark::State& state) {
  const auto& messages = messages_of(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(legacy::extract(m));
  label(state, messages.size());
}

void BM_ExtractAfter(benchmark::State& state) {
  const auto extractor = *Extractor::create({});
  const auto& messages = messages_of(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const auto& m : messages) benchmark::DoNotOptimize(extractor->extract(m));
  label(state, messages.size());
}

// The part of extract() that reads every byte: finding the addresses in the text.
void BM_FindAddresses(benchmark::State& state) {
  const auto& messages = messages_of(static_cast<int>(state.range(0)));
  std::vector<AddressInText> found;
  for (auto _ : state)
    for (const auto& m : messages) {
      found.clear();
      find_addresses(m.message, found);
      benchmark::DoNotOptimize(found.data());
    }
  label(state, messages.size());
}

// What ingest does per line: parse, then extract from the message while it is in cache.
void BM_ParseExtractBefore(benchmark::State& state) {
  const auto& lines = lines_of(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const auto& line : lines)
      benchmark::DoNotOptimize(legacy::extract(parse(line, context())));
  label(state, lines.size());
}

void BM_ParseExtractAfter(benchmark::State& state) {
  const auto extractor = *Extractor::create({});
  const auto& lines = lines_of(static_cast<int>(state.range(0)));
  for (auto _ : state)
    for (const auto& line : lines)
      benchmark::DoNotOptimize(extractor->extract(parse(line, context())));
  label(state, lines.size());
}

BENCHMARK(BM_ParseExtractBefore)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseExtractAfter)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FindAddresses)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Parse)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtractBefore)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtractAfter)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hokan::syslog

BENCHMARK_MAIN();
