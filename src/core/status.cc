#include "core/core.h"

namespace unisono {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kTooLarge:
      return "too_large";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = StatusCodeName(code_);
  out += ": ";
  out += message_;
  return out;
}

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kIdentify:
      return "identify";
    case EventType::kTrack:
      return "track";
    case EventType::kPage:
      return "page";
    case EventType::kScreen:
      return "screen";
    case EventType::kGroup:
      return "group";
    case EventType::kAlias:
      return "alias";
  }
  return "track";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  if (name == "identify") return EventType::kIdentify;
  if (name == "track") return EventType::kTrack;
  if (name == "page") return EventType::kPage;
  if (name == "screen") return EventType::kScreen;
  if (name == "group") return EventType::kGroup;
  if (name == "alias") return EventType::kAlias;
  return std::nullopt;
}

}  // namespace unisono
