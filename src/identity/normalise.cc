#include "identity/identity.h"

namespace unisono {

IdentityConfig DefaultIdentityConfig() {
  IdentityConfig config;
  // As in Segment Unify: stable ids first, then contact points, then device ids.
  config.rules = {
      {"user_id", 1, 1}, {"crm_id", 2, 1},    {"email", 3, 5},
      {"phone", 4, 3},   {"device_id", 5, 5}, {"anonymous_id", 6, 1000},
  };
  return config;
}

namespace {

Result<std::string> NormaliseEmail(std::string_view raw) {
  std::string email = ToLower(Trim(raw));
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string::npos ||
      email.find('.', at + 1) == std::string::npos ||
      email.find_first_of(" \t\r\n,;<>") != std::string::npos) {
    return Status::InvalidArgument("'" + std::string(raw) +
                                   "' is not an email address (expected name@domain.tld)");
  }
  return email;
}

// E.164: '+', country code, subscriber number; 8 to 15 digits in all.
Result<std::string> NormalisePhone(std::string_view raw, const std::string& country_code) {
  std::string digits;
  bool international = false;
  std::string text = Trim(raw);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !international) {
      international = true;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/') {
      continue;
    } else {
      return Status::InvalidArgument("'" + std::string(raw) +
                                     "' is not a phone number (only digits, spaces, + - . ( ))");
    }
  }
  if (!international && digits.starts_with("00")) {
    digits.erase(0, 2);
    international = true;
  }
  if (!international) {
    if (!digits.empty() && digits[0] == '0') digits.erase(0, 1);  // national trunk prefix
    digits = country_code + digits;
  }
  if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
    return Status::InvalidArgument("'" + std::string(raw) +
                                   "' is not a phone number: E.164 allows 8 to 15 digits");
  }
  return "+" + digits;
}

}  // namespace

Result<std::string> NormaliseIdentifier(std::string_view type, std::string_view value,
                                        const IdentityConfig& config) {
  if (type == "email") return NormaliseEmail(value);
  if (type == "phone") return NormalisePhone(value, config.default_country_code);
  std::string v = Trim(value);
  if (v.empty()) return Status::InvalidArgument(std::string(type) + " is empty");
  if (v.size() > 256) return Status::InvalidArgument(std::string(type) + " is over 256 characters");
  return v;
}

}  // namespace unisono
