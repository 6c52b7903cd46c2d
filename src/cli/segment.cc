// `unisono segment create|list|preview|members|delete|add|remove`: a client of a running
// server's /v1/segments API.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/http_client.h"

namespace unisono::cli {

namespace json = boost::json;

namespace {

int64_t Number(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

std::string SegmentPath(const std::string& id_or_name) {
  return "/v1/segments/" + UrlEscape(id_or_name);
}

// "id  seg_3" lines: one segment's fields for people.
void PrintSegment(const json::object& s) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"id", MemberText(s, "id")},
      {"name", MemberText(s, "name")},
      {"kind", MemberText(s, "kind")},
      {"version", MemberText(s, "version")},
      {"members", WithThousands(Number(s, "members"))}};
  if (std::string d = MemberText(s, "description"); !d.empty()) rows.emplace_back("description", d);
  if (std::string r = MemberText(s, "owner_rep"); !r.empty()) rows.emplace_back("owner_rep", r);
  if (s.contains("definition")) rows.emplace_back("definition", MemberText(s, "definition"));
  for (const auto& [key, value] : rows) {
    std::cout << key << std::string(13 - key.size(), ' ') << value << "\n";
  }
}

int Create(HttpClient& http, const SegmentArgs& a) {
  if (!a.manual && a.definition.empty()) {
    return UsageError(
        "segment",
        "give --definition TEXT, e.g. 'trait(specialty) = \"cardiology\"', or --manual for a "
        "hand-kept list");
  }
  if (a.manual && !a.definition.empty()) {
    return UsageError("segment",
                      "a --manual list has no --definition: add members with `segment add`");
  }
  json::object body{{"name", a.segment}, {"kind", a.manual ? "manual" : "rule"}};
  if (!a.manual) body["definition"] = a.definition;
  if (!a.description.empty()) body["description"] = a.description;
  if (!a.owner_rep.empty()) body["owner_rep"] = a.owner_rep;
  auto created = JsonBody(http.Post("/v1/segments", json::serialize(body)));
  if (!created.ok()) return ServerError("segment", created.status());
  PrintSegment(created->as_object());
  return 0;
}

int List(HttpClient& http, Format format) {
  auto list = JsonBody(http.Get("/v1/segments"));
  if (!list.ok()) return ServerError("segment", list.status());
  const json::array& items = list->as_object().at("items").as_array();
  if (format == Format::kJson) {  // the server's objects whole, definition_json included
    std::cout << json::serialize(items) << "\n";
    return 0;
  }
  const bool people = format == Format::kTable;
  constexpr size_t kDefinitionWidth = 60;
  Table t({"id", "name", "kind", "version", "members", "definition"});
  for (const auto& item : items) {
    const json::object& s = item.as_object();
    std::string definition = MemberText(s, "definition");
    if (people && definition.size() > kDefinitionWidth) {
      definition = definition.substr(0, kDefinitionWidth - 3) + "...";
    }
    int64_t members = Number(s, "members");
    t.Add({MemberText(s, "id"), MemberText(s, "name"), MemberText(s, "kind"),
           MemberText(s, "version"), people ? WithThousands(members) : std::to_string(members),
           definition});
  }
  std::cout << t.Render(format);
  if (people && items.empty()) std::cout << "(no segments yet: `unisono segment create`)\n";
  return 0;
}

int Preview(HttpClient& http, const SegmentArgs& a, Format format) {
  if (a.definition.empty()) return UsageError("segment", "give the --definition TEXT to preview");
  if (a.sample < 1 || a.sample > 1000)
    return UsageError("segment", "--sample must be from 1 to 1000");
  json::object body{{"definition", a.definition}};
  auto preview = JsonBody(
      http.Post("/v1/segments/preview?limit=" + std::to_string(a.sample), json::serialize(body)));
  if (!preview.ok()) return ServerError("segment", preview.status());
  const json::object& p = preview->as_object();
  if (format == Format::kJson) {
    std::cout << json::serialize(p) << "\n";
    return 0;
  }
  std::vector<std::string> sample;
  for (const auto& id : p.at("sample").as_array()) sample.emplace_back(id.as_string());
  if (format == Format::kCsv) {
    Table t({"count", "profiles", "definition"});
    t.Add({std::to_string(Number(p, "count")), std::to_string(Number(p, "profiles")),
           MemberText(p, "definition")});
    std::cout << t.Render(format);
    return 0;
  }
  std::cout << WithThousands(Number(p, "count")) << " of " << WithThousands(Number(p, "profiles"))
            << " profiles match\n"
            << "definition   " << MemberText(p, "definition") << "\n"
            << "sample       ";
  for (size_t i = 0; i < sample.size(); ++i) std::cout << (i ? " " : "") << sample[i];
  std::cout << (sample.empty() ? "(none)" : "") << "\n";
  return 0;
}

