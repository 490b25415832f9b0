// What an object's name can tell when its upload carries no X-Hokan-* header for it:
// recorders (ffmpeg's HLS muxer, NVRs' "HTTP upload") set one fixed header at most, but
// they name each segment after its camera and its start ("cam1-20261120T030000.ts").
// A category's name_time and name_camera keys are parsed here at config load, so a bad
// pattern is a config error, and the HTTP decoder matches names against the result.
// Also the alphabet of object names and the globs of a category's replace/ignore lists,
// so that config can refuse a pattern no name could ever match.
// Pure values and functions; a parsed pattern is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/timezone.h"

namespace hokan::config {

// Object names are 1 to 200 of A-Z a-z 0-9 . _ - + ("+" for a strftime %z offset).
// "@" is not among them: it separates a replaced playlist's name from its version.
bool object_name_char(char c);
bool valid_object_name(std::string_view name);
constexpr std::string_view kObjectNameRule = "1 to 200 of A-Z a-z 0-9 . _ - +";

// A strftime-style time pattern: %Y (4 digits), %m %d %H %M %S (2 digits each), %z
// ("Z", "+hhmm", "-hhmm", "+hh:mm") and literal text (of object name characters, so no
// "%%"). %Y %m %d are required; each conversion at most once; missing %H %M %S read as 0.
class NameTime {
 public:
  // Errors: invalid_argument with a one-line reason (an unsupported conversion, a
  // missing or repeated field, a character no object name can hold).
  [[nodiscard]] static Result<NameTime> parse(std::string_view pattern);

  // The instant of the leftmost place in `name` that fits the pattern; a time without
  // %z is read in `zone` (in a DST gap with the offset before it, in an overlap the
  // earlier instant). Errors: invalid_argument saying why it does not fit: no place
  // fits (with how far the nearest one got), or the digits name no valid date or time.
  [[nodiscard]] Result<int64_t> find(std::string_view name, const core::TimeZone& zone) const;

  const std::string& text() const { return text_; }

  enum class Field { literal, year, month, day, hour, minute, second, offset };
  struct Part {
    Field field = Field::literal;
    std::string literal;  // for Field::literal
  };

 private:
  std::vector<Part> parts_;
  std::string text_;
};

// The camera as the name's prefix up to a separator: "{camera}-" reads "cam1" from
// "cam1-20261120T030000.ts"; text before {camera} must begin the name and is not part
// of the camera ("ch{camera}_" reads "07" from "ch07_0300.mp4").
class NameCamera {
 public:
  // Errors: invalid_argument: not exactly one {camera}, no separator after it, other
  // text after the separator, or a character no object name can hold.
  [[nodiscard]] static Result<NameCamera> parse(std::string_view pattern);
  // The camera, or nothing when the name does not begin with the prefix or has no
  // separator after at least one character.
  std::optional<std::string> find(std::string_view name) const;
  const std::string& text() const { return text_; }

 private:
  std::string prefix_, separator_, text_;
};

// Shell-style globs over object names: "*" any run (also empty), "?" one character.
bool glob_match(std::string_view pattern, std::string_view name);
// Errors: invalid_argument: empty, or a character no object name can hold.
[[nodiscard]] Result<void> check_glob(std::string_view pattern);

}  // namespace hokan::config
