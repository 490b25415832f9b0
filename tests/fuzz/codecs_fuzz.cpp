// The store's decoders on bytes read back from disk, which a damaged or altered database
// can make anything: codec::decode_event, decode_posting, decode_block_key,
// block::Reader::open and payload_of, seal::decode_link and decode_head, and an index
// run's block table and values chunk (index_run.h). Input: one byte
// picks the decoder, then what it reads (a key's time and id first where it needs one).
// Properties: no crash, UB or allocation beyond what the bytes can hold (ASan's
// max_allocation_size_mb in tools/fuzz); what decodes, re-encodes to something that
// decodes to the same value (and to the same bytes where the encoding is canonical).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec.h"
#include "store/index_run.h"
#include "store/record_block.h"
#include "store/seal.h"
#include "support/fuzz_check.h"

namespace {
using namespace hokan::store;

void event(int64_t time_us, std::string_view bytes) {
  Event e;
  e.time_us = time_us;
  if (!codec::decode_event(bytes, e)) return;
  std::string again;
  codec::encode_event(e, again);
  Event back;
  back.time_us = time_us;
  back.received_us = e.received_us;  // kept by the block, not the value
  FUZZ_CHECK(codec::decode_event(again, back).has_value());
  FUZZ_CHECK(back == e);  // every field, raw and the message taken from it included
}

void posting(std::string_view bytes) {
  std::vector<codec::PostingHit> hits;
  if (!codec::decode_posting(bytes, hits)) return;
  // encode_posting takes hits sorted, each block's hits together: re-encode those.
  if (!std::is_sorted(hits.begin(), hits.end())) return;
  std::vector<codec::PostingHit> back;
  FUZZ_CHECK(codec::decode_posting(codec::encode_posting(hits), back).has_value());
  // A block with no hits leaves nothing to encode; duplicates collapse to nothing else.
  FUZZ_CHECK(back == hits);
}

void block_key(std::string_view bytes) {
  auto key = codec::decode_block_key(bytes);
  if (!key) return;
  std::string again;
  codec::append_block_key(again, *key);
  FUZZ_CHECK(again == bytes);
}

void record_block(codec::RecordKey first, std::string_view bytes) {
  block::Reader reader;
  const auto payload = block::Reader::payload_of(bytes);
  if (!reader.open(first, bytes)) {
    FUZZ_CHECK(reader.size() == 0);
    return;
  }
  // The trailer alone says what open() found.
  FUZZ_CHECK(payload && payload->first == reader.payload() && payload->second == reader.size());
  FUZZ_CHECK(reader.size() > 0 && reader.key(0) == first);
  std::size_t total = 0;
  for (std::size_t i = 0; i < reader.size(); ++i) {
    const std::string_view record = reader.record(i);
    if (!record.empty()) {
      const auto at = static_cast<std::size_t>(record.data() - reader.payload().data());
      FUZZ_CHECK(reader.record_at(at) == i);
    }
    total += record.size();
    // What a scan does with each record.
    Event e;
    (void)reader.decode(i, e);
  }
  FUZZ_CHECK(total == reader.payload().size());
  // A block of keys in order (the only kind the builder writes) rebuilds to the same.
  for (std::size_t i = 1; i < reader.size(); ++i)
    if (!(reader.key(i - 1) < reader.key(i))) return;
  FUZZ_CHECK(reader.lower_bound(first) == 0);
  FUZZ_CHECK(reader.lower_bound(reader.last_key()) == reader.size() - 1);
  block::Builder builder;
  for (std::size_t i = 0; i < reader.size(); ++i) builder.add(reader.key(i), reader.record(i), reader.received_us(i));
  std::string again;
  builder.finish(again);
  block::Reader back;
  FUZZ_CHECK(back.open(first, again).has_value());
  FUZZ_CHECK(back.size() == reader.size() && back.payload() == reader.payload());
  for (std::size_t i = 0; i < back.size(); ++i)
    FUZZ_CHECK(back.key(i) == reader.key(i) && back.received_us(i) == reader.received_us(i));
}

void link(std::string_view bytes) {
  auto link = seal::decode_link(bytes);
  if (!link) return;
  FUZZ_CHECK(seal::encode_link(*link) == bytes);
}

void head(std::string_view bytes) {
  auto head = seal::decode_head(bytes);
  if (!head) return;
  FUZZ_CHECK(seal::encode_head(*head) == bytes);
}

void block_table(std::string_view bytes) {
  auto blocks = detail::decode_block_table(bytes);
  // Each block takes at least two bytes of the value.
  if (blocks) FUZZ_CHECK(blocks->size() * 2 <= bytes.size());
}

void values_chunk(uint64_t first, uint64_t hash, std::string_view bytes) {
  std::vector<std::pair<uint64_t, uint32_t>> hits;
  if (!detail::find_in_chunk(bytes, first, hash, hits)) return;
  // Each hit takes at least two bytes of the value.
  FUZZ_CHECK(hits.size() * 2 <= bytes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  hokan::fuzz::Input in(data, size);
  switch (in.byte() % 8) {
    case 0: {
      const auto time_us = static_cast<int64_t>(in.u64());
      event(time_us, in.rest());
      break;
    }
    case 1: posting(in.rest()); break;
    case 2: block_key(in.rest()); break;
    case 3: {
      codec::RecordKey first;
      first.time_us = static_cast<int64_t>(in.u64());
      first.id = in.u64();
      record_block(first, in.rest());
      break;
    }
    case 4: link(in.rest()); break;
    case 5: head(in.rest()); break;
    case 6: block_table(in.rest()); break;
    case 7: {
      const uint64_t first = in.u64();
      const uint64_t hash = in.u64();
      values_chunk(first, hash, in.rest());
      break;
    }
  }
  return 0;
}
