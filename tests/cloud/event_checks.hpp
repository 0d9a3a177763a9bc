// The shape of the events a device publishes, as each platform's pages show it, written apart from
// northbound/event_payloads.cpp so a wrong topic or field in edgegw shows up here. The plugin runs
// check_event() on every publish a device may make (topic_access.hpp) and refuses a malformed
// event (the broker drops it, as the platforms' rule engines drop what the thing model refuses);
// the e2e tests read the accepted events from the observer.
//
//   aliyun  /sys/{pk}/{dn}/thing/event/{id}/post   {"id":"<digits>","version":"1.0",
//           "params":{"value":{…},"time":ms},"method":"thing.event.{id}.post"}
//   tencent $thing/up/event/{pid}/{dn}             {"method":"event_post","clientToken":"…",
//           "eventId":"{id}","type":"info"|"alert"|"fault","timestamp":ms,"params":{…}}
//   huawei  $oc/devices/{device_id}/sys/messages/up     {"name":"{id}","id":"…","content":{…}}
//           $oc/devices/{device_id}/sys/events/up       {"services":[{"service_id":"$…",
//           "event_type":"…","paras":{…}}]} (only the platform's own $-services)
//   mqtt    devices/{device}/events/{event}       {"device":"{device}","event":"{event}","seq":N,
//           "time":ms,"params":{…}}
#pragma once

#include <string>
#include <string_view>

#include "cloud/connect_checks.hpp"

namespace edgegw::cloud {

struct EventCheck {
  bool is_event = false;   // the topic is one of the platform's event uplinks
  std::string identifier;  // the event's identifier (Huawei sys/events/up: its event_type)
  std::string problem;     // why the payload is not the platform's event shape; "" if it is
  bool ok() const { return is_event && problem.empty(); }
};

// `topic` as published by a device of `platform`. Not an event topic: is_event = false.
EventCheck check_event(Platform platform, std::string_view topic, std::string_view payload);

}  // namespace edgegw::cloud
