// The extractor as it was before issue 13 (see legacy_extract.cpp): a baseline for the
// recall test and the extract benchmark, never for production.
#pragma once

#include "syslog/message.h"

namespace hokan::syslog::legacy {

// The built-in recognisers of commit 13be969: user, src_ip (as written), action, case.
Fields extract(const Message& message);

}  // namespace hokan::syslog::legacy
