// `unisono content list|show|submit|approve|reject|retire|preview`: a client of a running
// server's /v1/content API (docs/content.md), for the people who review and approve.
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <tuple>

#include "cli/cli.h"
#include "cli/http_client.h"

namespace unisono::cli {

namespace json = boost::json;

namespace {

const json::array& List(const json::object& o, const char* key) {
  static const json::array kNone;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : kNone;
}

std::string Joined(const json::array& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item.is_string() ? std::string(item.as_string()) : json::serialize(item);
  }
  return out;
}

std::string ItemPath(const std::string& id) { return "/v1/content/" + UrlEscape(id); }

// "sms /renditions/sms/text: misses the claim ..."; the item as a whole has no rendition.
std::string ProblemLine(const json::object& p) {
  std::string rendition = MemberText(p, "rendition");
  return (rendition.empty() ? "" : rendition + " ") + MemberText(p, "field") + ": " +
         MemberText(p, "message");
}

// Table and json only: a single item's story does not fit a CSV.
Result<Format> TableOrJson(const std::string& name) {
  auto format = ParseFormat(name);
  if (format.ok() && *format == Format::kCsv) {
    return Status::InvalidArgument("--format is table or json here");
  }
  return format;
}

int ListItems(HttpClient& http, const std::string& format_name) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return UsageError("content", format.status().message());
  auto list = JsonBody(http.Get("/v1/content"));
  if (!list.ok()) return ServerError("content", list.status());
  const json::array& items = list->as_object().at("items").as_array();
  if (*format == Format::kJson) {  // the server's objects whole, like `segment list`
    std::cout << json::serialize(items) << "\n";
    return 0;
  }
  const bool people = *format == Format::kTable;
  Table t({"id", "name", "state", "version", "approved_version", "channels", "problems"});
  for (const auto& item : items) {
    const json::object& c = item.as_object();
    std::string approved = MemberText(c, "approved_version");
    if (approved == "0") approved = people ? "-" : "";
    t.Add({MemberText(c, "id"), MemberText(c, "name"), MemberText(c, "state"),
           MemberText(c, "version"), approved, Joined(List(c, "channels"), ","),
           std::to_string(List(c, "problems").size())});
  }
  std::cout << t.Render(*format);
  if (people && items.empty()) std::cout << "(no content yet: `unisono apply -f FILE.yaml`)\n";
  return 0;
}

void PrintField(const std::string& key, const std::string& value) {
  std::cout << key << std::string(key.size() < 13 ? 13 - key.size() : 1, ' ') << value << "\n";
}

// Each line of `text` two spaces in, without trailing blanks (a table pads its last column).
void PrintIndented(const std::string& text) {
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << (line.empty() ? "" : "  ") << line << "\n";
    start = end + 1;
  }
}

// "by luis at 2026-04-01T10:00:00.000Z", or "" when nobody has.
std::string WhoWhen(const json::object& c, const char* by, const char* at) {
  std::string who = MemberText(c, by);
  return who.empty() ? "" : "by " + who + " at " + MemberText(c, at);
}

void PrintItem(const json::object& c) {
  PrintField("id", MemberText(c, "id"));
  PrintField("name", MemberText(c, "name"));
  PrintField("state", MemberText(c, "state"));
  std::string approved = MemberText(c, "approved_version");
  PrintField("version", MemberText(c, "version") + " (latest " + MemberText(c, "latest_version") +
                            ", approved " + (approved == "0" ? "none" : approved) + ")");
  PrintField("channels", Joined(List(c, "channels"), ", "));
  PrintField("created", WhoWhen(c, "created_by", "created_at"));
  for (auto [label, by, at] : {std::tuple{"submitted", "submitted_by", "submitted_at"},
                               std::tuple{"approved", "approved_by", "approved_at"},
                               std::tuple{"retired", "retired_by", "retired_at"}}) {
    if (std::string s = WhoWhen(c, by, at); !s.empty()) PrintField(label, s);
  }
  const json::array& problems = List(c, "problems");
  PrintField("problems", problems.empty() ? "(none)" : std::to_string(problems.size()));
  for (const auto& p : problems) std::cout << "  " << ProblemLine(p.as_object()) << "\n";
  std::cout << "history\n";
  Table history({"at", "state", "by", "reason"});
  for (const auto& h : List(c, "history")) {
    const json::object& o = h.as_object();
    history.Add({MemberText(o, "at"), MemberText(o, "state"), MemberText(o, "by"),
                 MemberText(o, "reason")});
  }
  PrintIndented(history.Render(Format::kTable));
}

int Show(HttpClient& http, const ContentArgs& a) {
  auto format = TableOrJson(a.format);
  if (!format.ok()) return UsageError("content", format.status().message());
  if (a.version < 0) return UsageError("content", "--version is a whole number from 1");
  std::string path = ItemPath(a.content);
  if (a.version > 0) path += "?version=" + std::to_string(a.version);
  auto item = JsonBody(http.Get(path));
  if (!item.ok()) return ServerError("content", item.status());
  if (*format == Format::kJson) {
    std::cout << json::serialize(*item) << "\n";
    return 0;
  }
  PrintItem(item->as_object());
  return 0;
}

