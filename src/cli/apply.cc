// `unisono apply -f FILE.yaml`: makes a running server's segments, computed traits,
// content and journeys match a file — created when missing, updated when different, left
// alone when equal.
// The whole file is read and checked before anything is sent.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include "cli/cli.h"
#include "cli/http_client.h"
#include "segment/segment.h"

namespace unisono::cli {

namespace json = boost::json;

namespace {

struct TraitItem {
  std::string where;  // "file:line"
  std::string name;
  std::string definition;
  std::string description;
};

struct SegmentItem {
  std::string where;
  std::string name;
  std::string description;
  std::string kind;  // empty: rule when created, as it is when updated
  std::string owner_rep;
  std::optional<json::value> definition;  // a string (text form) or an object (JSON form)
};

// A journey is its definition as JSON (docs/journeys.md), matched by name.
struct JourneyItem {
  std::string where;
  std::string name;
  json::object definition;
};

// A content item is its definition as JSON (docs/content.md), matched by id.
struct ContentEntry {
  std::string where;
  std::string id;
  json::object definition;
};

// An answer is its definition as JSON (docs/content.md, "Answers"), matched by id (the
// server makes one from the question when the file gives none).
struct AnswerEntry {
  std::string where;
  std::string id;  // "" when the file gives none
  json::object definition;
};

struct ApplyFile {
  std::vector<TraitItem> traits;
  std::vector<SegmentItem> segments;
  std::vector<JourneyItem> journeys;
  std::vector<ContentEntry> content;
  std::vector<AnswerEntry> answers;
};

std::string Where(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

// YAML scalars are untyped: plain ones that read as a boolean, null or number become
// that; quoted ones stay strings.
json::value YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& kv : node) out[kv.first.Scalar()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
    default:
      return nullptr;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return json::value(s);  // quoted
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
  const char* end = s.data() + s.size();
  int64_t i = 0;
  if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) return i;
  double d = 0;
  if (auto r = std::from_chars(s.data(), end, d); r.ec == std::errc() && r.ptr == end) return d;
  return json::value(s);
}

// The string at `key` ("" when absent or null); an error when it is a list or mapping.
Result<std::string> StringAt(const std::string& file, const YAML::Node& map, const char* key) {
  YAML::Node v = map[key];
  if (!v || v.IsNull()) return std::string();
  if (!v.IsScalar()) {
    return Status::InvalidArgument(Where(file, v) + ": '" + key + "' must be a string");
  }
  return v.Scalar();
}

Status CheckKeys(const std::string& file, const YAML::Node& item, const char* what,
                 std::initializer_list<const char*> keys) {
  if (!item.IsMap()) {
    return Status::InvalidArgument(Where(file, item) + ": each " + what +
                                   " is a mapping with a name and a definition");
  }
  for (const auto& kv : item) {
    const std::string& key = kv.first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    std::string known;
    for (size_t i = 0; i < keys.size(); ++i) {
      known += i == 0 ? "" : i + 1 == keys.size() ? " and " : ", ";
      known += keys.begin()[i];
    }
    return Status::InvalidArgument(Where(file, kv.first) + ": unknown key '" + key + "' in a " +
                                   what + "; a " + what + " has " + known);
  }
  return Status::Ok();
}

Status ReadTrait(const std::string& file, const YAML::Node& item, ApplyFile& out) {
  if (Status s = CheckKeys(file, item, "computed trait", {"name", "definition", "description"});
      !s.ok()) {
    return s;
  }
  TraitItem t;
  t.where = Where(file, item);
  for (auto [key, field] : {std::pair{"name", &t.name}, std::pair{"definition", &t.definition},
                            std::pair{"description", &t.description}}) {
    auto v = StringAt(file, item, key);
    if (!v.ok()) return v.status();
    *field = Trim(*v);
  }
  if (t.name.empty() || t.definition.empty()) {
    return Status::InvalidArgument(t.where + ": a computed trait needs a name and a definition");
  }
  out.traits.push_back(std::move(t));
  return Status::Ok();
}

Status ReadSegment(const std::string& file, const YAML::Node& item, ApplyFile& out) {
  if (Status s = CheckKeys(file, item, "segment",
                           {"name", "definition", "description", "kind", "owner_rep"});
      !s.ok()) {
    return s;
  }
  SegmentItem seg;
  seg.where = Where(file, item);
  for (auto [key, field] :
       {std::pair{"name", &seg.name}, std::pair{"description", &seg.description},
        std::pair{"kind", &seg.kind}, std::pair{"owner_rep", &seg.owner_rep}}) {
    auto v = StringAt(file, item, key);
    if (!v.ok()) return v.status();
    *field = Trim(*v);
  }
  if (seg.name.empty()) return Status::InvalidArgument(seg.where + ": a segment needs a name");
  if (YAML::Node d = item["definition"]; d && !d.IsNull()) {
    if (d.IsScalar()) {
      seg.definition = json::value(d.Scalar());
    } else if (d.IsMap()) {
      seg.definition = YamlToJson(d);
    } else {
      return Status::InvalidArgument(Where(file, d) +
                                     ": 'definition' is the text form (a string) or the JSON "
                                     "form (a mapping)");
    }
  }
  out.segments.push_back(std::move(seg));
  return Status::Ok();
}

Status ReadJourney(const std::string& file, const YAML::Node& item, ApplyFile& out) {
  if (!item.IsMap()) {
    return Status::InvalidArgument(Where(file, item) +
                                   ": each journey is a mapping with a name, a trigger and steps");
  }
  JourneyItem j;
  j.where = Where(file, item);
  j.definition = YamlToJson(item).as_object();
  auto name = StringAt(file, item, "name");
  if (!name.ok()) return name.status();
  j.name = Trim(*name);
  if (j.name.empty()) return Status::InvalidArgument(j.where + ": a journey needs a name");
  out.journeys.push_back(std::move(j));
  return Status::Ok();
}

Status ReadContent(const std::string& file, const YAML::Node& item, ApplyFile& out) {
  if (!item.IsMap()) {
    return Status::InvalidArgument(Where(file, item) +
                                   ": each content item is a mapping with an id, a name and "
                                   "renditions");
  }
  ContentEntry c;
  c.where = Where(file, item);
  auto id = StringAt(file, item, "id");
  if (!id.ok()) return id.status();
  c.id = Trim(*id);
  if (c.id.empty()) {
    return Status::InvalidArgument(c.where + ": a content item needs an id (apply matches by id)");
  }
  c.definition = YamlToJson(item).as_object();
  out.content.push_back(std::move(c));
  return Status::Ok();
}

Status ReadAnswer(const std::string& file, const YAML::Node& item, ApplyFile& out) {
  if (Status s =
          CheckKeys(file, item, "answer", {"id", "question", "answer", "tags", "product", "by"});
      !s.ok()) {
    return s;
  }
  AnswerEntry a;
  a.where = Where(file, item);
  for (const char* key : {"id", "question", "answer"}) {
    auto v = StringAt(file, item, key);
    if (!v.ok()) return v.status();
    if (key == std::string("id")) a.id = Trim(*v);
    if (key != std::string("id") && Trim(*v).empty()) {
      return Status::InvalidArgument(a.where + ": an answer needs a question and an answer");
    }
  }
  a.definition = YamlToJson(item).as_object();
  out.answers.push_back(std::move(a));
  return Status::Ok();
}

Status ReadList(const std::string& file, const YAML::Node& list, const char* key, ApplyFile& out) {
  if (!list || list.IsNull()) return Status::Ok();
  if (!list.IsSequence()) {
    return Status::InvalidArgument(Where(file, list) + ": '" + key + "' is a list ('- name: ...')");
  }
  for (const auto& item : list) {
    const std::string k = key;
    Status s = k == "segments"   ? ReadSegment(file, item, out)
               : k == "journeys" ? ReadJourney(file, item, out)
               : k == "content"  ? ReadContent(file, item, out)
               : k == "answers"  ? ReadAnswer(file, item, out)
                                 : ReadTrait(file, item, out);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Each document is a mapping with `segments:`, `computed_traits:`, `content:` and
// `journeys:` lists, or a bare list of segments.
Result<ApplyFile> ReadApplyFile(const std::string& file) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAllFromFile(file);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument("cannot read " + file);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  ApplyFile out;
  for (const auto& doc : documents) {
    Status s;
    if (doc.IsNull()) continue;
    if (doc.IsSequence()) {
      s = ReadList(file, doc, "segments", out);
    } else if (doc.IsMap()) {
      s = CheckKeys(file, doc, "file",
                    {"segments", "computed_traits", "journeys", "content", "answers"});
      if (s.ok()) s = ReadList(file, doc["computed_traits"], "computed_traits", out);
      if (s.ok()) s = ReadList(file, doc["segments"], "segments", out);
      if (s.ok()) s = ReadList(file, doc["journeys"], "journeys", out);
      if (s.ok()) s = ReadList(file, doc["content"], "content", out);
      if (s.ok()) s = ReadList(file, doc["answers"], "answers", out);
    } else {
      s = Status::InvalidArgument(
          Where(file, doc) +
          ": expected 'segments:', 'computed_traits:', 'content:' and 'journeys:' lists");
    }
    if (!s.ok()) return s;
  }
  std::map<std::string, std::string> seen;
  for (const auto& seg : out.segments) {
    if (auto [it, fresh] = seen.emplace("s" + seg.name, seg.where); !fresh) {
      return Status::InvalidArgument(seg.where + ": segment '" + seg.name +
                                     "' is already declared at " + it->second);
    }
  }
  for (const auto& t : out.traits) {
    if (auto [it, fresh] = seen.emplace("t" + t.name, t.where); !fresh) {
      return Status::InvalidArgument(t.where + ": computed trait '" + t.name +
                                     "' is already declared at " + it->second);
    }
  }
  for (const auto& j : out.journeys) {
    if (auto [it, fresh] = seen.emplace("j" + j.name, j.where); !fresh) {
      return Status::InvalidArgument(j.where + ": journey '" + j.name +
                                     "' is already declared at " + it->second);
    }
  }
  for (const auto& c : out.content) {
    if (auto [it, fresh] = seen.emplace("c" + c.id, c.where); !fresh) {
      return Status::InvalidArgument(c.where + ": content '" + c.id + "' is already declared at " +
                                     it->second);
    }
  }
  for (const auto& a : out.answers) {
    if (a.id.empty()) continue;
    if (auto [it, fresh] = seen.emplace("a" + a.id, a.where); !fresh) {
      return Status::InvalidArgument(a.where + ": answer '" + a.id + "' is already declared at " +
                                     it->second);
    }
  }
  if (out.segments.empty() && out.traits.empty() && out.journeys.empty() && out.content.empty() &&
      out.answers.empty()) {
    return Status::InvalidArgument(
        file + ": no segments, computed_traits, content, answers or journeys to apply");
  }
  return out;
}

std::string Text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string Detail(const json::object& s) {
  const json::value* members = s.if_contains("members");
  return " (" + Text(s, "id") + ", version " + json::serialize(s.at("version")) + ", " +
         (members ? json::serialize(*members) : "0") + " members)";
}

// Computed traits are upserts: POSTed when missing or different.
Result<std::string> ApplyTrait(HttpClient& http, const TraitItem& t,
                               const std::map<std::string, json::object>& current) {
  auto it = current.find(t.name);
  const json::object* before = it == current.end() ? nullptr : &it->second;
  auto same = [&](const json::object& o) {
    return Text(o, "definition") == t.definition && Text(o, "description") == t.description;
  };
  if (before && same(*before)) return std::string("unchanged");
  json::object body{{"name", t.name}, {"definition", t.definition}, {"description", t.description}};
  auto saved = JsonBody(http.Post("/v1/computed-traits", json::serialize(body)));
  if (!saved.ok()) return saved.status();
  // The server stores the canonical text: equal to before means nothing changed.
  if (!before) return std::string("created");
  return std::string(Text(*before, "definition") == Text(saved->as_object(), "definition") &&
                             Text(*before, "description") == t.description
                         ? "unchanged"
                         : "updated");
}

json::object SegmentBody(const SegmentItem& s) {
  json::object body;
  if (s.definition) body["definition"] = *s.definition;
  if (!s.description.empty()) body["description"] = s.description;
  if (!s.owner_rep.empty()) body["owner_rep"] = s.owner_rep;
  return body;
}

// True when the file's definition reads to the same canonical text as the server's.
bool SameDefinition(const SegmentItem& s, const json::object& current) {
  if (!s.definition) return true;
  auto checked = s.definition->is_string()
                     ? CheckSegmentDefinition(std::string(s.definition->as_string()), "")
                     : CheckSegmentDefinition("", json::serialize(*s.definition));
  return checked.ok() && checked->text == Text(current, "definition");
}

// Created when no segment has its name, else PUT (when different) by id.
Result<std::string> ApplySegment(HttpClient& http, const SegmentItem& s) {
  auto found = http.Get("/v1/segments/" + UrlEscape(s.name));
  if (!found.ok()) return found.status();
  if (found->status == 404) {
    json::object body = SegmentBody(s);
    body["name"] = s.name;
    if (!s.kind.empty()) body["kind"] = s.kind;
    auto created = JsonBody(http.Post("/v1/segments", json::serialize(body)));
    if (!created.ok()) return created.status();
    return "created" + Detail(created->as_object());
  }
  auto current = JsonBody(found);
  if (!current.ok()) return current.status();
  const json::object& before = current->as_object();
  if (!s.kind.empty() && s.kind != Text(before, "kind")) {
    return Status::InvalidArgument("it is a " + Text(before, "kind") +
                                   " segment on the server and its kind cannot change; delete "
                                   "it first to recreate it as " +
                                   s.kind)
        .WithField("kind");
  }
  auto same_meta = [&](const json::object& o) {
    return (s.description.empty() || s.description == Text(o, "description")) &&
           (s.owner_rep.empty() || s.owner_rep == Text(o, "owner_rep"));
  };
  if (same_meta(before) && SameDefinition(s, before)) return "unchanged" + Detail(before);
  auto updated = JsonBody(
      http.Put("/v1/segments/" + UrlEscape(Text(before, "id")), json::serialize(SegmentBody(s))));
  if (!updated.ok()) return updated.status();
  const json::object& after = updated->as_object();
  // The version moves only when the canonical definition does (segment("Name") is
  // stored by id, which the local check above cannot know).
  bool same = after.at("version") == before.at("version") && same_meta(before);
  return (same ? "unchanged" : "updated") + Detail(after);
}

// The definition without what the server adds (id, version): what a file can say.
json::object Comparable(json::object definition) {
  definition.erase("id");
  definition.erase("version");
  return definition;
}

// Created when no journey has its name; a new version when its canonical definition
// differs (the server checks the file's one without saving it).
Result<std::string> ApplyJourney(HttpClient& http, const JourneyItem& j,
                                 const std::map<std::string, json::object>& current) {
  auto it = current.find(j.name);
  if (it == current.end()) {
    auto created = JsonBody(http.Post("/v1/journeys", json::serialize(j.definition)));
    if (!created.ok()) return created.status();
    return "created (" + Text(created->as_object(), "id") + ", version 1)";
  }
  const json::object& before = it->second;
  auto checked = JsonBody(http.Post("/v1/journeys?dry_run=true", json::serialize(j.definition)));
  if (!checked.ok()) return checked.status();
  const std::string id = Text(before, "id");
  if (Comparable(checked->as_object().at("definition").as_object()) ==
      Comparable(before.at("definition").as_object())) {
    return "unchanged (" + id + ", version " + json::serialize(before.at("version")) + ")";
  }
  auto updated = JsonBody(http.Put("/v1/journeys/" + UrlEscape(id), json::serialize(j.definition)));
  if (!updated.ok()) return updated.status();
  return "updated (" + id + ", version " + json::serialize(updated->as_object().at("version")) +
         ")";
}

// " (version 2, draft)", then the one-voice check's problems, one a line: they keep the
// item from being submitted for approval, not from being saved.
std::string ContentDetail(const json::object& c) {
  std::string out = " (version " + json::serialize(c.at("version")) + ", " + Text(c, "state") + ")";
  for (const json::value& p : c.at("problems").as_array()) {
    out += "\n  problem: " + Text(p.as_object(), "field") + ": " + Text(p.as_object(), "message");
  }
  return out;
}

// Created when the server has no item with its id; else PUT, which makes a new draft
// version only when the canonical definition differs.
Result<std::string> ApplyContent(HttpClient& http, const ContentEntry& c) {
  json::object body = c.definition;
  if (!body.contains("by")) {
    const char* user = std::getenv("USER");
    body["by"] = user && *user ? user : "unisono apply";
  }
  auto found = http.Get("/v1/content/" + UrlEscape(c.id));
  if (!found.ok()) return found.status();
  if (found->status == 404) {
    auto created = JsonBody(http.Post("/v1/content", json::serialize(body)));
    if (!created.ok()) return created.status();
    return "created" + ContentDetail(created->as_object());
  }
  auto before = JsonBody(found);
  if (!before.ok()) return before.status();
  auto after = JsonBody(http.Put("/v1/content/" + UrlEscape(c.id), json::serialize(body)));
  if (!after.ok()) return after.status();
  bool same = after->as_object().at("version") == before->as_object().at("version");
  return (same ? "unchanged" : "new version") + ContentDetail(after->as_object());
}

// POSTed as it is: the server makes a draft of a new or changed text and leaves the same
// text alone. Approving is for a person, never for apply.
Result<std::string> ApplyAnswer(HttpClient& http, const AnswerEntry& a,
                                const std::map<std::string, json::object>& current) {
  json::object body = a.definition;
  if (!body.contains("by")) {
    const char* user = std::getenv("USER");
    body["by"] = user && *user ? user : "unisono apply";
  }
  auto sent = http.Post("/v1/answers", json::serialize(body));
  auto saved = JsonBody(sent);
  if (!saved.ok()) return saved.status();
  const json::object& after = saved->as_object();
  const std::string id = Text(after, "id");
  auto before = current.find(id);
  std::string outcome = "updated";
  if (sent->status == 201) {
    outcome = "created";
  } else if (before != current.end() &&
             Text(before->second, "updated_at") == Text(after, "updated_at")) {
    outcome = "unchanged";
  }
  return outcome + " (" + id + ", " + Text(after, "state") + ")";
}

int Report(const std::string& where, const std::string& what, const Status& s) {
  std::cerr << "unisono apply: " << where << ": " << what << ": " << Describe(s) << "\n";
  return 1;
}

}  // namespace

int RunApply(const std::string& server, const std::string& file) {
  auto applied = ReadApplyFile(file);
  if (!applied.ok()) {
    std::cerr << "unisono apply: " << applied.status().message() << "\n";
    return 2;
  }
  HttpClient http(server);
  int rc = 0;
  try {
    // Computed traits first: segments may compare them.
    if (!applied->traits.empty()) {
      auto list = JsonBody(http.Get("/v1/computed-traits"));
      if (!list.ok()) return Report(server, "computed traits", list.status());
      std::map<std::string, json::object> current;
      for (const auto& item : list->as_object().at("items").as_array()) {
        current[Text(item.as_object(), "name")] = item.as_object();
      }
      for (const auto& t : applied->traits) {
        auto outcome = ApplyTrait(http, t, current);
        if (!outcome.ok() && outcome.status().code() == StatusCode::kUnavailable) {
          return Report(t.where, "computed trait " + t.name, outcome.status());
        }
        if (!outcome.ok()) rc = Report(t.where, "computed trait " + t.name, outcome.status());
        if (outcome.ok()) std::cout << "computed trait " << t.name << " " << *outcome << "\n";
      }
    }
    // A segment may name another declared later: what fails for a missing segment is
    // tried again while each round applies something.
    std::vector<const SegmentItem*> pending;
    for (const auto& s : applied->segments) pending.push_back(&s);
    while (!pending.empty()) {
      std::vector<std::pair<const SegmentItem*, Status>> failed;
      for (const SegmentItem* s : pending) {
        auto outcome = ApplySegment(http, *s);
        if (!outcome.ok() && outcome.status().code() == StatusCode::kUnavailable) {
          return Report(s->where, "segment \"" + s->name + "\"", outcome.status());
        }
        if (outcome.ok()) std::cout << "segment \"" << s->name << "\" " << *outcome << "\n";
        if (!outcome.ok()) failed.emplace_back(s, outcome.status());
      }
      bool retry = !failed.empty() && failed.size() < pending.size();
      pending.clear();
      for (auto& [s, status] : failed) {
        if (retry && status.code() == StatusCode::kNotFound) {
          pending.push_back(s);
        } else {
          rc = Report(s->where, "segment \"" + s->name + "\"", status);
        }
      }
    }
    // Content before journeys: their send steps name it.
    for (const auto& c : applied->content) {
      auto outcome = ApplyContent(http, c);
      if (!outcome.ok() && outcome.status().code() == StatusCode::kUnavailable) {
        return Report(c.where, "content " + c.id, outcome.status());
      }
      if (!outcome.ok()) rc = Report(c.where, "content " + c.id, outcome.status());
      if (outcome.ok()) std::cout << "content " << c.id << " " << *outcome << "\n";
    }
    if (!applied->answers.empty()) {
      auto list = JsonBody(http.Get("/v1/answers"));
      if (!list.ok()) return Report(server, "answers", list.status());
      std::map<std::string, json::object> current;
      for (const auto& item : list->as_object().at("items").as_array()) {
        current[Text(item.as_object(), "id")] = item.as_object();
      }
      for (const auto& a : applied->answers) {
        std::string what = "answer" + (a.id.empty() ? "" : " " + a.id);
        auto outcome = ApplyAnswer(http, a, current);
        if (!outcome.ok() && outcome.status().code() == StatusCode::kUnavailable) {
          return Report(a.where, what, outcome.status());
        }
        if (!outcome.ok()) rc = Report(a.where, what, outcome.status());
        if (outcome.ok()) std::cout << "answer " << *outcome << "\n";
      }
    }
    // Journeys last: they name segments.
    if (!applied->journeys.empty()) {
      auto list = JsonBody(http.Get("/v1/journeys"));
      if (!list.ok()) return Report(server, "journeys", list.status());
      std::map<std::string, json::object> current;
      for (const auto& item : list->as_object().at("items").as_array()) {
        current[Text(item.as_object(), "name")] = item.as_object();
      }
      for (const auto& j : applied->journeys) {
        auto outcome = ApplyJourney(http, j, current);
        if (!outcome.ok() && outcome.status().code() == StatusCode::kUnavailable) {
          return Report(j.where, "journey \"" + j.name + "\"", outcome.status());
        }
        if (!outcome.ok()) rc = Report(j.where, "journey \"" + j.name + "\"", outcome.status());
        if (outcome.ok()) std::cout << "journey \"" << j.name << "\" " << *outcome << "\n";
      }
    }
  } catch (const std::exception& e) {  // boost::json's at()/as_*() on an unexpected answer
    return Report(server, "apply",
                  Status::Unavailable(std::string("the answer is not what a unisono server "
                                                  "sends (") +
                                      e.what() + ")"));
  }
  return rc;
}

}  // namespace unisono::cli
