// An RFC 4180 tokenizer that pulls one record at a time from an std::istream through a
// fixed-size buffer, so memory stays at one buffer plus one record whatever the file
// size. It knows nothing about headers or fields' meaning; it reports the physical line
// each record starts on (quoted newlines and blank lines counted). One stream, one thread.
#pragma once

#include <cstdint>
#include <istream>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"

namespace unisono::ingest {

inline constexpr size_t kCsvReadBufferBytes = 64 * 1024;
// No real row is this long; hitting it almost always means a quote left open, which
// would otherwise swallow the rest of the file into one field.
inline constexpr size_t kCsvMaxRecordBytes = 1024 * 1024;

class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::istream& in) : in_(in), buf_(kCsvReadBufferBytes) {}
  CsvTokenizer(const CsvTokenizer&) = delete;
  CsvTokenizer& operator=(const CsvTokenizer&) = delete;

  // Call once before Next: skips a UTF-8 byte order mark and picks the separator from
  // the first non-blank line: ',' if it has one outside quotes, else ';', else tab.
  // Only the first buffer is looked at (a header line longer than 64 KiB is not a header).
  void DetectSeparator();
  char separator() const { return sep_; }

  // Reads the next record, skipping blank lines. false at the end of the input.
  Result<bool> Next();
  std::span<const std::string> fields() const { return {fields_.data(), count_}; }
  int64_t record_line() const { return record_line_; }
  // Bytes of the input consumed so far (the BOM included), for progress reports.
  int64_t bytes_consumed() const { return base_ + static_cast<int64_t>(pos_); }

 private:
  enum class State { kRecordStart, kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  bool Fill();
  void StartField();
  // Consumes the CR or LF at pos_ that ends a record or a blank line.
  void ConsumeLineEnd();
  Status Error(std::string what) const {
    return Status::InvalidArgument("line " + std::to_string(record_line_) + ": " + what);
  }

  std::istream& in_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  int64_t base_ = 0;  // bytes before buf_[0]
  bool eof_ = false;
  char sep_ = ',';

  int64_t line_ = 1;       // physical line at pos_
  bool after_cr_ = false;  // the last byte consumed was a CR: a following LF ends no line
  int64_t record_line_ = 0;
  size_t record_bytes_ = 0;

  std::vector<std::string> fields_;  // reused across records; the first count_ are live
  size_t count_ = 0;
};

inline bool CsvTokenizer::Fill() {
  if (eof_) return false;
  base_ += static_cast<int64_t>(end_);
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  end_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

inline void CsvTokenizer::DetectSeparator() {
  Fill();
  if (end_ >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF &&
      static_cast<unsigned char>(buf_[1]) == 0xBB && static_cast<unsigned char>(buf_[2]) == 0xBF) {
    pos_ = 3;
  }
  size_t i = pos_;
  while (i < end_ && (buf_[i] == '\r' || buf_[i] == '\n')) ++i;
  bool quoted = false, semicolon = false, tab = false;
  for (; i < end_; ++i) {
    char c = buf_[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c == '\r' || c == '\n') {
      break;
    } else if (c == ',') {
      sep_ = ',';
      return;
    } else {
      semicolon |= c == ';';
      tab |= c == '\t';
    }
  }
  sep_ = semicolon ? ';' : tab ? '\t' : ',';
}

inline void CsvTokenizer::StartField() {
  if (count_ == fields_.size()) {
    fields_.emplace_back();
  } else {
    fields_[count_].clear();
  }
  ++count_;
  ++record_bytes_;
}

inline void CsvTokenizer::ConsumeLineEnd() {
  if (buf_[pos_] == '\r') {
    ++line_;
    after_cr_ = true;
  } else {
    if (!after_cr_) ++line_;
    after_cr_ = false;
  }
  ++pos_;
}

inline Result<bool> CsvTokenizer::Next() {
  count_ = 0;
  record_bytes_ = 0;
  State state = State::kRecordStart;
  while (pos_ < end_ || Fill()) {
    char c = buf_[pos_];
    switch (state) {
      case State::kRecordStart:
        if (c == '\r' || c == '\n') {  // a blank line, or the LF of a CRLF
          ConsumeLineEnd();
          continue;
        }
        record_line_ = line_;
        StartField();
        state = State::kFieldStart;
        continue;
      case State::kFieldStart:
        if (c == '"') {
          after_cr_ = false;
          ++pos_;
          state = State::kQuoted;
        } else {
          state = State::kUnquoted;
        }
        continue;
      case State::kUnquoted: {
        size_t run = pos_;
        while (run < end_ && buf_[run] != sep_ && buf_[run] != '\r' && buf_[run] != '\n') ++run;
        if (run > pos_) after_cr_ = false;
        fields_[count_ - 1].append(&buf_[pos_], run - pos_);
        record_bytes_ += run - pos_;
        pos_ = run;
        if (pos_ == end_) break;
        if (buf_[pos_] == sep_) {
          ++pos_;
          StartField();
          state = State::kFieldStart;
          break;
        }
        ConsumeLineEnd();
        return true;
      }
      case State::kQuoted: {
        size_t run = pos_;
        while (run < end_ && buf_[run] != '"' && buf_[run] != '\r' && buf_[run] != '\n') ++run;
        if (run > pos_) after_cr_ = false;
        fields_[count_ - 1].append(&buf_[pos_], run - pos_);
        record_bytes_ += run - pos_;
        pos_ = run;
        if (pos_ == end_) break;
        if (buf_[pos_] == '"') {
          ++pos_;
          state = State::kQuoteInQuoted;
        } else {  // a line break inside the value: kept, and counted as a line
          fields_[count_ - 1].push_back(buf_[pos_]);
          ++record_bytes_;
          ConsumeLineEnd();
        }
        break;
      }
      case State::kQuoteInQuoted:
        after_cr_ = false;
        if (c == '"') {  // "" is one quote
          fields_[count_ - 1].push_back('"');
          ++record_bytes_;
          ++pos_;
          state = State::kQuoted;
        } else if (c == sep_) {
          ++pos_;
          StartField();
          state = State::kFieldStart;
        } else if (c == '\r' || c == '\n') {
          ConsumeLineEnd();
          return true;
        } else {
          return Error("text after the closing quote of field " + std::to_string(count_) +
                       "; a quote inside a quoted value is written twice (\"\")");
        }
        break;
    }
    if (record_bytes_ > kCsvMaxRecordBytes) {
      return Error("the record is longer than 1 MiB; is a quote left open?");
    }
  }
  if (in_.bad()) {
    return Status::Unavailable("reading the file failed after " + std::to_string(bytes_consumed()) +
                               " bytes");
  }
  if (state == State::kQuoted) {
    return Error("a quoted value starting on this line is never closed (missing \")");
  }
  return state != State::kRecordStart;
}

}  // namespace unisono::ingest
