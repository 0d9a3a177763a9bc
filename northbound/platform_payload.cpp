#include "northbound/platform_payload.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

namespace edgegw::northbound {

void append_json_string(std::string& out, std::string_view s) {
  // Names and topics are almost always plain ASCII, which JSON takes as it is: copied directly.
  // Anything else (quotes, backslashes, control characters, non-ASCII bytes) goes through
  // nlohmann's serializer, which escapes and, with `replace`, keeps a device's stray bytes from
  // throwing. Building a json value and a serializer per string was 8 % of the forwarding path.
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out +=
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, static_cast<std::size_t>(end - buf));
  if (text.find_first_of(".e") == std::string_view::npos) {
    out += text;
    out += ".0";
  } else if (auto e = text.find('e');
             e != std::string_view::npos && text.find('.') == std::string_view::npos) {
    out += text.substr(0, e);  // 1e+20 -> 1.0e+20: still a float to every reader
    out += ".0";
    out += text.substr(e);
  } else {
    out += text;
  }
}

}  // namespace

void append_json_value(std::string& out, const store::FieldValue& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          char buf[24];
          const auto r = std::to_chars(buf, buf + sizeof buf, x);
          out.append(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, x);
        } else {
          append_json_string(out, x);
        }
      },
      v);
}

std::string json_value(const store::FieldValue& v) {
  std::string out;
  append_json_value(out, v);
  return out;
}

void append_json_member(std::string& out, const store::Field& f) {
  append_json_string(out, f.name);
  out += ':';
  append_json_value(out, f.value);
}

std::string json_fields_object(const std::vector<store::Field>& fields) {
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_json_member(out, fields[i]);
  }
  return out + "}";
}

std::optional<store::FieldValue> field_value_from_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return store::FieldValue(j.get<bool>());
    case Json::value_t::number_integer:
      return store::FieldValue(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
        return store::FieldValue(static_cast<std::int64_t>(u));
      }
      return store::FieldValue(static_cast<double>(u));
    }
    case Json::value_t::number_float:
      return store::FieldValue(j.get<double>());
    case Json::value_t::string:
      return store::FieldValue(j.get<std::string>());
    case Json::value_t::object:
    case Json::value_t::array:
      return store::FieldValue(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<store::Field>> fields_from_json_object(const Json& j, std::string* bad) {
  if (!j.is_object()) return std::nullopt;
  std::vector<store::Field> fields;
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto v = field_value_from_json(it.value());
    if (!v) {
      if (bad) *bad = it.key();
      return std::nullopt;
    }
    fields.push_back({it.key(), std::move(*v)});
  }
  return fields;
}

std::optional<Json> parse_json_object(std::string_view payload, std::string* why) {
  constexpr int kMaxDepth = 32;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : payload) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) {
        if (why) *why = "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";
        return std::nullopt;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  auto j = Json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded()) {
    if (why) *why = "not JSON";
    return std::nullopt;
  }
  if (!j.is_object()) {
    if (why) *why = "not a JSON object";
    return std::nullopt;
  }
  return j;
}

std::string json_member_text(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
  return {};
}

std::optional<std::vector<std::string>> pack_pieces(std::string_view prefix,
                                                    const std::vector<std::string>& pieces,
                                                    std::string_view suffix, std::size_t limit,
                                                    std::size_t* too_big) {
  const std::size_t envelope = prefix.size() + suffix.size();
  std::vector<std::string> payloads;
  std::string current;
  bool empty = true;
  auto close = [&] {
    current += suffix;
    payloads.push_back(std::move(current));
    current.clear();
    empty = true;
  };
  std::size_t all = envelope;
  for (const auto& piece : pieces) all += piece.size() + 1;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (envelope + pieces[i].size() > limit) {
      if (too_big) *too_big = i;
      return std::nullopt;
    }
    // +1 for the comma that would join it to what is already there.
    if (!empty && current.size() + 1 + pieces[i].size() + suffix.size() > limit) close();
    if (empty) {
      current.reserve(std::min(all, limit));  // one allocation for the usual single payload
      current = prefix;
      empty = false;
    } else {
      current += ',';
    }
    current += pieces[i];
  }
  if (!empty) close();
  return payloads;
}

