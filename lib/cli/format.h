// hokanctl's record output: table, json (one object per line), csv and raw lines.
// Not thread-safe: one formatter per output stream.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace hokan::cli {

class RecordFormatter {
 public:
  virtual ~RecordFormatter() = default;
  // `record` is the event object; `text` its JSON text as received (json passes it on).
  virtual void record(const nlohmann::json& record, std::string_view text) = 0;
  // Writes anything held back (table buffers rows to align columns).
  virtual void finish() {}

  // Errors: invalid_argument for an unknown format name.
  [[nodiscard]] static Result<std::unique_ptr<RecordFormatter>> create(const std::string& format, FILE* out);
};

// RFC 4180 field quoting.
std::string csv_field(std::string_view text);

}  // namespace hokan::cli
