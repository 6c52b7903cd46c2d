// The report filter's flags and footer, shared by every `unisono report` command.
#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace unisono::cli {

void AddReportFilterOptions(CLI::App& command, analytics::ReportFilter& filter) {
  command.add_option("--segment", filter.segment,
                     "only while the customer is in this segment (id or name)");
  command.add_option("--product", filter.product,
                     "only this product: other products' conversions and touches are left out");
  command.add_option("--campaign", filter.campaign,
                     "only this campaign's touches, and the conversions they lead to");
}

std::string FilterFooter(const analytics::ReportFilter& filter,
                         std::optional<int64_t> filtered_out) {
  std::string kept;
  for (auto [name, value] :
       {std::pair{"segment", &filter.segment}, std::pair{"product", &filter.product},
        std::pair{"campaign", &filter.campaign}}) {
    std::string v = Trim(*value);
    if (!v.empty()) kept += (kept.empty() ? "" : ", ") + std::string(name) + " " + v;
  }
  if (kept.empty()) return "";
  std::string line = "filter: " + kept;
  if (filtered_out) line += "; " + WithThousands(*filtered_out) + " journeys left out";
  return line + "\n";
}

}  // namespace unisono::cli
