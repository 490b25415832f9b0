// A forger with the machine's root access, for the remote tier's test: with hokand
// stopped, it removes the records of a category that contain a string, re-seals what is
// left into a fresh, self-consistent chain, and throws away the receipt — so the local
// `hokanctl verify` finds nothing wrong. Only the heads anchored off the machine can
// tell. Usage: forge_chain STATE_DIR TIMEZONE CATEGORY NEEDLE
#include <cstdio>
#include <string>

#include "store/meta.h"
#include "store/store.h"

int main(int argc, char** argv) {
  using namespace hokan;
  if (argc != 5) {
    std::fprintf(stderr, "usage: forge_chain STATE_DIR TIMEZONE CATEGORY NEEDLE\n");
    return 2;
  }
  std::string state = argv[1], category = argv[3], needle = argv[4];
  auto zone = core::TimeZone::load(argv[2]);
  auto meta = store::MetaStore::open(state);
  if (!zone || !meta) {
    std::fprintf(stderr, "forge_chain: cannot open %s\n", state.c_str());
    return 1;
  }
  std::shared_ptr<store::MetaStore> shared_meta = std::move(*meta);
  store::StoreOptions options{state, *zone, store::SyncMode::always};
  options.meta = shared_meta;
  auto opened = store::Store::open(options);
  if (!opened) {
    std::fprintf(stderr, "forge_chain: %s\n", opened.error().message.c_str());
    return 1;
  }
  uint64_t removed = 0;
  for (const auto& bucket : (*opened)->buckets()) {
    if (bucket.category != category) continue;
    auto rewritten = (*opened)->rewrite_bucket(
        bucket, [&](const store::Event& e) { return e.message.find(needle) == std::string::npos; },
        [](const store::RewriteStats&) { return std::string(); });
    if (!rewritten) {
      std::fprintf(stderr, "forge_chain: %s\n", rewritten.error().message.c_str());
      return 1;
    }
    removed += rewritten->destroyed.records;
  }
  // The forger hides the rewrite: no receipt reaches the ledger.
  if (auto pending = shared_meta->pending())
    (void)shared_meta->settle(0, {}, [&] {
      std::vector<std::string> keys;
      for (const auto& [key, text] : *pending) keys.push_back(key);
      return keys;
    }());
  std::printf("%llu\n", static_cast<unsigned long long>(removed));
  return 0;
}
