// The counterfactual truth of the demo population, for checking attribution.
#include "demo/demo.h"
#include "demo/internal/generator.h"
#include "demo/internal/model.h"

namespace unisono {

Result<std::vector<ChannelIncrement>> DemoIncrementalConversions(const DemoOptions& options) {
  if (Status s = demo::ValidateOptions(options); !s.ok()) return s;
  auto conversions = [&](int without) {
    demo::GeneratorOptions g;
    g.demo = options;
    if (without >= 0) g.without_effect[static_cast<size_t>(without)] = true;
    demo::DemoGenerator generator(g);
    generator.ForEachEvent([](Event&) {});
    return static_cast<double>(generator.summary().conversions);
  };
  double baseline = conversions(-1);
  std::vector<ChannelIncrement> out;
  for (size_t c = 0; c < demo::kChannelCount; ++c) {
    out.push_back(
        {std::string(demo::kChannels[c].id), baseline - conversions(static_cast<int>(c))});
  }
  return out;
}

}  // namespace unisono
