// A clean pharma content item for the content tests, and a way to change one field of
// it by JSON pointer.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

namespace unisono::testing {

// Passes the one-voice check against the built-in product catalog.
inline std::string CardiozenLaunch() {
  return R"json({
  "id": "cardiozen-launch",
  "name": "Cardiozen launch",
  "channels": ["email", "sms", "whatsapp", "rep"],
  "core": {"product": "cardiozen", "claim": "lowers blood pressure in 4 weeks",
           "call_to_action": "order your samples", "tone": "professional"},
  "defaults": {"title": "Dr.", "last_name": "Doctor"},
  "renditions": {
    "email": {
      "subject": "Cardiozen lowers blood pressure in 4 weeks",
      "html": "<p>Dear {{title}} {{last_name}}, Cardiozen lowers blood pressure in 4 weeks.</p><p><a href=\"https://example.com/samples?c=1&amp;d=2\">Order your samples</a></p><p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p>",
      "text": "Dear {{title}} {{last_name}}, Cardiozen lowers blood pressure in 4 weeks. Order your samples: https://example.com/samples\nUnsubscribe: {{unsubscribe_url}}"
    },
    "sms": {"text": "{{title}} {{last_name}}: Cardiozen lowers blood pressure in 4 weeks. Order your samples at https://example.com/s"},
    "whatsapp": {"template": "cardiozen_launch_v1", "parameters": ["{{last_name}}"],
                 "text": "Cardiozen lowers blood pressure in 4 weeks. Reply YES to order your samples."},
    "rep": {"talking_points": ["Cardiozen lowers blood pressure in 4 weeks",
                               "Offer to order your samples today"]}
  },
  "variants": [
    {"id": "loyal", "when": {"relationship_stage": ["loyal", "active"]},
     "renditions": {"sms": {"text": "Thanks {{title}} {{last_name}}! Cardiozen lowers blood pressure in 4 weeks. Order your samples: https://example.com/s"}}},
    {"id": "searching", "when": {"journey_stage": ["search", "plan"]},
     "renditions": {"email": {"subject": "New: Cardiozen lowers blood pressure in 4 weeks"}}}
  ]
})json";
}

// `json` with the value at `pointer` set (nullopt: removed). The parent must exist.
inline std::string Edited(const std::string& json, const std::string& pointer,
                          const std::optional<boost::json::value>& value) {
  boost::json::value doc = boost::json::parse(json);
  size_t slash = pointer.rfind('/');
  boost::json::value& parent =
      slash == 0 ? doc : doc.at_pointer(std::string_view(pointer).substr(0, slash));
  std::string key = pointer.substr(slash + 1);
  if (parent.is_array()) {
    size_t index = std::stoul(key);
    if (value) {
      parent.as_array().at(index) = *value;
    } else {
      parent.as_array().erase(parent.as_array().begin() + index);
    }
  } else if (value) {
    parent.as_object()[key] = *value;
  } else {
    parent.as_object().erase(key);
  }
  return boost::json::serialize(doc);
}

}  // namespace unisono::testing
