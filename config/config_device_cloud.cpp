// [device.cloud]: one device's identity on its platform. Which keys exist depends on the platform
// and the auth mode (CONFIG.md's table); the platform says which (northbound/platform_rules.hpp),
// this file only reads them. A key that the chosen combination does not use is reported as
// unknown, so a half-switched configuration cannot pass unnoticed.
#include "config/certificate_check.hpp"
#include "config/config_sections.hpp"
#include "config/secrets.hpp"
#include "northbound/platform_rules.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;
using northbound::AuthMode;
using northbound::IdentityField;

// Reads one key the platform asked for into its member of `out`.
void read_field(TableReader& t, const IdentityField& field, northbound::DeviceIdentity& out) {
  switch (field.kind) {
    case IdentityField::Kind::text:
      if (field.required && !t.require(field.key)) return;
      if (field.allow_empty) {
        t.read(field.key, out.*field.text);
      } else {
        t.read_nonempty(field.key, out.*field.text);
      }
      return;
    case IdentityField::Kind::secret:
      read_secret(t, field.key, out.*field.text, field.required);
      return;
    case IdentityField::Kind::certificate:
      if (field.required && !t.require(field.key)) return;
      if (read_file_path(t, field.key, out.*field.path, false)) {
        if (auto problem = check_certificate_file(out.*field.path, CertificateRole::client,
                                                  std::chrono::system_clock::now())) {
          t.problem(field.key, *problem);
        }
      }
      return;
    case IdentityField::Kind::private_key:
      if (field.required && !t.require(field.key)) return;
      read_file_path(t, field.key, out.*field.path, true);
      return;
  }
}

// Where a platform's problem belongs: its key (or the key's _file form) if the table sets it,
// else the table.
void report(TableReader& t, const northbound::RuleProblem& problem) {
  const std::string file_form = problem.key + "_file";
  if (!problem.key.empty() && t.has(problem.key)) {
    t.problem(problem.key, problem.message);
  } else if (!problem.key.empty() && t.has(file_form)) {
    t.problem(file_form, problem.message);
  } else {
    t.table_problem(problem.message);
  }
}

}  // namespace

void read_device_cloud(TableReader& t, const northbound::CloudOptions& cloud,
                       northbound::DeviceIdentity& out) {
  const northbound::PlatformRules& rules = northbound::platform_rules(cloud.platform);
  const std::size_t problems_before = t.problems().size();
  out.auth = rules.default_auth(cloud, [&](std::string_view key) { return t.has(key); });
  std::vector<std::pair<std::string_view, AuthMode>> choices;
  for (const auto& choice : rules.auth_choices()) choices.emplace_back(choice.name, choice.mode);
  if (!choices.empty()) t.read_choice("auth", out.auth, choices);
  for (const IdentityField& field : rules.identity_fields(out.auth)) read_field(t, field, out);
  rules.complete(out);

  std::chrono::seconds keepalive{0};
  if (t.read_seconds("keepalive", keepalive, 0s, 65535s)) {
    check_keepalive_range(t, "keepalive", cloud.platform, keepalive);
    out.keepalive = keepalive;
  }
  double rate = 0;
  if (t.read_number("publish_rate", rate, 0, 100000, true)) out.publish_rate = rate;
  t.report_unknown_keys(" for platform " + std::string(rules.name()) +
                        " (see docs/configuration.md)");
  // The platform's own rules (each written once, in northbound/): only when the table read
  // cleanly, so that a missing or unreadable key is not reported a second time in other words.
  if (t.problems().size() == problems_before) {
    if (auto problem = rules.check(cloud, out)) report(t, *problem);
  }
}

}  // namespace edgegw::config
