// hokanctl's record output: table, json (one object per line), csv and raw lines.
// Not thread-safe: one formatter per output stream.
#pragma once

#include <cstdio>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

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

// One record's bytes as a line of `--format raw`, the reversible escape: a backslash
// becomes "\\", LF "\n", CR "\r" and NUL "\0"; every other byte (invalid UTF-8, tabs,
// other controls) is written as received. So one line is one record, and
// unescape_raw_line() gives back the bytes exactly.
std::string raw_line(std::string_view bytes);
// The inverse of raw_line(); nullopt for a backslash not followed by \, n, r or 0.
std::optional<std::string> unescape_raw_line(std::string_view line);

// RFC 4180 field quoting.
std::string csv_field(std::string_view text);

}  // namespace hokan::cli