UplinkResult pack_record(const store::Record& r, std::string topic, std::string_view prefix,
                         std::string_view suffix, std::size_t limit, const PieceWriter& piece) {
  UplinkResult result;
  if (r.kind == store::RecordKind::command_reply) {
    result.error = UplinkError{UplinkProblem::unsupported_kind,
                               "command replies are published with encode_reply"};
    return result;
  }
  if (r.fields.empty()) {
    result.error = UplinkError{UplinkProblem::empty_record,
                               "record " + std::to_string(r.seq) + " has no fields"};
    return result;
  }
  // Nearly every record fits one publication: written straight into it. pack_pieces would give
  // the same bytes for it, a string per piece later.
  std::string whole;
  whole.reserve(prefix.size() + suffix.size() + 32 * r.fields.size());
  whole += prefix;
  for (std::size_t i = 0; i < r.fields.size(); ++i) {
    if (i) whole += ',';
    piece(whole, r.fields[i]);
  }
  whole += suffix;
  if (whole.size() <= limit) {
    result.publications.push_back({std::move(topic), std::move(whole), 1});
    return result;
  }
  std::vector<std::string> pieces(r.fields.size());
  for (std::size_t i = 0; i < r.fields.size(); ++i) piece(pieces[i], r.fields[i]);
  std::size_t too_big = 0;
  auto payloads = pack_pieces(prefix, pieces, suffix, limit, &too_big);
  if (!payloads) {
    result.error = UplinkError{
        UplinkProblem::too_large,
        "record " + std::to_string(r.seq) + " field '" + r.fields[too_big].name + "' needs " +
            std::to_string(prefix.size() + pieces[too_big].size() + suffix.size()) +
            " bytes, the platform's limit is " + std::to_string(limit)};
    return result;
  }
  for (auto& p : *payloads) result.publications.push_back({topic, std::move(p), 1});
  return result;
}

UplinkResult pack_properties(const store::Record& r, std::string topic, std::string_view prefix,
                             std::string_view suffix, std::size_t limit, const PieceWriter& piece) {
  auto nothing = [&r](const char* why) {
    UplinkResult result;
    result.error =
        UplinkError{UplinkProblem::nothing_to_send, "record " + std::to_string(r.seq) + " " + why};
    return result;
  };
  if (r.kind == store::RecordKind::device_status) {
    return nothing("is a device status: not a property");
  }
  auto reserved = [](const store::Field& f) { return f.name.starts_with('$'); };
  if (std::none_of(r.fields.begin(), r.fields.end(), reserved)) {
    return pack_record(r, std::move(topic), prefix, suffix, limit, piece);
  }
  store::Record points = r;
  std::erase_if(points.fields, reserved);
  if (points.fields.empty()) return nothing("carries only point quality: not properties");
  return pack_record(points, std::move(topic), prefix, suffix, limit, piece);
}

std::string expand_template(
    std::string_view text, const std::vector<std::pair<std::string_view, std::string_view>>& vars) {
  std::string out;
  out.reserve(text.size() + 32);
  std::size_t i = 0;
  while (i < text.size()) {
    // Copied a run at a time: a topic template is expanded for every message sent.
    const auto open = text.find('{', i);
    if (open == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, open - i);
    i = open;
    auto close = text.find('}', i);
    if (close != std::string_view::npos) {
      auto name = text.substr(i + 1, close - i - 1);
      bool replaced = false;
      for (const auto& [k, v] : vars) {
        if (k == name) {
          out += v;
          replaced = true;
          break;
        }
      }
      if (replaced) {
        i = close + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace edgegw::northbound
