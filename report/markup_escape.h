// Text made safe inside XML or HTML markup (element text and quoted attributes): & < > " become
// entities; control characters XML 1.0 cannot carry (all but \n and \t) are dropped.
#pragma once

#include <string>
#include <string_view>

namespace shmh {

std::string markup_escape(std::string_view text);

}  // namespace shmh
