// Test helper: one model's attribution as a map by channel.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analytics/analytics.h"

namespace unisono::analytics {

inline std::map<std::string, ChannelAttribution> ByChannel(const PathTable& t,
                                                           const ModelSpec& spec) {
  auto r = Attribute(t, spec);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, ChannelAttribution> out;
  if (r.ok()) {
    for (const auto& row : *r) out[row.channel] = row;
  }
  return out;
}

}  // namespace unisono::analytics
