// The platforms' event messages: a record of kind `event` (a named event a device raised, with its
// parameters) as the one publication each cloud expects for it. Kept apart from the property
// uplinks because an event is never split: the cloud sees one event, whole, or the record is
// refused as too large.
//
//   aliyun  /sys/{pk}/{dn}/thing/event/{identifier}/post
//           {"id":"<seq>","version":"1.0","params":{"value":{…},"time":ms},
//            "method":"thing.event.{identifier}.post"}; the answer on …/{identifier}/post_reply
//   tencent $thing/up/event/{pid}/{dn}
//           {"method":"event_post","clientToken":"<seq>","version":"1.0","eventId":"{identifier}",
//            "type":"info"|"alert"|"fault","timestamp":ms,"params":{…}} (type: the identity's
//           event_types, default info); the answer event_reply on $thing/down/event/{pid}/{dn}
//   huawei  $oc/devices/{device_id}/sys/messages/up   (IoTDA's sys/events/up carries only the
//           platform's own system services — $ota, $sub_device_manager —, so a device's own event
//           goes up as a device message) {"name":"{identifier}","id":"<seq>","content":{…}}
//   mqtt    [cloud.mqtt] event_topic (default devices/{device}/events/{event})
//           {"device":…,"event":"{identifier}","seq":N,"time":ms,"params":{…}}
#pragma once

#include <cstddef>
#include <string>

#include "northbound/platform.hpp"
#include "store/record.hpp"

namespace edgegw::northbound {

UplinkResult encode_aliyun_event(const DeviceIdentity& id, const store::Record& r);
UplinkResult encode_tencent_event(const DeviceIdentity& id, const store::Record& r);
UplinkResult encode_huawei_event(const DeviceIdentity& id, const store::Record& r);
// `topic_template` may use {device} and {event}.
UplinkResult encode_mqtt_event(const DeviceIdentity& id, const store::Record& r,
                               const std::string& topic_template);

// Whether an event identifier can go into the platforms' topics and method names: 1–64 of
// [A-Za-z0-9_] (the Alibaba thing model's rule for identifiers, the strictest of the four).
bool valid_event_identifier(std::string_view identifier);

// Whether `type` is one of Tencent's event types: "info", "alert", "fault".
bool valid_tencent_event_type(std::string_view type);

}  // namespace edgegw::northbound