// Follows the cursors page by page until `a.limit` ids (0: all).
int Members(HttpClient& http, const SegmentArgs& a, Format format) {
  if (a.limit < 0) return UsageError("segment", "--limit must be 0 (all) or more");
  constexpr int64_t kPage = 1000;
  std::vector<std::string> ids;
  std::string cursor;
  int64_t total = 0;
  ProgressBar bar("fetching members");
  bool many = false;
  do {
    int64_t want = a.limit ? std::min(kPage, a.limit - static_cast<int64_t>(ids.size())) : kPage;
    std::string path = SegmentPath(a.segment) + "/members?limit=" + std::to_string(want);
    if (!cursor.empty()) path += "&cursor=" + UrlEscape(cursor);
    auto page = JsonBody(http.Get(path));
    if (!page.ok()) return ServerError("segment", page.status());
    const json::object& p = page->as_object();
    for (const auto& id : p.at("items").as_array()) ids.emplace_back(id.as_string());
    cursor = MemberText(p, "next_cursor");
    total = Number(p, "total");
    int64_t goal = a.limit ? std::min(a.limit, total) : total;
    many = many || goal > kPage;
    if (many && goal > 0) {
      bar.Update(static_cast<double>(ids.size()) / static_cast<double>(goal),
                 WithThousands(static_cast<int64_t>(ids.size())) + " of " + WithThousands(goal));
    }
  } while (!cursor.empty() && (a.limit == 0 || static_cast<int64_t>(ids.size()) < a.limit));
  if (many) bar.Finish(WithThousands(static_cast<int64_t>(ids.size())) + " members");
  Table t({"profile_id"});
  for (auto& id : ids) t.Add({std::move(id)});
  std::cout << t.Render(format);
  if (format == Format::kTable) {
    std::cout << "(" << WithThousands(static_cast<int64_t>(ids.size())) << " of "
              << WithThousands(total) << " members)\n";
  }
  return 0;
}

int Delete(HttpClient& http, const SegmentArgs& a) {
  auto deleted = JsonBody(http.Delete(SegmentPath(a.segment)));
  if (!deleted.ok()) return ServerError("segment", deleted.status());
  std::cout << "deleted segment " << a.segment << "\n";
  return 0;
}

// Adds (or removes) profiles by id, or the rows of a one-column CSV file.
int Edit(HttpClient& http, const SegmentArgs& a, bool add) {
  if (a.profiles.empty() == a.file.empty()) {
    return UsageError(
        "segment", "name the profiles with --profile p_1 ... or --file members.csv (one of them)");
  }
  std::string path = SegmentPath(a.segment) + (add ? "/members" : "/members/remove");
  Result<HttpResponse> response = Status::Internal("not sent");
  if (!a.file.empty()) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return UsageError("segment", "cannot read " + a.file);
    std::ostringstream csv;
    csv << in.rdbuf();
    path += "?actor=" + UrlEscape(a.actor);
    if (!a.reason.empty()) path += "&reason=" + UrlEscape(a.reason);
    if (!a.rep.empty()) path += "&rep_id=" + UrlEscape(a.rep);
    response = http.Post(path, csv.str(), "text/csv");
  } else {
    json::array ids;
    for (const auto& p : a.profiles) ids.emplace_back(p);
    json::object body{{"profile_ids", std::move(ids)}, {"actor", a.actor}};
    if (!a.reason.empty()) body["reason"] = a.reason;
    if (!a.rep.empty()) body["rep_id"] = a.rep;
    response = http.Post(path, json::serialize(body));
  }
  auto result = JsonBody(response);
  if (!result.ok()) return ServerError("segment", result.status());
  const json::object& r = result->as_object();
  std::cout << (add ? "added " : "removed ") << WithThousands(Number(r, "changed"))
            << (add ? " to " : " from ") << a.segment << " ("
            << WithThousands(Number(r, "unchanged")) << (add ? " already in" : " not in")
            << "); it has " << WithThousands(Number(r, "members")) << " members\n";
  return 0;
}

}  // namespace

int RunSegment(const std::string& action, const SegmentArgs& args) {
  auto format = ParseFormat(args.format);
  if (!format.ok()) return UsageError("segment", format.status().message());
  HttpClient http(args.server);
  try {
    if (action == "create") return Create(http, args);
    if (action == "list") return List(http, *format);
    if (action == "preview") return Preview(http, args, *format);
    if (action == "members") return Members(http, args, *format);
    if (action == "delete") return Delete(http, args);
    if (action == "add" || action == "remove") return Edit(http, args, action == "add");
  } catch (const std::exception& e) {  // boost::json's at()/as_*() on an unexpected answer
    return ServerError(
        "segment", Status::Unavailable("the answer from " + args.server +
                                       " is not what a unisono server sends (" + e.what() + ")"));
  }
  return UsageError("segment", "unknown action '" + action + "'");
}

}  // namespace unisono::cli