// submit, approve, reject, retire: one line saying what the version is now.
int Transition(HttpClient& http, const std::string& action, const ContentArgs& a) {
  std::string by = a.by;
  if (by.empty()) {
    const char* user = std::getenv("USER");
    by = user ? user : "";
  }
  if (by.empty()) return UsageError("content", "say who " + action + "s with --by NAME");
  if (action == "reject" && a.reason.empty()) {
    return UsageError("content", "say why with --reason TEXT: the author reads it");
  }
  json::object body{{"by", by}};
  if (action == "reject") body["reason"] = a.reason;
  auto done = JsonBody(http.Post(ItemPath(a.content) + "/" + action, json::serialize(body)));
  if (!done.ok()) return ServerError("content", done.status());
  const json::object& c = done->as_object();
  const std::string verb = action == "submit"    ? "submitted for review"
                           : action == "approve" ? "approved"
                           : action == "reject"  ? "rejected"
                                                 : "retired";
  std::cout << "content " << MemberText(c, "id") << " v" << MemberText(c, "version") << ": " << verb
            << " by " << by << (action == "reject" ? " (" + a.reason + ")" : "") << "\n";
  return 0;
}

void PrintRendition(const json::object& m) {
  std::cout << "== " << MemberText(m, "rendition") << " ==\n";
  for (const char* key : {"subject", "title", "template", "url"}) {
    if (std::string v = MemberText(m, key); !v.empty()) PrintField(key, v);
  }
  if (const json::array& parameters = List(m, "parameters"); !parameters.empty()) {
    PrintField("parameters", Joined(parameters, " | "));
  }
  if (std::string text = MemberText(m, "text"); !text.empty()) {
    std::cout << "text\n";
    PrintIndented(text);
  }
  if (const json::array& points = List(m, "talking_points"); !points.empty()) {
    std::cout << "talking points\n";
    for (const auto& p : points) std::cout << "  - " << std::string_view(p.as_string()) << "\n";
  }
}

int Preview(HttpClient& http, const ContentArgs& a) {
  auto format = TableOrJson(a.format);
  if (!format.ok()) return UsageError("content", format.status().message());
  if (a.profile.empty() == a.traits.empty()) {
    return UsageError(
        "content",
        "say whose message to render: --profile p_12 or --traits '{\"last_name\": \"Ruiz\"}' "
        "(one of them)");
  }
  if (a.version < 0) return UsageError("content", "--version is a whole number from 1");
  json::object body;
  if (!a.profile.empty()) {
    body["profile_id"] = a.profile;
  } else {
    boost::system::error_code ec;
    json::value traits = json::parse(a.traits, ec);
    if (ec || !traits.is_object()) {
      return UsageError("content",
                        "--traits must be a JSON object like '{\"last_name\": \"Ruiz\"}'");
    }
    body["traits"] = std::move(traits);
  }
  if (!a.variant.empty()) body["variant"] = a.variant;
  if (a.version > 0) body["version"] = a.version;
  auto preview = JsonBody(http.Post(ItemPath(a.content) + "/preview", json::serialize(body)));
  if (!preview.ok()) return ServerError("content", preview.status());
  const json::object& p = preview->as_object();
  if (*format == Format::kJson) {
    std::cout << json::serialize(p) << "\n";
    return 0;
  }
  std::string variant = MemberText(p, "variant");
  std::cout << "content " << MemberText(p, "id") << " v" << MemberText(p, "version")
            << (variant.empty() ? "" : ", variant " + variant) << "\n";
  for (const auto& m : List(p, "items")) {
    std::cout << "\n";
    PrintRendition(m.as_object());
  }
  const json::array& problems = List(p, "problems");
  if (!problems.empty()) {
    std::cout << "\nproblems of this version\n";
    for (const auto& problem : problems) {
      std::cout << "  " << ProblemLine(problem.as_object()) << "\n";
    }
  }
  return 0;
}

}  // namespace

int RunContent(const std::string& action, const ContentArgs& args) {
  HttpClient http(args.server);
  try {
    if (action == "list") return ListItems(http, args.format);
    if (action == "show") return Show(http, args);
    if (action == "preview") return Preview(http, args);
    if (action == "submit" || action == "approve" || action == "reject" || action == "retire") {
      return Transition(http, action, args);
    }
  } catch (const std::exception& e) {  // boost::json's at()/as_*() on an unexpected answer
    return ServerError(
        "content", Status::Unavailable("the answer from " + args.server +
                                       " is not what a unisono server sends (" + e.what() + ")"));
  }
  return UsageError("content", "unknown action '" + action + "'");
}

}  // namespace unisono::cli
